"""Do the boundaries fit together? Overlapping buurten, holes between them, and wijken that are not their buurten.

Called by :func:`atlas.pipeline.hierarchy.build_hierarchy`; every doubt goes to the build's findings:

- ``overlap``: two buurten that share more than :data:`OVERLAP_M2` m² or :data:`OVERLAP_SHARE` of the smaller one
  are an error (a value would count twice); smaller slivers, as digitising leaves them, are one ``info``.
- ``gap``: a hole in the union of the buurten (a piece of the gemeente in no buurt) larger than :data:`GAP_M2` m²
  is a warning; smaller holes are one ``info``.
- ``geometry_mismatch``: a wijk polygon whose IoU (intersection over union) with the union of its buurten is below
  :data:`MIN_IOU`, or more than :data:`OUTSIDE_M2` m² of the gemeente in no wijk. An error, unless the sources
  file says ``areas.wijk.geometry: dissolve`` (the wijken are then built from the buurten: an ``info``).

Candidate pairs come from a :class:`shapely.STRtree`; areas, intersections and IoUs are shapely's vectorised
functions, so the cost grows with the number of neighbouring pairs, not with its square.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from atlas.findings import Findings, Severity

OVERLAP_M2 = 100.0
"""Buurten that overlap by more than this (m²) are an error."""
OVERLAP_SHARE = 0.01
"""... or by more than this share of the smaller of the two."""
GAP_M2 = 100.0
"""A hole between the buurten larger than this (m²) is a warning; smaller holes are info."""
MIN_IOU = 0.98
"""A wijk polygon must match the union of its buurten at least this well (intersection over union)."""
OUTSIDE_M2 = 100.0
"""At most this much of the gemeente (m²) may lie in no wijk polygon."""
MAX_LISTED = 20
"""Problems of one kind listed one by one; the rest are counted in one more finding."""


def _name(file: str) -> str | None:
    return Path(file).name if file else None


def _m2(area: float) -> str:
    """An area for a message: m² below 1 km², else km²."""
    return f"{area:,.0f} m²".replace(",", " ") if area < 1e6 else f"{area / 1e6:.2f} km²"


def _count(n: int, word: str, plural: str) -> str:
    return f"{n} {word if n == 1 else plural}"


def _list(
    findings: Findings, severity: Severity, kind: str, items: Sequence[tuple[str, dict[str, Any]]], what: str
) -> None:
    """One finding per item (message, where) up to :data:`MAX_LISTED`, then one that counts the rest."""
    for message, where in items[:MAX_LISTED]:
        findings.add(kind, severity, message, **where)
    rest = items[MAX_LISTED:]
    if rest:
        file = rest[0][1].get("file")
        findings.add(kind, severity, f"and {len(rest)} more {what} like these", file=file, count=len(rest))


def check_buurten(
    codes: Sequence[str], geometry: np.ndarray, rows: Mapping[str, int], file: str, findings: Findings
) -> Any:
    """Report overlapping buurten and holes between them; returns the union of the buurten (the gemeente)."""
    geoms = np.asarray(geometry, dtype=object)
    code = np.asarray(codes, dtype=object)
    name = _name(file)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pair = left < right
    left, right = left[pair], right[pair]
    inner = ~shapely.touches(geoms[left], geoms[right])  # interiors meet: the pair shares area
    left, right = left[inner], right[inner]
    shared = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    smaller = np.minimum(shapely.area(geoms[left]), shapely.area(geoms[right]))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(smaller > 0, shared / smaller, 1.0)
    wrong = (shared > OVERLAP_M2) | (share > OVERLAP_SHARE)
    order = np.argsort(-shared, kind="stable")
    errors = [
        (
            f"buurten {code[left[k]]} and {code[right[k]]} overlap by {_m2(shared[k])} ({100 * share[k]:.1f} % of the "
            f"smaller); a piece of land must lie in one buurt only",
            {"file": name, "code": str(code[left[k]]), "row": rows.get(str(code[left[k]]))},
        )
        for k in order
        if wrong[k]
    ]
    _list(findings, Severity.ERROR, "overlap", errors, "overlapping pairs")
    slivers = order[~wrong[order] & (shared[order] > 0)]
    if len(slivers):
        k = slivers[0]
        findings.info(
            "overlap",
            f"slivers of overlap between {_count(len(slivers), 'pair', 'pairs')} of buurten, of at most "
            f"{shared[k]:.2g} m² (the largest between {code[left[k]]} and {code[right[k]]}; "
            f"{shared[slivers].sum():.2g} m² in all): below {OVERLAP_M2:g} m² and {100 * OVERLAP_SHARE:g} % of a "
            "buurt, accepted",
            file=name,
            count=len(slivers),
        )

    union = shapely.union_all(geoms)
    _check_holes(union, geoms, code, name, findings)
    return union


def _check_holes(union: Any, geoms: np.ndarray, code: np.ndarray, file: str | None, findings: Findings) -> None:
    """Holes inside the union of the buurten: pieces of the gemeente that lie in no buurt."""
    polygons = shapely.get_parts(union)
    counts = shapely.get_num_interior_rings(polygons)
    if counts.sum() == 0:
        return
    rings = [shapely.get_interior_ring(p, k) for p, n in zip(polygons, counts, strict=True) for k in range(n)]
    holes = shapely.polygons(np.asarray(rings, dtype=object))
    area = shapely.area(holes)
    big = np.flatnonzero(area > GAP_M2)
    tree = shapely.STRtree(geoms)
    items = []
    for i in big[np.argsort(-area[big], kind="stable")]:
        around = sorted({str(code[j]) for j in tree.query(holes[i], predicate="intersects")})
        point = shapely.get_coordinates(shapely.point_on_surface(holes[i]))[0]
        items.append(
            (
                f"a hole of {_m2(area[i])} lies in no buurt, at x {point[0]:.0f}, y {point[1]:.0f} (RD), between "
                f"{', '.join(around[:6]) or 'the buurten'}",
                {"file": file, "code": around[0] if around else None},
            )
        )
    _list(findings, Severity.WARNING, "gap", items, "holes")
    small = area[area <= GAP_M2]
    if len(small):
        findings.info(
            "gap",
            f"{_count(len(small), 'hole', 'holes')} between the buurten of at most {small.max():.2g} m² "
            f"({small.sum():.2g} m² in all): below {GAP_M2:g} m², accepted",
            file=file,
            count=len(small),
        )


def check_wijken(
    codes: Sequence[str],
    geometry: np.ndarray,
    buurten: Mapping[str, Any],
    gemeente: Any,
    rows: Mapping[str, int],
    file: str,
    findings: Findings,
    *,
    dissolve: bool,
) -> None:
    """Compare each wijk polygon with the union of its buurten (``buurten``: wijk code -> union), and the union
    of the wijken with the gemeente (the union of all buurten)."""
    code = np.asarray(codes, dtype=object)
    mine = np.asarray(geometry, dtype=object)
    theirs = np.asarray([buurten[c] for c in code], dtype=object)
    both = shapely.area(shapely.intersection(mine, theirs))
    either = shapely.area(mine) + shapely.area(theirs) - both
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(either > 0, both / either, 0.0)
    outside = float(shapely.area(shapely.difference(gemeente, shapely.union_all(mine))))
    bad = np.flatnonzero(iou < MIN_IOU)
    name = _name(file)
    if dissolve:
        if len(bad) or outside > OUTSIDE_M2:
            worst = int(np.argmin(iou))
            findings.info(
                "geometry_mismatch",
                f"the wijk polygons of this file do not fit their buurten (lowest IoU {iou[worst]:.2f} for "
                f"{code[worst]}; {_m2(outside)} of the gemeente in no wijk); as areas.wijk.geometry is 'dissolve', "
                "the wijken are built from the buurten and only their codes and names are taken from this file",
                file=name,
                count=len(bad),
            )
        return
    fix = "set 'geometry: dissolve' under areas.wijk to build the wijken from the buurten and keep this file's names"
    items = [
        (
            f"wijk {code[i]} matches the union of its buurten with IoU {iou[i]:.2f} (at least {MIN_IOU:g} needed); "
            + fix,
            {"file": name, "code": str(code[i]), "row": rows.get(str(code[i]))},
        )
        for i in bad[np.argsort(iou[bad], kind="stable")]
    ]
    _list(findings, Severity.ERROR, "geometry_mismatch", items, "wijken")
    if outside > OUTSIDE_M2:
        findings.error(
            "geometry_mismatch",
            f"{_m2(outside)} of the gemeente (the union of its buurten) lies in no wijk polygon of this file "
            f"(at most {OUTSIDE_M2:g} m² allowed); " + fix,
            file=name,
        )
