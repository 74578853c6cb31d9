"""The ``atlas`` command line: demo, build, validate, serve."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from atlas.atomic import DEFAULT_KEEP
from atlas.errors import AtlasError
from atlas.settings import describe as describe_settings

if TYPE_CHECKING:
    from atlas.findings import Finding

F = TypeVar("F", bound=Callable[..., Any])


def _friendly(func: F) -> F:
    """Turn atlas errors into one clear line on stderr and exit status 1, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AtlasError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper  # type: ignore[return-value]


def _setup_logging(verbose: bool) -> None:
    from rich.logging import RichHandler

    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(message)s",
        datefmt="[%X]",
        handlers=[RichHandler(show_path=False, markup=False)],
        force=True,
    )
    logging.getLogger("pyogrio").setLevel(logging.WARNING)


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Show debug messages.")
@click.version_option(package_name="wijkatlas")
def main(verbose: bool) -> None:
    """Wijkatlas: wijk- en buurtatlas voor het sociaal domein."""
    _setup_logging(verbose)


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Directory to write.")
@click.option("--seed", type=int, default=2024, show_default=True, help="Random seed of the synthetic data.")
@click.option(
    "--gemeenten",
    type=click.IntRange(min=1, max=342),
    default=None,
    help="Write a synthetic country of this many gemeenten (1 to 342) instead of the Zwolle demo.",
)
@_friendly
def demo(out: Path, seed: int, gemeenten: int | None) -> None:
    """Write the synthetic demo inputs and their sources file (sources.yaml) to OUT."""
    from atlas.demo import write_country, write_demo

    start = time.perf_counter()
    if gemeenten is not None:
        per_gemeente = write_country(out, gemeenten, seed=seed)
        click.echo(f"synthetic country of {gemeenten} gemeenten written in {time.perf_counter() - start:.1f} s;")
        click.echo("build one gemeente with:")
        click.echo(f"  atlas build --sources {per_gemeente[0]} --out build/{per_gemeente[0].parent.name}")
        return
    sources = write_demo(out, seed=seed)
    click.echo(f"demo data written in {time.perf_counter() - start:.1f} s; build it with:")
    click.echo(f"  atlas build --sources {sources} --out build/demo")


@main.command()
@click.option(
    "--sources",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The sources file (YAML).",
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Artifact directory.")
@click.option("--registry", type=click.Path(dir_okay=False, path_type=Path), help="Another layers.yaml.")
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    default=DEFAULT_KEEP,
    show_default=True,
    help="Versions kept in OUT.versions, the new one included (never the one a running server reads).",
)
@click.option(
    "--scheduler",
    type=click.Choice(["process", "dask"]),
    default="process",
    show_default=True,
    help="Run the gemeenten one after another in this process, or on Dask (a local cluster, or --dask-address).",
)
@click.option(
    "--dask-address",
    metavar="tcp://HOST:PORT",
    help="The Dask scheduler to run on (with --scheduler dask); its workers must see the same files at the same paths.",
)
@_friendly
def build(sources: Path, out: Path, registry: Path | None, keep: int, scheduler: str, dask_address: str | None) -> None:
    """Build the artifact in OUT from the sources file.

    Each gemeente of the sources file is built on its own (in this process or on Dask, --scheduler) and the
    artifact is written from the parts. The build goes to a new folder in OUT.versions/, and OUT becomes a symlink
    to it in one atomic step: a failed or killed build leaves OUT as it was."""
    from atlas.findings import Finding
    from atlas.layers.registry import load_registry
    from atlas.pipeline.run import build as run_build

    start = time.perf_counter()
    if dask_address and scheduler != "dask":
        raise click.UsageError("--dask-address needs --scheduler dask")
    manifest = run_build(
        sources,
        out,
        registry=load_registry(registry) if registry else None,
        keep=keep,
        scheduler=scheduler,
        address=dask_address,
    )
    _print_findings([Finding.from_dict(f) for f in manifest.get("checks", [])])
    counts = manifest["counts"]
    click.echo(
        f"built {out} in {time.perf_counter() - start:.1f} s: "
        + ", ".join(f"{n} {level}" for level, n in counts["areas"].items())
        + f"; {counts['values']} values"
    )


