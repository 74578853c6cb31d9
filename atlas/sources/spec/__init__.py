"""The sources file: which input files a build reads, and how; parsed once into typed, frozen objects.

The file is YAML; paths in it are relative to the file itself. Every problem names the file, the entry and the
field::

    gemeente: GM0193                 # or several: [GM0193, GM0148], or all (every gemeente of the buurt file)
    naam: Zwolle                     # optional; one gemeente: its name (else from the boundaries); several: the whole
    allowed_roots: [../gedeeld]      # optional: folders besides this file's own that inputs may lie in
    registry: [extra.yaml]           # optional; registry files that add themes and indicators to layers.yaml
    areas: {...}                     # atlas.sources.spec.areas
    indicators: [...]                # atlas.sources.spec.indicators
    groen: {...}                     # optional; atlas.sources.spec.groen
    stapeling: {...}                 # optional; atlas.sources.spec.stapeling
    voorzieningen: {...}             # optional; atlas.sources.spec.voorzieningen (facilities as points)
    privacy: {...}                   # optional; atlas.sources.spec.privacy (defaults when absent)

Each section has its own module; this one reads the top level and hands each section to its parser. Every input
path goes through :meth:`atlas.checks.Entry.path`: after symbolic links are followed it must lie inside the sources
file's folder or one of ``allowed_roots`` (relative to the file, or absolute).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from atlas.checks import Entry, load_yaml, resolve_inside, resolve_roots
from atlas.codes import CODE_HINTS, CODE_PATTERNS
from atlas.errors import SourcesError
from atlas.sources.spec.areas import AREA_FORMATS, AreaSource, AreasSpec, StadsdelenSource, parse_areas
from atlas.sources.spec.groen import GroenSpec, parse_groen
from atlas.sources.spec.indicators import INDICATOR_FORMATS, ColumnMap, IndicatorSource, parse_indicator
from atlas.sources.spec.options import IndicatorOptions, parse_indicator_options
from atlas.sources.spec.privacy import PrivacyPolicy, parse_privacy
from atlas.sources.spec.stapeling import StapelingSource, parse_stapeling
from atlas.sources.spec.voorzieningen import VoorzieningenSource, parse_voorzieningen

__all__ = [
    "AREA_FORMATS",
    "INDICATOR_FORMATS",
    "AreaSource",
    "AreasSpec",
    "ColumnMap",
    "GroenSpec",
    "IndicatorOptions",
    "IndicatorSource",
    "PrivacyPolicy",
    "SourcesSpec",
    "StadsdelenSource",
    "StapelingSource",
    "VoorzieningenSource",
    "load_sources",
]


@dataclass(frozen=True)
class SourcesSpec:
    """The whole sources file, every section typed; absent optional sections are None (privacy: the defaults)."""

    path: Path
    gemeenten: tuple[str, ...]
    """The gemeente codes the build holds (``gemeente:``, one code or a list), normalised, in the file's order;
    empty for ``gemeente: all`` until the build reads them from the buurt file (:attr:`every`)."""
    areas: AreasSpec
    naam: str | None = None
    demo: bool = False
    indicators: tuple[IndicatorSource, ...] = ()
    groen: GroenSpec | None = None
    stapeling: StapelingSource | None = None
    voorzieningen: VoorzieningenSource | None = None
    privacy: PrivacyPolicy = field(default_factory=PrivacyPolicy)
    allowed_roots: tuple[Path, ...] = ()
    """Folders (resolved) besides the sources file's own that its inputs may lie in."""
    registry: tuple[Path, ...] = ()
    """Extra registry files (``registry: [extra.yaml]``) whose themes and indicators are added to ``layers.yaml``."""
    indicator_options: dict[str, IndicatorOptions] = field(default_factory=dict)
    every: bool = False
    """``gemeente: all``: every gemeente of the buurt file (the CBS wijk- en buurtkaart), and ``nederland`` above."""

    @property
    def gemeente(self) -> str:
        """The one gemeente of a single-gemeente sources file; raises :class:`SourcesError` when it lists several
        (code that holds one gemeente asks through here, code that holds several reads :attr:`gemeenten`)."""
        if len(self.gemeenten) != 1:
            raise SourcesError(
                f"this step handles one gemeente, the file lists {len(self.gemeenten)}: {', '.join(self.gemeenten)}",
                file=self.path,
                field="gemeente",
            )
        return self.gemeenten[0]

    @property
    def multiple(self) -> bool:
        """Whether the sources file lists more than one gemeente (or all of them)."""
        return self.every or len(self.gemeenten) > 1

    @property
    def roots(self) -> tuple[Path, ...]:
        """Every folder the inputs may lie in: the sources file's, then ``allowed_roots``."""
        return (self.path.parent, *self.allowed_roots)

    def options(self, indicator: str) -> IndicatorOptions:
        """The options of one indicator (the defaults when the sources file names none)."""
        return self.indicator_options.get(indicator, IndicatorOptions())

    def input_files(self) -> list[Path]:
        """Every file this spec names, for the manifest."""
        files = [self.path, *self.registry, *self.areas.input_files()]
        files.extend(source.path for source in self.indicators)
        if self.stapeling is not None:
            files.append(self.stapeling.path)
        if self.groen is not None:
            files.extend(self.groen.input_files())
        if self.voorzieningen is not None:
            files.append(self.voorzieningen.path)
        return files


