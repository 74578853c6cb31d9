"""Primary and secondary suppression, and a linear-algebra differencing attack that must recover nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from atlas.errors import SourcesError
from atlas.layers.registry import load_registry
from atlas.pipeline.privacy import primary_mask, suppress
from atlas.sources.spec.privacy import PrivacyPolicy, parse_privacy

REGELINGEN = ("wmo", "jeugdhulp", "bijstand")
COUNTS = [f"gebruik_{r}" for r in REGELINGEN] + [
    f"stapeling_{who}_{k}" for who in ("personen", "huishoudens") for k in (1, 2, 3)
]


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def random_table(rng: np.random.Generator) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """A random gemeente (stadsdelen, wijken, buurten) with stapeling counts from random persons."""
    children: dict[str, list[str]] = {"GM0001": []}
    level_of = {"GM0001": "gemeente"}
    counts: dict[str, dict[str, int]] = {}
    for s in range(rng.integers(2, 4)):
        sd = f"SD0001{s:02d}"
        children["GM0001"].append(sd)
        level_of[sd] = "stadsdeel"
        children[sd] = []
        for w in range(rng.integers(1, 4)):
            wk = f"WK0001{s}{w}"
            children[sd].append(wk)
            level_of[wk] = "wijk"
            children[wk] = []
            for b in range(rng.integers(1, 6)):
                bu = f"BU0001{s}{w}{b:02d}"
                children[wk].append(bu)
                level_of[bu] = "buurt"
                c = dict.fromkeys(COUNTS, 0)
                size = int(rng.choice([rng.integers(0, 15), rng.integers(10, 80)]))
                households = [set() for _ in range(max(1, size // 2))]
                for _ in range(size):
                    laws = rng.choice(3, size=rng.choice([1, 1, 1, 2, 2, 3]), replace=False)
                    for law in laws:
                        c[f"gebruik_{REGELINGEN[law]}"] += 1
                    c[f"stapeling_personen_{len(laws)}"] += 1
                    households[rng.integers(len(households))].update(int(x) for x in laws)
                for members in households:
                    if members:
                        c[f"stapeling_huishoudens_{len(members)}"] += 1
                counts[bu] = c

    def total(code: str) -> dict[str, int]:
        if code in counts:
            return counts[code]
        parts = [total(k) for k in children[code]]
        counts[code] = {i: sum(p[i] for p in parts) for i in COUNTS}
        return counts[code]

    total("GM0001")
    rows = [
        {"indicator": i, "code": code, "level": level_of[code], "period": "2024", "value": float(c[i]), "n": np.nan}
        for code, c in counts.items()
        for i in COUNTS
    ]
    frame = pd.DataFrame(rows).assign(source="test", status="ok")
    return frame, {k: v for k, v in children.items() if v}


def attack(frame: pd.DataFrame, children: dict[str, list[str]], method: str = "rank") -> list[tuple[str, str]]:
    """Every suppressed cell the attacker can solve for exactly, independent of the implementation.

    ``rank``: the unit vector of the cell lies in the row space of the unknowns' columns iff appending it leaves the
    matrix rank unchanged. ``lstsq`` (for large tables): the same question answered for all cells at once, by a
    least-squares solve of ``A_uᵀ y = e_j`` with zero residual.
    """
    cells = list(zip(frame.indicator, frame.code, strict=True))
    pos = {cell: k for k, cell in enumerate(cells)}
    rows = []
    for ident in COUNTS:
        for parent, kids in children.items():
            row = np.zeros(len(cells))
            row[pos[(ident, parent)]] = -1
            for kid in kids:
                row[pos[(ident, kid)]] = 1
            rows.append(row)
    for code in frame.code.unique():
        row = np.zeros(len(cells))
        for ident, w in [("gebruik_wmo", 1), ("gebruik_jeugdhulp", 1), ("gebruik_bijstand", 1)] + [
            (f"stapeling_personen_{k}", -k) for k in (1, 2, 3)
        ]:
            row[pos[(ident, code)]] = w
        rows.append(row)
    a = np.array(rows)
    unknown = np.flatnonzero(frame.value.isna().to_numpy())
    a_u = a[:, unknown]
    a_u = a_u[np.abs(a_u).sum(axis=1) > 0]
    if method == "lstsq":
        eye = np.eye(len(unknown))
        y = np.linalg.lstsq(a_u.T, eye, rcond=None)[0]
        residual = np.linalg.norm(a_u.T @ y - eye, axis=0)
        return sorted(cells[cell] for cell, r in zip(unknown, residual, strict=True) if r < 1e-8)
    recovered = []
    for group in _groups(a_u):
        sub = a_u[:, group]
        sub = sub[np.abs(sub).sum(axis=1) > 0]
        base = np.linalg.matrix_rank(sub)
        for j, column in enumerate(group):
            e = np.zeros((1, len(group)))
            e[0, j] = 1
            if np.linalg.matrix_rank(np.vstack([sub, e])) == base:
                recovered.append(cells[unknown[column]])
    return sorted(recovered)


def _groups(a_u: np.ndarray) -> list[list[int]]:
    """Columns linked through shared rows (unknowns of independent groups cannot help each other)."""
    left = set(range(a_u.shape[1]))
    groups = []
    while left:
        todo, group = [left.pop()], []
        while todo:
            column = todo.pop()
            group.append(column)
            rows = np.flatnonzero(a_u[:, column])
            linked = set(np.flatnonzero(np.abs(a_u[rows]).sum(axis=0))) & left
            left -= linked
            todo.extend(linked)
        groups.append(sorted(group))
    return groups


@pytest.mark.parametrize("seed", range(30))
def test_differencing_attack_recovers_nothing(seed, registry):
    frame, children = random_table(np.random.default_rng(seed))
    policy = PrivacyPolicy(round_to=1)  # exact published values: the attacker's best case for solving exactly
    out, report = suppress(frame, children, registry, policy)
    hidden = out.status == "suppressed"
    assert hidden.sum() == report["primary"] + report["secondary"]
    # a primary can lack its protection interval only where the whole gemeente has too few people to hide it in
    total = frame[frame.level == "gemeente"].set_index("indicator").value
    assert all(total[i] < 2 * policy.min_count for i, _, _ in report["unprotected_cells"]), report["unprotected_cells"]
    # every small count is suppressed, no gemeente total is
    small = frame.value.between(1, policy.min_count - 1) & (frame.level != "gemeente")
    assert hidden[small].all()
    assert not hidden[frame.level == "gemeente"].any()
    assert out.loc[hidden, ["value", "n"]].isna().all().all()
    # published cells are unchanged
    assert (out.loc[~hidden, "value"] == frame.loc[~hidden, "value"]).all()
    assert attack(out, children) == []


def test_secondary_suppressions_stay_few(registry):
    """At most one secondary per primary, in every random table."""
    primary = 0
    for seed in range(40):
        frame, children = random_table(np.random.default_rng(seed))
        _, report = suppress(frame, children, registry, PrivacyPolicy())
        assert report["secondary"] <= report["primary"]
        primary += report["primary"]
    assert primary > 100


def test_the_attack_does_find_an_unprotected_cell(registry):
    """The attack is real: with primary suppression alone, it recovers cells."""
    frame, children = random_table(np.random.default_rng(3))
    hidden = primary_mask(frame, registry, PrivacyPolicy())
    naive = frame.copy()
    naive.loc[hidden, "value"] = np.nan
    found = attack(naive, children)
    assert hidden.any() and found
    assert attack(naive, children, method="lstsq") == found


def test_policy_defaults_and_errors():
    file = Path("sources.yaml")
    assert parse_privacy(file, None) == PrivacyPolicy(10, 30, 5, 0, 1000) == PrivacyPolicy()
    assert PrivacyPolicy().interval == 10 and PrivacyPolicy(protection=15).interval == 15
    assert parse_privacy(file, {"min_count": 5}).min_count == 5
    with pytest.raises(
        SourcesError, match=r"sources.yaml, entry 'privacy', field 'min_count': must be a whole number ≥ 1"
    ):
        parse_privacy(file, {"min_count": 0})
    with pytest.raises(SourcesError, match=r"field 'minimum': unknown key"):
        parse_privacy(file, {"minimum": 3})


def test_survey_values_with_few_respondents_are_suppressed_with_their_n(registry):
    children = {"GM0001": ["WK000101", "WK000102", "WK000103"]}
    frame = pd.DataFrame(
        {
            "indicator": "eenzaamheid",
            "code": ["GM0001", "WK000101", "WK000102", "WK000103"],
            "level": ["gemeente", "wijk", "wijk", "wijk"],
            "period": "2024",
            "value": [9.5, 12.0, 9.0, 9.5],  # the gemeente: (12·20 + 9·100 + 9.5·80) / 200
            "n": [200.0, 20.0, 100.0, 80.0],
            "source": "test",
            "status": "ok",
        }
    )
    out, report = suppress(frame, children, registry, PrivacyPolicy())
    assert report == {**report, "primary": 1, "secondary": 1}
    hidden = out[out.status == "suppressed"]
    # the small wijk and the wijk with the fewest respondents (the smallest loss) as its complement
    assert hidden.code.tolist() == ["WK000101", "WK000103"]
    assert hidden[["value", "n"]].isna().all().all()


def test_rounding_to_multiples(registry):
    frame, children = random_table(np.random.default_rng(1))
    out, _ = suppress(frame, children, registry, PrivacyPolicy(round_to=5))
    published = out.value.dropna()
    assert (published % 5 == 0).all()
