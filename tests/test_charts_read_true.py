"""Charts that read true (issue 14, item 2), stapeling as rates, and the issue's smaller findings: a computed mean as
round as its parts, the doelen page honest about demo data, and the demo's CBS support rates its own registrations."""

from __future__ import annotations

import html
import re
from xml.etree import ElementTree

import numpy as np
import pytest

from atlas.artifact import Artifact
from atlas.demo.draw import band_share
from atlas.demo.geometry import build_geometry
from atlas.demo.levels import Hierarchy
from atlas.demo.reference import load_reference
from atlas.demo.registraties import RATES, registrations, users_per_buurt, with_registration_rates
from atlas.demo.traits import build_traits
from atlas.demo.values import generate_values
from atlas.layers.registry import load_registry
from atlas.render.charts import INDEX_HALF_SPAN, Bar, axis_for, sparkline, spread_chart, trend_chart
from atlas.render.selection import dutch_number

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def art(demo_build) -> Artifact:
    return Artifact.open(demo_build)


def _svg(markup: str) -> ElementTree.Element:
    return ElementTree.fromstring(markup.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


def _line_ys(markup: str) -> list[float]:
    """The y of every point of an SVG's trend line (its first polyline with points and a stroke colour LINE)."""
    root = _svg(markup)
    line = next(p for p in root.iter(f"{SVG}polyline") if p.get("stroke") == "#00447a")
    return [float(pair.split(",")[1]) for pair in line.get("points", "").split()]


# --- the scale rule ---------------------------------------------------------------------------------------------


def test_the_scale_rule():
    assert axis_for("percent", [79.6, 82.0]).low == 0 and axis_for("percent", [79.6, 82.0]).high <= 100
    assert axis_for("percent", [2.0, 3.0]).low == 0 and axis_for("percent", [2.0, 3.0]).high == pytest.approx(3.3)
    for unit in ("count", "per_1000", "euro", "km"):
        assert axis_for(unit, [40.0, 45.0]).low == 0 and not axis_for(unit, [40.0, 45.0]).broken
    index = axis_for("index", [99.95, 100.03])
    assert (index.low, index.high) == (100 - INDEX_HALF_SPAN, 100 + INDEX_HALF_SPAN) and index.broken
    assert axis_for("index", [70.0, 100.0]).low < 70.0  # widened to hold the values
    score = axis_for("score", [6.9, 7.0], decimals=1)
    assert score.high - score.low == pytest.approx(2.0) and score.low <= 6.9 and score.high >= 7.0 and score.broken
    assert axis_for("score", [-0.35, -0.30], decimals=2).low < -0.35  # SES-WOA: signed


def test_a_sparkline_labels_its_ends_and_starts_percentages_at_0():
    markup = sparkline([(2019, 79.6), (2020, None), (2024, 82.0)], "Doel 5", fmt=lambda v: f"{v:.1f}%", unit="percent")
    root = _svg(markup)
    texts = {t.get("class"): t.text for t in root.iter(f"{SVG}text")}
    assert texts == {"first": "2019: 79.6%", "last": "2024: 82.0%"}
    ys = _line_ys(markup)
    baseline = float(next(e for e in root.iter(f"{SVG}line") if e.get("class") == "baseline").get("y1", "0"))
    assert baseline - max(ys) > 0.7 * (baseline - 2)  # both points high up: 0 is far below
    assert abs(ys[0] - ys[1]) < 0.05 * baseline  # a rise of 2,4 points is a small one
    assert "de as begint bij 0" in root.get("aria-label", "")
    assert not [e for e in root.iter(f"{SVG}polyline") if e.get("class") == "axis-break"]


def test_a_score_s_sparkline_marks_its_broken_axis():
    root = _svg(sparkline([(2019, 6.9), (2024, 7.1)], "Score", unit="score"))
    assert [e for e in root.iter(f"{SVG}polyline") if e.get("class") == "axis-break"]
    assert "de as begint niet bij 0" in root.get("aria-label", "")


def test_zwolle_s_purchasing_power_index_is_a_flat_line(client, art):
    rows = art.values[(art.values.indicator == "koopkracht_index") & (art.values.level == "gemeente")]
    assert rows.value.max() - rows.value.min() < 1  # the city is 100 by construction
    page = client.get("/gebied/GM0193").get_data(as_text=True)
    row = re.search(r'<tr>\s*<td><a href="/kaart/koopkracht_index.*?</tr>', page, re.S).group(0)
    spark = re.search(r'<svg class="spark".*?</svg>', row, re.S).group(0)
    ys = _line_ys(spark)
    assert max(ys) - min(ys) < 1.0  # under a pixel: no swing
    assert re.search(r">\d{4}: 100<", spark)  # its ends are written


def test_every_profile_sparkline_writes_its_first_and_last_year_and_value(client):
    page = client.get("/gebied/WK019310").get_data(as_text=True)
    sparks = re.findall(r'<svg class="spark".*?</svg>', page, re.S)
    assert len(sparks) > 20
    for spark in sparks:
        first = re.search(r'<text class="first"[^>]*>(\d{4}): ([^<]+)</text>', spark)
        last = re.search(r'<text class="last"[^>]*>(\d{4}): ([^<]+)</text>', spark)
        assert first and last and int(first.group(1)) < int(last.group(1)), spark


def test_the_doel_5_chart_starts_at_0(client):
    page = client.get("/doelen/5").get_data(as_text=True)
    charts = re.findall(r'<svg class="chart".*?</svg>', page, re.S)
    trends = [c for c in charts if "per jaar" in c]
    assert len(trends) == 4
    for chart in trends:
        ticks = [html.unescape(t) for t in re.findall(r'<text class="tick"[^>]*>([^<]*)</text>', chart)]
        assert ticks[0].startswith("0") and ticks[0].rstrip("%").replace("0", "").strip(",") == "", ticks
        assert 'class="axis-break"' not in chart


def test_a_trend_chart_of_an_index_is_centred_on_100():
    chart = trend_chart([(2019, 99.95), (2024, 100.03)], "Index", lambda v: f"{v:.0f}", unit="index")
    ticks = re.findall(r'<text class="tick"[^>]*>([^<]*)</text>', chart)
    assert ticks[0] == "90" and ticks[-1] == "110" and 'class="axis-break"' in chart


# --- withheld areas in the spread charts ------------------------------------------------------------------------


def test_a_withheld_wijk_keeps_its_row_in_the_spread_chart():
    chart = spread_chart(
        [Bar("Ittersum", None, note="niet gepubliceerd (privacy)"), Bar("Berkum", 40.0, verdict="hoger", tone="bad")],
        35.0,
        "x",
        lambda v: f"{v:.1f}%",
        unit="percent",
    )
    root = _svg(chart)
    withheld = [t for t in root.iter(f"{SVG}text") if t.get("class") == "withheld"]
    assert [t.text for t in withheld] == ["niet gepubliceerd (privacy)"]
    names = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert names == ["Berkum", "Ittersum"]  # the withheld one last, but there
    bar = next(root.iter(f"{SVG}rect"))
    assert bar.get("fill") == "#a12a00" and "40.0% · hoger" in bar.findtext(f"{SVG}title", "")


def test_every_withheld_wijk_is_named_on_its_doelenkaart(client, art):
    named = 0
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
                if row["status"] == "ok":
                    continue
                label = "niet gepubliceerd (privacy)" if row["status"] == "suppressed" else "geen gegevens"
                note = html.unescape(card.split('<p class="note unshown">')[1].split("</p>")[0])
                groups = dict(g.split(": ", 1) for g in note.removeprefix("Zonder staaf in de spreiding: ").split("; "))
                assert row["naam"] in groups[label.capitalize()].rstrip(".").split(", "), (ind.id, row, note)
                assert f">{html.escape(row['naam'])}</text>" in card and f">{label}</text>" in card  # its row
                named += 1
    assert named > 5


# --- stapeling as rates -----------------------------------------------------------------------------------------


def test_stapeling_shows_rates_per_1000_inhabitants_and_households(client, art):
    code = "WK019311"
    page = client.get(f"/gebied/{code}").get_data(as_text=True)
    table = page.split('<table class="data profile stapeling">')[1].split("</table>")[0]
    assert "Vergeleken met Zwolle" in table and "per 1.000" in table
    year = max(art.years("stapeling_personen_1")["wijk"])
    for indicator, denominator in [("gebruik_wmo", "inwoners"), ("stapeling_huishoudens_1", "huishoudens")]:
        row = re.search(rf'<tr>\s*<td><a href="/kaart/{indicator}.*?</tr>', table, re.S).group(0)
        cells = [
            html.unescape(re.sub(r"<[^>]+>", " ", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        count, rate, wijk_rate, city_rate, verdict = cells[1], cells[2], cells[3], cells[4], cells[5]  # a stadsdeel
        assert f"per 1.000: {denominator}" in cells[0]
        values = art.rows(indicator, "wijk", year).set_index("code")
        base = art.rows(denominator, "wijk", year).set_index("code").value[code]
        assert count == dutch_number(values.value[code], 0)
        assert rate == dutch_number(round(values.value[code] / base * 1000, 1), 1)
        gm = art.rows(indicator, "gemeente", year).iloc[0]
        gm_base = art.rows(denominator, "gemeente", year).value.iloc[0]
        assert city_rate == dutch_number(round(gm.value / gm_base * 1000, 1), 1)
        assert verdict  # every published count with a denominator is judged (or said why not)
        assert re.fullmatch(r"\d+,\d", wijk_rate)  # the stadsdeel's rate too
    rates = client.get(f"/api/values?indicator=stapeling_personen_1&niveau=wijk&jaar={year}").get_json()["values"]
    assert all((r["rate"] is None) == (r["value"] is None) for r in rates)


# --- the smaller findings ---------------------------------------------------------------------------------------


def test_a_stadsdeel_s_computed_income_is_as_round_as_its_wijken(client, art):
    year = max(art.years("gestandaardiseerd_inkomen")["stadsdeel"])
    wijken = art.rows("gestandaardiseerd_inkomen", "wijk", year).value.dropna()
    stadsdelen = art.rows("gestandaardiseerd_inkomen", "stadsdeel", year).value.dropna()
    assert (wijken % 100 == 0).all() and len(stadsdelen) == 5
    assert (stadsdelen % 100 == 0).all(), stadsdelen.tolist()
    page = client.get(f"/gebied/{art.rows('gestandaardiseerd_inkomen', 'stadsdeel', year).code.iloc[0]}")
    row = re.search(r'<tr>\s*<td><a href="/kaart/gestandaardiseerd_inkomen.*?</tr>', page.get_data(as_text=True), re.S)
    amounts = re.findall(r"€ ([\d.]+)", row.group(0))
    assert amounts and all(a.endswith("00") for a in amounts), amounts


def test_the_doelen_page_does_not_call_demo_data_real(client):
    page = client.get("/doelen").get_data(as_text=True)
    main = page.split("<h1>", 1)[1]
    assert "echte cijfers" not in main and "synthetische demodata" in main


def test_the_demo_s_cbs_support_rates_are_its_registrations(art):
    """Wmo and bijstand per 1 000 of the demo's CBS files agree with the users its registrations give, at every
    level where both are published: up to rounding (counts to 5, Wmo per 1 000 to a whole number) and 3 % (a small
    buurt the demo's CBS file leaves empty is left out of its wijk's CBS figure, not of the registrations)."""
    for rate_id, count_id, decimals in [
        ("wmo_per_1000", "gebruik_wmo", 0),
        ("bijstand_per_1000", "gebruik_bijstand", 1),
    ]:
        compared = 0
        for level in ("gemeente", "stadsdeel", "wijk"):
            for year in art.years(count_id)[level]:
                rate = art.rows(rate_id, level, year).set_index("code").value
                count = art.rows(count_id, level, year).set_index("code").value
                people = art.rows("inwoners", level, year).set_index("code").value
                for code in count.dropna().index:
                    if code not in rate or np.isnan(rate[code]):
                        continue
                    implied = count[code] / people[code] * 1000
                    slack = 2.5 / people[code] * 1000 + 0.5 * 10**-decimals + 0.03 * implied
                    assert abs(rate[code] - implied) <= slack, (rate_id, level, year, code, rate[code], implied)
                    compared += 1
        assert compared > 50
    gm = art.rows("wmo_per_1000", "gemeente", 2024).value.iloc[0]
    assert 15 < gm < 80  # a plausible Wmo rate, and no longer 83 beside 9


def test_the_demo_s_youth_care_share_is_its_registered_jeugdhulp():
    registry = load_registry()
    reference = load_reference()
    traits = build_traits(build_geometry(reference), 2024)
    frame = registrations(traits, 2024)
    values = generate_values(registry, traits, Hierarchy.from_reference(reference), 2024)
    counted = {v.indicator.id: v for v in with_registration_rates(values, frame, traits)}
    used = users_per_buurt(frame, traits)
    youth = traits.population * band_share(traits.age, (0, 18))[None, :]
    share = counted["jeugdzorg_percentage"].parts[0].values
    known = np.isfinite(share)
    assert known.mean() > 0.9 and set(RATES) <= set(counted)
    assert np.allclose(share[known] * youth[known] / 100, used["jeugdhulp"][known])
    city = used["jeugdhulp"].sum(axis=1) / youth.sum(axis=1) * 100
    assert ((city > 4) & (city < 15)).all()
