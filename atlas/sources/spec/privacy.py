"""The ``privacy:`` section of the sources file: the thresholds of disclosure control (DESIGN.md §8).

::

    privacy: {min_count: 10, min_respondents: 30, round_to: 5, protection: 0}     # the defaults
    privacy: {audit_against: [../atlas-2024]}     # earlier releases: what they published is known to an attacker

``audit_against`` names earlier artifact directories (relative to the sources file, or absolute; they are the atlas's
own outputs and may lie anywhere): the disclosure audit treats what they published as known.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    audit_against: tuple[Path, ...] = field(default=())
    """Earlier artifacts whose published figures the audit treats as known."""

    @property
    def interval(self) -> int:
        """The protection interval in people: ``protection``, or ``min_count`` when that is 0."""
        return self.protection or self.min_count


def parse_privacy(file: Path, raw: Any) -> PrivacyPolicy:
    """The ``privacy`` section of sources file ``file`` (None: the defaults)."""
    if raw is None:
        return PrivacyPolicy()
    names = [p.name for p in parameters(PrivacyPolicy)]
    entry = Entry(file, "privacy", raw, [*names, "audit_against"], error=SourcesError)
    return read_parameters(entry, PrivacyPolicy, audit_against=_earlier(entry))


def _earlier(entry: Entry) -> tuple[Path, ...]:
    """``audit_against``: earlier artifact directories, each with its ``manifest.json``."""
    given = entry.data.get("audit_against")
    if given is None:
        return ()
    items = [given] if isinstance(given, str) else given
    if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
        raise entry.fail("audit_against", "must be a list of earlier artifact directories")
    out = []
    for item in items:
        path = (entry.file.parent / item.strip()).resolve()
        if not (path / "manifest.json").is_file():
            raise entry.fail("audit_against", f"{path} is not an artifact of 'atlas build' (no manifest.json)")
        out.append(path)
    return tuple(out)
