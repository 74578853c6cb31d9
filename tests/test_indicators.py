"""Indicator importers: long and wide, CSV and XLSX, missing stays missing, errors name file/row/column."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from atlas.errors import SourcesError
from atlas.sources.indicators import read_indicators, read_long, read_wide
from atlas.sources.spec import ColumnMap, IndicatorSource


def _long(path: Path, **kw: object) -> IndicatorSource:
    return IndicatorSource(entry="indicators[0]", path=path, format="long", **kw)  # type: ignore[arg-type]


def test_long_csv_keeps_missing_as_missing(tmp_path, small_registry):
    path = tmp_path / "x.csv"
    path.write_text(
        "code,indicator,year,value,n\n"
        " bu01930101 ,vrijwilligerswerk,2024,31.5,120\n"
        "BU01930102,vrijwilligerswerk,2024,,80\n"
        "BU01930103,vrijwilligerswerk,2024,.,\n"
        "BU01930104,vrijwilligerswerk,2024,0,40\n",
        encoding="utf-8",
    )
    frame = read_long(_long(path), small_registry)
    assert frame.code.tolist() == ["BU01930101", "BU01930102", "BU01930103", "BU01930104"]
    assert frame.value.iloc[0] == 31.5
    assert math.isnan(frame.value.iloc[1]) and math.isnan(frame.value.iloc[2])
    assert frame.value.iloc[3] == 0.0  # a real zero stays zero
    assert frame.n.tolist()[:2] == [120.0, 80.0] and math.isnan(frame.n.iloc[2])
    assert set(frame.period) == {"2024"}
    assert set(frame.source) == {"Buurt-voor-Buurt"}  # registry source by default


def test_long_semicolon_and_decimal_comma(tmp_path, small_registry):
    path = tmp_path / "x.csv"
    path.write_text("code;indicator;year;value\nWK019310;eenzaamheid;2023;12,5\n", encoding="utf-8")
    frame = read_long(_long(path, source="GGD monitor 2023"), small_registry)
    assert frame.value.tolist() == [12.5]
    assert frame.source.tolist() == ["GGD monitor 2023"]


def test_wide_xlsx_with_respondents(tmp_path, small_registry):
    path = tmp_path / "bvb.xlsx"
    pd.DataFrame(
        {
            "buurtcode": ["BU01930101", "BU01930102"],
            "jaar": [2022, 2022],
            "b_mivrij": [30.1, None],
            "b_sceenz": ["12", "NA"],
            "resp": [100, 25],
        }
    ).to_excel(path, index=False)
    source = IndicatorSource(
        entry="indicators[1]",
        path=path,
        format="wide",
        code="buurtcode",
        year_column="jaar",
        n="resp",
        columns={
            "b_mivrij": ColumnMap("vrijwilligerswerk"),
            "b_sceenz": ColumnMap("eenzaamheid"),
        },
    )
    frame = read_wide(source, small_registry).set_index(["indicator", "code"])
    assert frame.loc[("vrijwilligerswerk", "BU01930101"), "value"] == pytest.approx(30.1)
    assert math.isnan(frame.loc[("vrijwilligerswerk", "BU01930102"), "value"])
    assert math.isnan(frame.loc[("eenzaamheid", "BU01930102"), "value"])
    assert frame.loc[("eenzaamheid", "BU01930101"), "n"] == 100
    assert set(frame.period) == {"2022"}


def test_wide_per_column_n_and_constant_year(tmp_path, small_registry):
    path = tmp_path / "w.csv"
    path.write_text("gebied,a,na\nBU01930101,50,31\n", encoding="utf-8")
    source = IndicatorSource(
        entry="indicators[0]",
        path=path,
        format="wide",
        code="gebied",
        year=2021,
        columns={"a": ColumnMap("vrijwilligerswerk", n="na")},
    )
    frame = read_wide(source, small_registry)
    assert frame[["code", "period", "value", "n"]].values.tolist() == [["BU01930101", "2021", 50.0, 31.0]]


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (
            "code,indicator,year,value\nBU01930101,vrijwiligerswerk,2024,3\n",
            r"row 2.*'indicator'.*meant the existing 'vrijwilligerswerk'.*'registry: \[extra\.yaml\]'",
        ),
        (
            "code,indicator,year,value\nBU01930101,vrijwilligerswerk,2024,veel\n",
            r"row 2, field 'value'.*'veel' is not a number",
        ),
        ("code,indicator,year,value\nBU01930101,vrijwilligerswerk,24a,3\n", r"row 2, field 'year'"),
        (
            "code,indicator,year,value\nXX1,vrijwilligerswerk,2024,3\n",
            r"row 2, field 'code'.*not an area code",
        ),
        (
            "code,indicator,jaar,value\nBU01930101,vrijwilligerswerk,2024,3\n",
            r"field 'year'.*not found; the file has: code, indicator, jaar, value",
        ),
        (
            "code,indicator,year,value\nBU01930101,vrijwilligerswerk,2024,3\nBU01930102,vrijwilligerswerk,2024,3\nBU01930101,vrijwilligerswerk,2024,4\n",
            r"row 4.*given twice.*row 2",
        ),
    ],
    ids=["unknown-indicator", "not-a-number", "bad-year", "bad-code", "missing-column", "duplicate"],
)
def test_long_errors_name_file_row_and_column(tmp_path, small_registry, content, match):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SourcesError, match=match) as info:
        read_indicators((_long(path),), small_registry)
    assert "bad.csv" in str(info.value)


def test_wide_unknown_indicator_names_the_mapping(tmp_path, small_registry):
    path = tmp_path / "w.csv"
    path.write_text("code,a\nBU01930101,1\n", encoding="utf-8")
    source = IndicatorSource(
        entry="indicators[2]", path=path, format="wide", year=2024, columns={"a": ColumnMap("nope")}
    )
    with pytest.raises(SourcesError, match=r"w\.csv.*field 'columns\.a'.*unknown indicator 'nope'"):
        read_wide(source, small_registry)


def test_unsupported_file_type(tmp_path, small_registry):
    path = tmp_path / "x.json"
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(SourcesError, match=r"x\.json.*unsupported file type"):
        read_long(_long(path), small_registry)


def test_every_indicator_format_has_one_reader():
    from atlas.sources.indicators import READERS
    from atlas.sources.spec import INDICATOR_FORMATS

    assert list(READERS) == list(INDICATOR_FORMATS)
