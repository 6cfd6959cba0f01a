"""The `data-registry` command: each command parses, calls the library, prints.

Heavy modules (dvc, pyarrow, and rich, ~100 ms) are imported inside commands, and help and
errors are plain text rather than typer's rich panels, so `--help` starts faster than `dvc --help`
(tests/benchmarks/bench_cli_start.py).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

from data_registry.core.errors import RegistryError, UsageError
from data_registry.core.stage import fail

if TYPE_CHECKING:
    from rich.console import Console

    from data_registry.commands.pin import PinResult
    from data_registry.core.summary import Summary
    from data_registry.core.versions import Part

app = typer.Typer(
    help="Versioned datasets: DVC pipelines, immutable git tags, object-store outs.",
    no_args_is_help=True,
    rich_markup_mode=None,  # click's plain help: typer's rich panels cost more than dvc's whole start
    pretty_exceptions_enable=False,  # errors are one `error:` line anyway (`main`)
)


@functools.cache
def _stderr() -> Console:
    """Rich output on stderr (progress, warnings), loaded by the first command that prints."""
    from rich.console import Console

    return Console(stderr=True)


RepoOption = Annotated[
    Path | None, typer.Option("--repo", help="Registry checkout (default: found from cwd).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print a machine-readable JSON summary on stdout.")]
# Options of the commands that make versions (run, add-collection).
EnvNameOption = Annotated[str | None, typer.Option("--env", help="Load .env.<NAME> (docker, minikube).")]
PushRemoteOption = Annotated[
    str | None, typer.Option("--remote", help="DVC remote to pull from and push to.")
]
BumpOption = Annotated[
    str | None, typer.Option("--bump", help="Force the bump: major, minor or patch.", metavar="PART")
]
NoGitPushOption = Annotated[bool, typer.Option("--no-push", help="Do not push the commit and tag to git.")]


@app.callback()
def _options(
    verbose: Annotated[
        bool,
        typer.Option(
            "-v",
            "--verbose",
            help="Show library output (Ray, model loading, warnings) instead of logging it.",
        ),
    ] = False,
) -> None:
    """Versioned datasets: DVC pipelines, immutable git tags, object-store outs."""
    if verbose:  # exported: pipeline stages run as child processes
        os.environ["DATA_REGISTRY_VERBOSE"] = "1"


def _root(repo: Path | None) -> Path:
    from data_registry.core.datasets import find_root

    return find_root(repo)


@app.command()
def run(
    dataset: Annotated[
        str, typer.Argument(help="Pipeline folder name under pipelines/, e.g. fashion-mnist.")
    ],
    env: EnvNameOption = None,
    remote: PushRemoteOption = None,
    overrides: Annotated[
        list[str] | None, typer.Option("-S", "--set", help="Override params.yaml: key=value (repeatable).")
    ] = None,
    bump: BumpOption = None,
    no_push: NoGitPushOption = False,
    accept: Annotated[
        str | None,
        typer.Option(
            "--accept",
            help="Tag even if quality checks fail; the reason goes into the tag.",
            metavar="REASON",
        ),
    ] = None,
    as_json: JsonOption = False,
    repo: RepoOption = None,
) -> None:
    """Reproduce a dataset and, if its outs changed and its quality gates pass, push and tag a new version.

    Exit code 3: a quality check failed, nothing was pushed or tagged."""
    with _errors_as_one_line(), _stdout_reserved_for_json(as_json) as out, _gate_report(as_json, out):
        from data_registry.commands import runner

        request = runner.RunRequest(
            dataset=dataset,
            env_name=env,
            remote=remote,
            overrides=overrides or [],
            bump=_checked_bump(bump),
            git_push=not no_push,
            accept=_checked_reason(accept),
        )
        _print_summary(runner.run(_root(repo), request, progress=_progress), as_json, out)


@app.command("add-collection")
def add_collection(
    name: Annotated[
        str, typer.Argument(help="Collection name, e.g. cats; tags are collection-<name>-vX.Y.Z.")
    ],
    folder: Annotated[Path, typer.Argument(help="Folder holding the collection's image files.")],
    env: EnvNameOption = None,
    remote: PushRemoteOption = None,
    bump: BumpOption = None,
    no_push: NoGitPushOption = False,
    as_json: JsonOption = False,
    repo: RepoOption = None,
) -> None:
    """Version a raw image collection: copy to data/collections/<name>, dvc add, push, verify, tag.

    Changed content gets the next minor version unless --bump says otherwise."""
    with _errors_as_one_line(), _stdout_reserved_for_json(as_json) as out:
        from data_registry.commands import add_collection as adding

        request = adding.AddRequest(
            name=name,
            folder=folder,
            env_name=env,
            remote=remote,
            bump=_checked_bump(bump),
            git_push=not no_push,
        )
        _print_summary(adding.add(_root(repo), request, progress=_progress), as_json, out)


def _checked_bump(bump: str | None) -> Part | None:
    from data_registry.core.versions import PARTS

    if bump is not None and bump not in PARTS:
        raise UsageError(f"--bump must be one of {', '.join(PARTS)}, not {bump!r}")
    return bump


def _checked_reason(reason: str | None) -> str | None:
    if reason is not None and not reason.strip():
        raise UsageError('--accept needs a reason, e.g. --accept "upstream relabelled class 3, reviewed"')
    return " ".join(reason.split()) if reason is not None else None


@contextlib.contextmanager
def _gate_report(as_json: bool, out: TextIO) -> Iterator[None]:
    """With --json, a blocked version still reports each check on stdout for CI."""
    from data_registry.core.errors import GateFailed

    try:
        yield
    except GateFailed as error:
        if as_json:
            print(json.dumps({"status": "blocked", "gates": error.report}, sort_keys=True), file=out)
        raise


def _progress(message: str) -> None:
    _stderr().print(f"[dim]• {message}[/]")


def _print_summary(summary: Summary, as_json: bool, out: TextIO) -> None:
    from data_registry.core.summary import render

    if as_json:
        print(summary.to_json(), file=out)
    else:
        from rich.console import Console

        render(summary, Console(file=out))


@app.command("datasets")
def list_datasets(
    label: Annotated[str | None, typer.Option("--label", help="Only datasets with this label.")] = None,
    as_json: JsonOption = False,
    repo: RepoOption = None,
) -> None:
    """List the pipelines in this registry with their labels."""
    with _errors_as_one_line():
        from data_registry.core.datasets import discover

        found = [d for d in discover(_root(repo)) if label is None or label in d.labels]
        if as_json:
            print(json.dumps([{"name": d.name, "labels": d.labels} for d in found]))
        else:
            for dataset in found:
                print(f"{dataset.name}\t{','.join(dataset.labels)}")


@app.command()
def pin(
    dataset: Annotated[str | None, typer.Argument(help="Pipeline folder name, e.g. wine-quality.")] = None,
    all_datasets: Annotated[
        bool, typer.Option("--all", help="Every pipeline with a pinnable source.")
    ] = False,
    update: Annotated[
        bool, typer.Option("--update", help="Replace existing pins with current values.")
    ] = False,
    revision: Annotated[
        str | None, typer.Option("--revision", help="Hub branch or tag to pin (default: main).")
    ] = None,
    env: EnvNameOption = None,
    as_json: JsonOption = False,
    repo: RepoOption = None,
) -> None:
    """Write a source's commit sha and file sha256 values into params.yaml, comments kept."""
    with _errors_as_one_line():
        from data_registry.commands import pin as pinning
        from data_registry.core import datasets, settings

        if (dataset is None) == (not all_datasets):
            raise UsageError("give a dataset name or --all")
        root = _root(repo)
        env_settings = settings.export_environment(root, env)
        if not all_datasets:
            result = pinning.pin(datasets.get(root, dataset or ""), env_settings, update=update, ref=revision)
            print(json.dumps([result.to_dict()], indent=2) if as_json else _pinned(result))
            return
        # --all: one dataset's failure (a hub down, a moved file) does not stop the others.
        results, failures = [], []
        for found in datasets.discover(root):
            try:
                results.append(pinning.pin(found, env_settings, update=update, ref=revision))
            except RegistryError as error:
                failures.append(error)
                _stderr().print(f"error: {found.name}: {error.one_line()}", highlight=False, soft_wrap=True)
                continue
            if not as_json:
                print(_pinned(results[-1]), flush=True)
        if as_json:
            print(json.dumps([result.to_dict() for result in results], indent=2))
        if failures:
            raise typer.Exit(failures[0].exit_code)


