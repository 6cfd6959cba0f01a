#!/usr/bin/env python
"""Production wrapper: `run_pipeline.py <dataset> [options]` is `data-registry run <dataset> [options]`."""

import sys

from data_registry.cli import main

if __name__ == "__main__":
    main(["run", *sys.argv[1:]])
