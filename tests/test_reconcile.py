"""A parent value as the source gives it against what its parts add up to: what is shown and what is said."""

from __future__ import annotations

import pandas as pd
import pytest

from atlas.findings import Findings
from atlas.layers.registry import load_registry
from atlas.pipeline import aggregate
from atlas.pipeline.aggregate import complete_values, rounding_error
from atlas.sources.spec.options import IndicatorOptions
from tests.test_aggregate import AREAS, _raw, _value

REGISTRY = load_registry()
nan = float("nan")


def _run(rows, options=None):
    findings = Findings()
    values = complete_values(_raw(rows), AREAS, REGISTRY, findings, options or {})
    return values, findings


INWONERS = [
    ("inwoners", "BU01931001", "2024", 100, nan),
    ("inwoners", "BU01931002", "2024", 300, nan),
    ("inwoners", "BU01931101", "2024", 600, nan),
]


def test_a_given_total_that_differs_from_its_parts_is_reported_and_shown_as_given():
    values, findings = _run([*INWONERS, ("inwoners", "GM0193", "2024", 1013, nan)])
    assert _value(values, "inwoners", "GM0193").value == 1013
    assert _value(values, "inwoners", "WK019310").value == 400  # no source value: the sum
    [finding] = list(findings)
    assert (finding.kind, finding.severity.value, finding.code, finding.period) == (
        "sum_mismatch",
        "warning",
        "GM0193",
        "2024",
    )
    assert (
        "the source gives 1 013, its parts (down to the lowest level with complete values) give 1 000"
        in finding.message
    )
    assert "(difference 13, more than rounding explains)" in finding.message
    assert "shown: the source's value" in finding.message and "prefer: sum" in finding.message
    assert finding.file == "t.csv"


def test_prefer_sum_shows_the_parts():
    values, findings = _run(
        [*INWONERS, ("inwoners", "GM0193", "2024", 1013, nan)], {"inwoners": IndicatorOptions(prefer="sum")}
    )
    row = _value(values, "inwoners", "GM0193")
    assert row.value == 1000 and "berekend uit stadsdelen" in row.source
    assert "shown: the sum of the parts" in next(iter(findings)).message


def test_a_rounding_unit_is_read_from_enough_values():
    def frame(values):
        return pd.DataFrame({"indicator": "inwoners", "period": "2024", "value": values})

    assert rounding_error(frame([105, 295, 600, 45, 1010, 0])).err.tolist() == [2.5]  # five non-zero multiples of 5
    assert rounding_error(frame([105, 295, 600, 45])).err.tolist() == [0.0]  # too few to tell
    assert rounding_error(frame([100, 200, 300, 400, 1000])).err.tolist() == [50.0]
    assert rounding_error(frame([12.5, 20.0, 30.0, 40.0, 50.0])).err.tolist() == [0.0]  # not whole: no unit


def test_rounded_parts_within_rounding_are_no_finding(monkeypatch):
    monkeypatch.setattr(aggregate, "MIN_VALUES_FOR_A_UNIT", 3)  # the test hierarchy has three buurten
    rounded = [
        ("inwoners", "BU01931001", "2024", 105, nan),
        ("inwoners", "BU01931002", "2024", 295, nan),
        ("inwoners", "BU01931101", "2024", 600, nan),
        ("inwoners", "GM0193", "2024", 1003, nan),  # parts rounded to 5: three may be off by 7.5
    ]
    values, findings = _run(rounded)
    assert len(findings) == 0 and _value(values, "inwoners", "GM0193").value == 1003
    values, findings = _run([*rounded[:3], ("inwoners", "GM0193", "2024", 1010, nan)])
    assert [f.kind for f in findings] == ["sum_mismatch"]


def test_a_secret_parent_with_public_parts_gets_their_sum():
    values, findings = _run([*INWONERS, ("inwoners", "WK019310", "2024", nan, nan)])
    row = _value(values, "inwoners", "WK019310")
    assert row.value == 400 and row.status == pd.Series(["ok"]).iloc[0]
    assert "geheim in de bron" in row.source
    [finding] = list(findings)
    assert finding.kind == "secret_parent" and finding.severity.value == "info" and finding.code == "WK019310"