def _print_findings(findings: Iterable[Finding], *, infos: bool = False) -> None:
    """Errors and warnings one per line; infos one per line with ``infos``, else only counted."""
    from atlas.findings import Severity

    items = list(findings)
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    shown = [f for f in sorted(items, key=lambda f: order[f.severity]) if infos or f.severity is not Severity.INFO]
    for finding in shown:
        click.echo(finding.line(), err=finding.severity is Severity.ERROR)
    hidden = len(items) - len(shown)
    if hidden:
        click.echo(f"{hidden} info findings (atlas validate lists them; manifest.json has them under 'checks')")


@main.command()
@click.option("--registry", type=click.Path(dir_okay=False, path_type=Path), help="layers.yaml to check.")
@click.option("--sources", type=click.Path(dir_okay=False, path_type=Path), help="A sources file to check.")
@_friendly
def validate(registry: Path | None, sources: Path | None) -> None:
    """Check the layer registry and, if given, a sources file and every file it names."""
    from atlas.layers.registry import load_registry
    from atlas.pipeline.run import validate_sources

    reg = load_registry(registry)
    click.echo(f"{reg.path}: {len(reg.indicators)} indicators, {len(reg.overlays)} overlays: ok")
    if sources is not None:
        lines, findings = validate_sources(sources, reg)
        for line in lines:
            click.echo(line)
        _print_findings(findings, infos=True)
        errors = len(findings.errors)
        if errors:
            raise click.ClickException(f"{errors} error(s): 'atlas build' would stop and write nothing")
        click.echo(f"{sources}: ok ({len(findings)} findings, no errors)")


@main.command(epilog="\b\nSettings (environment variables, read at start-up):\n" + describe_settings())
@click.option(
    "--build",
    "build_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Artifact directory from 'atlas build' (default: the setting ATLAS_BUILD).",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, type=int, show_default=True)
@click.option("--threads", default=8, type=int, show_default=True)
@_friendly
def serve(build_dir: Path | None, host: str, port: int, threads: int) -> None:
    """Serve the atlas for the artifact in BUILD with waitress (a production WSGI server)."""
    from atlas.web import create_app
    from atlas.web.current import FOLLOWER
    from atlas.web.server import serve as run
    from atlas.web.warm import start as warm_up

    app = create_app(build_dir)
    follower = app.extensions[FOLLOWER]
    click.echo(
        f"Wijkatlas on http://{host}:{port}/  (artifact {follower.build}, version {follower.artifact.version}; "
        f"a new build there is served within {follower.interval:g} s)"
    )
    warm_up(app)  # the home page and every default map, in the background
    run(app, host, port, threads)


@main.group()
def fetch() -> None:
    """Download real source data (needs internet)."""


@fetch.command("cbs")
@click.option("--gemeente", required=True, help="CBS gemeente code, e.g. GM0193.")
@click.option("--jaar", "years", default="2019-2024", show_default=True, help="Year or range, e.g. 2019-2024.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("build/cbs"), show_default=True)
@click.option("--zonder-kaart", is_flag=True, help="Skip the wijk- en buurtkaart.")
@click.option("--refresh", is_flag=True, help="Download again, even what is in the cache.")
@_friendly
def fetch_cbs_command(gemeente: str, years: str, out: Path, zonder_kaart: bool, refresh: bool) -> None:
    """KWB tables per year (cbsodata) and the CBS wijk- en buurtkaart, cached in OUT, plus a sources snippet."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    from atlas.sources.fetch import fetch_cbs, parse_years

    wanted = parse_years(years)
    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn()) as bar:
        tasks: dict[str, Any] = {}

        def progress(task: str, done: int, total: int | None) -> None:
            if task not in tasks:
                tasks[task] = bar.add_task(task, total=total)
            bar.update(tasks[task], completed=done, total=total)

        snippet = fetch_cbs(gemeente, wanted, out, kaart=not zonder_kaart, refresh=refresh, progress=progress)
    click.echo(f"written to {out}; sources snippet: {snippet}")
