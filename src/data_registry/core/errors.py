"""Every failure a user can cause, as one exception type with a hint.

The CLI turns a `RegistryError` into a single line (`error: <what> (<hint>)`) and
its `exit_code`; anything else is a bug and keeps its traceback.

Exit codes, the same in every command (defined here and nowhere else):

| code | meaning | classes |
|---|---|---|
| 0 | done (also "unchanged": no new version was needed) | — |
| 1 | something outside the input failed: a stage, the remote, git, a lock | `RegistryError` |
| 2 | the input is wrong: a name, an unknown dataset/collection/version/split, params, YAML | `UsageError` |
"""

from __future__ import annotations


def yaml_problem(error: Exception) -> str:
    """`while parsing a flow node ... line 3` as one short clause: the problem and where."""
    problem = getattr(error, "problem", None) or " ".join(str(error).splitlines()[:1]) or type(error).__name__
    mark = getattr(error, "problem_mark", None)
    return f"{problem} at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else problem


class RegistryError(Exception):
    """A failure with a message for the user and a hint on what to do next."""

    exit_code = 1
    hint = ""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint

    def one_line(self) -> str:
        text = " ".join(str(self).split())
        return f"{text} ({self.hint})" if self.hint else text


class UsageError(RegistryError):
    """Bad input on the command line: exit 2 like argparse and typer do."""

    exit_code = 2


class InvalidDatasetName(UsageError):
    hint = "dataset names match [a-z0-9][a-z0-9-]*, at most 64 characters, e.g. fashion-mnist"


class InvalidCollectionName(InvalidDatasetName):
    hint = "collection names match [a-z0-9][a-z0-9-]*, at most 64 characters, e.g. cats"


class UnknownDataset(UsageError):
    hint = "`data-registry list` shows the datasets and collections of a registry"


class UnknownCollection(UnknownDataset):
    hint = "`data-registry list` shows the collections; add one with `data-registry add-collection NAME DIR`"


class PipelineFileError(UsageError):
    hint = "fix the file (see `dvc.yaml` reference at dvc.org/doc/user-guide/project-structure) and rerun"


class UnsafeCollectionFolder(UsageError):
    hint = "a collection is copied from regular files only: replace links with copies or remove them"


class ParamsError(UsageError):
    hint = "use -S key=value with a dotted key that exists in params.yaml"


class DirtyTree(RegistryError):
    hint = "commit or stash your changes first: a tag must hold exactly the code that made the data"


class LockBusy(RegistryError):
    hint = "another run_pipeline.py holds the repository lock; wait for it and run again"


class DownloadError(RegistryError):
    hint = "check the network or set DATA_REGISTRY_MIRROR to a reachable mirror, then rerun"


class ChecksumMismatch(DownloadError):
    hint = "the source changed or the download is corrupt; nothing was kept, check the mirror and rerun"


class CorruptSource(RegistryError):
    hint = "the downloaded file is not in the expected format; delete it and rerun the pipeline"


class PromptError(UsageError):
    hint = "check the prompt file (name, template) and MLFLOW_TRACKING_URI, then rerun"


class UnknownPrompt(PromptError):
    hint = (
        "`data-registry prompts list` shows what is registered; register the pipeline's prompt file "
        "with `data-registry prompts register <file>` or pin an existing prompt.version in params.yaml"
    )


class StageFailed(RegistryError):
    hint = "fix the cause printed above and rerun; the previous version is untouched"


class PublishFailed(RegistryError):
    hint = "the version is tagged and its data is in the remote; fix the cause above and rerun to publish"


class RemoteError(RegistryError):
    hint = "check the remote's endpoint and credentials (env or .dvc/config.local), then rerun"


class MetadataError(RegistryError):
    hint = "the pipeline's analyze stage wrote an invalid metadata.json; fix it and rerun"


class TagConflict(RegistryError):
    hint = "tags are immutable; fetch tags from the registry remote and rerun so the next version is picked"


class GitError(RegistryError):
    hint = "run the git command shown by hand to see why, fix it and rerun"


class UnknownVersion(UsageError):
    hint = "pick one of the versions listed, `latest`, or a prefix such as 1.2"


class UnknownSplit(UsageError):
    hint = "pick one of the splits listed; `data-registry show <dataset>` describes them"


class RegistryUnreachable(RegistryError):
    hint = "check the registry path or git URL passed as --repo / repo= and your git access to it"


class StaleStageDeps(RegistryError):
    hint = "run `data-registry deps --write` and commit the dvc.yaml files it changed"


class ExpectationsError(UsageError):
    hint = "fix pipelines/<dataset>/expectations.yaml (see the README's quality gates section) and rerun"


class GateFailed(RegistryError):
    """Checks failed: nothing was pushed or tagged. Its own exit code, so CI can tell a blocked
    version from a broken run; the failed checks follow the error line, one per line."""

    exit_code = 3
    hint = 'fix the data or its expectations.yaml, or publish anyway with --accept "reason"'

    def __init__(self, message: str, lines: list[str], report: dict | None = None) -> None:
        super().__init__(message)
        self.lines = lines
        self.report = report or {}

    def one_line(self) -> str:
        return "\n".join([super().one_line(), *(f"  {line}" for line in self.lines)])


class CorruptObject(RemoteError):
    """Bytes from the remote that do not hash to the md5 the version's dvc.lock names."""

    hint = "run `data-registry verify <dataset> --version <version>`, then push the version again"
