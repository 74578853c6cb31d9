"""Honest comparisons (issue 14, item 1): "hoger/lager" only when the 95 % interval excludes the gemeente's value, the
same verdict on the profile, in the map's tooltip, on the doelenkaarten and in the API, never for a withheld value
and never below the minimum population."""

from __future__ import annotations

import html
import math
import re
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from atlas.artifact import Artifact
from atlas.artifact.compare import (
    MIN_INHABITANTS,
    MIN_RESPONDENTS,
    Verdict,
    compare_values,
    judge,
    judge_one,
    judgement,
    poisson,
    verdict_of,
    wilson,
)
from atlas.errors import RegistryError
from atlas.layers.registry import load_registry

from .mappage import choropleth


@pytest.fixture(scope="module")
def registry():
    return load_registry()


@pytest.fixture(scope="module")
def art(demo_build) -> Artifact:
    return Artifact.open(demo_build)


# --- the rule, one value at a time ------------------------------------------------------------------------------


def test_a_survey_percentage_is_clear_only_when_its_wilson_interval_excludes_the_gemeente():
    # the issue's buurt: 9,1 % lonely of 88 respondents against Zwolle's 13,4 %
    issue = judge("wilson", "percent", 9.1, 13.4, n=88)
    low, high = (float(b) for b in wilson(0.091, 88))
    assert issue.low[0] <= 100 * low <= issue.low[0] + 0.1 and issue.high[0] - 0.1 <= 100 * high <= issue.high[0]
    assert issue.verdict[0] == Verdict.UNCLEAR  # 13,4 lies inside 4,6–17,0: no colour, no "lager (gunstig)"
    assert judge("wilson", "percent", 9.1, 13.4, n=900).verdict[0] == Verdict.LOWER
    assert judge("wilson", "percent", 19.1, 13.4, n=900).verdict[0] == Verdict.HIGHER
    assert judge("wilson", "percent", 9.1, 13.4).verdict[0] == Verdict.NO_INTERVAL  # no n, no interval


def test_a_survey_score_needs_its_standard_deviation():
    with_sd = judge("mean", "score", 7.5, 7.0, n=100, sd=1.5, decimals=1)
    half = 1.9842169515086827 * 1.5 / 10  # t(0.975, 99)
    assert with_sd.low[0] == math.floor((7.5 - half) * 10) / 10 and with_sd.high[0] == math.ceil((7.5 + half) * 10) / 10
    assert with_sd.verdict[0] == Verdict.HIGHER
    assert judge("mean", "score", 7.1, 7.0, n=100, sd=1.5).verdict[0] == Verdict.UNCLEAR
    assert judge("mean", "score", 7.5, 7.0, n=100).verdict[0] == Verdict.NO_INTERVAL  # the source gave no sd


def test_registrations_get_the_exact_poisson_interval():
    low, high = poisson([0, 1, 30])
    assert low[0] == 0 and high[0] == pytest.approx(3.6889, abs=1e-4)
    assert low[1] == pytest.approx(0.0253, abs=1e-4) and high[1] == pytest.approx(5.5716, abs=1e-4)
    assert low[2] == pytest.approx(20.2409, abs=1e-4) and high[2] == pytest.approx(42.8269, abs=1e-4)
    # a count: 30 people where 18 would be expected at the gemeente's rate
    count = judge("poisson", "count", 30, 18.0, decimals=0)
    assert (count.low[0], count.high[0], count.verdict[0]) == (20.0, 43.0, Verdict.HIGHER)
    assert judge("poisson", "count", 30, 25.0).verdict[0] == Verdict.UNCLEAR
    # a rate per 1 000 of 3 106 inhabitants: 99 per 1 000 is 308 people, 88,0–110,0 (rounded outward to 0 decimals)
    rate = judge("poisson", "per_1000", 99.0, 83.0, denominator=3106, decimals=0)
    k_low, k_high = (float(b) for b in poisson(308))
    assert rate.low[0] == math.floor(k_low / 3.106) and rate.high[0] == math.ceil(k_high / 3.106)
    assert rate.verdict[0] == Verdict.HIGHER
    assert judge("poisson", "per_1000", 99.0, 83.0, denominator=300).verdict[0] == Verdict.UNCLEAR
    assert judge("poisson", "per_1000", 99.0, 83.0).verdict[0] == Verdict.NO_INTERVAL  # no population known
    assert judge("poisson", "percent", 40.0, 30.0, denominator=2000).verdict[0] == Verdict.HIGHER


