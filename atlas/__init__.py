"""Wijkatlas: a wijk- en buurtatlas for the social domain.

The notebook API (DESIGN.md §11), imported lazily so that ``import atlas`` stays light:

- :func:`canopy_cover` ``(areas, raster_path)``: percent canopy cover per area code;
- :func:`groen_per_address` ``(addresses, trees, parks, areas, canopy, params)``: the 2-22-200 criteria per address;
- :class:`GroenParams`: the thresholds of the 2-22-200 norm, with Zwolle's defaults;
- :func:`apply_privacy` ``(values, areas, registry, PrivacyPolicy())``: primary and secondary suppression;
- :func:`stapeling_values` ``(rows, peildatum, areas, source=, file=)``: support use and stapeling per area;
- :func:`wilson` ``(p, n)``: the 95 % Wilson interval of survey proportions.
"""

from __future__ import annotations

from typing import Any

_LAZY = {
    "canopy_cover": "atlas.build.groen.canopy",
    "groen_per_address": "atlas.build.groen.addresses",
    "area_shares": "atlas.build.groen.addresses",
    "GroenParams": "atlas.sources.groen_spec",
    "apply_privacy": "atlas.build.privacy",
    "PrivacyPolicy": "atlas.build.privacy",
    "stapeling_values": "atlas.build.stapeling",
    "wilson": "atlas.build.survey",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'atlas' has no attribute {name!r}")
