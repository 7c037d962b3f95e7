"""Exporting a list page's rows as CSV or Excel: the one place cells are formatted and made safe.

A list view names its columns as ``(header, accessor)``; the accessor is a dotted attribute path
(``"customer.code"``; a callable found on the way is called, so ``"get_status_display"`` works)
or a function of the row. Cells are neutralised against formula injection: text starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``. Numbers (``int``,
``float``, ``Decimal``) stay numbers — numeric cells in Excel, plain digits in CSV. CSV is UTF-8
with a BOM, so Excel opens it with the right encoding.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

FORMATS = ("csv", "xlsx")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Accessor = str | Callable[[Any], Any]
Column = tuple[Any, Accessor]


def neutralise(text: str) -> str:
    """Text a spreadsheet would run as a formula, made inert with a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def resolve(obj, accessor: Accessor):
    """The value ``accessor`` names on ``obj`` (None when a step on the way is None)."""
    if callable(accessor):
        return accessor(obj)
    value = obj
    for part in accessor.split("."):
        if value is None:
            return None
        value = getattr(value, part)
        if callable(value):
            value = value()
    return value


def cell(value):
    """One exported value: a number stays a number, everything else becomes safe text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int | float | decimal.Decimal):
        return value
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise(str(value))


def table(rows: Iterable, columns: Iterable[Column]) -> Iterator[list]:
    """The header row, then one list of cells per row."""
    columns = list(columns)
    yield [str(header) for header, _accessor in columns]
    for obj in rows:
        yield [cell(resolve(obj, accessor)) for _header, accessor in columns]


def _csv_text(value) -> str:
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    return str(value)


class _Echo:
    def write(self, value):
        return value


def csv_chunks(lines: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for line in lines:
        yield writer.writerow([_csv_text(value) for value in line])


def xlsx_bytes(lines: Iterable[list], title: str = "Sheet1") -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31] or "Sheet1")
    for line in lines:
        # Text is already neutralised (no leading ``=``), so openpyxl never makes a formula;
        # numbers (Decimal included) become numeric cells.
        sheet.append(
            [
                None
                if value == ""
                else neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
                if isinstance(value, str)
                else value
                for value in line
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_response(rows: Iterable, columns: Iterable[Column], *, fmt: str, filename: str):
    """A download of ``rows`` (``fmt`` csv or xlsx) named ``filename`` plus a date and suffix."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    name = f"{filename}-{timezone.localdate():%Y%m%d}.{fmt}"
    lines = table(rows, columns)
    if fmt == "csv":
        response = StreamingHttpResponse(csv_chunks(lines), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(xlsx_bytes(lines, filename), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