def test_no_verdict_below_the_minimum_population_or_sample():
    # the issue's buurt of 8 inhabitants: 6 of 8 households single is no finding
    assert judge("poisson", "percent", 75.0, 38.0, denominator=8, inhabitants=8).verdict[0] == Verdict.TOO_SMALL
    assert judge("wilson", "percent", 80.0, 40.0, n=400, inhabitants=MIN_INHABITANTS - 1).verdict[0] == "te_klein"
    assert judge("wilson", "percent", 80.0, 40.0, n=400, inhabitants=MIN_INHABITANTS).verdict[0] == Verdict.HIGHER
    assert judge("wilson", "percent", 80.0, 40.0, n=MIN_RESPONDENTS - 1).verdict[0] == Verdict.TOO_SMALL
    assert judge("wilson", "percent", 80.0, 40.0, n=MIN_RESPONDENTS).verdict[0] == Verdict.HIGHER
    assert judge("none", "euro", 41700, 35200, inhabitants=50).verdict[0] == Verdict.TOO_SMALL
    assert judge("none", "euro", 41700, 35200, inhabitants=5000).verdict[0] == Verdict.NO_INTERVAL


def test_nothing_to_compare_gets_no_verdict(registry):
    assert judge("wilson", "percent", math.nan, 13.4, n=88).verdict[0] == Verdict.NONE  # withheld: no value
    assert judge("wilson", "percent", 9.1, math.nan, n=88).verdict[0] == Verdict.NONE  # the gemeente itself
    share = registry.indicators["eenzaamheid"]
    assert judge_one(share, None, 13.4, n=88) == (Verdict.NONE, None, None)
    verdict, low, high = judge_one(share, 9.1, 13.4, n=88)
    assert verdict is Verdict.UNCLEAR and low is not None and high is not None and low < 9.1 < high


@given(
    interval=st.sampled_from(["wilson", "poisson"]),
    value=st.floats(0, 100),
    reference=st.floats(0, 100),
    n=st.integers(1, 5000),
    decimals=st.integers(0, 2),
)
def test_a_verdict_always_follows_from_the_interval_it_gives(interval, value, reference, n, decimals):
    unit = "percent"
    judged = judge(interval, unit, value, reference, n=n, denominator=n, decimals=decimals)
    low, high, verdict = judged.low[0], judged.high[0], judged.verdict[0]
    assert low <= value <= high
    assert round(low * 10**decimals, 6) == round(low * 10**decimals)  # rounded to the indicator's decimals
    expected = "hoger" if reference < low else "lager" if reference > high else "niet_duidelijk"
    small = n < MIN_RESPONDENTS if interval == "wilson" else False
    assert verdict == ("te_klein" if small else expected)


def test_favourable_follows_better_and_only_a_clear_difference_has_a_tone():
    assert judgement(Verdict.LOWER, "lower") == ("lager (gunstig)", "good")
    assert judgement(Verdict.HIGHER, "lower") == ("hoger (ongunstig)", "bad")
    assert judgement(Verdict.HIGHER, "higher") == ("hoger (gunstig)", "good")
    assert judgement(Verdict.HIGHER, "neutral") == ("hoger", "")
    for verdict in (Verdict.UNCLEAR, Verdict.NO_INTERVAL, Verdict.TOO_SMALL, Verdict.NONE):
        words, tone = judgement(verdict, "higher")
        assert tone == "" and "gunstig" not in words and not words.startswith(("hoger", "lager"))


# --- the rule over a values table -------------------------------------------------------------------------------


def _values(rows: list[tuple[str, str, str, float | None, float | None, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"indicator": i, "code": c, "level": lv, "period": "2024", "value": v, "n": n, "source": "s", "status": st_}
            for i, c, lv, v, n, st_ in rows
        ]
    ).astype({"value": "float64", "n": "float64"})


def _row(frame: pd.DataFrame, indicator: str, code: str) -> dict[str, Any]:
    return frame[(frame.indicator == indicator) & (frame.code == code)].iloc[0].to_dict()


