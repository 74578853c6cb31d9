"""More than one gemeente in a sources file (issue 15, item 1): the spec, the areas, the values and the audit."""

from __future__ import annotations

from pathlib import Path

import pytest

from atlas.errors import SourcesError
from atlas.sources.spec import load_sources

AREAS = "areas:\n  buurt: {path: b.gpkg, format: cbs-gpkg}\n"


def _spec(tmp_path: Path, gemeente: str) -> Path:
    (tmp_path / "b.gpkg").touch()
    path = tmp_path / "sources.yaml"
    path.write_text(f"gemeente: {gemeente}\n{AREAS}", encoding="utf-8")
    return path


def test_one_code_is_a_tuple_of_one_and_the_gemeente_property(tmp_path: Path) -> None:
    spec = load_sources(_spec(tmp_path, "gm0193"))
    assert spec.gemeenten == ("GM0193",)
    assert spec.gemeente == "GM0193"
    assert not spec.multiple


def test_a_list_of_codes_keeps_its_order(tmp_path: Path) -> None:
    spec = load_sources(_spec(tmp_path, "[GM9002, gm9001, ' GM9003 ']"))
    assert spec.gemeenten == ("GM9002", "GM9001", "GM9003")
    assert spec.multiple
    with pytest.raises(SourcesError, match="lists 3"):
        _ = spec.gemeente


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        ("[GM9001, GM900]", "gemeente[1]", "'GM900' is not a CBS gemeente code"),
        ("[]", "gemeente", "non-empty list"),
        ("[GM9001, gm9001]", "gemeente[1]", "GM9001 is listed twice"),
        ("GMX", "gemeente", "'GMX' is not a CBS gemeente code"),
        ("[GM9001, {a: 1}]", "gemeente[1]", "must be a CBS gemeente code"),
        ("[GM9001, true]", "gemeente[1]", "must be a CBS gemeente code"),
    ],
)
def test_bad_entries_name_the_file_the_field_and_the_entry(
    tmp_path: Path, given: str, field: str, message: str
) -> None:
    path = _spec(tmp_path, given)
    with pytest.raises(SourcesError, match=message) as caught:
        load_sources(path)
    text = str(caught.value)
    assert str(path) in text and f"field {field!r}" in text
