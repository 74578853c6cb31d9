"""Issue 11, part 6: an attacker in the test suite, independent of the build's own disclosure audit.

:mod:`tests.attacker` bounds every withheld cell of a build artifact with LP over what the artifact publishes. Here it
attacks the demo (seed 2024) and a second demo drawn with another seed, for three peildata each, and compares with
the truth (the build's values before disclosure control). The primary cells are recomputed from the README's rule
(:func:`tests.attacker.primary_cells`), not taken from the build.

- ``test_the_attacker_is_right_about_the_truth``: every true value lies inside the attacker's bounds (else the
  attacker assumes something false). Holds today.
- ``test_every_primary_keeps_its_protection_interval``, ``test_no_withheld_cell_is_a_true_zero`` and
  ``test_no_withheld_cell_comes_out_exact``: the requirement of issue 11 (on failure: a summary with the counts,
  then the first cells with their bounds and true values).

What is asserted where. The protection interval (floor(max) − ceil(min) ≥ manifest ``protection``, else
``min_count``) is asserted for primary *counts* (the count-suppressed indicators with unit count: people). "Exact" is
asserted for every withheld quantity: a count or a survey's respondents with equal bounds, a survey or share value
known to within one display unit (10^-decimals). For primary survey cells the summary also reports, without
asserting, how many have their respondents pinned narrower than the protection and their value within that many
percentage points: issue 11 sets no protection interval for survey results (it asks for a pooled minimum of
respondents instead).

The small tests at the top prove that the attacker finds what it should on hand-made tables where the answer is
known, so it can fail a weak build.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.attacker import (
    GEBRUIK,
    HUISHOUDENS,
    PERSONEN,
    STAPELING,
    Policy,
    Publication,
    Spec,
    attack,
    describe,
    exact,
    ground_truth,
    level_of_codes,
    true_quantity,
)

SECOND_SEED = 11
PERIODS = {2024: ("2019", "2021", "2024"), SECOND_SEED: ("2020", "2022", "2023")}
"""Three peildata per registration set (all six of the demo between them)."""
SHOWN = 40
"""How many failing cells a message lists."""

COUNT = Spec(aggregate="sum", unit="count", suppression="count", decimals=0)
SPECS = dict.fromkeys(STAPELING, COUNT)


# ------------------------------------------------------------------------------------------ hand-made publications


def publication(rows: list[tuple], parents: dict[str, str], specs: dict[str, Spec], **policy: int) -> Publication:
    """A publication from rows ``(indicator, code, value, n, status, source)`` of period 2024 and a parent per code."""
    values = pd.DataFrame(rows, columns=["indicator", "code", "value", "n", "status", "source"])
    level = level_of_codes(parents)
    values = values.assign(level=values.code.map(level), period="2024")
    values["value"] = values.value.astype(float)
    values["n"] = values.n.astype(float)
    areas = pd.DataFrame({"code": list(parents), "parent": list(parents.values())})
    areas["level"] = areas.code.map(level)
    return Publication(values, areas, specs, Policy(**policy))


def bounds_of(result: pd.DataFrame, code: str, indicator: str | None = None, quantity: str | None = None) -> tuple:
    rows = result[result.code == code]
    if indicator is not None:
        rows = rows[rows.indicator == indicator]
    if quantity is not None:
        rows = rows[rows.quantity == quantity]
    assert len(rows) == 1, rows
    return float(rows.lo.iloc[0]), float(rows.hi.iloc[0])


# The issue's example: the gemeente's 196 minus the published stadsdelen (56 + 35 + 65) and the published wijken of
# a withheld stadsdeel (19 + 18) leaves 3 for two withheld cells, each at least 1: both pinned to [1, 2].
ISSUE_PARENTS = {
    "GM0193": "",
    **{f"SD01930{i}": "GM0193" for i in range(1, 6)},
    "WK019310": "SD019301",
    "WK019320": "SD019302",
    "WK019350": "SD019303",
    "WK019330": "SD019304",
    "WK019331": "SD019304",
    "WK019332": "SD019304",
    "WK019340": "SD019305",
}
ISSUE_VALUES = {
    "GM0193": 196,
    "SD019301": 56,
    "SD019302": 35,
    "SD019303": 65,
    "SD019304": None,
    "SD019305": None,
    "WK019310": 56,
    "WK019320": 35,
    "WK019350": 65,
    "WK019330": 19,
    "WK019331": 18,
    "WK019332": None,
    "WK019340": None,
}


def issue_example(indicator: str, with_buurten: bool) -> Publication:
    parents = dict(ISSUE_PARENTS)
    values = dict(ISSUE_VALUES)
    if with_buurten:  # one buurt per wijk, with its wijk's value
        for wijk in [c for c in ISSUE_PARENTS if c.startswith("WK")]:
            parents[f"BU{wijk[2:]}00"] = wijk
            values[f"BU{wijk[2:]}00"] = ISSUE_VALUES[wijk]
    rows = []
    for code, value in values.items():
        plural = {"GM": "stadsdelen", "SD": "wijken", "WK": "buurten"}.get(code[:2])
        source = f"registraties (berekend uit {plural})" if plural else "registraties"
        rows.append((indicator, code, value, None, "ok" if value is not None else "suppressed", source))
    return publication(rows, parents, {indicator: COUNT}, min_count=10)


@pytest.mark.parametrize(
    ("indicator", "with_buurten"), [("clients", False), ("stapeling_personen_3", True)], ids=["sum", "stapeling"]
)
def test_the_attacker_pins_the_issue_example(indicator, with_buurten):
    pub = issue_example(indicator, with_buurten)
    result = attack(pub)
    assert bounds_of(result, "WK019332") == (1, 2)
    assert bounds_of(result, "SD019305") == (1, 2)
    assert bounds_of(result, "SD019304") == (38, 39)
    narrow = result[result.hi - result.lo < pub.policy.protection]
    assert set(narrow.code) >= {"WK019332", "SD019305", "WK019340"}, "a weak build must fail the protection check"


def stapeling_rows(cells: dict[str, dict[str, float | None]], source: str = "registraties") -> list[tuple]:
    """Rows of the 9 stapeling indicators; an absent indicator is 0, ``None`` is withheld."""
    rows = []
    for code, given in cells.items():
        for indicator in STAPELING:
            value = given.get(indicator, 0.0)
            rows.append((indicator, code, value, None, "ok" if value is not None else "suppressed", source))
    return rows


@pytest.mark.parametrize("atoms", [False, True], ids=["cone", "atoms"])
def test_households_are_coupled_to_persons(atoms):
    """Sums alone leave the buurten's households anywhere in [1, 19]; households ≤ persons pin them."""
    full = {"gebruik_wmo": 20, "stapeling_personen_1": 20, "stapeling_huishoudens_1": 20}
    cells = {
        "GM0001": full,
        "WK000101": full,
        "BU00010101": {"gebruik_wmo": 15, "stapeling_personen_1": 15, "stapeling_huishoudens_1": None},
        "BU00010102": {"gebruik_wmo": None, "stapeling_personen_1": None, "stapeling_huishoudens_1": None},
    }
    parents = {"GM0001": "", "WK000101": "GM0001", "BU00010101": "WK000101", "BU00010102": "WK000101"}
    result = attack(publication(stapeling_rows(cells), parents, SPECS), atoms=atoms)
    assert bounds_of(result, "BU00010102", "stapeling_personen_1") == (5, 5)
    assert bounds_of(result, "BU00010101", "stapeling_huishoudens_1") == (15, 15)
    assert bounds_of(result, "BU00010102", "stapeling_huishoudens_1") == (5, 5)