def test_the_table_is_judged_on_published_figures_only(registry):
    rows = [
        ("inwoners", "GM0193", "gemeente", 133000.0, None, "ok"),
        ("inwoners", "BU01930101", "buurt", 3000.0, None, "ok"),
        ("inwoners", "BU01930102", "buurt", 60.0, None, "ok"),
        ("eenzaamheid", "GM0193", "gemeente", 13.4, 9000.0, "ok"),
        ("eenzaamheid", "BU01930101", "buurt", 5.0, 400.0, "ok"),
        ("eenzaamheid", "BU01930102", "buurt", 40.0, 35.0, "ok"),
        ("eenzaamheid", "BU01930103", "buurt", 30.0, 20.0, "suppressed"),  # withheld, yet with a number
    ]
    out = compare_values(_values(rows), registry)
    clear = _row(out, "eenzaamheid", "BU01930101")
    assert clear["verdict"] == "lager" and clear["significant"] == "lager" and clear["reference"] == 13.4
    assert clear["reference"] > clear["ci_high"]
    assert _row(out, "eenzaamheid", "BU01930102")["verdict"] == "te_klein"  # 60 inhabitants
    withheld = _row(out, "eenzaamheid", "BU01930103")
    assert withheld["verdict"] == "" and withheld["significant"] == "" and math.isnan(withheld["ci_low"])
    assert _row(out, "eenzaamheid", "GM0193")["verdict"] == ""  # the reference itself
    assert _row(out, "inwoners", "BU01930101")["verdict"] == ""  # a bare count is not compared
    # a withheld reference or population gives nothing to lean on
    rows[3] = ("eenzaamheid", "GM0193", "gemeente", 13.4, 9000.0, "suppressed")
    rows[2] = ("inwoners", "BU01930102", "buurt", 60.0, None, "suppressed")
    out = compare_values(_values(rows), registry)
    assert _row(out, "eenzaamheid", "BU01930101")["verdict"] == ""
    assert _row(out, "eenzaamheid", "BU01930102")["verdict"] != "te_klein"  # the withheld 60 is not read
    assert verdict_of({**_row(out, "eenzaamheid", "BU01930103"), "verdict": "hoger"}) is Verdict.NONE


def test_a_count_is_judged_as_its_rate_of_its_denominator(registry):
    rows = [
        ("inwoners", "GM0193", "gemeente", 100000.0, None, "ok"),
        ("inwoners", "BU01930101", "buurt", 2000.0, None, "ok"),
        ("huishoudens", "GM0193", "gemeente", 50000.0, None, "ok"),
        ("huishoudens", "BU01930101", "buurt", 800.0, None, "ok"),
        ("gebruik_wmo", "GM0193", "gemeente", 3000.0, None, "ok"),
        ("gebruik_wmo", "BU01930101", "buurt", 95.0, None, "ok"),
        ("stapeling_huishoudens_2", "GM0193", "gemeente", 1000.0, None, "ok"),
        ("stapeling_huishoudens_2", "BU01930101", "buurt", 20.0, None, "ok"),
    ]
    out = compare_values(_values(rows), registry)
    wmo = _row(out, "gebruik_wmo", "BU01930101")
    assert wmo["rate"] == 47.5 and _row(out, "gebruik_wmo", "GM0193")["rate"] == 30.0
    assert wmo["reference"] == 60.0  # 2 000 inhabitants at the gemeente's 30 per 1 000
    assert wmo["ci_low"] <= 95 <= wmo["ci_high"] and wmo["verdict"] == "hoger"
    households = _row(out, "stapeling_huishoudens_2", "BU01930101")
    assert households["rate"] == 25.0 and households["reference"] == 16.0 and households["verdict"] == "niet_duidelijk"


def test_a_survey_score_with_a_standard_deviation_in_the_values_gets_an_interval(registry):
    rows = [
        ("voorzieningen_score", "GM0193", "gemeente", 7.0, 9000.0, "ok"),
        ("voorzieningen_score", "BU01930101", "buurt", 7.6, 200.0, "ok"),
        ("voorzieningen_score", "BU01930102", "buurt", 7.6, 200.0, "ok"),
    ]
    frame = _values(rows).assign(sd=[1.4, 1.5, np.nan])
    out = compare_values(frame, registry)
    assert _row(out, "voorzieningen_score", "BU01930101")["verdict"] == "hoger"
    assert _row(out, "voorzieningen_score", "BU01930102")["verdict"] == "geen_interval"


