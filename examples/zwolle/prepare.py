"""Reshape the real Zwolle files of ``../shared/realdata`` where the atlas needs another shape; change no value.

Run from the repository root (or anywhere)::

    .venv/bin/python examples/zwolle/prepare.py [--realdata ../shared/realdata] [--out examples/zwolle/prepared]

It writes ``prepared/`` beside this script (ignored by git; the data stays out of the repository):

- ``kwb_2024_85984NED.json``: the CBS Kerncijfers wijken en buurten 2024 of the gemeente and its 16 wijken in the
  shape ``cbsodata.get_data("85984NED")`` returns (one record per area; ``WijkenEnBuurten`` the area's name,
  ``SoortRegio_2`` and ``Codering_3`` padded with spaces as CBS does), from
  ``cbs_kwb_2024_85984NED_zwolle_stripped.json`` (values keyed by area code) and the names in
  ``cbs_kwb_2024_85984NED_zwolle_gemeente_wijken.csv``. Every value is copied as it is.
- ``85984NED_DataProperties.json``: the table's real DataProperties, unchanged, beside the records (where
  ``atlas fetch cbs`` puts them), so the importer reads the units and the key groups from CBS itself.

The other inputs of the example (boundaries, stadsdelen, demographics, Klimaatmonitor, Buurt-voor-Buurt 2014) are
read from ``../shared/realdata`` as they are.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
REALDATA = HERE.parents[1].parent / "shared" / "realdata"
TABLE = "85984NED"
SOORT = {"GM": "Gemeente", "WK": "Wijk", "BU": "Buurt"}


def kwb_records(realdata: Path) -> list[dict[str, object]]:
    """The stripped KWB values as cbsodata records (the key order and padding CBS uses)."""
    stripped = json.loads((realdata / "cbs_kwb_2024_85984NED_zwolle_stripped.json").read_text(encoding="utf-8"))
    with (realdata / "cbs_kwb_2024_85984NED_zwolle_gemeente_wijken.csv").open(encoding="utf-8") as handle:
        names = {row["WijkenEnBuurten"]: row["naam"] for row in csv.DictReader(handle)}
    records: list[dict[str, object]] = []
    for number, (code, values) in enumerate(stripped["data"].items()):
        record: dict[str, object] = {
            "ID": number,
            "WijkenEnBuurten": names.get(code, code),
            "Gemeentenaam_1": "Zwolle".ljust(40),
            "SoortRegio_2": SOORT[code[:2]].ljust(10),
            "Codering_3": code.ljust(10),
        }
        record.update(values)
        records.append(record)
    return records


def prepare(realdata: Path = REALDATA, out: Path = HERE / "prepared") -> Path:
    """Write the reshaped files to ``out`` (written beside it first, then renamed: never half)."""
    staging = out.with_name(out.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    records = kwb_records(realdata)
    (staging / f"kwb_2024_{TABLE}.json").write_text(json.dumps(records, ensure_ascii=False, indent=1) + "\n", "utf-8")
    shutil.copyfile(realdata / f"cbs_{TABLE}_DataProperties.json", staging / f"{TABLE}_DataProperties.json")
    shutil.rmtree(out, ignore_errors=True)
    staging.rename(out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realdata", type=Path, default=REALDATA, help="the shared real data folder")
    parser.add_argument("--out", type=Path, default=HERE / "prepared", help="where the reshaped files go")
    args = parser.parse_args()
    if not (args.realdata / "SOURCES.md").is_file():
        raise SystemExit(f"{args.realdata}: not the shared real data folder (no SOURCES.md)")
    print(f"written: {prepare(args.realdata, args.out)}")


if __name__ == "__main__":
    main()