def _pinned(result: PinResult) -> str:
    """What `pin` did to one dataset, a line per changed key."""
    if result.kind == "none":
        return f"{result.dataset}: no source to pin"
    lines = [
        f"{result.dataset}: {key} {old or '(unset)'} -> {new}" for key, (old, new) in result.changed.items()
    ]
    if not result.changed and result.kept and all(key.endswith(".md5") for key in result.kept):
        lines.append(f"{result.dataset}: already pinned by the publisher's md5 checksums")
    elif not result.changed:
        kept = f" (kept {len(result.kept)} existing pins; --update replaces them)" if result.kept else ""
        lines.append(f"{result.dataset}: already pinned{kept}")
    elif result.kept:
        lines.append(f"{result.dataset}: kept {len(result.kept)} existing pins (--update replaces them)")
    return "\n".join(lines)


@app.command()
def changed(
    base: Annotated[
        str | None,
        typer.Option(
            "--base", help="Commit before the change, e.g. a push's `before` (all zeros: every dataset)."
        ),
    ] = None,
    head: Annotated[str, typer.Option("--head", help="Commit after the change.")] = "HEAD",
    dataset: Annotated[
        str | None,
        typer.Option("--dataset", help="No diff: report this dataset, or `all`, as changed (manual runs)."),
    ] = None,
    as_json: JsonOption = False,
    repo: RepoOption = None,
) -> None:
    """List the datasets whose pipeline or the shared code changed between two commits."""
    with _errors_as_one_line():
        from data_registry.commands import changes

        if (base is None) == (dataset is None):
            raise UsageError("give exactly one of --base REF or --dataset NAME")
        root = _root(repo)
        found = (
            changes.requested(root, dataset) if dataset else changes.changed_datasets(root, base or "", head)
        )
        if as_json:
            print(found.to_json())
        else:
            for name, paths in found.reasons.items():
                print(f"{name}\t{', '.join(paths)}")


