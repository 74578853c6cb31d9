"""The stadsdelen as the pages offer and name them: with their grouping marked where it is not documented."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from atlas.artifact import Artifact
from atlas.codes import UNGROUPED_NAME, Grouping


@dataclass(frozen=True)
class StadsdeelChoice:
    """One stadsdeel in a chooser, a title or a list of links."""

    code: str
    naam: str
    grouping: Grouping

    @property
    def label(self) -> str:
        """The name, with the grouping when pages must mark it: ``West (indeling indicatief)``."""
        return f"{self.naam} ({self.grouping.label})" if self.grouping.label else self.naam


def stadsdeel_choices(artifact: Artifact) -> list[StadsdeelChoice]:
    """Every stadsdeel by name, the one for wijken without a stadsdeel ('overig') last."""
    layer = artifact.areas.level("stadsdeel")
    choices = [
        StadsdeelChoice(str(code), str(naam), artifact.areas.grouping(str(code)))
        for code, naam in zip(layer.code, layer.naam, strict=True)
    ]
    return sorted(choices, key=lambda c: (c.grouping is Grouping.UNGROUPED or c.naam.lower() == UNGROUPED_NAME, c.naam))


def stadsdeel_choice(artifact: Artifact, code: str) -> StadsdeelChoice:
    layer = artifact.areas.level("stadsdeel")
    naam = layer.loc[layer.code == code, "naam"]
    return StadsdeelChoice(code, str(naam.iloc[0]) if len(naam) else code, artifact.areas.grouping(code))


def grouping_notes(groupings: Iterable[Grouping]) -> list[str]:
    """One explanation per grouping that the pages mark, in a fixed order."""
    present = set(groupings)
    return [g.explanation for g in (Grouping.INDICATIVE, Grouping.UNGROUPED) if g in present]
