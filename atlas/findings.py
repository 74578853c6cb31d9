"""Findings: what a build doubts about its inputs, said out loud instead of decided in silence.

Every step that reads or combines inputs reports what it doubts to one :class:`Findings` collector: rows it did not
use, sums that disagree, values out of range, geometry that does not fit. Each finding has a ``kind`` (one of
:data:`KINDS`), a ``severity`` and a message that names the file, row and field where it can. An ``error`` stops the
build before anything is written (all errors are listed at once); ``warning`` and ``info`` are printed by
``atlas validate`` and ``atlas build``, stored in ``manifest.json`` under ``checks`` and shown on the pages of the
indicator or area they concern.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from atlas.errors import FindingsError


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


KINDS: Mapping[str, str] = {
    "sum_mismatch": "De waarde van de bron wijkt af van de som of het gemiddelde van de onderliggende gebieden",
    "secret_parent": "De bron houdt deze waarde geheim; de atlas toont de som van de onderliggende gebieden",
    "dropped_rows": "Rijen uit een invoerbestand zijn niet gebruikt",
    "unused_columns": "Kolommen of sleutels uit een invoerbestand zijn niet gebruikt",
    "missing_columns": "Kolommen of sleutels die de registry noemt ontbreken in een invoerbestand",
    "geometry_mismatch": "De grenzen van de wijken passen niet bij die van hun buurten",
    "overlap": "Buurten overlappen elkaar",
    "gap": "Er liggen gaten tussen de buurten",
    "out_of_range": "Een waarde ligt buiten het mogelijke bereik",
    "empty_input": "Een invoerbestand bevat geen gegevens",
    "coverage": "Het kroonraster bedekt dit gebied niet volledig",
    "survey_without_n": "Enquêtecijfers zonder aantal respondenten (n onbekend)",
    "unmatched_codes": "Waarden voor gebiedscodes die niet in de grenzen voorkomen",
    "off_level": "Waarden op een niveau waarvoor de indicator niet bedoeld is",
    "time_series_gap": "Gebiedscodes ontbreken in sommige jaren",
    "grouping": "De indeling in stadsdelen is onvolledig of indicatief",
    "privacy": "Niet elke niet-gepubliceerde waarde kan volledig worden afgeschermd",
    "forecast_mix": "Eén jaar van een indicator heeft zowel metingen als prognoses; het hele jaar telt als prognose",
    "facilities": "Voorzieningen die niet meetellen of onvolledig zijn (onbekend type, geen naam, buiten de gemeente)",
    "note": "Wat de atlas met de invoer deed (omrekening, reparatie, aangevulde namen)",
}
"""Every kind of finding, with what it means in the words of the pages (Dutch)."""


@dataclass(frozen=True)
class Finding:
    """One doubt about the inputs: what kind, how serious, and where."""

    kind: str
    severity: Severity
    message: str
    file: str | None = None
    indicator: str | None = None
    code: str | None = None
    period: str | None = None
    count: int | None = None
    row: int | None = None
    field: str | None = None

    @property
    def title(self) -> str:
        """What the kind means, for the pages."""
        return KINDS[self.kind]

    def line(self) -> str:
        """One line for the terminal: severity, kind, where, message."""
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field {self.field!r}")
        place = f" {', '.join(where)}:" if where else ""
        return f"{self.severity.value} [{self.kind}]{place} {self.message}"

    def as_dict(self) -> dict[str, Any]:
        """The manifest's form: ``{kind, severity, message, file?, indicator?, code?, period?, count?, ...}``."""
        return {k: (str(v) if k == "severity" else v) for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**{**known, "severity": Severity(str(data.get("severity", "info")))})


class Findings:
    """The findings of one build, in the order they were made."""

    def __init__(self) -> None:
        self._items: list[Finding] = []

    def add(self, kind: str, severity: Severity | str, message: str, **where: Any) -> Finding:
        if kind not in KINDS:
            raise ValueError(f"unknown finding kind {kind!r}; add it to atlas.findings.KINDS")
        finding = Finding(kind, Severity(severity), message, **where)
        self._items.append(finding)
        return finding

    def error(self, kind: str, message: str, **where: Any) -> Finding:
        return self.add(kind, Severity.ERROR, message, **where)

    def warning(self, kind: str, message: str, **where: Any) -> Finding:
        return self.add(kind, Severity.WARNING, message, **where)

    def info(self, kind: str, message: str, **where: Any) -> Finding:
        return self.add(kind, Severity.INFO, message, **where)

    def extend(self, other: Findings) -> None:
        """Add the findings of ``other`` (a part of the build) after these, leaving out any already here: parts
        that read the same file make the same finding about it."""
        seen = {json.dumps(f.as_dict(), sort_keys=True, default=str) for f in self._items}
        for finding in other:
            key = json.dumps(finding.as_dict(), sort_keys=True, default=str)
            if key not in seen:
                seen.add(key)
                self._items.append(finding)

    def __iter__(self) -> Iterator[Finding]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def of(self, severity: Severity) -> list[Finding]:
        return [f for f in self._items if f.severity is severity]

    @property
    def errors(self) -> list[Finding]:
        return self.of(Severity.ERROR)

    def report(self) -> list[str]:
        """Lines for the terminal: errors first, then warnings, then infos."""
        order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
        return [f.line() for f in sorted(self._items, key=lambda f: order[f.severity])]

    def as_manifest(self) -> list[dict[str, Any]]:
        return [f.as_dict() for f in self._items]

    def stop_on_errors(self) -> None:
        """Raise :class:`~atlas.errors.FindingsError` listing every error, when there is one."""
        errors = self.errors
        if errors:
            lines = "\n".join(f"  {f.line()}" for f in errors)
            raise FindingsError(f"the inputs have {len(errors)} error(s); nothing was written:\n{lines}")