def test_a_mean_of_only_some_parts_is_not_compared():
    rows = [
        *INWONERS,
        ("inkomen_uit_werk", "BU01931001", "2024", 50, nan),
        ("inkomen_uit_werk", "BU01931002", "2024", nan, nan),
        ("inkomen_uit_werk", "BU01931101", "2024", 60, nan),
        ("inkomen_uit_werk", "GM0193", "2024", 80, nan),
    ]
    _, findings = _run(rows)
    assert len(findings) == 0
    rows[4] = ("inkomen_uit_werk", "BU01931002", "2024", 70, nan)  # complete: (50·100 + 70·300 + 60·600) / 1000 = 62
    _, findings = _run(rows)
    assert [(f.kind, f.code) for f in findings] == [("sum_mismatch", "GM0193")]
    rows[6] = ("inkomen_uit_werk", "GM0193", "2024", 62.5, nan)  # within the mean's tolerance
    assert len(_run(rows)[1]) == 0


def test_indicator_options_are_checked(tmp_path):
    from atlas.errors import SourcesError
    from atlas.pipeline.run import prepare
    from atlas.sources.spec.options import parse_indicator_options

    file = tmp_path / "sources.yaml"
    assert parse_indicator_options(file, {"inwoners": {"prefer": "sum"}})["inwoners"] == IndicatorOptions("sum", "none")
    with pytest.raises(SourcesError, match=r"entry 'indicator_options.inwoners', field 'prefer': 'som' is not one of"):
        parse_indicator_options(file, {"inwoners": {"prefer": "som"}})
    with pytest.raises(SourcesError, match=r"field 'weight': unknown key \(did you mean 'weights'"):
        parse_indicator_options(file, {"eenzaamheid": {"weight": "inwoners"}})
    from tests.test_build import _sources

    sources = _sources(tmp_path)
    sources.write_text(sources.read_text() + "indicator_options: {inwonrs: {prefer: sum}}\n")
    with pytest.raises(
        SourcesError, match=r"entry 'indicator_options', field 'inwonrs': unknown indicator .*'inwoners'"
    ):
        prepare(sources)


def test_the_pages_of_the_indicator_and_the_area_state_the_warning(tmp_path):
    from atlas.pipeline.run import build
    from atlas.web import create_app
    from tests.test_build import VALUES, _sources

    sources = _sources(tmp_path, VALUES + "GM0193,inwoners,2023,2100,\n")  # the buurten add up to 2 045
    manifest = build(sources, tmp_path / "out")
    assert [c["kind"] for c in manifest["checks"] if c["severity"] == "warning"] == ["unmatched_codes", "sum_mismatch"]
    client = create_app(tmp_path / "out", {"TESTING": True, "ATLAS_TILES": False}).test_client()
    for url in ("/kaart/inwoners?niveau=wijk", "/gebied/GM0193"):
        page = client.get(url).data.decode()
        assert "Kanttekeningen bij" in page, url
        assert "De waarde van de bron wijkt af van de som" in page and "the source gives 2 100" in page, url
    assert "Kanttekeningen" not in client.get("/gebied/BU01930101").data.decode()
    assert "Kanttekeningen" not in client.get("/kaart/vrijwilligerswerk?niveau=wijk").data.decode()


def test_a_share_of_0_or_100_per_buurt_is_not_taken_for_a_rounded_amount(demo_build):
    """The 22 % canopy criterion holds for a whole buurt or for none of it, so every buurt reads 0 % or 100 %; those
    are not amounts rounded to hundreds, and the stadsdelen and the gemeente, which groen computes from the same
    addresses, agree with their parts: no sum_mismatch for any groen share."""
    import json

    manifest = json.loads((demo_build / "manifest.json").read_text(encoding="utf-8"))
    mismatches = [c for c in manifest["checks"] if c["kind"] == "sum_mismatch"]
    assert not [c for c in mismatches if str(c.get("indicator", "")).startswith("groen_")], mismatches
    values = pd.read_parquet(demo_build / "values.parquet")
    shares = values[(values.indicator == "groen_22kroon") & (values.level == "buurt") & values.value.notna()]
    assert set(shares.value.round(6)) <= {0.0, 100.0} and (shares.value == 100).sum() >= 5
