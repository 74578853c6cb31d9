"""The one rule that says whether a value may be shown, and everything that reads the artifact goes through it."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from atlas.artifact import Artifact, Status
from atlas.artifact.status import (
    is_published,
    present,
    publishable,
    published_view,
    shown_status,
    shown_statuses,
    shown_value,
    withhold,
)
from atlas.errors import BuildError

STATUSES = [s.value for s in Status]


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": ["A", "B", "C", "D", "E", "F"],
            "status": [STATUSES[0], STATUSES[0], STATUSES[1], STATUSES[2], "onbekend", None],
            "value": [12.5, np.nan, 3.0, np.nan, 7.0, 1.0],
            "n": [40.0, 41.0, 5.0, 30.0, 10.0, 2.0],
            "ci_low": [10.0, 1.0, 1.0, np.nan, 1.0, 1.0],
            "ci_high": [15.0, 2.0, 9.0, np.nan, 9.0, 9.0],
            "significant": ["hoger", "lager", "lager", "", "hoger", "hoger"],
        }
    )


def test_only_a_published_status_with_a_finite_value_is_shown():
    frame = _frame()
    assert publishable(frame).tolist() == [True, False, False, False, False, False]
    assert [shown_status(s, v) for s, v in zip(frame.status, frame.value, strict=True)] == [
        Status.PUBLISHED,
        Status.MISSING,
        Status.SUPPRESSED,
        Status.MISSING,
        Status.MISSING,
        Status.MISSING,
    ]
    assert shown_statuses(frame).tolist() == [
        STATUSES[0],
        STATUSES[2],
        STATUSES[1],
        STATUSES[2],
        STATUSES[2],
        STATUSES[2],
    ]
    assert shown_value(STATUSES[0], "12.5") == 12.5 and shown_value(STATUSES[1], 3.0) is None
    assert not is_published(STATUSES[0], float("inf")) and not is_published(STATUSES[0], None)
    assert present(frame) == [Status.PUBLISHED, Status.SUPPRESSED, Status.MISSING]


def test_the_published_view_keeps_nothing_of_a_withheld_value():
    view = published_view(_frame())
    assert view.status.tolist() == [STATUSES[0], STATUSES[2], STATUSES[1], STATUSES[2], STATUSES[2], STATUSES[2]]
    assert view.loc[0, ["value", "n", "ci_low", "ci_high"]].tolist() == [12.5, 40.0, 10.0, 15.0]
    assert view.loc[0, "significant"] == "hoger"
    hidden = view.iloc[1:]
    assert hidden[["value", "n", "ci_low", "ci_high"]].isna().all().all()
    assert (hidden.significant == "").all()


def test_withhold_suppresses_and_clears():
    out = withhold(_frame(), np.array([True, False, False, False, False, False]))
    assert out.loc[0, "status"] == STATUSES[1] and np.isnan(out.loc[0, "value"]) and np.isnan(out.loc[0, "n"])
    assert out.loc[0, "significant"] == "" and out.loc[2, "value"] == 3.0  # other rows untouched


@given(
    st.lists(
        st.tuples(
            st.sampled_from([*STATUSES, "x", None]),
            st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
        ),
        max_size=20,
    )
)
def test_a_view_has_a_number_exactly_where_the_rule_says(rows):
    frame = pd.DataFrame(rows, columns=["status", "value"]).assign(n=1.0)
    frame["value"] = pd.to_numeric(frame.value, errors="coerce")
    view = published_view(frame)
    shown = publishable(frame)
    assert np.array_equal(view.value.notna().to_numpy(), shown)
    assert np.array_equal(view.n.notna().to_numpy(), shown)
    assert set(view.status) <= set(STATUSES)
    assert np.array_equal(publishable(view), shown)


def test_the_writer_refuses_a_withheld_value_that_still_has_a_number(demo_build, tmp_path):
    from atlas.artifact.writer import write_part_values

    values = pd.read_parquet(demo_build / "values.parquet")
    leaking = values.copy()
    row = leaking.index[leaking.status == STATUSES[1]][0]
    leaking.loc[row, "value"] = 3.0
    with pytest.raises(BuildError, match="1 values that may not be shown still carry a number"):
        write_part_values(tmp_path / "out", leaking)
    assert not (tmp_path / "out").exists()


def test_a_tampered_artifact_still_shows_no_withheld_number(demo_build, tmp_path):
    """Even when values.parquet holds a number for a suppressed cell, no page, download or API answer shows it."""
    from atlas.web import create_app

    build = tmp_path / "build"
    shutil.copytree(demo_build, build)
    values = pd.read_parquet(build / "values.parquet")
    hidden = values[(values.status == STATUSES[1]) & (values.level == "buurt")].iloc[0]
    values.loc[hidden.name, ["value", "n"]] = [4321987.0, 8765432.0]
    values.to_parquet(build / "values.parquet", index=False)
    art = Artifact.open(build)
    assert np.isnan(art.values.loc[hidden.name, "value"])
    client = create_app(build, {"TESTING": True, "ATLAS_TILES": False}).test_client()
    year = hidden.period[:4]
    api = json.loads(client.get(f"/api/values?indicator={hidden.indicator}&niveau=buurt&jaar={year}").data)
    row = next(r for r in api["values"] if r["code"] == hidden.code)
    assert row["value"] is None and row["n"] is None and row["status"] == STATUSES[1]
    for url in (
        f"/download/{hidden.indicator}.csv?niveau=buurt&jaar={year}",
        f"/kaart/{hidden.indicator}?niveau=buurt&jaar={year}",
        f"/gebied/{hidden.code}",
    ):
        body = client.get(url).data.decode()
        assert "4321987" not in body and "4.321.987" not in body and "8765432" not in body, url