@app.command()
def deps(
    write: Annotated[
        bool, typer.Option("--write", help="Rewrite the lists instead of checking them.")
    ] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Report differences, exit 1 if any (default).")
    ] = False,
    repo: RepoOption = None,
) -> None:
    """Check (or --write) every stage's Python deps (its scripts, their helper scripts, the
    `../../src/data_registry/` modules) against what its scripts import."""
    with _errors_as_one_line():
        from data_registry.core import stage_deps
        from data_registry.core.errors import StaleStageDeps

        if write and check:
            raise UsageError("give --check or --write, not both")
        root = _root(repo)
        for path in stage_deps.write(root) if write else []:
            print(f"wrote {path.relative_to(root)}")
        found = stage_deps.differences(root)
        for difference in found:
            print(difference.line())
        if found:
            raise StaleStageDeps(f"{len(found)} stage deps differ from what the stages run")
        _stderr().print("every stage's deps list each script and data_registry module it runs")


# --- consumers: read exact versions of a registry (a local checkout or a git URL) ---

RegistryOption = Annotated[
    str | None, typer.Option("--repo", help="Registry: checkout path or git URL (default: this checkout).")
]
VersionOption = Annotated[str, typer.Option("--version", help="latest, 1, 1.2 or 1.2.0.")]
RemoteOption = Annotated[str | None, typer.Option("--remote", help="DVC remote to read from.")]
RemoteConfigOption = Annotated[
    list[str] | None,
    typer.Option("--remote-config", help="key=value for the remote, e.g. endpointurl=http://host:9000."),
]