_TOP = (
    "gemeente",
    "naam",
    "demo",
    "allowed_roots",
    "registry",
    "areas",
    "indicators",
    "indicator_options",
    "groen",
    "stapeling",
    "voorzieningen",
    "privacy",
)


def _allowed_roots(top: Entry) -> tuple[Path, ...]:
    """``allowed_roots``: a list of folders, relative to the sources file or absolute."""
    given = top.data.get("allowed_roots")
    if given is None:
        return ()
    if not isinstance(given, list) or not all(isinstance(item, str) and item.strip() for item in given):
        raise top.fail("allowed_roots", f"must be a list of folders, got {given!r}")
    try:
        return resolve_roots(top.file.parent, [item.strip() for item in given])
    except ValueError as exc:
        raise top.fail("allowed_roots", str(exc)) from None


def _registry_files(top: Entry, roots: tuple[Path, ...]) -> tuple[Path, ...]:
    """``registry: [extra.yaml, ...]`` (or one path): extra registry files, relative to the sources file."""
    raw = top.data.get("registry")
    if raw is None:
        return ()
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not items:
        raise top.fail("registry", "must be a list of registry files, e.g. [extra.yaml]")
    files = []
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            raise top.fail(f"registry[{i}]", f"must be the path of a registry file, got {item!r}")
        try:
            files.append(resolve_inside(top.file.parent, item.strip(), roots))
        except ValueError as exc:
            raise top.fail(f"registry[{i}]", str(exc)) from None
    return tuple(files)


EVERY = "all"
"""``gemeente: all``: every gemeente of the buurt file."""


def _gemeenten(top: Entry) -> tuple[str, ...]:
    """``gemeente``: one CBS gemeente code (``GM0193``), a non-empty list of them, each once, or ``all`` (then
    empty: the build reads them)."""
    raw = top.data.get("gemeente")
    if isinstance(raw, str) and raw.strip().lower() == EVERY:
        return ()
    if isinstance(raw, list):
        if not raw:
            raise top.fail("gemeente", "must be a gemeente code or a non-empty list of them, e.g. [GM0193, GM0148]")
        items = [(f"gemeente[{i}]", item) for i, item in enumerate(raw)]
    else:
        items = [("gemeente", top.text("gemeente", required=True))]
    codes: list[str] = []
    for name, item in items:
        if isinstance(item, bool) or not isinstance(item, str | int) or not str(item).strip():
            raise top.fail(name, f"must be a CBS gemeente code ({CODE_HINTS['gemeente']}), got {item!r}")
        code = str(item).strip().upper()
        if not CODE_PATTERNS["gemeente"].match(code):
            raise top.fail(name, f"{code!r} is not a CBS gemeente code ({CODE_HINTS['gemeente']})")
        if code in codes:
            raise top.fail(name, f"{code} is listed twice")
        codes.append(code)
    return tuple(codes)


def load_sources(path: str | Path) -> SourcesSpec:
    """Read and check a sources file; raises :class:`SourcesError` naming file, entry and field."""
    try:
        file = Path(path).resolve()
    except (RuntimeError, OSError):  # a loop of symbolic links (RuntimeError before Python 3.13)
        raise SourcesError("the sources file is a loop of symbolic links", file=path) from None
    data, _ = load_yaml(file, SourcesError)
    top = Entry(file, "(top level)", data, _TOP, error=SourcesError)
    roots = _allowed_roots(top)

    gemeenten = _gemeenten(top)

    indicators_raw = top.data.get("indicators") or []
    if not isinstance(indicators_raw, list):
        raise top.fail("indicators", "must be a list of {path, format, ...}")

    def section(name: str) -> Any:
        value = top.data.get(name)
        if value is not None and not isinstance(value, dict):
            raise top.fail(name, "must be a mapping")
        return value

    groen, stapeling, voorzieningen = section("groen"), section("stapeling"), section("voorzieningen")
    return SourcesSpec(
        path=file,
        gemeenten=gemeenten,
        naam=top.text("naam"),
        demo=top.flag("demo", False),
        areas=parse_areas(file, top.data.get("areas"), roots=roots),
        indicators=tuple(parse_indicator(file, i, raw, roots=roots) for i, raw in enumerate(indicators_raw)),
        groen=parse_groen(file, groen, roots=roots) if groen is not None else None,
        stapeling=parse_stapeling(file, stapeling, roots=roots) if stapeling is not None else None,
        voorzieningen=parse_voorzieningen(file, voorzieningen, roots=roots) if voorzieningen is not None else None,
        privacy=parse_privacy(file, section("privacy")),
        allowed_roots=roots,
        indicator_options=parse_indicator_options(file, section("indicator_options")),
        registry=_registry_files(top, roots),
        every=not gemeenten,
    )
