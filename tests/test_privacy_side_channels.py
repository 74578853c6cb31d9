"""Issue 11, part 5: what a release says besides its figures does not tell which withheld cells are small.

On the demo build: the manifest gives the rules and one total, nothing per indicator or kind of suppression, no
size or hash of the registrations, rounded counts only; pages, tooltips and downloads use one label for every
withheld value.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from atlas.artifact.reader import Artifact

LABEL = "niet gepubliceerd (privacy)"
FORMER = ("te weinig waarnemingen", "secundair", "primair", "complement")


@pytest.fixture(scope="module")
def art(demo_build) -> Artifact:
    return Artifact.open(demo_build)


@pytest.fixture(scope="module")
def client(demo_build):
    from atlas.web.app import create_app

    return create_app(demo_build).test_client()


def test_the_manifest_gives_the_rules_and_one_total(art):
    privacy = art.manifest["privacy"]
    assert set(privacy) == {
        "method",
        "audited_against",
        "min_count",
        "min_respondents",
        "protection",
        "round_to",
        "min_inhabitants_without_n",
        "withheld",
    }
    assert privacy["withheld"] == int((art.values.status == "suppressed").sum())
    text = json.dumps(art.manifest)
    for word in ("primary", "secondary", "by_indicator", "unprotected"):
        assert word not in text


def test_the_registrations_are_named_but_not_described(art):
    confidential = [i for i in art.manifest["inputs"] if "registraties" in i["path"]]
    assert confidential and all(set(i) == {"path"} for i in confidential)
    assert "registraties.csv" not in json.dumps(art.manifest["inputs"])


def test_every_count_in_the_manifest_and_the_values_is_rounded(art):
    step = art.manifest["privacy"]["round_to"]
    assert step == 5
    for report in art.manifest["stapeling"]:
        for key, number in report.items():
            if isinstance(number, int) and key not in ("period",):
                assert number % step == 0, (key, number)
    counts = {i.id for i in art.registry if i.unit == "count" and i.suppression == "count"}
    shown = art.values[art.values.indicator.isin(counts) & art.values.value.notna()]
    assert len(shown) > 1000 and "gemeente" in set(shown.level)
    assert (shown.value % step == 0).all()
    decimals = {i.id: i.decimals for i in art.registry if i.suppression == "survey"}
    surveys = art.values[art.values.indicator.isin(decimals) & art.values.value.notna()]
    places = surveys.indicator.map(decimals).to_numpy()
    assert np.allclose(surveys.value.to_numpy(), [round(v, d) for v, d in zip(surveys.value, places, strict=True)])


def _withheld(art: Artifact, level: str) -> tuple[str, str, str]:
    """A stapeling cell withheld at ``level`` in the latest year of stapeling (forecasts reach further): indicator,
    code, year."""
    stapeling = art.values[art.values.indicator.str.startswith("stapeling_") & (art.values.level == level)]
    year = max(stapeling.period)
    rows = stapeling[(stapeling.status == "suppressed") & (stapeling.period == year)]
    row = rows.iloc[0]
    return str(row.indicator), str(row.code), str(year)


@pytest.mark.parametrize("level", ["buurt", "wijk"])
def test_pages_tooltips_and_downloads_use_one_label(art, client, level):
    indicator, code, year = _withheld(art, level)
    api = client.get(f"/api/values?indicator={indicator}&niveau={level}&jaar={year}").get_json()
    assert {r["status"] for r in api["values"]} <= {"ok", "suppressed", "missing"}  # one machine value, too
    assert next(r for r in api["values"] if r["code"] == code)["value"] is None
    pages = [client.get(f"/kaart/{indicator}?niveau={level}&jaar={year}"), client.get(f"/gebied/{code}")]
    for response in pages:
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert LABEL in text
        assert not [word for word in FORMER if word in text.lower()]
    download = client.get(f"/download/{indicator}.csv?niveau={level}&jaar={year}")
    table = pd.read_csv(io.StringIO(download.get_data(as_text=True)), sep=None, engine="python", dtype=str)
    row = table[table.apply(lambda r: code in r.to_numpy(), axis=1)]
    assert len(row) == 1
    assert row.iloc[0].opmerking == LABEL and row.iloc[0].status == "suppressed" and pd.isna(row.iloc[0].waarde)
    assert set(table.status) <= {"ok", "suppressed", "missing"}
    assert set(table.opmerking.dropna()) <= {LABEL, "geen gegevens"}
