"""The build's findings that concern a page: the doubts about an indicator's or an area's figures, stated next to
them (DESIGN.md: nothing silent)."""

from __future__ import annotations

from atlas.artifact import Artifact
from atlas.findings import Finding, Severity


def findings(artifact: Artifact) -> list[Finding]:
    """Every finding the build stored in its manifest."""
    return [Finding.from_dict(item) for item in artifact.manifest.get("checks", []) if isinstance(item, dict)]


def page_findings(artifact: Artifact, *, indicator: str | None = None, code: str | None = None) -> list[Finding]:
    """The warnings about ``indicator`` (a map page) or about area ``code`` (a profile)."""
    return [
        f
        for f in findings(artifact)
        if f.severity is Severity.WARNING
        and ((indicator is not None and f.indicator == indicator) or (code is not None and f.code == code))
    ]
