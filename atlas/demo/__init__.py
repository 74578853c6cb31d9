"""The demo: a deterministic synthetic data set for Zwolle in the real input formats (DESIGN.md §7).

``write_demo(out)`` writes a CBS-style wijk- en buurtkaart GeoPackage grown from Zwolle's real buurt
points, the stadsdeel mapping, indicator files (Buurt-voor-Buurt, GGD, CBS, other sources) for every
indicator of the registry and 2019–2024, and a ``sources.yaml`` that ``atlas build`` reads.
``write_country(out, n)`` writes a synthetic country of ``n`` gemeenten in the same formats (:mod:`atlas.demo.country`).
"""

from atlas.demo.country import write_country
from atlas.demo.writer import write_demo

__all__ = ["write_country", "write_demo"]
