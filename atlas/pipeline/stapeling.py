"""Support use and stapeling per area on a peildatum (foto veerkracht, part 4).

A registration counts when it is active on the peildatum: ``begindatum ≤ peildatum`` and ``einddatum`` empty or
``≥ peildatum`` (the end day is the last day of support). Each person, and each household, is placed in one buurt:
the buurt of their active registration that began last (ties: the lowest buurtcode), so a person who moved between
two registrations is counted once at every level, and every level is the sum of the level below. Per buurt, wijk,
stadsdeel and gemeente:

- ``gebruik_wmo``, ``gebruik_jeugdhulp``, ``gebruik_bijstand``: persons with that regeling;
- ``stapeling_personen_1..3``: persons with exactly 1, 2 or 3 distinct regelingen;
- ``stapeling_huishoudens_1..3``: households by the number of distinct regelingen among their members.

The period of the values is the peildatum's year (``"2024"`` for 2024-01-01), so stapeling lines up with the other
indicators of that year; the peildatum itself is reported in the manifest. Only these counts leave this module:
no id, no row, no date of a person.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from atlas.artifact.areas import Areas
from atlas.codes import LEVELS
from atlas.findings import Findings
from atlas.layers.registry import Registry
from atlas.sources.registraties import REGELINGEN, read_registraties
from atlas.sources.spec.stapeling import StapelingSource
from atlas.sources.tables import RAW_COLUMNS, empty_raw

INDICATORS = (
    *(f"gebruik_{r}" for r in REGELINGEN),
    *(f"stapeling_personen_{k}" for k in (1, 2, 3)),
    *(f"stapeling_huishoudens_{k}" for k in (1, 2, 3)),
)
SOURCE = "Registraties gemeente (Wmo, Jeugdwet, Participatiewet); stapeling berekend door de atlas"


def active(rows: pd.DataFrame, peildatum: dt.date) -> pd.DataFrame:
    """Registrations that run on the peildatum."""
    day = pd.Timestamp(peildatum)
    return rows[(rows.begin <= day) & (rows.end.isna() | (rows.end >= day))]


def _place(rows: pd.DataFrame, key: str) -> pd.Series:
    """One buurt per ``key`` (person or household): that of its latest-beginning active registration."""
    ordered = rows.sort_values([key, "begin", "buurtcode"], ascending=[True, False, True], kind="stable")
    return ordered.drop_duplicates(key).set_index(key).buurtcode


def ancestors(areas: Areas) -> pd.DataFrame:
    """Per buurt code: its code at every level (columns ``buurt, wijk, stadsdeel, gemeente``)."""
    parent = {}
    for level in LEVELS:
        frame = areas.level(level)
        parent.update(dict(zip(frame.code, frame.parent, strict=True)))
    level_of = {code: level for level in LEVELS for code in areas.level(level).code}
    table: dict[str, dict[str, str]] = {}
    for buurt in areas.buurt.code:
        chain = {"buurt": str(buurt)}
        code = parent.get(buurt, "")
        while code:
            chain[level_of.get(code, "")] = code
            code = parent.get(code, "")
        table[str(buurt)] = chain
    return pd.DataFrame.from_dict(table, orient="index").rename_axis("code")


def counts_per_buurt(rows: pd.DataFrame) -> pd.DataFrame:
    """Counts per buurt (index buurtcode, columns :data:`INDICATORS`) of the given active rows."""
    if rows.empty:
        return pd.DataFrame(columns=list(INDICATORS), dtype="int64")
    laws = pd.crosstab(rows.persoon_id, rows.regeling).reindex(columns=list(REGELINGEN), fill_value=0) > 0
    persons = laws.assign(buurt=_place(rows, "persoon_id"), k=laws.sum(axis=1))
    household_laws = pd.crosstab(rows.huishouden_id, rows.regeling) > 0
    households = pd.DataFrame({"buurt": _place(rows, "huishouden_id"), "k": household_laws.sum(axis=1)})
    out: dict[str, pd.Series] = {}
    for regeling in REGELINGEN:
        out[f"gebruik_{regeling}"] = persons[persons[regeling]].groupby("buurt").size()
    for k in (1, 2, 3):
        out[f"stapeling_personen_{k}"] = persons[persons.k == k].groupby("buurt").size()
        out[f"stapeling_huishoudens_{k}"] = households[households.k == k].groupby("buurt").size()
    return pd.DataFrame(out).reindex(columns=list(INDICATORS)).fillna(0).astype("int64")


def stapeling_values(
    rows: pd.DataFrame, peildatum: dt.date, areas: Areas, *, source: str, file: str
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Values of :data:`INDICATORS` for every area of every level (in ``RAW_COLUMNS``), and a report without ids."""
    now = active(rows, peildatum)
    known = now.buurtcode.isin(set(areas.buurt.code))
    per_buurt = counts_per_buurt(now[known]).reindex(areas.buurt.code, fill_value=0)
    chain = ancestors(areas)
    frames = []
    for level in LEVELS:
        if level not in chain.columns or areas.level(level).empty:
            continue
        grouped = per_buurt.groupby(chain[level].reindex(per_buurt.index).to_numpy()).sum()
        grouped = grouped.reindex(areas.level(level).code, fill_value=0)
        long = grouped.rename_axis("code").reset_index().melt(id_vars="code", var_name="indicator")
        frames.append(long)
    values = pd.concat(frames, ignore_index=True)
    out = pd.DataFrame(
        {
            "indicator": values.indicator.astype(str),
            "code": values.code.astype(str),
            "period": str(peildatum.year),
            "value": values.value.astype("float64"),
            "n": np.nan,
            "source": source,
            "file": file,
            "row": 0,
        },
        columns=RAW_COLUMNS,
    )
    moved = int((now.groupby("persoon_id").buurtcode.nunique() > 1).sum()) if len(now) else 0
    report = {
        "peildatum": peildatum.isoformat(),
        "period": str(peildatum.year),
        "active_registrations": len(now),
        "persons": int(now.persoon_id.nunique()),
        "households": int(now.huishouden_id.nunique()),
        "registrations_outside_the_areas": int((~known).sum()),
        "persons_in_several_buurten": moved,
    }
    return out, report


def stapeling_from_sources(
    spec: StapelingSource | None, areas: Areas, registry: Registry | None = None, findings: Findings | None = None
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """The ``stapeling`` section of a sources file: values for every peildatum, and one report per peildatum.

    Each value cites its indicator's registry ``source`` (or :data:`SOURCE` without a registry).
    """
    if spec is None:
        return empty_raw(), []
    rows = read_registraties(spec.path, findings)
    frames, reports = [], []
    for peildatum in spec.peildata:
        values, report = stapeling_values(rows, peildatum, areas, source=SOURCE, file=spec.path.name)
        if registry is not None:
            cited = {i.id: i.source for i in registry}
            values = values[values.indicator.isin(list(cited))].reset_index(drop=True)
            values["source"] = values.indicator.map(cited)
        frames.append(values)
        reports.append(report)
    return pd.concat(frames, ignore_index=True), reports