def _remote_config(pairs: list[str] | None) -> dict[str, str] | None:
    if not pairs:
        return None
    if any("=" not in pair for pair in pairs):
        raise UsageError("--remote-config takes key=value, e.g. endpointurl=http://localhost:9000")
    return dict(pair.split("=", 1) for pair in pairs)


@app.command("list")
def list_versions(as_json: JsonOption = False, repo: RegistryOption = None) -> None:
    """Datasets and collections with their latest version, rows or files, and size."""
    with _errors_as_one_line():
        from data_registry.client import catalog, render

        entries = catalog(repo)
        print(json.dumps(entries, indent=2) if as_json else render.catalog_table(entries))


DatasetArgument = Annotated[
    str, typer.Argument(help="Dataset name, or collection:NAME for a collection.", metavar="NAME")
]


def _collection(name: str) -> str | None:
    from data_registry.client.collection import named

    return named(name)


@app.command("versions")
def versions_of(dataset: DatasetArgument, as_json: JsonOption = False, repo: RegistryOption = None) -> None:
    """A dataset's or collection's versions, oldest first (from the registry's git tags; no clone)."""
    with _errors_as_one_line():
        from data_registry import client
        from data_registry.client import collection
        from data_registry.core import layout

        name = _collection(dataset)
        found = collection.versions(name, repo) if name else client.versions(dataset, repo)
        if as_json:
            print(json.dumps(found))
        elif found:
            print("\n".join(found))
        else:
            _stderr().print(
                f"{dataset} has no versions yet (no tag {layout.tag_shape(dataset)}); "
                "`data-registry run` makes one"
            )


@app.command()
def show(
    dataset: DatasetArgument,
    version: VersionOption = "latest",
    as_json: JsonOption = False,
    repo: RegistryOption = None,
) -> None:
    """A version's dataset card and metadata; for a collection: files, size, formats, changes."""
    with _errors_as_one_line():
        from data_registry.client import card, collection, locate, metadata, render
        from data_registry.client.checks import checks

        name = _collection(dataset)
        if name:
            described = collection.show(name, version, repo)
            print(json.dumps(described, indent=2) if as_json else render.collection_shown(described))
            return
        registry = locate(repo)
        document = metadata(dataset, version, registry)
        text = card(dataset, document["version"], registry)
        found = checks(dataset, document, registry)
        print(
            json.dumps({"card": text, "metadata": document, "checks": found}, indent=2)
            if as_json
            else render.shown(text, document, found)
        )


@app.command()
def diff(
    dataset: DatasetArgument,
    old: str,
    new: str,
    everything: Annotated[
        bool, typer.Option("--all", help="Also the keys that stayed the same (in --json too); datasets only.")
    ] = False,
    as_json: JsonOption = False,
    repo: RegistryOption = None,
) -> None:
    """What changed between two versions: params, schema, rows, metrics, files (a collection: files)."""
    with _errors_as_one_line():
        from data_registry.client import collection, render
        from data_registry.client import diff as compare

        name = _collection(dataset)
        if name:
            report = collection.diff(name, old, new, repo)
            print(json.dumps(report, indent=2) if as_json else render.collection_differences(report))
            return
        # The text view always gets every key: it names each split, and --all shows them all.
        report = compare(dataset, old, new, repo, unchanged=everything or not as_json)
        print(json.dumps(report, indent=2) if as_json else render.differences(report, everything))


