"""The municipal reference tables the demo grows from: real buurt codes, names and points, and stadsdelen.

Both live in ``geodata/zwolle/`` (see ``geodata/README.md``): ``buurten.csv`` (``buurtcode,
buurtnaam, wijkcode, wijknaam, x, y``; one representative point per buurt in EPSG:28992) and
``stadsdelen.csv`` (``wijkcode, stadsdeel, stadsdeelcode, status``). The demo reads nothing else at
run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from atlas.errors import SourcesError
from atlas.layers.registry import installed_data_dir

GEMEENTE_CODE = "GM0193"
GEMEENTE_NAAM = "Zwolle"

BUURT_COLUMNS = ("buurtcode", "buurtnaam", "wijkcode", "wijknaam", "x", "y")
STADSDEEL_COLUMNS = ("wijkcode", "stadsdeel", "stadsdeelcode")


def geodata_dir() -> Path:
    """``geodata/`` of the source tree, or its copy in the wheel (``wijkatlas_data``)."""
    here = Path(__file__).resolve()
    for candidate in (here.parents[2] / "geodata", installed_data_dir() / "geodata"):
        if (candidate / "zwolle").is_dir():
            return candidate
    raise SourcesError("geodata/zwolle not found next to the package nor in its data", file="geodata")


@dataclass(frozen=True)
class Reference:
    """Buurten (one row each, sorted by code) with their wijk and stadsdeel, and the stadsdelen."""

    buurten: pd.DataFrame
    """Columns ``buurtcode, buurtnaam, wijkcode, wijknaam, x, y, stadsdeelcode``."""
    stadsdelen: pd.DataFrame
    """Columns ``stadsdeelcode, stadsdeel``, one row per stadsdeel, sorted by code."""
    stadsdelen_path: Path
    gemeente: str = GEMEENTE_CODE
    naam: str = GEMEENTE_NAAM

    @property
    def wijken(self) -> pd.DataFrame:
        """Columns ``wijkcode, wijknaam, stadsdeelcode``, one row per wijk, sorted by code."""
        columns = ["wijkcode", "wijknaam", "stadsdeelcode"]
        return self.buurten[columns].drop_duplicates("wijkcode").reset_index(drop=True)


def _read_csv(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    if not path.is_file():
        raise SourcesError("reference table not found", file=path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SourcesError(f"column {missing[0]!r} not found", file=path, field=missing[0])
    return frame


def load_reference(root: Path | None = None) -> Reference:
    """Read ``zwolle/buurten.csv`` and ``stadsdelen.csv`` under ``root`` (or geodata_dir())."""
    folder = (root or geodata_dir()) / "zwolle"
    buurten = _read_csv(folder / "buurten.csv", BUURT_COLUMNS)
    buurten = buurten.astype({"x": "float64", "y": "float64"})
    stadsdelen_path = folder / "stadsdelen.csv"
    mapping = _read_csv(stadsdelen_path, STADSDEEL_COLUMNS)
    of_wijk = dict(zip(mapping.wijkcode, mapping.stadsdeelcode, strict=True))
    unmapped = sorted(set(buurten.wijkcode) - set(of_wijk))
    if unmapped:
        raise SourcesError(f"wijk {unmapped[0]} has no stadsdeel", file=stadsdelen_path)
    buurten = buurten.assign(stadsdeelcode=buurten.wijkcode.map(of_wijk))
    stadsdelen = (
        mapping[["stadsdeelcode", "stadsdeel"]]
        .drop_duplicates("stadsdeelcode")
        .sort_values("stadsdeelcode")
        .reset_index(drop=True)
    )
    return Reference(
        buurten=buurten.sort_values("buurtcode").reset_index(drop=True)[[*BUURT_COLUMNS, "stadsdeelcode"]],
        stadsdelen=stadsdelen,
        stadsdelen_path=stadsdelen_path,
    )
