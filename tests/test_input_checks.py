"""Doubtful input values stop the build with every problem listed: out-of-range cells and inputs without data."""

from __future__ import annotations

import re

import openpyxl
import pytest
from click.testing import CliRunner

from atlas.cli import main
from atlas.errors import FindingsError, SourcesError
from atlas.findings import Findings
from atlas.layers.registry import load_registry
from atlas.pipeline.run import build
from atlas.sources.indicators import read_long, read_wide
from atlas.sources.registraties import read_registraties
from atlas.sources.spec.indicators import ColumnMap, IndicatorSource
from tests.test_build import VALUES, _sources

REGISTRY = load_registry()


def _long(tmp_path, text):
    path = tmp_path / "cijfers.csv"
    path.write_text(text, encoding="utf-8")
    return IndicatorSource(entry="indicators[0]", path=path, format="long")


def test_out_of_range_cells_are_errors_naming_file_row_and_column(tmp_path):
    source = _long(
        tmp_path,
        "code,indicator,year,value,n\n"
        "BU01930101,vrijwilligerswerk,2023,250,100\n"
        "BU01930102,vrijwilligerswerk,2023,-40,100\n"
        "BU01930201,inwoners,2023,-3,\n"
        "BU01930202,vrijwilligerswerk,2023,20,-5\n"
        "BU01930101,inwoners,2023,1200,\n",
    )
    findings = Findings()
    read_long(source, REGISTRY, findings)
    lines = [f.line() for f in findings]
    path = str(source.path)
    assert lines == [
        f"error [out_of_range] {path}, row 2, field 'value': 250 is not a percentage (0 to 100) (vrijwilligerswerk, BU01930101)",
        f"error [out_of_range] {path}, row 3, field 'value': -40 is not a percentage (0 to 100) (vrijwilligerswerk, BU01930102)",
        f"error [out_of_range] {path}, row 4, field 'value': -3 is a negative count (inwoners, BU01930201)",
        f"error [out_of_range] {path}, row 5, field 'n': -5 is a negative number of respondents (n) (vrijwilligerswerk, BU01930202)",
    ]
    with pytest.raises(SourcesError, match=r"cijfers.csv, row 2, field 'value': 250 is not a percentage"):
        read_long(source, REGISTRY)  # without a collector: the first one, at once


def test_a_wide_file_names_its_own_columns(tmp_path):
    path = tmp_path / "bvb.csv"
    path.write_text("buurtcode;b_mivrij;resp\nBU01930101;101,5;40\nBU01930102;12;-1\n", encoding="utf-8")
    source = IndicatorSource(
        entry="indicators[0]",
        path=path,
        format="wide",
        code="buurtcode",
        year=2024,
        n="resp",
        columns={"b_mivrij": ColumnMap("vrijwilligerswerk")},
    )
    findings = Findings()
    read_wide(source, REGISTRY, findings)
    assert [(f.row, f.field) for f in findings.errors] == [(2, "b_mivrij"), (3, "resp")]
    path.write_text("buurtcode;b_mivrij;b_sceenz;resp\nBU01930101;10;20;40\n", encoding="utf-8")
    findings = Findings()
    read_wide(source, REGISTRY, findings)
    [unused] = list(findings)
    assert (unused.kind, unused.severity.value, unused.count) == ("unused_columns", "info", 1)
    assert "1 of the 4 columns are not mapped to an indicator (b_sceenz)" in unused.message


def test_a_file_with_only_a_header_is_an_error(tmp_path):
    source = _long(tmp_path, "code,indicator,year,value,n\n")
    findings = Findings()
    assert read_long(source, REGISTRY, findings).empty
    [finding] = list(findings)
    assert finding.kind == "empty_input" and finding.severity.value == "error" and finding.file == str(source.path)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "bvb"
    sheet.append(["buurtcode", "b_mivrij"])
    workbook.save(tmp_path / "bvb.xlsx")
    wide = IndicatorSource(
        entry="indicators[1]",
        path=tmp_path / "bvb.xlsx",
        format="wide",
        code="buurtcode",
        year=2024,
        sheet="bvb",
        columns={"b_mivrij": ColumnMap("vrijwilligerswerk")},
    )
    findings = Findings()
    read_wide(wide, REGISTRY, findings)
    assert [(f.kind, f.field) for f in findings] == [("empty_input", "bvb")]
    (tmp_path / "reg.csv").write_text("persoon_id,huishouden_id,buurtcode,regeling,begindatum,einddatum\n")
    with pytest.raises(SourcesError, match=r"reg\.csv: has no registrations"):
        read_registraties(tmp_path / "reg.csv")


def test_the_build_lists_every_error_and_writes_nothing(tmp_path):
    values = VALUES.replace("1200", "-1200").replace("20,50\nBU01930202", "120,50\nBU01930202")
    sources = _sources(tmp_path, values)
    out = tmp_path / "out"
    with pytest.raises(FindingsError, match=r"2 error\(s\); nothing was written") as info:
        build(sources, out)
    assert "-1200 is a negative count" in str(info.value) and "120 is not a percentage" in str(info.value)
    assert not out.exists()
    result = CliRunner().invoke(main, ["validate", "--sources", str(sources)])
    assert result.exit_code == 1
    assert re.search(
        r"error \[out_of_range\] .*cijfers.csv, row 2, field 'value': -1200 is a negative count", result.output
    )
    assert "2 error(s): 'atlas build' would stop and write nothing" in result.output


def test_cbs_records_without_rows_or_with_negative_counts(tmp_path):
    import json

    from atlas.sources.kwb import read_cbsodata

    path = tmp_path / "kwb_2024_GM0193.json"
    path.write_text("[]", encoding="utf-8")
    source = IndicatorSource(
        entry="indicators[0]", path=path, format="cbsodata", table="85984NED", code="WijkenEnBuurten"
    )
    findings = Findings()
    assert read_cbsodata(source, REGISTRY, findings).empty
    assert [(f.kind, f.severity.value) for f in findings] == [("empty_input", "error")]
    records = [{"ID": 0, "WijkenEnBuurten": "Binnenstad", "Codering_3": "BU01930101", "AantalInwoners_5": -20}]
    path.write_text(json.dumps(records), encoding="utf-8")
    findings = Findings()
    read_cbsodata(source, REGISTRY, findings)
    [error] = findings.errors
    assert error.kind == "out_of_range" and error.row == 1 and error.field == "AantalInwoners_5"


def test_a_table_with_only_some_cbs_measures_gives_one_warning(tmp_path):
    import json

    from atlas.sources.kwb import read_cbsodata

    path = tmp_path / "kwb_2024_GM0193.json"
    records = [{"ID": 0, "WijkenEnBuurten": "Zwolle", "Codering_3": "GM0193    ", "AantalInwoners_5": 1000}]
    path.write_text(json.dumps(records), encoding="utf-8")
    source = IndicatorSource(
        entry="indicators[0]", path=path, format="cbsodata", table="85984NED", code="WijkenEnBuurten"
    )
    findings = Findings()
    assert read_cbsodata(source, REGISTRY, findings).indicator.tolist() == ["inwoners"]
    [lacking] = [f for f in findings if f.kind == "missing_columns"]
    named = sum(1 for i in REGISTRY if i.cbs_key) - 1
    assert lacking.count == named and f"lacks the keys of {named} indicators" in lacking.message
    assert "woz_waarde (GemiddeldeWOZWaardeVanWoningen)" in lacking.message or "and " in lacking.message
