"""``atlas demo``: write the whole synthetic input set and its sources file, atomically.

Everything is generated into a staging folder, which becomes the current version of the target (a symlink,
:mod:`atlas.atomic`; one version is kept) only when every file has been written; a failed or killed run leaves an
existing demo as it was.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from atlas.atomic import atomic_directory
from atlas.demo.cbs import write_kwb
from atlas.demo.files import LABELS, write_indicator_files
from atlas.demo.geometry import build_geometry
from atlas.demo.gpkg import cbs_layers, write_wijkbuurtkaart
from atlas.demo.groen import COMPUTED as GROEN_COMPUTED
from atlas.demo.groen import write_groen
from atlas.demo.levels import Hierarchy
from atlas.demo.prognose import write_prognose
from atlas.demo.reference import Reference, load_reference
from atlas.demo.registraties import registrations, with_registration_rates, write_registraties
from atlas.demo.traits import YEARS, build_traits
from atlas.demo.values import generate_values
from atlas.demo.voorzieningen import write_voorzieningen
from atlas.layers.registry import Registry, load_registry
from atlas.pipeline.stapeling import INDICATORS as STAPELING_INDICATORS

SOURCES_FILE = "sources.yaml"
GPKG_FILE = "wijkbuurtkaart_demo.gpkg"
STADSDELEN_FILE = "stadsdelen.csv"

_HEADER = """\
# SYNTHETISCHE DEMODATA - synthetic demo data, not real figures.
# Written by `atlas demo` (atlas.demo.write_demo, seed {seed}) for the Wijkatlas demo of gemeente
# Zwolle. Buurt and wijk codes and names are real; every geometry and every value is invented
# (deterministically from the seed) and says nothing about the real Zwolle. Years {first}-{last}, and a
# forecast (prognose) of the inhabitants and age bands for 2025 and 2030.
# Build it with:  atlas build --sources {name} --out DIR
"""


def _sources_document(
    entries: list[dict[str, Any]],
    reference: Reference,
    stapeling: dict[str, Any] | None = None,
    groen: dict[str, Any] | None = None,
    voorzieningen: dict[str, Any] | None = None,
) -> dict[str, Any]:
    document = {
        "demo": True,
        "gemeente": reference.gemeente,
        "naam": reference.naam,
        "areas": {
            "buurt": {"path": GPKG_FILE, "format": "cbs-gpkg"},
            "stadsdelen": {"path": STADSDELEN_FILE},
        },
        "indicators": entries,
    }
    if stapeling is not None:
        document["stapeling"] = stapeling
    if groen is not None:
        document["groen"] = groen
    if voorzieningen is not None:
        document["voorzieningen"] = voorzieningen
    return document


def write_sources_file(
    folder: Path,
    entries: list[dict[str, Any]],
    reference: Reference,
    seed: int,
    stapeling: dict[str, Any] | None = None,
    groen: dict[str, Any] | None = None,
    voorzieningen: dict[str, Any] | None = None,
) -> Path:
    """``sources.yaml`` with a header that says the data are synthetic."""
    header = _HEADER.format(seed=seed, first=YEARS[0], last=YEARS[-1], name=SOURCES_FILE)
    document = _sources_document(entries, reference, stapeling, groen, voorzieningen)
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)
    path = folder / SOURCES_FILE
    path.write_text(header + body, encoding="utf-8")
    return path


def write_demo_files(folder: Path, reference: Reference, registry: Registry, seed: int) -> Path:
    """Write every demo file into ``folder`` (which must exist); returns the sources file."""
    geometry = build_geometry(reference)
    hierarchy = Hierarchy.from_reference(reference)
    traits = build_traits(geometry, seed)
    write_wijkbuurtkaart(folder / GPKG_FILE, cbs_layers(geometry, traits, hierarchy, seed))
    shutil.copyfile(reference.stadsdelen_path, folder / STADSDELEN_FILE)
    registered = registrations(traits, seed)
    values = with_registration_rates(generate_values(registry, traits, hierarchy, seed), registered, traits)
    kwb_entries, in_kwb = write_kwb(folder, values, traits, hierarchy, reference, LABELS["cbs"])
    stapeling = write_registraties(folder, registered)
    # KWB measures go to the cbsodata records, support use and stapeling come from the registrations
    rest = [v for v in values if v.indicator.id not in in_kwb | set(STAPELING_INDICATORS)]
    groen = None
    if all(ident in registry.indicators for ident in GROEN_COMPUTED):  # computed by the build from these inputs
        groen = write_groen(folder, geometry, traits, seed)
        rest = [v for v in rest if v.indicator.id not in GROEN_COMPUTED]
    entries = write_indicator_files(folder, rest, reference) + kwb_entries
    prognose = write_prognose(folder, registry, traits, seed)  # the age bands forecast (prognose: true)
    if prognose is not None:
        entries.append(prognose)
    voorzieningen = None
    if any(o.layer == "voorzieningen" and o.types for o in registry.overlays.values()):
        voorzieningen = write_voorzieningen(folder, geometry, traits, seed)
    return write_sources_file(folder, entries, reference, seed, stapeling, groen, voorzieningen)


def write_demo(out: Path, *, registry: Registry | None = None, seed: int = 2024) -> Path:
    """Write the synthetic demo inputs into ``out`` and return the path of its ``sources.yaml``.

    Values are drawn for every indicator of ``registry`` (default: the project's ``layers.yaml``) for
    the years 2019–2024. The result depends only on the registry, the reference tables in
    ``geodata/zwolle`` and ``seed``: two runs give byte-identical files.
    """
    registry = registry if registry is not None else load_registry()
    reference = load_reference()
    target = Path(out).absolute()  # not resolved: after the first run ``out`` is the symlink to its version
    with atomic_directory(target, keep=1) as staging:
        write_demo_files(staging, reference, registry, seed)
    return target / SOURCES_FILE
