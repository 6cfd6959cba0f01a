"""The core every other layer stands on.

Errors and exit codes, settings, paths and names (`layout`), versions and the bump rule,
params, `dvc.lock` reading, the stage deps a version's identity rests on (`stage_deps`), the
one remote configuration, and the only modules that call DVC (`dvc`) and git (`git`).
Nothing here imports from another data_registry package.
"""
