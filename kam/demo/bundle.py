"""The data bundle as the demo builds it (spec/DATASET.md): columns and CSV writing.

A bundle here is ``{file name without .csv: [row, ...]}`` where a row maps every column of the
file to a string ("" = no value). Whether it is valid is the importer's to say
(``kam.exchange.importer.validate_bundle``), the one implementation of DATASET.md's rules.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from kam.exchange.schema import FILES

# The documented columns of every file, in order: declared once, by the bundle schema.
COLUMNS: dict[str, tuple[str, ...]] = {spec.name: spec.column_names for spec in FILES}


def split_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def write_bundle(bundle: dict[str, list[dict[str, str]]], directory: str | Path) -> list[Path]:
    """Write one UTF-8 CSV per file (header = the documented columns); returns the paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, columns in COLUMNS.items():
        if name not in bundle:
            continue
        path = directory / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(bundle[name])
        written.append(path)
    return written


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def employed(user_row: dict[str, str], day: dt.date) -> bool:
    joined, left = _date(user_row["joined_on"]), _date(user_row["left_on"])
    return (joined is None or joined <= day) and (left is None or day <= left)


def group_by(rows: Iterable[dict[str, str]], column: str) -> dict[str, list[dict[str, str]]]:
    grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        grouped[row[column]].append(row)
    return grouped
