"""Tunable parameters of the sources file: each default, range and meaning written once, and documented."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import pytest

from atlas.checks import Entry, param, parameters, read_parameters
from atlas.errors import SourcesError
from atlas.sources.spec.groen import CanopyInput, GroenParams
from atlas.sources.spec.privacy import PrivacyPolicy

README = Path(__file__).resolve().parents[1] / "README.md"
SECTIONS = {"privacy.": PrivacyPolicy, "groen.params.": GroenParams, "groen.canopy.": CanopyInput}


@dataclass(frozen=True)
class Example:
    path: str
    count: int = param(3, "how many", low=1, high=9)
    share: float = param(0.5, "a share", low=0, high=1)
    kind: str = param("a", "which kind", choices=("a", "b"))


def _entry(data: dict) -> Entry:
    return Entry(Path("sources.yaml"), "example", data, ("count", "share", "kind"), error=SourcesError)


def test_defaults_come_from_the_declaration():
    assert Example("x") == read_parameters(_entry({}), Example, path="x")
    assert [(p.name, p.default, p.allowed) for p in parameters(Example)] == [
        ("count", 3, "a whole number from 1 to 9"),
        ("share", 0.5, "a number between 0 and 1"),
        ("kind", "a", "one of a, b"),
    ]


def test_values_are_read_and_checked():
    assert read_parameters(_entry({"count": 9, "share": 1, "kind": "b"}), Example, path="x") == Example(
        "x", 9, 1.0, "b"
    )
    for data, message in (
        ({"count": 10}, r"field 'count': must be a whole number from 1 to 9, got 10"),
        ({"count": 2.5}, r"field 'count': must be a whole number"),
        ({"share": True}, r"field 'share': must be a number between 0 and 1, got True"),
        ({"kind": "c"}, r"field 'kind': 'c' is not one of a, b"),
    ):
        with pytest.raises(SourcesError, match=rf"sources.yaml, entry 'example', {message}"):
            read_parameters(_entry(data), Example, path="x")


@pytest.mark.parametrize("cls", SECTIONS.values(), ids=lambda c: c.__name__)
def test_every_tunable_field_is_a_declared_parameter_with_help(cls):
    declared = {p.name for p in parameters(cls)}
    # paths are not tunable: a file and the earlier releases the privacy audit must hold against
    assert declared == {f.name for f in fields(cls)} - {"path", "audit_against"}
    assert all(p.help for p in parameters(cls))


def test_every_parameter_is_in_the_readme_with_its_default_range_and_meaning():
    text = README.read_text(encoding="utf-8")
    missing = []
    for prefix, cls in SECTIONS.items():
        for p in parameters(cls):
            row = f"| `{prefix}{p.name}` | `{p.default}` | {p.allowed} | {p.help} |"
            if row not in text:
                missing.append(row)
    assert not missing, "the README's parameter table needs these rows:\n" + "\n".join(missing)
