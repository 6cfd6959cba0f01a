#!/usr/bin/env bash
# Write one dataset's Argo run to the GitHub job summary and fail the job unless it succeeded.
# A failed run also gets its last log lines (all attempts) in the summary, so nobody has to
# reach the cluster to see why; when `argo logs` itself is refused, the summary says so
# rather than hiding it.
#
# Usage: argo-report.sh DATASET WORKFLOW WORKFLOW.json   (GITHUB_STEP_SUMMARY must be set)
# Exit: 0 Succeeded, 1 anything else (failed, or still running when the job had to stop).
set -euo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: $0 DATASET WORKFLOW WORKFLOW.json" >&2
  exit 2
fi
dataset=$1 workflow=$2 json=$3
: "${GITHUB_STEP_SUMMARY:?is not set: run this in a GitHub Actions step}"
tail_lines=${LOG_TAIL_LINES:-80}

phase=Unknown message="" status=- changed=- version=- tag=-
if [[ -s "$json" ]]; then
  phase=$(jq -r '.status.phase // "Pending"' "$json")
  message=$(jq -r '.status.message // empty' "$json")
  read -r status changed version tag < <(jq -r '
    (.status.nodes[.metadata.name].outputs.parameters // [])
    | map({(.name): .value}) | add // {}
    | [.status // "-", .changed // "-", .version // "-", .tag // "-"] | @tsv' "$json")
fi

{
  echo "| dataset | workflow | phase | status | changed | version | tag |"
  echo "|---|---|---|---|---|---|---|"
  echo "| \`$dataset\` | \`$workflow\` | $phase | $status | $changed | $version | \`$tag\` |"
} >>"$GITHUB_STEP_SUMMARY"

case $phase in
  Succeeded) exit 0 ;;
  Failed | Error) verdict="failed" ;;
  Unknown) verdict="could not be read back from the Argo server; it may still run there" ;;
  *) verdict="was still $phase in the cluster when this job had to stop; it goes on there" ;;
esac

echo "error: $dataset: workflow $workflow $verdict${message:+: $message}" >&2
logs=$(mktemp)
trap 'rm -f "$logs"' EXIT
{
  echo
  echo "**$dataset**: workflow \`$workflow\` $verdict${message:+: $message}"
  echo
  if argo logs "$workflow" --tail "$tail_lines" >"$logs" 2>&1; then
    echo "<details open><summary>last $tail_lines log lines of every attempt</summary>"
    echo
    echo '```text'
    cat "$logs"
    echo '```'
    echo "</details>"
  else
    echo "The logs could not be read (\`argo logs\` was refused or failed):"
    echo
    echo '```text'
    tail -n 20 "$logs"
    echo '```'
  fi
} >>"$GITHUB_STEP_SUMMARY"
cat "$logs" >&2
exit 1
