"""Resolve the pinned instruction prompt in MLflow's Prompt Registry into prompt.json.

MLFLOW_TRACKING_URI (an environment parameter) says which registry; params.yaml says which
prompt and version (or alias). An unknown version stops the run here, before anything is built.
"""

from __future__ import annotations

import json
import sys

from data_registry.core import atomic, datasets, params, settings, stage
from data_registry.formats import prompts

DATASET = "roco-radiology"


def main() -> None:
    pinned = params.load()["prompt"]
    dataset = datasets.get(datasets.find_root(), DATASET)
    resolved = prompts.resolve(
        pinned["name"],
        settings.load(dataset.root).mlflow_tracking_uri,
        version=pinned.get("version") if pinned.get("alias") is None else None,
        alias=pinned.get("alias"),
    )
    atomic.write_text(
        dataset.data_dir / "prompt.json", json.dumps(resolved.lineage(), indent=2, sort_keys=True) + "\n"
    )
    print(f"prompt {resolved.uri} (sha256 {resolved.template_sha256[:12]})", file=sys.stderr)


if __name__ == "__main__":
    stage.run(main)
