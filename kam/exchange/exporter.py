"""Exporting everything (or what a user may see) as a bundle: folder, .zip or .xlsx.

Deterministic: every file is written, with the documented columns in the documented order, rows
sorted by the file's key (byte order of the codes, the same on SQLite and PostgreSQL), values in
their canonical text (see ``values``), and archives with fixed entry order and timestamps — the
same data gives the same bytes.

Rows stream from one SQL query per file (joins turn ids into codes; many-to-many lists come from a
second query merged in key order), so memory stays flat however large the database.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tempfile
import zipfile
from contextlib import nullcontext
from pathlib import Path

from django.db import connection, transaction

from kam.exchange.importer import sqlite_cache
from kam.exchange.schema import FILES, SCOPE_REFS, entity_model_and_key
from kam.exchange.values import make_formatter

FORMATS = ("folder", "zip", "xlsx")
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
XLSX_MAX_ROWS = 1_048_576
FETCH = 10_000


class ExportError(Exception):
    pass


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def _sortable(expr: str, nullable: bool = True) -> str:
    """Order text by bytes on every database (PostgreSQL's default collation is linguistic);
    a plain column lets SQLite walk its index instead of sorting."""
    if nullable:
        expr = f"COALESCE({expr}, '')"
    if connection.vendor == "postgresql":
        return f'{expr} COLLATE "C"'
    return expr


def _visible_filter(model, user, alias: str) -> tuple[str, list]:
    if user is None:
        return "", []
    sql, params = model.objects.visible_to(user).values("pk").query.sql_with_params()
    return f" WHERE {alias}.{_qn(model._meta.pk.column)} IN ({sql})", list(params)


# SQLite keeps decimals as binary floats. Below 10^13 a two-place decimal has at most 15
# significant digits, so printf's %.15g gives back exactly the stored decimal; larger values (or
# anything unexpected) send the file through the Python formatter instead.
_SQLITE_DECIMAL_LIMIT = "1e13"


def _cell_sql(col, expr: str, sqlite_decimals: bool) -> str | None:
    """SQL giving a column's cell text directly, or None when Python formats it."""
    postgres = connection.vendor == "postgresql"
    kind = col.kind
    if kind == "date":
        text = f"to_char({expr}, 'YYYY-MM-DD')" if postgres else f"CAST({expr} AS TEXT)"
    elif kind == "int":
        text = f"CAST({expr} AS TEXT)"
    elif kind == "bool":
        return f"CASE WHEN {expr} IS NULL THEN '' WHEN {expr} THEN 'true' ELSE 'false' END"
    elif kind == "decimal":
        if postgres:
            text = f"CAST(trim_scale({expr}) AS TEXT)"  # no trailing zeros (PostgreSQL 13+)
        elif sqlite_decimals:
            return (
                f"CASE typeof({expr}) WHEN 'null' THEN '' WHEN 'integer' THEN CAST({expr} AS "
                f"TEXT) ELSE printf('%.15g', {expr}) END"
            )
        else:
            return None
    else:
        text = expr
    return f"COALESCE({text}, '')"


def _sqlite_decimals_in_range(spec) -> bool:
    """Whether every decimal of the table prints exactly with %.15g (see above)."""
    meta = spec.model._meta
    columns = [
        _qn(meta.get_field(col.field_name).column) for col in spec.columns if col.kind == "decimal"
    ]
    if not columns:
        return True
    outside = " OR ".join(
        f"(typeof({c}) NOT IN ('null', 'integer', 'real') OR abs({c}) >= {_SQLITE_DECIMAL_LIMIT})"
        for c in columns
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {_qn(meta.db_table)} WHERE {outside} LIMIT 1")
        return cursor.fetchone() is None


def _list_sql(spec, col, alias: str) -> tuple[str, str | None]:
    """A many-to-many column as one ``;``-joined cell: the select expression, and on
    PostgreSQL a join to the lists grouped once (SQLite: a correlated subquery, an index
    lookup per row, sorted in Python — group_concat has no ORDER BY before SQLite 3.44)."""
    meta = spec.model._meta
    field = meta.get_field(col.field_name)
    through = field.remote_field.through
    source = _qn(through._meta.get_field(field.m2m_field_name()).column)
    target_fk = _qn(through._meta.get_field(field.m2m_reverse_field_name()).column)
    target, key = entity_model_and_key(col.ref)
    listed = f"g.{_qn(target._meta.get_field(key).column)}"
    links = (
        f"{_qn(through._meta.db_table)} l JOIN {_qn(target._meta.db_table)} g "
        f"ON g.{_qn(target._meta.pk.column)} = l.{target_fk}"
    )
    if connection.vendor == "postgresql":
        join = (
            f"LEFT JOIN (SELECT l.{source} AS owner, string_agg({listed}, ';' ORDER BY "
            f'{listed} COLLATE "C") AS codes FROM {links} GROUP BY l.{source}) {alias} '
            f"ON {alias}.owner = t.{_qn(meta.pk.column)}"
        )
        return f"COALESCE({alias}.codes, '')", join
    subquery = (
        f"SELECT group_concat({listed}, ';') FROM {links} "
        f"WHERE l.{source} = t.{_qn(meta.pk.column)}"
    )
    return f"COALESCE(({subquery}), '')", None


def _file_query(spec, user) -> tuple[str, list, list, list]:
    """The SQL reading one file's cells in key order, its parameters, the positions Python
    still formats (with their formatter) and the positions of lists to sort."""
    meta = spec.model._meta
    selects, joins, order, python, lists = [], [], [], [], []
    exprs: dict[str, str] = {}
    text_kinds = ("text", "code", "email", "username", "enum", "period", "ref", "scope_ref")
    sqlite_decimals = connection.vendor == "sqlite" and _sqlite_decimals_in_range(spec)
    for n, col in enumerate(spec.columns):
        field = None
        if col.kind == "refs":
            cell, join = _list_sql(spec, col, f"m{n}")
            if join is None:
                lists.append(len(selects))
            else:
                joins.append(join)
            selects.append(cell)
            continue
        if col.kind == "ref":
            target, key = entity_model_and_key(col.ref)
            alias = f"j{n}"
            joins.append(
                f"LEFT JOIN {_qn(target._meta.db_table)} {alias} ON {alias}."
                f"{_qn(target._meta.pk.column)} = t.{_qn(meta.get_field(col.field_name).column)}"
            )
            expr = f"{alias}.{_qn(target._meta.get_field(key).column)}"
        elif col.kind == "scope_ref":
            parts = []
            for m, (entity, field_name) in enumerate(SCOPE_REFS.values()):
                target, key = entity_model_and_key(entity)
                alias = f"s{m}"
                joins.append(
                    f"LEFT JOIN {_qn(target._meta.db_table)} {alias} ON {alias}."
                    f"{_qn(target._meta.pk.column)} = t.{_qn(meta.get_field(field_name).column)}"
                )
                parts.append(f"{alias}.{_qn(target._meta.get_field(key).column)}")
            expr = f"COALESCE({', '.join(parts)})"
        else:
            field = meta.get_field(col.field_name)
            expr = f"t.{_qn(field.column)}"
        exprs[col.name] = expr
        cell = _cell_sql(col, expr, sqlite_decimals)
        if cell is None:
            python.append((len(selects), make_formatter(col, field)))
            cell = expr
        selects.append(cell)
    for name in spec.key:
        col = spec.col(name)
        if col.kind in text_kinds:
            plain = col.kind not in ("ref", "scope_ref") and not meta.get_field(col.field_name).null
            order.append(_sortable(exprs[name], nullable=not plain))
        else:
            order.append(exprs[name])
    where, params = _visible_filter(spec.model, user, "t")
    sql = (
        f"SELECT {', '.join(selects)} FROM {_qn(meta.db_table)} t {' '.join(joins)}{where} "
        f"ORDER BY {', '.join(order)}"
    )
    return sql, params, python, lists


def _fetch(sql: str, params: list):
    """Batches of rows (a server-side cursor on PostgreSQL: memory stays flat)."""
    cursor = connection.chunked_cursor()
    try:
        cursor.execute(sql, params)
        while True:
            rows = cursor.fetchmany(FETCH)
            if not rows:
                break
            yield rows
    finally:
        cursor.close()


def _rows(batches):
    for batch in batches:
        yield from batch


def file_batches(spec, user=None):
    """The cells of one file in batches of rows, the header first (a batch of its own)."""
    yield [list(spec.column_names)]
    sql, params, python, lists = _file_query(spec, user)
    if not python and not lists:
        yield from _fetch(sql, params)  # the database wrote every cell
        return
    if not python and len(lists) == 1:  # the common case, kept tight: a million rows
        (at,) = lists
        for batch in _fetch(sql, params):
            for n, row in enumerate(batch):
                if ";" in row[at]:
                    cells = list(row)
                    cells[at] = ";".join(sorted(cells[at].split(";")))
                    batch[n] = cells
            yield batch
        return
    for batch in _fetch(sql, params):
        out = []
        for row in batch:
            cells = list(row)
            for at, formatter in python:
                cells[at] = formatter(cells[at])
            for at in lists:
                if ";" in cells[at]:
                    cells[at] = ";".join(sorted(cells[at].split(";")))
            out.append(cells)
        yield out


def iter_file(spec, user=None):
    """The cells of one file, row by row, header first."""
    return _rows(file_batches(spec, user))


# --- writers -----------------------------------------------------------------------------------


def _write_csv(handle, batches) -> int:
    writer = csv.writer(handle, lineterminator="\r\n")  # RFC 4180
    count = -1  # the header
    for batch in batches:
        writer.writerows(batch)
        count += len(batch)
    return count


def _write_folder(dest: Path, user) -> dict[str, int]:
    dest.mkdir(parents=True, exist_ok=True)
    counts = {}
    for spec in FILES:
        with (dest / spec.file_name).open("w", encoding="utf-8", newline="") as handle:
            counts[spec.file_name] = _write_csv(handle, file_batches(spec, user))
    return counts


def _zip_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.create_system = 3
    return info


def _write_zip(handle, user) -> dict[str, int]:
    counts = {}
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for spec in FILES:
            with archive.open(_zip_info(spec.file_name), "w", force_zip64=True) as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8", newline="", write_through=False)
                counts[spec.file_name] = _write_csv(text, file_batches(spec, user))
                text.flush()
                text.detach()
    return counts


_FORMULA_LIKE = ("=",)
_XLSX_ESCAPED = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def xlsx_escape(value: str) -> str:
    """OOXML's escaping (what Excel writes): a carriage return, which XML would turn into a
    plain line break, as ``_x000D_``; a literal ``_xHHHH_`` as ``_x005F_xHHHH_``."""
    return _XLSX_ESCAPED.sub(r"_x005F_\1", value).replace("\r", "_x000D_")


_ERROR_CODES = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"}
_CORE_TIMES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def _fill_sheet(sheet, spec, user) -> int:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    illegal = ILLEGAL_CHARACTERS_RE.search
    count = -1
    for row in iter_file(spec, user):
        count += 1
        if count >= XLSX_MAX_ROWS:
            raise ExportError(
                f"{spec.name}: more than {XLSX_MAX_ROWS - 1} rows do not fit in a sheet; "
                "export as folder or zip"
            )
        cells = []
        for value in row:
            if value == "":
                cells.append(None)
                continue
            if illegal(value):
                raise ExportError(
                    f"{spec.name}: row {count + 1} holds a control character an .xlsx sheet "
                    "cannot store; export as folder or zip"
                )
            if "\r" in value or "_x" in value:
                value = xlsx_escape(value)
            if value.startswith(_FORMULA_LIKE) or value in _ERROR_CODES:
                cell = WriteOnlyCell(sheet, value="")
                cell._value = value
                cell.data_type = "s"  # text, never a formula
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    return count


def _write_xlsx(handle, user) -> dict[str, int]:
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    workbook = Workbook(write_only=True)
    workbook.properties.creator = "KAM"
    workbook.properties.created = dt.datetime(2000, 1, 1)
    workbook.properties.modified = dt.datetime(2000, 1, 1)
    counts = {}
    try:
        for spec in FILES:
            counts[spec.file_name] = _fill_sheet(workbook.create_sheet(spec.name), spec, user)
    except ExportError:
        for sheet in workbook.worksheets:
            sheet.close()  # finish the sheets' temporary files before giving up
        raise
    # openpyxl stamps entries with the current time: write, then copy with fixed stamps.
    with tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024) as scratch:
        with zipfile.ZipFile(scratch, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            ExcelWriter(workbook, archive).save()
        scratch.seek(0)
        with (
            zipfile.ZipFile(scratch) as source,
            zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive,
        ):
            for info in source.infolist():
                data = source.read(info)
                if info.filename == "docProps/core.xml":
                    data = _CORE_TIMES.sub(rb"\g<1>2000-01-01T00:00:00Z\g<3>", data)
                archive.writestr(_zip_info(info.filename), data)
    return counts


def export_bundle(dest, *, format: str = "folder", user=None) -> dict[str, int]:
    """Write every bundle file to ``dest`` (a folder path, or for zip/xlsx a path or a binary
    file); ``user`` None exports everything, a user only the rows they may see. Returns the row
    count per file."""
    if format not in FORMATS:
        raise ExportError(f"unknown format {format!r} (folder, zip or xlsx)")
    # PostgreSQL: one snapshot, and server-side cursors need a transaction. (SQLite's would
    # take the write lock — transactions there begin IMMEDIATE — so it reads in autocommit.)
    atomic = transaction.atomic() if connection.vendor == "postgresql" else nullcontext()
    with atomic, sqlite_cache():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Whole-table reads: sort in memory, and skip JIT compiling (seconds, for a
                # query run once).
                cursor.execute("SET LOCAL work_mem = '256MB'")
                cursor.execute("SET LOCAL jit = off")
        if format == "folder":
            return _write_folder(Path(dest), user)
        writer = _write_zip if format == "zip" else _write_xlsx
        if isinstance(dest, str | Path):
            path = Path(dest)
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(path.name + ".part")  # no half-written file on failure
            try:
                with partial.open("wb") as handle:
                    counts = writer(handle, user)
                partial.replace(path)
            finally:
                partial.unlink(missing_ok=True)
            return counts
        return writer(dest, user)
