"""Log this version's build as an MLflow run: params, the version as an input, the prompt used.

Run by the wrapper after every run with the version now current; a run already logged for the
tag is left alone, so rerunning publishes nothing twice.
"""

from __future__ import annotations

import sys

from data_registry import build_runs, datasets, settings, stage

DATASET = "roco-radiology"


def main() -> None:
    args = stage.publish_request()
    dataset = datasets.get(datasets.find_root(), DATASET)
    run_id, created = build_runs.log_build(
        dataset, args.tag, args.version, settings.load(dataset.root).mlflow_tracking_uri
    )
    print(f"MLflow run {run_id} {'logged' if created else 'already holds'} {args.tag}", file=sys.stderr)


if __name__ == "__main__":
    stage.run(main)
