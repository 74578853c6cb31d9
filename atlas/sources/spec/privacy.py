"""The ``privacy:`` section of the sources file: the thresholds of disclosure control (DESIGN.md §8).

::

    privacy: {min_count: 10, min_respondents: 30, round_to: 5, protection: 0}     # the defaults
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from atlas.checks import Entry, param, parameters, read_parameters
from atlas.errors import SourcesError


@dataclass(frozen=True)
class PrivacyPolicy:
    """The thresholds of the ``privacy`` section; each default, range and meaning is written here once."""

    min_count: int = param(10, "aantallen van 1 tot dit aantal personen worden niet gepubliceerd", low=1)
    min_respondents: int = param(30, "uitkomsten van minder respondenten worden niet gepubliceerd", low=1)
    round_to: int = param(5, "gepubliceerde aantallen worden afgerond op een veelvoud hiervan (1: niet)", low=1)
    protection: int = param(
        0, "hoe breed het bereik van een niet-gepubliceerd aantal minstens blijft (0: zo breed als min_count)", low=0
    )
    min_inhabitants_without_n: int = param(
        1000, "enquêtecijfers zonder aantal respondenten alleen voor gebieden met minstens zoveel inwoners", low=0
    )

    @property
    def interval(self) -> int:
        """The protection interval in people: ``protection``, or ``min_count`` when that is 0."""
        return self.protection or self.min_count


def parse_privacy(file: Path, raw: Any) -> PrivacyPolicy:
    """The ``privacy`` section of sources file ``file`` (None: the defaults)."""
    if raw is None:
        return PrivacyPolicy()
    names = [p.name for p in parameters(PrivacyPolicy)]
    return read_parameters(Entry(file, "privacy", raw, names, error=SourcesError), PrivacyPolicy)