def test_the_registry_says_how_each_value_is_judged(registry, tmp_path):
    assert registry.indicators["eenzaamheid"].interval == "wilson"
    assert registry.indicators["voorzieningen_score"].interval == "mean"
    assert registry.indicators["gestandaardiseerd_inkomen"].interval == "none"
    assert (registry.indicators["wmo_per_1000"].interval, registry.indicators["wmo_per_1000"].denominator) == (
        "poisson",
        "inwoners",
    )
    assert registry.indicators["stapeling_huishoudens_3"].denominator == "huishoudens"
    assert registry.indicators["gebruik_wmo"].rate_label == "per 1.000 inwoners"
    base = "indicators:\n  - {id: aantal, title: A, unit: count, source: s, theme: t, aggregate: sum}\n"
    cases = {
        "  - {id: x, title: X, unit: score, source: s, theme: t, aggregate: none, interval: wilson}\n": "wilson",
        "  - {id: x, title: X, unit: count, source: s, theme: t, aggregate: sum, interval: poisson}\n": "denominator",
        "  - {id: x, title: X, unit: percent, source: s, theme: t, aggregate: none, denominator: aantal}\n": "only with",
        "  - {id: x, title: X, unit: euro, source: s, theme: t, aggregate: none, interval: poisson}\n": "poisson is",
        "  - {id: x, title: X, unit: per_1000, source: s, theme: t, aggregate: none, interval: poisson, "
        "denominator: y}\n": "not a count",
    }
    for entry, message in cases.items():
        path = tmp_path / "r.yaml"
        path.write_text(base + entry, encoding="utf-8")
        with pytest.raises(RegistryError, match=message):
            load_registry(path)


# --- the demo: every profile against the API --------------------------------------------------------------------

_ROW = re.compile(r"<tr>\s*<td><a href=\"/kaart/(\w+)[^\"]*\">.*?</tr>", re.S)
_CELL = re.compile(r"<td([^>]*)>(.*?)</td>", re.S)


def _text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", markup)).strip()


def _profile_rows(page: str) -> list[dict[str, Any]]:
    """Per indicator row of a profile: id, the comparison cell (its verdict attribute, class and text), the year."""
    out = []
    for match in _ROW.finditer(page):
        row = match.group(0)
        cells = _CELL.findall(row)
        verdict = next(((a, t) for a, t in cells if "data-verdict" in a), None)
        if verdict is None:
            continue
        attrs, text = verdict
        year = _text(cells[-1][1])
        out.append(
            {
                "indicator": match.group(1),
                "verdict": re.search(r'data-verdict="([^"]*)"', attrs).group(1),
                "class": re.search(r'class="([^"]*)"', attrs).group(1),
                "text": _text(text),
                "year": int(year) if year else None,
            }
        )
    return out


def test_no_verdict_on_any_profile_contradicts_the_interval_in_the_api(art, client):
    """Done-when of issue 14: through every profile of the demo, each row's verdict is the API's, and the API's
    interval and reference prove it."""

    @cache
    def api(indicator: str, level: str, year: int) -> dict[str, dict[str, Any]]:
        body = client.get(f"/api/values?indicator={indicator}&niveau={level}&jaar={year}").get_json()
        return {r["code"]: r for r in body["values"]}

    checked: dict[str, int] = {}
    for level in ("buurt", "wijk", "stadsdeel"):
        for code in art.areas.level(level).code:
            page = client.get(f"/gebied/{code}").get_data(as_text=True)
            for row in _profile_rows(page):
                if row["year"] is None:
                    assert row["verdict"] == "" and row["text"] == ""
                    continue
                given = api(row["indicator"], level, row["year"])[code]
                ind = art.registry.indicators[row["indicator"]]
                verdict = Verdict(given["verdict"])
                assert row["verdict"] == verdict.value, (code, row, given)
                words, tone = judgement(verdict, ind.better)
                assert row["text"] == words, (code, row)
                assert (tone in row["class"].split()) if tone else not {"good", "bad"} & set(row["class"].split())
                low, high, ref = given.get("ci_low"), given.get("ci_high"), given.get("reference")
                if verdict is Verdict.HIGHER:
                    assert ref < low, (code, row, given)
                elif verdict is Verdict.LOWER:
                    assert ref > high, (code, row, given)
                elif verdict is Verdict.UNCLEAR:
                    assert low <= ref <= high, (code, row, given)
                else:
                    assert "gunstig" not in row["text"] and not row["text"].startswith(("hoger", "lager"))
                if given["status"] != "ok":
                    assert verdict is Verdict.NONE and given["value"] is None  # withheld: no verdict
                if verdict is not Verdict.NONE and ind.unit != "count":
                    assert (
                        ref == api(row["indicator"], "gemeente", row["year"])[art.areas.gemeente.code.iloc[0]]["value"]
                    )
                checked[verdict.value] = checked.get(verdict.value, 0) + 1
    assert checked.get("hoger", 0) > 50 and checked.get("lager", 0) > 50 and checked.get("niet_duidelijk", 0) > 500
    assert checked.get("geen_interval", 0) > 500 and checked.get("te_klein", 0) > 20


