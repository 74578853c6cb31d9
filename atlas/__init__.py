"""Wijkatlas: a wijk- en buurtatlas for the social domain.

The public Python API (DESIGN.md §11), for notebooks and scripts. Everything is imported lazily, so that
``import atlas`` stays light; anything not listed here is internal and may move.

Build and read an atlas:

- :func:`load_sources` ``(path)``: the sources file, checked and typed;
- :func:`build` ``(sources, out)``: the whole build, as ``atlas build`` runs it; returns the manifest;
- :class:`Artifact`: ``Artifact.open(dir)`` gives the areas (:class:`Areas`), the values table and the registry;
- :class:`Status`: the status of a value (published, suppressed, missing).

Groen (2-22-200):

- :func:`canopy_cover` ``(areas, raster_path)``: percent canopy cover per area code;
- :func:`read_points`, :func:`read_polygons` ``(input, entry)``: the tree, address and park inputs of a
  sources file's ``groen`` section, in RD New;
- :func:`groen_per_address` ``(addresses, trees, parks, areas, canopy, params)``: the 2-22-200 criteria per address;
- :func:`area_shares` ``(per_address, area_of)``: the resident-weighted shares per area;
- :class:`GroenParams`: the thresholds of the 2-22-200 norm, with Zwolle's defaults; :data:`GROEN_PARAMETERS`
  lists each with its default, range and meaning.

Privacy, stapeling and surveys:

- :func:`apply_privacy` ``(values, areas, registry, PrivacyPolicy())``: primary and secondary suppression;
- :func:`stapeling_values` ``(rows, peildatum, areas, source=, file=)``: support use and stapeling per area;
- :func:`wilson` ``(p, n)``: the 95 % Wilson interval of survey proportions.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY: dict[str, tuple[str, str]] = {
    "Areas": ("atlas.artifact.areas", "Areas"),
    "Artifact": ("atlas.artifact.reader", "Artifact"),
    "GROEN_PARAMETERS": ("atlas.sources.spec.groen", "PARAMETERS"),
    "GroenParams": ("atlas.sources.spec.groen", "GroenParams"),
    "PrivacyPolicy": ("atlas.sources.spec.privacy", "PrivacyPolicy"),
    "Status": ("atlas.artifact.status", "Status"),
    "apply_privacy": ("atlas.pipeline.privacy", "apply_privacy"),
    "area_shares": ("atlas.pipeline.groen.addresses", "area_shares"),
    "build": ("atlas.pipeline.run", "build"),
    "canopy_cover": ("atlas.pipeline.groen.canopy", "canopy_cover"),
    "groen_per_address": ("atlas.pipeline.groen.addresses", "groen_per_address"),
    "load_sources": ("atlas.sources.spec", "load_sources"),
    "read_points": ("atlas.sources.groen", "read_points"),
    "read_polygons": ("atlas.sources.groen", "read_polygons"),
    "stapeling_values": ("atlas.pipeline.stapeling", "stapeling_values"),
    "wilson": ("atlas.artifact.compare", "wilson"),
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'atlas' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