def test_a_weighted_mean_with_public_weights_gives_a_share_back():
    """vroege_ontwikkeling in the issue: a withheld share of a population-weighted mean comes back from the public
    ``inwoners`` (the parent published at full precision)."""
    share = Spec(aggregate="population_weighted_mean", unit="percent", suppression="count", decimals=1)
    parents = {"GM0001": "", "WK000101": "GM0001", "WK000102": "GM0001"}
    parent = (50.0 * 4000 - 0.05 * 1000) / 4000  # not on the grid of 1 decimal: published unrounded
    rows = [
        ("inwoners", "GM0001", 4000, None, "ok", "CBS (berekend uit wijken)"),
        ("inwoners", "WK000101", 1000, None, "ok", "CBS"),
        ("inwoners", "WK000102", 3000, None, "ok", "CBS"),
        ("share", "GM0001", parent, None, "ok", "GGD (berekend uit wijken)"),
        ("share", "WK000101", 20.0, None, "ok", "GGD"),
        ("share", "WK000102", None, None, "suppressed", "GGD"),
    ]
    specs = {"share": share, "inwoners": Spec("sum", "count", "none", 0)}
    result = attack(publication(rows, parents, specs))
    lo, hi = bounds_of(result, "WK000102", "share")
    assert lo <= (parent * 4000 - 20.0 * 1000) / 3000 <= hi
    assert hi - lo < 0.1
    assert exact(result).all()