@app.command()
def catalog(
    html: Annotated[Path, typer.Option("--html", help="Folder to write the static site to.", metavar="DIR")],
    url: Annotated[
        str | None, typer.Option("--url", help="Registry URL the consume snippets show (default: --repo).")
    ] = None,
    as_json: JsonOption = False,
    repo: RegistryOption = None,
) -> None:
    """A static HTML catalog (index, one page per dataset, diff views) that works offline."""
    with _errors_as_one_line():
        from data_registry.site import build_site

        report = build_site(html, repo, url)
        if as_json:
            print(json.dumps(report.as_dict(), indent=2))
            return
        print(
            f"wrote {report.pages} pages ({report.datasets} datasets, {report.collections} collections) "
            f"to {report.out} in {report.seconds:.1f} s; open {report.out}/index.html"
        )
        for problem in report.problems:
            _stderr().print(f"warning: {problem}")


@app.command()
def get(
    dataset: DatasetArgument,
    out: Annotated[Path, typer.Option("--out", help="Folder to create with the data.")],
    version: VersionOption = "latest",
    split: Annotated[str | None, typer.Option("--split", help="Only this split.")] = None,
    remote: RemoteOption = None,
    remote_config: RemoteConfigOption = None,
    repo: RegistryOption = None,
) -> None:
    """Copy a version's processed data (or one split), or a collection's files, into a new folder."""
    with _errors_as_one_line():
        from data_registry import client
        from data_registry.client import collection

        config = _remote_config(remote_config)
        name = _collection(dataset)
        if name and split:
            raise UsageError("a collection has no splits", "leave out --split to get the whole collection")
        written = (
            collection.get(name, version, out, repo, remote=remote, remote_config=config)
            if name
            else client.get(dataset, version, out, split, repo, remote=remote, remote_config=config)
        )
        print(written)


@app.command()
def verify(
    dataset: DatasetArgument,
    version: VersionOption = "latest",
    remote: RemoteOption = None,
    remote_config: RemoteConfigOption = None,
    as_json: JsonOption = False,
    repo: RegistryOption = None,
) -> None:
    """Check every out of a version is in the remote with the right hash (reads each object back)."""
    with _errors_as_one_line():
        from data_registry import client

        registry = client.locate(repo, remote=remote, remote_config=_remote_config(remote_config))
        report = client.verify(dataset, version, registry)
        if as_json:
            print(json.dumps(report.to_dict(), indent=2))
        else:
            print(f"{report.tag}: {report.objects} objects, {report.bytes} bytes intact in {report.remote}")


# --- prompts: instruction templates in MLflow's Prompt Registry (MLFLOW_TRACKING_URI) ---

prompts_app = typer.Typer(help="Instruction prompts in MLflow's Prompt Registry.", no_args_is_help=True)
app.add_typer(prompts_app, name="prompts")
EnvOption = Annotated[str | None, typer.Option("--env", help="Load .env.<NAME> (docker, minikube).")]


def _tracking_uri(env: str | None) -> str:
    from data_registry.core import settings
    from data_registry.core.datasets import find_root

    try:
        root = find_root()
    except UsageError:
        root = Path.cwd()
    return settings.export_environment(root, env).mlflow_tracking_uri


@prompts_app.command("register")
def prompts_register(
    file: Annotated[Path, typer.Argument(help="Prompt YAML file: name, template, commit_message, tags.")],
    alias: Annotated[str | None, typer.Option("--alias", help="Point this alias at the version.")] = None,
    env: EnvOption = None,
) -> None:
    """Register the file's template as a new version (none if the latest version holds it)."""
    with _errors_as_one_line():
        from data_registry.formats import prompts

        found, created = prompts.register(prompts.read_file(file), _tracking_uri(env), alias=alias)
        print(f"{found.uri} {'registered' if created else 'unchanged'} (sha256 {found.template_sha256[:12]})")


@prompts_app.command("list")
def prompts_list(as_json: JsonOption = False, env: EnvOption = None) -> None:
    """Registered prompts with their latest version and aliases."""
    with _errors_as_one_line():
        from data_registry.formats import prompts

        found = prompts.list_prompts(_tracking_uri(env))
        if as_json:
            print(json.dumps(found, indent=2))
        for entry in [] if as_json else found:
            aliases = " ".join(f"@{alias}={version}" for alias, version in sorted(entry["aliases"].items()))
            print(f"{entry['name']}\tv{entry['latest_version']}\t{aliases}".rstrip())


