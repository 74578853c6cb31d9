"""Safe downloads: text from the inputs never becomes a spreadsheet formula, numbers stay numbers."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import numpy as np
import openpyxl
import pandas as pd
import pytest

from atlas.artifact import Artifact
from atlas.render.exports import export
from atlas.render.selection import select
from atlas.render.spreadsheet import csv_cell, csv_safe, xlsx_bytes

FORMULAS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "\tx", "\rx", "x\r=1+1\n@y"]
"""Names that start like a formula, and one whose line breaks would start rows with one if it were not quoted."""
SOURCE = "=1+2"
NEGATIVE = -2.5


@pytest.mark.parametrize("text", FORMULAS[:-1])
def test_a_text_cell_that_starts_like_a_formula_gets_an_apostrophe(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Binnenstad", "Holtenbroek-Noord", "", "x=1", None, NEGATIVE, -3, np.nan])
def test_other_cells_stay_as_they_are(value):
    assert csv_cell(value) is value


def test_numeric_columns_are_not_touched():
    frame = pd.DataFrame({"naam": ["-a", "b"], "waarde": [NEGATIVE, 1.0], "jaar": [2024, 2024]})
    safe = csv_safe(frame)
    assert safe.naam.tolist() == ["'-a", "b"]
    assert safe.waarde.tolist() == [NEGATIVE, 1.0] and safe.jaar.tolist() == [2024, 2024]
    assert frame.naam.tolist() == ["-a", "b"]  # a copy: the frame itself keeps its text


@pytest.fixture(scope="module")
def hostile(demo_build):
    """A selection of the demo whose area names and one source are formulas, and whose first value is negative."""
    art = Artifact.open(demo_build)
    sel = select(art, "vrijwilligerswerk", "wijk", 2024)
    values = sel.values.sort_values("code").reset_index(drop=True)
    published = values.index[values.status == "ok"]
    assert len(published) > len(FORMULAS)
    values["naam"] = values["naam"].astype(object)
    values["source"] = values["source"].astype(object)
    for i, text in zip(published, FORMULAS, strict=False):
        values.loc[i, "naam"] = text
    first = published[0]
    values.loc[first, "value"] = NEGATIVE
    values.loc[first, "source"] = SOURCE
    return art, dataclasses.replace(sel, values=values), values.code[published[len(FORMULAS)]]


def test_csv_neutralises_formulas_and_keeps_numbers(hostile):
    art, sel, plain_code = hostile
    body = export(art, sel, "csv").body.decode("utf-8")
    rows = {row["code"]: row for row in csv.DictReader(io.StringIO(body, newline=""))}
    by_name = {row["naam"]: row for row in rows.values()}
    assert len(rows) == len(sel.values)  # no name broke a record in two
    for text in FORMULAS[:-1]:
        assert "'" + text in by_name, text
    assert FORMULAS[-1] in by_name  # one cell, as it is: it does not start like a formula
    assert '"x\r=1+1\n@y"' in body  # quoted: its line breaks stay inside the cell
    assert body.count("\r\n") == len(sel.values) + 1  # RFC 4180: every record, the header too, ends in CRLF
    negative = by_name["'" + FORMULAS[0]]
    assert negative["waarde"] == str(NEGATIVE)  # a number: no apostrophe
    assert negative["bron"] == "'" + SOURCE
    assert not rows[plain_code]["naam"].startswith("'")
    for row in rows.values():
        for column, cell in row.items():
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), (column, cell)
            assert not cell.startswith("-") or column in (
                "waarde",
                "n",
                "bi_onder",
                "bi_boven",
                "vergeleken_met",
                "per_1000",
            ), (
                column,
                cell,
            )


def test_xlsx_stores_text_as_strings_never_formulas(hostile):
    art, sel, _ = hostile
    book = openpyxl.load_workbook(io.BytesIO(export(art, sel, "xlsx").body))
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    naam, waarde, bron = header.index("naam"), header.index("waarde"), header.index("bron")
    rows = list(sheet.iter_rows(min_row=2))
    assert all(cell.data_type != "f" for row in rows for cell in row)
    names = {row[naam].value: row for row in rows}
    for text in FORMULAS:
        stored = text if text in names else text.replace("\r", "\n")  # XML reads a bare CR as LF
        assert stored in names, text  # the text itself, no apostrophe: it is a string cell
        assert names[stored][naam].data_type == "s"
    row = names[FORMULAS[0]]
    assert row[waarde].data_type == "n" and row[waarde].value == NEGATIVE
    assert row[bron].value == SOURCE and row[bron].data_type == "s"


def test_xlsx_bytes_of_a_formula_is_a_string_cell():
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(pd.DataFrame({"a": ["=1+1"], "b": [NEGATIVE]}), "blad")))
    text, number = book["blad"]["A2"], book["blad"]["B2"]
    assert (text.value, text.data_type) == ("=1+1", "s")
    assert (number.value, number.data_type) == (NEGATIVE, "n")


def test_geojson_keeps_the_text_as_it_is(hostile):
    art, sel, _ = hostile
    features = json.loads(export(art, sel, "geojson").body)["features"]
    names = {f["properties"]["naam"] for f in features}
    assert set(FORMULAS) <= names
