"""A parent value two ways: as a source gives it, and as its parts add up. Which one is shown, and what is said.

For a wijk, stadsdeel or the gemeente a source may give a value (CBS publishes wijk and gemeente totals) while the
level below also adds up to one (the buurten of another source). The build then

- shows the source's value, or the parts' when the sources file says ``indicator_options: {id: {prefer: sum}}``;
- reports a ``sum_mismatch`` warning when the two differ by more than rounding can explain (a sum of parts that a
  source rounded to 5 may be off by half of 5 per part), naming both values and which one is shown;
- shows the parts' value, with an ``secret_parent`` info, when the source leaves the parent empty (CBS secrecy:
  ``.``) while the parts have values: nothing is revealed that the parts do not already publish.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from atlas.findings import Findings
from atlas.layers.registry import Registry
from atlas.sources.spec.options import IndicatorOptions

MAX_PER_INDICATOR = 50
"""How many sum mismatches are reported one by one per indicator; the rest are counted in one more finding."""
MEAN_RELATIVE_TOLERANCE = 0.02
"""A mean the parts give may differ this much (relative) from the source's without a finding: the weights the atlas
uses (inhabitants, respondents) are rarely exactly the source's."""

_PLURAL = {"buurt": "buurten", "wijk": "wijken", "stadsdeel": "stadsdelen", "gemeente": "gemeenten"}


def _number(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}".replace(",", " ")


def reconcile(
    rows: pd.DataFrame,
    registry: Registry,
    options: Mapping[str, IndicatorOptions],
    findings: Findings | None,
    level: str,
    child_level: str,
) -> pd.DataFrame:
    """Choose between ``value`` (given; ``_given`` says where a source gave one) and ``value_d`` (derived).

    ``rows`` holds the columns of one level merged with :func:`~atlas.pipeline.aggregate._aggregate`'s output
    (suffix ``_d``, plus ``tolerance`` and ``method``); returns them with ``value``, ``n`` and ``source`` settled and
    the derived columns dropped.
    """
    given = rows["_given"].to_numpy(dtype=bool)
    gv = pd.to_numeric(rows["value"], errors="coerce").to_numpy(dtype="float64")
    dv = pd.to_numeric(rows["value_d"], errors="coerce").to_numpy(dtype="float64")
    pv = pd.to_numeric(rows["value_p"], errors="coerce").to_numpy(dtype="float64")
    has_d = np.isfinite(dv)
    decimals = rows.indicator.map({i.id: i.decimals for i in registry}).fillna(1).to_numpy(dtype=int)
    mean_tolerance = np.maximum(10.0 ** (-decimals), MEAN_RELATIVE_TOLERANCE * np.abs(pv))
    tolerance = pd.to_numeric(rows["tolerance_p"], errors="coerce").to_numpy(dtype="float64")
    rounding = rows["err"].to_numpy(dtype="float64")
    tolerance = np.where(np.isnan(tolerance), mean_tolerance, tolerance + rounding) + 1e-9  # inf: not comparable
    summed = {k for k, o in options.items() if o.prefer == "sum"}
    prefer_sum = rows.indicator.isin(summed).to_numpy(dtype=bool)

    secret = given & ~np.isfinite(gv) & has_d
    mismatch = given & np.isfinite(gv) & np.isfinite(pv) & (np.abs(gv - pv) > tolerance)
    use_derived = ~given | secret | (given & has_d & prefer_sum)

    out = rows.copy()
    for column in ("value", "n"):
        derived = pd.to_numeric(out[f"{column}_d"], errors="coerce").astype("float64")
        out[column] = derived.where(use_derived, pd.to_numeric(out[column], errors="coerce").astype("float64"))
    plural = _PLURAL[child_level]
    secret_source = out.source.astype(str) + f" (geheim in de bron; de atlas toont de waarde van de {plural})"
    out["source"] = np.where(secret, secret_source, np.where(use_derived, out["source_d"], out["source"]))
    if findings is not None:
        _report(findings, out[mismatch], gv[mismatch], pv[mismatch], prefer_sum[mismatch], decimals[mismatch])
        _report_secret(findings, out[secret], plural)
    return out.drop(columns=["value_d", "n_d", "source_d", "method", "value_p", "tolerance_p"])


def _report(
    findings: Findings,
    rows: pd.DataFrame,
    given: np.ndarray,
    derived: np.ndarray,
    prefer_sum: np.ndarray,
    decimals: np.ndarray,
) -> None:
    counted: dict[str, int] = {}
    for row, g, d, shown_sum, dec in zip(rows.itertuples(), given, derived, prefer_sum, decimals, strict=True):
        ident = str(row.indicator)
        counted[ident] = counted.get(ident, 0) + 1
        if counted[ident] > MAX_PER_INDICATOR:
            continue
        shown = "the sum of the parts (indicator_options prefer: sum)" if shown_sum else "the source's value"
        other = "" if shown_sum else f"; set indicator_options: {{{ident}: {{prefer: sum}}}} to show the parts' value"
        findings.warning(
            "sum_mismatch",
            f"{ident} {row.code} {row.period}: the source gives {_number(g, dec)}, its parts (down to the lowest level "
            f"with complete values) give {_number(d, dec)} (difference {_number(abs(g - d), dec)}, more than rounding "
            f"explains); "
            f"shown: {shown}{other}",
            file=getattr(row, "file", None) if isinstance(getattr(row, "file", None), str) else None,
            indicator=ident,
            code=str(row.code),
            period=str(row.period),
        )
    for ident, count in counted.items():
        if count > MAX_PER_INDICATOR:
            findings.warning(
                "sum_mismatch",
                f"{ident}: {count - MAX_PER_INDICATOR} more parent values differ from the sum of their parts",
                indicator=ident,
                count=count - MAX_PER_INDICATOR,
            )


def _report_secret(findings: Findings, rows: pd.DataFrame, plural: str) -> None:
    for ident, group in rows.groupby("indicator", sort=True):
        codes = ", ".join(f"{c} {p}" for c, p in zip(group.code.head(5), group.period.head(5), strict=True))
        findings.info(
            "secret_parent",
            f"{ident}: {len(group)} values the source leaves empty (secret) while all their {plural} are public get "
            f"the value of their {plural} ({codes}{', ...' if len(group) > 5 else ''})",
            indicator=str(ident),
            code=str(group.code.iloc[0]) if len(group) == 1 else None,
            count=len(group),
        )