def test_survey_cells_whose_parent_holds_no_more_yes_answers_are_zero():
    """Parents published at full precision: the gemeente's 1 of 120 respondents is wijk A's 1 of 60, so the two
    withheld wijken answered 0 %; their respondents are only known to add up to 60."""
    survey = Spec(aggregate="respondent_weighted_mean", unit="percent", suppression="survey", decimals=1)
    parents = {"GM0001": "", "WK000101": "GM0001", "WK000102": "GM0001", "WK000103": "GM0001"}
    rows = [
        ("pct", "GM0001", 100 / 120, 120, "ok", "BvB (berekend uit wijken)"),
        ("pct", "WK000101", 100 / 60, 60, "ok", "BvB (berekend uit buurten)"),
        ("pct", "WK000102", None, None, "suppressed", "BvB"),
        ("pct", "WK000103", None, None, "suppressed", "BvB"),
    ]
    result = attack(publication(rows, parents, {"pct": survey}))
    for code in ("WK000102", "WK000103"):
        lo, hi = bounds_of(result, code, quantity="value")
        assert lo == 0 and hi < 1e-4
        assert bounds_of(result, code, quantity="n") == (1, 59)
    assert exact(result[result.quantity == "value"]).all()
    assert not exact(result[result.quantity == "n"]).any()


def random_stapeling(rng: np.random.Generator) -> tuple[dict[str, dict[str, float]], dict[str, str]]:
    """True stapeling counts of random persons and households in a gemeente of 2 wijken of 2–3 buurten."""
    parents = {"GM0001": ""}
    counts: dict[str, dict[str, float]] = {}
    for w in range(2):
        wijk = f"WK00010{w}"
        parents[wijk] = "GM0001"
        for b in range(int(rng.integers(2, 4))):
            buurt = f"BU00010{w}0{b}"
            parents[buurt] = wijk
            c = dict.fromkeys(STAPELING, 0.0)
            households: list[set[int]] = []
            for _ in range(int(rng.integers(0, 25))):
                laws = {int(x) for x in rng.choice(3, size=int(rng.choice([1, 1, 2, 3])), replace=False)}
                for law in laws:
                    c[GEBRUIK[law]] += 1
                c[PERSONEN[len(laws) - 1]] += 1
                if households and rng.random() < 0.3:
                    households[-1] |= laws
                else:
                    households.append(set(laws))
            for members in households:
                c[HUISHOUDENS[len(members) - 1]] += 1
            counts[buurt] = c
    for code in sorted(parents, key=lambda c: {"BU": 0, "WK": 1, "GM": 2}[c[:2]]):
        if code not in counts:
            kids = [k for k, p in parents.items() if p == code]
            counts[code] = {i: sum(counts[k][i] for k in kids) for i in STAPELING}
    return counts, parents


