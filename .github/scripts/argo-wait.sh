#!/usr/bin/env bash
# Wait for an Argo workflow to finish and write its final state as JSON, surviving dropped
# streams. `argo wait` follows a long-lived stream through the Argo server; an ingress idle
# timeout or a server restart ends it with exit 1 while the workflow carries on (it may be
# queued on the mutex for hours). So a failed `argo wait` is never the answer: the phase is
# read back with `argo get`, and waiting resumes until the phase is final or the budget ends.
#
# Usage: argo-wait.sh WORKFLOW OUT.json
#   WAIT_SECONDS  budget (0 = none); keep it below the job's timeout so the report still runs
#   POLL_SECONDS  pause before waiting again after a dropped stream (default 30)
# Exit: 0 final phase reached (Succeeded, Failed or Error; OUT.json holds the workflow),
#       3 budget spent with the workflow still queued or running (OUT.json: its last state),
#       2 usage. Run by .github/workflows/run-data-pipelines.yaml; tested with a stub `argo`
#       that drops its stream (tests/integration/test_argo_wait.py).
set -uo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 WORKFLOW OUT.json" >&2
  exit 2
fi
workflow=$1 out=$2
budget=${WAIT_SECONDS:-0} pause=${POLL_SECONDS:-30}
deadline=$((SECONDS + budget))
errors=$(mktemp)
trap 'rm -f "$errors" "$out.tmp"' EXIT

# Seconds left for one `argo wait` (at least 1); 0 means no limit, as for `timeout`.
remaining() { if ((budget > 0)); then echo $((deadline - SECONDS > 1 ? deadline - SECONDS : 1)); else echo 0; fi; }

phase=Unknown
while :; do
  left=$(remaining)
  # timeout 0 means no limit; a budget keeps one long stream from outliving the job.
  if ! timeout "${left}s" argo wait "$workflow" >/dev/null 2>"$errors"; then
    echo "argo wait ended without a result ($(tail -n 1 "$errors")); asking for the workflow's phase" >&2
  fi
  if argo get "$workflow" -o json >"$out.tmp" 2>"$errors"; then
    phase=$(jq -r '.status.phase // "Pending"' "$out.tmp")
    mv "$out.tmp" "$out"
    case $phase in
      Succeeded | Failed | Error)
        echo "$workflow: $phase"
        exit 0
        ;;
    esac
  else
    echo "argo get failed ($(tail -n 1 "$errors")); trying again" >&2
  fi
  if ((budget > 0 && SECONDS >= deadline)); then
    echo "::warning::$workflow is still ${phase} after ${budget}s of waiting; it goes on in the cluster (argo get $workflow)"
    exit 3
  fi
  echo "$workflow is $phase; waiting again in ${pause}s" >&2
  sleep "$pause"
done
