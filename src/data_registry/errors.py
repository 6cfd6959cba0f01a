"""Every failure a user can cause, as one exception type with a hint.

The CLI turns a `RegistryError` into a single line (`error: <what> (<hint>)`) and
its `exit_code`; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


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
    hint = "dataset names match [a-z0-9][a-z0-9-]*, e.g. fashion-mnist"


class UnknownDataset(UsageError):
    hint = "run `data-registry datasets` to list the pipelines under pipelines/"


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


class CorruptObject(RemoteError):
    """Bytes from the remote that do not hash to the md5 the version's dvc.lock names."""

    hint = "run `data-registry verify <dataset> --version <version>`, then push the version again"