def test_the_issue_s_buurt_no_longer_calls_chance_favourable(client):
    page = client.get("/gebied/BU01931310").get_data(as_text=True)
    rows = {r["indicator"]: r for r in _profile_rows(page)}
    for indicator in ("eenzaamheid", "vrijwilligerswerk", "terugvallen_netwerk"):
        api = client.get(f"/api/values?indicator={indicator}&niveau=buurt&jaar={rows[indicator]['year']}").get_json()
        given = next(r for r in api["values"] if r["code"] == "BU01931310")
        if given["significant"] == "":
            assert rows[indicator]["text"] == "verschilt niet duidelijk" and "good" not in rows[indicator]["class"]


@pytest.mark.parametrize("indicator", ["vrijwilligerswerk", "wmo_per_1000", "gebruik_wmo", "gestandaardiseerd_inkomen"])
def test_the_map_s_tooltip_says_what_the_api_says(client, indicator):
    page = client.get(f"/kaart/{indicator}?niveau=buurt&jaar=2024").get_data(as_text=True)
    api = client.get(f"/api/values?indicator={indicator}&niveau=buurt&jaar=2024").get_json()
    verdicts = {row["code"]: row["verdict"] for row in api["values"]}
    seen = set()
    for feature in choropleth(page)["features"]:
        text, verdict = feature["properties"]["verschil"], verdicts[feature["properties"]["code"]]
        seen.add(verdict)
        assert text.endswith("; duidelijk verschil") == (verdict in ("hoger", "lager")), (text, verdict)
        assert text.endswith("; verschilt niet duidelijk") == (verdict == "niet_duidelijk"), (text, verdict)
        assert (text == "te klein gebied om te vergelijken") == (verdict == "te_klein"), (text, verdict)
        if verdict in ("hoger", "lager"):
            assert f" {verdict} dan " in text
    assert len(seen - {""}) >= 2
    if indicator != "vrijwilligerswerk":  # a survey value of a small buurt is withheld before it could be judged
        assert "te_klein" in seen


def test_the_doelenkaarten_name_the_same_verdicts(art, client):
    checked = 0
    for number in range(1, 7):
        page = client.get(f"/doelen/{number}").get_data(as_text=True)
        cards = page.split('<section class="card">')[1:]
        for ind in art.registry.goal_indicators(number):
            years = art.years(ind.id).get("wijk")
            if not years:
                continue
            card = next(c for c in cards if f'href="/kaart/{ind.id}"' in c)
            api = client.get(f"/api/values?indicator={ind.id}&niveau=wijk&jaar={years[-1]}").get_json()
            for row in api["values"]:
                if row["value"] is None:
                    note = card.split('class="note unshown">')[1].split("</p>")[0]
                    assert html.escape(row["naam"]) in note, (ind.id, row)  # named under the chart
                    continue
                said = re.search(rf"<title>{re.escape(html.escape(row['naam']))}: ([^<]*)</title></rect>", card)
                assert said is not None, (ind.id, row)
                words, _ = judgement(Verdict(row["verdict"]), ind.better)
                clear = Verdict(row["verdict"]).clear
                checked += 1
                assert (" · " + words in said.group(1)) if clear else " · " not in said.group(1), (row, said.group(1))
    assert checked > 50


def test_the_writer_refuses_a_withheld_row_with_a_verdict(registry):
    from atlas.artifact.status import check_withheld

    rows = [("eenzaamheid", "BU01930101", "buurt", None, None, "suppressed")]
    frame = compare_values(_values(rows), registry)
    assert check_withheld(frame) == 0
    assert check_withheld(frame.assign(verdict="hoger")) == 1
    assert check_withheld(frame.assign(ci_low=3.0)) == 1


def test_an_artifact_from_before_the_verdicts_is_judged_the_same_way_when_opened(art, tmp_path):
    import shutil

    copy = tmp_path / "oud"
    shutil.copytree(art.path, copy)
    values = pd.read_parquet(copy / "values.parquet")
    values.drop(columns=["verdict", "reference", "rate"]).assign(significant="").to_parquet(copy / "values.parquet")
    old = Artifact.open(copy)
    assert old.values.verdict.tolist() == art.values.verdict.tolist()
    assert np.allclose(old.values.ci_low, art.values.ci_low, equal_nan=True)
    assert old.values.significant.tolist() == art.values.significant.tolist()