@pytest.mark.parametrize("seed", range(6))
def test_the_buurt_cone_is_the_atoms_projected_out(seed):
    """:func:`add_buurt_cone` gives exactly the bounds of the literal atoms (:func:`add_atoms`), on random
    registrations with random withheld cells (never zeros, never the gemeente), and contains the truth."""
    rng = np.random.default_rng(seed)
    counts, parents = random_stapeling(rng)
    cells = {
        code: {i: (None if code != "GM0001" and v > 0 and rng.random() < 0.5 else v) for i, v in c.items()}
        for code, c in counts.items()
    }
    pub = publication(stapeling_rows(cells), parents, SPECS, min_count=1)
    cone, atoms = attack(pub), attack(pub, atoms=True)
    assert len(cone) and cone[["code", "indicator", "lo", "hi"]].equals(atoms[["code", "indicator", "lo", "hi"]])
    truth = np.array([counts[c][i] for c, i in zip(cone.code, cone.indicator, strict=True)])
    assert ((cone.lo <= truth) & (truth <= cone.hi)).all()


# ------------------------------------------------------------------------------------------ the demo, attacked


@dataclass
class Attacked:
    """What the attacker found in one build, joined with the truth."""

    name: str
    policy: Policy
    cells: pd.DataFrame
    """Per withheld cell and quantity: bounds, truth, primary, inside (see :func:`tests.attacker.true_quantity`)."""
    published_primaries: pd.DataFrame
    seconds: float

    def narrow(self) -> pd.DataFrame:
        """Primary counts pinned to an interval narrower than the protection."""
        c = self.cells
        return c[(c.quantity == "count") & c.primary & (c.hi - c.lo < self.policy.protection)]

    def exact(self) -> pd.DataFrame:
        return self.cells[exact(self.cells)]

    def zeros(self) -> pd.DataFrame:
        """Withheld counts that are truly 0: they protect nothing, and refute the attacker's "withheld ≥ 1"."""
        c = self.cells
        return c[(c.quantity == "count") & (c.truth == 0)]

    def summary(self) -> str:
        c = self.cells
        counts = c[c.quantity == "count"]
        survey_n = c[(c.quantity == "n") & c.primary]
        survey_value = c[(c.quantity == "value") & c.primary]
        per_indicator = (
            counts.assign(narrow=counts.primary & (counts.hi - counts.lo < self.policy.protection), exact=exact(counts))
            .groupby("indicator")[["narrow", "exact"]]
            .sum()
        )
        per_indicator = per_indicator[(per_indicator.narrow > 0) | (per_indicator.exact > 0)]
        lines = [
            f"{self.name}, periods {', '.join(sorted(set(c.period)))}: {len(c.drop_duplicates(['indicator', 'code', 'period']))} "
            f"withheld cells attacked in {self.seconds:.0f} s (protection {self.policy.protection})",
            f"  withheld cells that come out exact: {len(self.exact().drop_duplicates(['indicator', 'code', 'period']))} "
            f"(counts {int(exact(counts).sum())}, survey respondents {int(exact(c[c.quantity == 'n']).sum())}, "
            f"survey and share values {int(exact(c[c.quantity.str.startswith('value')]).sum())})",
            f"  primary counts narrower than the protection interval: {len(self.narrow())} of {int(counts.primary.sum())}",
            f"  primary cells published: {len(self.published_primaries)}",
            f"  withheld counts that are truly 0: {len(self.zeros())} (periods whose figures refute 'withheld ≥ 1': "
            f"{', '.join(sorted(set(c[c.note != ''].period))) or 'none'})",
            f"  (not asserted) primary survey cells whose respondents are pinned narrower than {self.policy.protection}: "
            f"{int((survey_n.hi - survey_n.lo < self.policy.protection).sum())} of {len(survey_n)}; whose value is "
            f"pinned within {self.policy.protection} points: "
            f"{int((survey_value.hi - survey_value.lo < self.policy.protection).sum())}",
            "  per indicator (narrow primaries, exact): "
            + ", ".join(f"{i} {int(r.narrow)}/{int(r.exact)}" for i, r in per_indicator.iterrows()),
        ]
        return "\n".join(lines)


