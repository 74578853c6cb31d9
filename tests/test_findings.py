"""The findings collector: kinds, severities, the report, and errors that stop a build."""

from __future__ import annotations

import pytest

from atlas.errors import FindingsError
from atlas.findings import KINDS, Finding, Findings, Severity


def test_findings_are_collected_reported_and_stored():
    findings = Findings()
    findings.info("note", "wijken dissolved from the buurten")
    findings.warning("sum_mismatch", "given 118240, sum 118225", indicator="inwoners", code="GM0193", period="2024")
    findings.error("out_of_range", "-3 is not a count", file="cijfers.csv", row=4, field="value")
    assert findings.report() == [
        "error [out_of_range] cijfers.csv, row 4, field 'value': -3 is not a count",
        "warning [sum_mismatch] given 118240, sum 118225",
        "info [note] wijken dissolved from the buurten",
    ]
    stored = findings.as_manifest()
    assert stored[1] == {
        "kind": "sum_mismatch",
        "severity": "warning",
        "message": "given 118240, sum 118225",
        "indicator": "inwoners",
        "code": "GM0193",
        "period": "2024",
    }
    assert [Finding.from_dict(item) for item in stored] == list(findings)
    assert [f.kind for f in findings.of(Severity.WARNING)] == ["sum_mismatch"]


def test_errors_stop_with_every_error_listed():
    findings = Findings()
    findings.warning("dropped_rows", "3 rows without a code")
    findings.stop_on_errors()  # warnings do not stop
    findings.error("empty_input", "no data rows", file="a.csv")
    findings.error("empty_input", "no data rows", file="b.csv")
    with pytest.raises(FindingsError, match=r"2 error\(s\); nothing was written:\n  error \[empty_input\] a.csv: no"):
        findings.stop_on_errors()


def test_every_kind_is_declared_with_words_for_the_pages():
    with pytest.raises(ValueError, match="unknown finding kind 'typo'"):
        Findings().warning("typo", "x")
    assert all(text and text[0].isupper() for text in KINDS.values())
