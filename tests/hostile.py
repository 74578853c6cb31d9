"""Demo inputs whose names are markup: what a careless sources file (or a hostile one) could put in an artifact.

Each payload sets ``window.__pwned`` to its own number when it runs; the browser test checks that none ran and that
no element of any payload exists in the DOM.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyogrio
import yaml

PAYLOADS = (
    '<img src=x onerror="window.__pwned=1">',
    '"><script>window.__pwned=2</script>',
    "</title><svg onload=window.__pwned=3>",
    "<img src=x onerror=\"window.__pwned=4\"> '-alert(5)-'",
)
BUURT_NAMES = PAYLOADS[:3]
WIJK_NAMES = (PAYLOADS[2], PAYLOADS[0])
STADSDEEL_NAME = PAYLOADS[1]
GEMEENTE_NAME = PAYLOADS[2]
SOURCE_NAME = PAYLOADS[3]
INDICATOR_ID = "hostile_titel"
INDICATOR_TITLE = '<img src=x onerror="window.__pwned=6">'
OVERLAY_TITLE = '<svg onload="window.__pwned=7">'
THEME_TITLE = '</optgroup><img src=x onerror="window.__pwned=8">'
QUERY = '<img src=x onerror="window.__pwned=9">'
FACILITY_NAME = '<img src=x onerror="window.__pwned=10">'


def _rename(gpkg: Path, layer: str, code_column: str, name_column: str, names: dict[str, str]) -> None:
    frame = pyogrio.read_dataframe(gpkg, layer=layer)
    frame[name_column] = [
        names.get(code, name) for code, name in zip(frame[code_column], frame[name_column], strict=True)
    ]
    pyogrio.write_dataframe(frame, gpkg, layer=layer, driver="GPKG")


def hostile_sources(folder: Path) -> dict[str, object]:
    """Write the demo into ``folder`` and rewrite its names; returns what was renamed (codes and their names)."""
    from atlas.demo import write_demo
    from atlas.demo.writer import GPKG_FILE, SOURCES_FILE, STADSDELEN_FILE

    write_demo(folder)
    gpkg = folder / GPKG_FILE
    buurten = pyogrio.read_dataframe(gpkg, layer="buurten", read_geometry=False)
    land = buurten[buurten.water.astype(str).str.upper() != "JA"].sort_values("buurtcode")
    # three buurten of one wijk, so the profile of that wijk lists them all
    wijk = land.wijkcode.value_counts().index[0]
    buurt_codes = land.buurtcode[land.wijkcode == wijk].tolist()[: len(BUURT_NAMES)]
    other_wijk = next(code for code in sorted(land.wijkcode.unique()) if code != wijk)
    wijk_names = dict(zip((wijk, other_wijk), WIJK_NAMES, strict=True))
    _rename(gpkg, "buurten", "buurtcode", "buurtnaam", dict(zip(buurt_codes, BUURT_NAMES, strict=True)))
    _rename(gpkg, "wijken", "wijkcode", "wijknaam", wijk_names)
    _rename(gpkg, "gemeenten", "gemeentecode", "gemeentenaam", {"GM0193": GEMEENTE_NAME})

    stadsdelen = pd.read_csv(folder / STADSDELEN_FILE, dtype=str)
    stadsdeel = stadsdelen.stadsdeelcode[stadsdelen.wijkcode == wijk].iloc[0]
    stadsdelen.loc[stadsdelen.stadsdeelcode == stadsdeel, "stadsdeel"] = STADSDEEL_NAME
    stadsdelen.loc[stadsdelen.wijkcode.isin(list(wijk_names)), "wijknaam"] = stadsdelen.wijkcode.map(wijk_names)
    stadsdelen.to_csv(folder / STADSDELEN_FILE, index=False)

    sources_path = folder / SOURCES_FILE
    sources = yaml.safe_load(sources_path.read_text(encoding="utf-8"))
    sources["naam"] = GEMEENTE_NAME
    sources["indicators"][0]["source"] = SOURCE_NAME
    # an extended registry: an indicator, its theme and an overlay whose titles are markup
    extra = {
        "themes": [{"id": "hostile_thema", "title": THEME_TITLE, "description": THEME_TITLE}],
        "indicators": [
            {
                "id": INDICATOR_ID,
                "title": INDICATOR_TITLE,
                "description": INDICATOR_TITLE,
                "theme": "hostile_thema",
                "unit": "percent",
                "better": "higher",
                "source": SOURCE_NAME,
                "levels": ["buurt", "wijk", "stadsdeel", "gemeente"],
                "aggregate": "population_weighted_mean",
                "suppression": "none",
                "classification": {"scheme": "quantiles", "k": 5},
                "palette": "YlOrRd",
                "decimals": 0,
            }
        ],
        "overlays": [
            {
                "id": "hostile_laag",
                "title": OVERLAY_TITLE,
                "kind": "indicator",
                "indicator": INDICATOR_ID,
                "description": OVERLAY_TITLE,
                "color": "#aa0000",
            }
        ],
    }
    (folder / "extra.yaml").write_text(yaml.safe_dump(extra, allow_unicode=True), encoding="utf-8")
    sources["registry"] = ["extra.yaml"]
    rows = [
        {"code": code, "indicator": INDICATOR_ID, "year": 2024, "value": 10.0 + i}
        for i, code in enumerate(land.buurtcode)
    ]
    pd.DataFrame(rows).to_csv(folder / "hostile.csv", index=False)
    sources["indicators"].append({"path": "hostile.csv", "format": "long", "source": SOURCE_NAME})
    if sources.get("voorzieningen"):  # every facility named by a payload, on a street that is one too
        facilities = folder / sources["voorzieningen"]["path"]
        table = pd.read_csv(facilities, dtype=str, keep_default_na=False)
        table["naam"], table["straat"] = FACILITY_NAME, PAYLOADS[1]
        table.to_csv(facilities, index=False)
        sources["voorzieningen"]["source"] = SOURCE_NAME
    sources_path.write_text(yaml.safe_dump(sources, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return {
        "sources": sources_path,
        "buurten": buurt_codes,
        "wijk": wijk,
        "other_wijk": other_wijk,
        "stadsdeel": stadsdeel,
    }