def attack_build(name: str, sources: Path, build: Path, periods: tuple[str, ...]) -> Attacked:
    started = time.perf_counter()
    pub = Publication.open(build)
    bounds = attack(pub, periods)
    truth = ground_truth(sources)
    cells = true_quantity(bounds, truth)
    shown = truth[truth.period.isin(periods) & truth.primary].merge(
        pub.values[["indicator", "code", "period", "status"]], on=["indicator", "code", "period"]
    )
    published = shown[shown.status != "suppressed"]
    return Attacked(name, pub.policy, cells, published, time.perf_counter() - started)


@pytest.fixture(scope="module")
def demo_attacked(demo_sources, demo_build) -> Attacked:
    return attack_build("demo (seed 2024)", demo_sources, demo_build, PERIODS[2024])


@pytest.fixture(scope="module")
def second_attacked(tmp_path_factory) -> Attacked:
    """A second registration set: the demo drawn with another seed (registrations, and everything else, redrawn)."""
    from atlas.demo import write_demo
    from atlas.pipeline.run import build

    folder = tmp_path_factory.mktemp(f"demo-{SECOND_SEED}")
    sources = write_demo(folder / "bron", seed=SECOND_SEED)
    build(sources, folder / "build")
    return attack_build(f"demo (seed {SECOND_SEED})", sources, folder / "build", PERIODS[SECOND_SEED])


@pytest.fixture(params=["demo", "second"])
def attacked(request) -> Attacked:
    return request.getfixturevalue(f"{request.param}_attacked")


def listing(cells: pd.DataFrame) -> str:
    lines = [describe(c) for c in cells.head(SHOWN).itertuples(index=False)]
    more = f"\n  … and {len(cells) - SHOWN} more" if len(cells) > SHOWN else ""
    return "\n  " + "\n  ".join(lines) + more


def test_the_attacker_is_right_about_the_truth(attacked):
    """Every true value lies inside the bounds: a bound that excludes the truth means the model assumes something
    false (or the build publishes something that contradicts the attacker's public knowledge). Withheld true zeros
    break the build's promise, not the model: ``test_no_withheld_cell_is_a_true_zero`` reports them."""
    outside = attacked.cells[~attacked.cells.inside & ~attacked.cells.index.isin(attacked.zeros().index)]
    assert outside.empty, f"{len(outside)} true values outside the attacker's bounds:{listing(outside)}"
    assert len(attacked.cells) > 1000  # the attack did run: thousands of withheld cells in three periods
    assert set(attacked.cells.quantity) >= {"count", "n", "value"}


def test_every_primary_keeps_its_protection_interval(attacked):
    """Issue 11: no primary count is pinned narrower than ``protection`` (floor(max) − ceil(min)), and every primary
    cell is withheld."""
    print(attacked.summary())
    narrow = attacked.narrow()
    published = attacked.published_primaries
    assert narrow.empty and published.empty, (
        f"{attacked.summary()}\n{len(narrow)} primary counts narrower than {attacked.policy.protection}:"
        f"{listing(narrow)}" + (f"\nprimary cells published:\n{published.head(SHOWN)}" if len(published) else "")
    )


def test_no_withheld_cell_is_a_true_zero(attacked):
    """Zeros protect nothing, and the attacker may assume every withheld count is at least 1 (issue 11)."""
    zeros = attacked.zeros()
    assert zeros.empty, f"{attacked.summary()}\n{len(zeros)} withheld counts are truly 0:{listing(zeros)}"


def test_no_withheld_cell_comes_out_exact(attacked):
    """No withheld cell is recovered: not a count, not a survey's respondents, not a value to its display unit."""
    print(attacked.summary())
    pinned = attacked.exact()
    assert pinned.empty, f"{attacked.summary()}\n{len(pinned)} withheld quantities come out exact:{listing(pinned)}"
