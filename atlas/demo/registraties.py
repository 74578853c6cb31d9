"""The demo's pseudonymised registrations of support (Wmo, Jeugdwet, Participatiewet), for stapeling.

One row per person and regeling, as a municipality would export them (``persoon_id, huishouden_id, buurtcode,
regeling, begindatum, einddatum``; einddatum empty while the support runs, up to the export date
:data:`EXPORT_DATE`). Clients per buurt follow its inhabitants and its socio-economic factor; a client has 1, 2 or 3
regelingen whose spells overlap; some clients share a household. Small buurten (business parks) have few clients,
so the atlas's suppression shows. Every id is a random token drawn from the seed.

The demo's CBS rates of support use (:data:`RATES`: Wmo-cliënten per 1.000 inwoners, bijstand per 1.000 inwoners,
jongeren met jeugdzorg) are not drawn on their own but counted from these registrations on each year's peildatum,
the way the build counts ``gebruik_*`` (:func:`with_registration_rates`): the demo's Wmo per 1.000 and its
registered Wmo users per inhabitant are one figure, as they are in a municipality whose registrations CBS counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from atlas.demo.draw import band_share
from atlas.demo.traits import YEARS, BuurtTraits, rng_for
from atlas.demo.values import IndicatorValues
from atlas.pipeline.stapeling import active, counts_per_buurt
from atlas.sources.registraties import COLUMNS, REGELINGEN

FILE = "registraties.csv"
CLIENT_RATE = 0.12
"""Clients ever registered (2016 to the export date) per inhabitant of 2024, at an average buurt."""
LAW_COUNT_P = (0.68, 0.24, 0.08)
"""Chance that a client has 1, 2 or 3 regelingen."""
LAW_P = (0.50, 0.25, 0.25)
"""Relative weight of wmo, jeugdhulp and bijstand."""
SHARED_HOUSEHOLD = 0.25
"""Chance that a client belongs to the household of the previous client of the same buurt."""
FIRST_DAY = dt.date(2016, 1, 1)
EXPORT_DATE = dt.date(2024, 6, 30)
MEAN_SPELL_DAYS = 3 * 365
PEILDATA = tuple(dt.date(year, 1, 1) for year in YEARS)


def _token(rng: np.random.Generator, count: int, prefix: str) -> list[str]:
    numbers = rng.choice(16**9, size=count, replace=False)
    return [f"{prefix}{int(n):09x}" for n in numbers]


def registrations(traits: BuurtTraits, seed: int) -> pd.DataFrame:
    """The rows, sorted by begindatum and person (deterministic for a seed)."""
    rng = rng_for(seed, "registraties")
    population = traits.population[-1]
    clients = rng.poisson(population * CLIENT_RATE * np.exp(-0.35 * traits.ses))
    total = int(clients.sum())
    persons = _token(rng, total, "P")
    household_tokens = _token(rng, total, "H")
    span = (EXPORT_DATE - FIRST_DAY).days
    rows: list[tuple[str, str, str, str, str, str]] = []
    k = 0
    for b, code in enumerate(traits.codes):
        household = ""
        for c in range(int(clients[b])):
            if c == 0 or rng.random() >= SHARED_HOUSEHOLD:
                household = household_tokens[k]
            laws = rng.choice(3, size=rng.choice(3, p=LAW_COUNT_P) + 1, replace=False, p=LAW_P)
            start = int(rng.integers(0, span))
            duration = 60 + rng.exponential(MEAN_SPELL_DAYS)
            for law in sorted(laws):
                begin = FIRST_DAY + dt.timedelta(days=start + int(rng.integers(0, 120)))
                end = begin + dt.timedelta(days=int(duration * rng.uniform(0.85, 1.15)))
                if begin > EXPORT_DATE:
                    continue
                stop = "" if end > EXPORT_DATE else end.isoformat()
                rows.append((persons[k], household, str(code), REGELINGEN[law], begin.isoformat(), stop))
            k += 1
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame.sort_values(["begindatum", "persoon_id", "regeling"], kind="stable").reset_index(drop=True)


def write_registraties(folder: Path, frame: pd.DataFrame) -> dict[str, object]:
    """Write the registrations ``frame`` (:func:`registrations`) to :data:`FILE` and return the ``stapeling`` section
    of the sources file."""
    frame.to_csv(folder / FILE, index=False, lineterminator="\n")
    return {"path": FILE, "peildatum": [d.isoformat() for d in PEILDATA]}


RATES: dict[str, tuple[str, tuple[int, int | None] | None, float]] = {
    "wmo_per_1000": ("wmo", None, 1000.0),
    "bijstand_per_1000": ("bijstand", None, 1000.0),
    "jeugdzorg_percentage": ("jeugdhulp", (0, 18), 100.0),
}
"""KWB rates counted from the registrations: indicator -> (regeling, the age band of the population it is a rate of
(None: all inhabitants), per how many)."""


def users_per_buurt(frame: pd.DataFrame, traits: BuurtTraits) -> dict[str, np.ndarray]:
    """Per regeling: the persons with it on each peildatum (years × buurten), placed and counted as the build does
    (:func:`atlas.pipeline.stapeling.counts_per_buurt`)."""
    rows = frame.assign(
        begin=pd.to_datetime(frame.begindatum),
        end=pd.to_datetime(frame.einddatum.where(frame.einddatum != "", None)),
    )
    out = {r: np.zeros((len(YEARS), len(traits.codes))) for r in REGELINGEN}
    for y, day in enumerate(PEILDATA):
        counts = counts_per_buurt(active(rows, day)).reindex(traits.codes, fill_value=0)
        for regeling in REGELINGEN:
            out[regeling][y] = counts[f"gebruik_{regeling}"].to_numpy(dtype=np.float64)
    return out


def with_registration_rates(
    values: list[IndicatorValues], frame: pd.DataFrame, traits: BuurtTraits
) -> list[IndicatorValues]:
    """``values`` with the buurt values of :data:`RATES` counted from the registrations ``frame`` (cells the demo
    left empty stay empty); the KWB writer derives wijk and gemeente from them, weighted by inhabitants."""
    used = users_per_buurt(frame, traits)
    out = []
    for item in values:
        spec = RATES.get(item.indicator.id)
        base = item.parts[0]
        if spec is None or base.level != "buurt" or base.values.shape != traits.population.shape:
            out.append(item)
            continue
        regeling, band, per = spec
        population = traits.population * (band_share(traits.age, band)[None, :] if band is not None else 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(population > 0, used[regeling] / population * per, np.nan)
        rate = np.where(np.isnan(base.values), np.nan, rate)
        out.append(replace(item, parts=(replace(base, values=rate), *item.parts[1:])))
    return out
