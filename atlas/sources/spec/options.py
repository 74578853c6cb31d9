"""The ``indicator_options:`` section of the sources file: how the build treats one indicator's values.

::

    indicator_options:
      inwoners: {prefer: sum}               # a parent value the source gives vs the sum of its parts: show the sum
      eenzaamheid: {weights: inwoners}      # a survey without respondent counts: aggregate weighted by inwoners

- ``prefer`` (``given`` or ``sum``; default ``given``): when a source gives a value for a wijk, stadsdeel or the
  gemeente and the level below adds up to something else, which one is shown. Either way the difference is
  reported (``sum_mismatch``).
- ``weights`` (``inwoners``): survey values without a respondent count ``n`` are published at the level the source
  gives and not aggregated upward, unless this says to weight them by the inhabitants (an approximation, said on
  the pages).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from atlas.checks import Entry, param, parameters, read_parameters
from atlas.errors import SourcesError

PREFER = ("given", "sum")
WEIGHTS = ("none", "inwoners")


@dataclass(frozen=True)
class IndicatorOptions:
    """The options of one indicator; the defaults apply to every indicator the section does not name."""

    prefer: str = param(
        "given", "bij verschil tussen bron en som van de onderliggende gebieden: toon deze", choices=PREFER
    )
    weights: str = param("none", "enquêtecijfers zonder n: optellen naar hogere niveaus gewogen naar", choices=WEIGHTS)


def parse_indicator_options(file: Path, raw: Any) -> dict[str, IndicatorOptions]:
    """The ``indicator_options`` section: indicator id -> options (ids are checked against the registry later)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SourcesError(
            "must be a mapping {indicator: {prefer: ..., weights: ...}}", file=file, entry="indicator_options"
        )
    names = [p.name for p in parameters(IndicatorOptions)]
    options = {}
    for ident, value in raw.items():
        entry = Entry(file, f"indicator_options.{ident}", value, names, error=SourcesError)
        options[str(ident)] = read_parameters(entry, IndicatorOptions)
    return options