@prompts_app.command("show")
def prompts_show(
    name: str,
    version: Annotated[
        int | None, typer.Option("--version", help="Version number (default: latest).")
    ] = None,
    alias: Annotated[str | None, typer.Option("--alias", help="Resolve this alias instead.")] = None,
    as_json: JsonOption = False,
    env: EnvOption = None,
) -> None:
    """One prompt version: its URI, template hash and template."""
    with _errors_as_one_line():
        from data_registry.formats import prompts

        uri = _tracking_uri(env)
        if version is None and alias is None:
            version = prompts.latest_version(name, uri)
        found = prompts.resolve(name, uri, version=version, alias=alias)
        if as_json:
            print(json.dumps({**found.lineage(), "aliases": found.aliases}, indent=2))
        else:
            print(f"{found.uri}  sha256 {found.template_sha256}  aliases {', '.join(found.aliases) or '-'}")
            print(found.template)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="A question or keywords.")],
    k: Annotated[int, typer.Option("--k", help="How many chunks to return.")] = 5,
    table: Annotated[
        str | None, typer.Option("--table", help="Served table (default: the latest published).")
    ] = None,
    dataset: Annotated[
        str | None, typer.Option("--dataset", help="Search the table this dataset's serving.yaml names.")
    ] = None,
    env: EnvOption = None,
    as_json: JsonOption = False,
    repo: RepoOption = None,
) -> None:
    """Nearest chunks to QUERY in a served pgvector table (HNSW, cosine)."""
    with _errors_as_one_line():
        from dataclasses import asdict

        from data_registry.commands.search import search as run_search
        from data_registry.commands.search import served_table
        from data_registry.core import quiet, settings

        if table and dataset:
            raise UsageError("give --table or --dataset, not both")
        root = _root(repo)
        if dataset:
            table = served_table(root, dataset)
        found = settings.export_environment(root, env)
        quiet.silence_libraries(found.verbose)
        hits = run_search(found, query, k, table)
        if as_json:
            print(json.dumps([asdict(hit) for hit in hits], indent=2))
        for hit in [] if as_json else hits:
            where = f"{hit.repository}/{hit.path}" + (f" § {hit.headers}" if hit.headers else "")
            print(f"{hit.rank:>2}. {hit.score:.3f}  {where}")
            print(f"    {' '.join(hit.text.split())[:160]}")


@contextlib.contextmanager
def _errors_as_one_line() -> Iterator[None]:
    try:
        yield
    except RegistryError as error:
        fail(error)


@contextlib.contextmanager
def _stdout_reserved_for_json(reserve: bool) -> Iterator[TextIO]:
    """With --json, stdout carries only the summary: DVC and stage output go to stderr,
    including what child processes write to file descriptor 1."""
    if not reserve:
        yield sys.stdout
        return
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        with os.fdopen(os.dup(saved), "w") as out, contextlib.redirect_stdout(sys.stderr):
            yield out
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def main(argv: list[str] | None = None) -> None:
    """Click's own usage errors (a bad option value, an unknown command) become the same one
    `error:` line and exit code 2 as every UsageError, instead of a boxed usage panel."""
    from typer.exceptions import TyperException

    try:
        result = app(args=argv, prog_name="data-registry", standalone_mode=False)
    except TyperException as error:
        if type(error).__name__ == "NoArgsIsHelpError":  # no arguments at all: the help is the answer
            error.show()  # type: ignore[attr-defined]
            raise SystemExit(UsageError.exit_code) from None
        context = getattr(error, "ctx", None)
        command = context.command_path if context else "data-registry"
        fail(UsageError(" ".join(error.format_message().split()), f"see `{command} --help`"))
    except typer.Abort:
        fail(RegistryError("aborted"))
    except typer.Exit as error:
        raise SystemExit(error.exit_code) from None
    if isinstance(result, int) and result:
        raise SystemExit(result)
