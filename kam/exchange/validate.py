"""Reading and validating a whole bundle against the schema and the database, before any write.

Steps: read every file (header, types, enums, ranges, lengths, required values), index keys
(duplicates), find the rows that already exist, read what the bundle refers to but does not
carry from the database, then references, cycles and the cross-file rules — over the bundle laid
on top of the database. Nothing is written here.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable
from contextlib import suppress

from django.utils.translation import gettext as _

from kam.exchange.report import STORE_LIMIT, BundleError
from kam.exchange.schema import (
    BY_NAME,
    DB_ONLY_ENTITIES,
    FILES,
    SCOPE_REFS,
    entity_model_and_key,
)
from kam.exchange.sources import Bundle, CellError
from kam.exchange.values import INVALID, Invalid, empty_value, make_parser

CHUNK = 2000
FILE_ORDER = {spec.name: i for i, spec in enumerate(FILES)}
NOUNS = {
    "regions": "region",
    "teams": "team",
    "users": "user",
    "products": "product",
    "customers": "customer",
    "contacts": "contact",
    "competitors": "competitor",
    "opportunities": "opportunity",
    "contracts": "contract",
    "stages": "stage",
}
NEW = object()  # a reference to a row the bundle creates (no database id yet)


def chunks(items: Iterable, size: int = CHUNK):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def model_field(spec, col):
    """The model field a column maps to (None for a scope reference)."""
    if col.kind == "scope_ref":
        return None
    return spec.model._meta.get_field(col.field_name)


def db_path(col) -> str:
    """The ORM path reading a column's value as the bundle writes it (a code for references)."""
    if col.kind == "ref":
        _model, key = entity_model_and_key(col.ref)
        return f"{col.field_name}__{key}"
    return col.field_name


class FileData:
    """One file of the bundle: its rows as Python values, their lines, their keys."""

    def __init__(self, spec, display: str):
        self.spec = spec
        self.display = display
        self.present = [False] * len(spec.columns)
        self.rows: list[tuple] = []
        self.lines = array("L")  # compact: a million rows are a million lines
        self.index: dict = {}  # key → row position (later: key → id)
        self.db_ids: list[int | None] = []  # the existing row's id, None for a new row

    def key_of(self, row):
        positions = self.spec.key_positions
        if len(positions) == 1:
            return row[positions[0]]
        return tuple(row[p] for p in positions)

    def absent(self) -> list:
        return [col for col, here in zip(self.spec.columns, self.present, strict=True) if not here]


VALIDATION_PHASES = 7  # progress steps before writing (see validate())


class Context:
    def __init__(self, bundle_name: str, progress=None):
        self.bundle_name = bundle_name
        # progress(done, total, step): called after each validation phase and written file.
        self.progress = progress
        self.steps_done = 0
        self.steps_total = VALIDATION_PHASES
        self.files: dict[str, FileData] = {}
        self.errors: list[tuple] = []
        self.error_count = 0
        # entity → {code: {"id": id, column: value, ...}} for rows the bundle refers to but does
        # not carry
        self.db_refs: dict[str, dict[str, dict]] = {}
        self.updated: dict[str, dict[int, int]] = {}  # entity → {id: row position}, after write
        self._has_rows: dict[str, bool] = {}
        self.unreadable: set[str] = set()  # files that could not be read to the end

    # --- errors ---------------------------------------------------------------------------

    def add_error(self, sort_key: tuple, error: BundleError) -> None:
        self.error_count += 1
        if len(self.errors) < STORE_LIMIT:
            self.errors.append((sort_key, error))

    def error(self, fd: FileData, pos: int | None, column: str, reason: str) -> None:
        line = 1 if pos is None else fd.lines[pos]
        column_order = fd.spec.position.get(column, -1)
        self.add_error(
            (FILE_ORDER.get(fd.spec.name, 99), fd.display, line, column_order, column),
            BundleError(fd.display, line, column, reason),
        )

    def file_error(self, display: str, line: int | None, column: str, reason: str) -> None:
        name = display[:-4] if display.endswith(".csv") else display
        self.add_error(
            (FILE_ORDER.get(name, 99), display, line or 0, -1, column),
            BundleError(display, line, column, reason),
        )

    def sorted_errors(self) -> list[BundleError]:
        return [error for _key, error in sorted(self.errors, key=lambda item: item[0])]

    # --- lookups ------------------------------------------------------------------------------

    def table_has_rows(self, spec) -> bool:
        if spec.name not in self._has_rows:
            self._has_rows[spec.name] = spec.model.objects.exists()
        return self._has_rows[spec.name]

    def attr(self, entity: str, code, column: str):
        """A column of a referenced row: from the bundle if it carries the row, else the DB."""
        fd = self.files.get(entity)
        if fd is not None:
            pos = fd.index.get(code)
            if pos is not None:
                return fd.rows[pos][fd.spec.position[column]]
        record = self.db_refs.get(entity, {}).get(code)
        return None if record is None else record.get(column)

    def existing_id(self, entity: str, code):
        """The database id of a referenced row, ``NEW`` if only the bundle has it, else None."""
        fd = self.files.get(entity)
        if fd is not None:
            pos = fd.index.get(code)
            if pos is not None:
                found = fd.db_ids[pos]
                return NEW if found is None else found
        record = self.db_refs.get(entity, {}).get(code)
        return None if record is None else record["id"]


# --- step 1: reading ---------------------------------------------------------------------------


def read_bundle(ctx: Context, bundle: Bundle) -> None:
    for file_name, display in bundle.files():
        name = file_name[:-4] if file_name.endswith(".csv") else None
        spec = BY_NAME.get(name) if name else None
        if spec is None:
            ctx.file_error(
                display,
                None,
                "-",
                _("not a bundle file (expected one of: %(names)s)")
                % {"names": ", ".join(s.file_name for s in FILES)},
            )
            continue
        fd = FileData(spec, display)
        ctx.files[spec.name] = fd
        try:
            _read_file(ctx, fd, bundle.rows(file_name))
        except CellError as exc:
            ctx.file_error(display, exc.line, "-", exc.reason)
            ctx.unreadable.add(spec.name)  # references to its rows cannot be judged
        _index(ctx, fd)


def _read_file(ctx: Context, fd: FileData, rows) -> None:
    spec = fd.spec
    try:
        header_line, header = next(rows)
    except StopIteration:
        ctx.file_error(fd.display, 1, "-", _("empty file: no header row"))
        return
    names = [cell.strip() for cell in header]
    while names and names[-1] == "":
        names.pop()
    where: dict[str, int] = {}
    for i, name in enumerate(names):
        if name == "":
            ctx.error(fd, None, f"#{i + 1}", _("column without a name"))
        elif name not in spec.position:
            ctx.error(fd, None, name, _("unknown column"))
        elif name in where:
            ctx.error(fd, None, name, _("column appears twice"))
        else:
            where[name] = i
    plan = []
    empties = []
    for index, col in enumerate(spec.columns):
        field = model_field(spec, col)
        empty = empty_value(col, field)
        empties.append(empty)
        if col.name in where:
            fd.present[index] = True
            parse = make_parser(col, field)
            if col.kind in ("ref", "code", "username"):
                # Codes repeat across rows and files: one shared string each.
                parse = sys.intern if parse is None else _interned(parse)
            plan.append((index, where[col.name], parse, col.required, empty))
        elif col.required:
            ctx.error(fd, None, col.name, _("required column is missing"))
    width = len(names)
    rows_out, lines_out = fd.rows, fd.lines
    error = ctx.error
    required_text = _("required")
    for line, cells in rows:
        if len(cells) != width:
            if not any(cells):
                continue  # a blank line
            if len(cells) > width and not any(cells[width:]):
                cells = cells[:width]
            else:
                # A misshapen row: keep its key (quietly) so rows naming it raise no echo.
                broken = [INVALID] * len(empties)
                for index, at, parse, _required, _empty in plan:
                    if spec.columns[index].name in spec.key and at < len(cells) and cells[at]:
                        with suppress(Invalid):
                            broken[index] = cells[at] if parse is None else parse(cells[at])
                rows_out.append(tuple(broken))
                lines_out.append(line)
                error(
                    fd,
                    len(rows_out) - 1,
                    "-",
                    _("%(n)s cells, but the header has %(m)s") % {"n": len(cells), "m": width},
                )
                continue
        elif not any(cells):
            continue
        values = list(empties)
        pos = len(rows_out)
        lines_out.append(line)
        for index, at, parse, required, _empty in plan:
            raw = cells[at]
            if raw == "":
                if required:
                    values[index] = INVALID
                    error(fd, pos, spec.columns[index].name, required_text)
            elif parse is None:
                values[index] = raw
            else:
                try:
                    values[index] = parse(raw)
                except Invalid as exc:
                    values[index] = INVALID
                    error(fd, pos, spec.columns[index].name, str(exc))
        rows_out.append(tuple(values))


def _interned(parse):
    def parse_interned(raw: str) -> str:
        return sys.intern(parse(raw))

    return parse_interned


def _index(ctx: Context, fd: FileData) -> None:
    index = fd.index
    spec = fd.spec
    single = len(spec.key) == 1
    label = "+".join(spec.key)
    for pos, row in enumerate(fd.rows):
        key = fd.key_of(row)
        if key is INVALID or (not single and INVALID in key):
            continue
        first = index.setdefault(key, pos)
        if first != pos:
            shown = (
                key
                if single
                else ", ".join(
                    f"{k}={'' if v is None else v}" for k, v in zip(spec.key, key, strict=True)
                )
            )
            ctx.error(
                fd,
                pos,
                label,
                _("duplicate %(what)s %(key)s (first on line %(line)s)")
                % {
                    "what": spec.key[0] if single else _("key"),
                    "key": repr(shown) if single else shown,
                    "line": fd.lines[first],
                },
            )
    fd.db_ids = [None] * len(fd.rows)


# --- step 2: what the database already holds ----------------------------------------------------


def _fill_paths(fd: FileData) -> list[tuple[int, str]]:
    """Columns the file leaves out, to be read from existing rows (left untouched by the import)."""
    return [
        (fd.spec.position[col.name], db_path(col))
        for col in fd.absent()
        if col.kind not in ("refs", "scope_ref") and col.name not in fd.spec.key
    ]


def find_existing_by_code(ctx: Context) -> None:
    for spec in FILES:
        fd = ctx.files.get(spec.name)
        if fd is None or not fd.index or not spec.single_key or not ctx.table_has_rows(spec):
            continue
        key_field = spec.col(spec.key[0]).field_name
        fills = _fill_paths(fd)
        paths = [p for _i, p in fills]
        for batch in chunks(k for k in fd.index if k is not None):
            found = (
                spec.model.objects.filter(**{f"{key_field}__in": batch})
                .order_by()
                .values_list(key_field, "id", *paths)
            )
            for code, pk, *values in found:
                pos = fd.index[code]
                fd.db_ids[pos] = pk
                if fills:
                    row = list(fd.rows[pos])
                    for (i, _path), value in zip(fills, values, strict=True):
                        row[i] = value
                    fd.rows[pos] = tuple(row)


def _ref_columns(fd: FileData):
    """``(position, column)`` of every reference column of a file."""
    return [
        (i, col)
        for i, col in enumerate(fd.spec.columns)
        if col.kind in ("ref", "refs", "scope_ref")
    ]


def _referenced(fd: FileData, i: int, col) -> dict[str, set]:
    """The codes a column names, per entity (set operations: files have a million rows)."""
    rows = fd.rows
    if col.kind == "ref":
        values = {row[i] for row in rows}
        values.discard(None)
        values.discard(INVALID)
        return {col.ref: values}
    if col.kind == "refs":
        values = set()
        for listed in {row[i] for row in rows}:
            if listed is not INVALID:
                values.update(listed)
        return {col.ref: values}
    scope_at = fd.spec.position["scope"]
    found: dict[str, set] = {}
    for row in rows:
        scope, code = row[scope_at], row[i]
        if scope in SCOPE_REFS and code and code is not INVALID:
            found.setdefault(SCOPE_REFS[scope][0], set()).add(code)
    return found


def find_referenced(ctx: Context) -> list[tuple[FileData, int, str, str, str]]:
    """Read from the database the rows the bundle refers to but does not carry; returns the
    references found nowhere (file, row, column, entity, code)."""
    wanted: dict[str, set] = {}
    for fd in ctx.files.values():
        for i, col in _ref_columns(fd):
            for entity, codes in _referenced(fd, i, col).items():
                target = ctx.files.get(entity)
                outside = codes - target.index.keys() if target is not None else codes
                if outside:
                    wanted.setdefault(entity, set()).update(outside)
    needs: dict[str, set[str]] = {}
    for spec in FILES:
        for check in spec.checks:
            for entity, column in check.needs(spec):
                needs.setdefault(entity, set()).add(column)
    nowhere: dict[str, set] = {}
    for entity, codes in wanted.items():
        model, key = entity_model_and_key(entity)
        columns = sorted(needs.get(entity, ()))
        paths = (
            [db_path(BY_NAME[entity].col(c)) for c in columns]
            if entity not in DB_ONLY_ENTITIES
            else []
        )
        found = ctx.db_refs.setdefault(entity, {})
        for batch in chunks(sorted(codes)):
            rows = model.objects.filter(**{f"{key}__in": batch}).order_by()
            for code, pk, *values in rows.values_list(key, "id", *paths):
                found[code] = {"id": pk, **dict(zip(columns, values, strict=True))}
        if codes - found.keys():
            nowhere[entity] = codes - found.keys()
    if not nowhere:
        return []
    # Only now, for the few codes found nowhere: which rows name them.
    missing = []
    for fd in ctx.files.values():
        scope_at = fd.spec.position.get("scope")
        for i, col in _ref_columns(fd):
            for pos, row in enumerate(fd.rows):
                value = row[i]
                if value is None or value is INVALID or value == "" or value == ():
                    continue
                if col.kind == "scope_ref":
                    entity = SCOPE_REFS.get(row[scope_at], (None,))[0]
                    codes = (value,)
                else:
                    entity = col.ref
                    codes = value if col.kind == "refs" else (value,)
                lost = nowhere.get(entity)
                if lost:
                    missing.extend((fd, pos, col.name, entity, c) for c in codes if c in lost)
    return missing


def find_existing_by_natural_key(ctx: Context) -> None:
    for spec in FILES:
        fd = ctx.files.get(spec.name)
        if fd is None or not fd.index or spec.single_key or not ctx.table_has_rows(spec):
            continue
        # Each bundle key in id space; a key naming a row the bundle creates is new.
        wanted: dict[tuple, int] = {}
        for pos in fd.index.values():
            id_key = _id_key(ctx, spec, fd.rows[pos])
            if id_key is not None:
                wanted[id_key] = pos
        if not wanted:
            continue
        fills = _fill_paths(fd)
        key_paths, combine = _db_key_paths(spec)
        # Filter on the key part with the most distinct values: the fewest rows come back.
        parts = [n for n, name in enumerate(spec.key) if spec.col(name).kind != "scope_ref"]
        part = max(parts, key=lambda n: len({key[n] for key in wanted}))
        path = _filter_path(spec, part)
        distinct = {key[part] for key in wanted}
        batches: list = list(chunks(sorted((v for v in distinct if v is not None), key=str)))
        if None in distinct:
            batches.append(None)
        for batch in batches:
            where = {f"{path}__isnull": True} if batch is None else {f"{path}__in": batch}
            found = (
                spec.model.objects.filter(**where)
                .order_by()
                .values_list("id", *key_paths, *[p for _i, p in fills])
                .iterator(chunk_size=10_000)
            )
            for pk, *values in found:
                key = combine(values[: len(key_paths)])
                pos = wanted.get(key)
                if pos is None:
                    continue
                fd.db_ids[pos] = pk
                if fills:
                    row = list(fd.rows[pos])
                    for (i, _path), value in zip(fills, values[len(key_paths) :], strict=True):
                        row[i] = value
                    fd.rows[pos] = tuple(row)


def _filter_path(spec, part: int) -> str:
    col = spec.col(spec.key[part])
    return f"{col.field_name}_id" if col.kind == "ref" else col.field_name


def _id_key(ctx: Context, spec, row):
    parts = []
    for name in spec.key:
        col = spec.col(name)
        value = row[spec.position[name]]
        if value is INVALID:
            return None
        if col.kind == "ref" and value is not None:
            value = ctx.existing_id(col.ref, value)
            if value is None or value is NEW:
                return None
        elif col.kind == "scope_ref":
            scope = row[spec.position["scope"]]
            if scope == "org":
                value = None
            elif scope in SCOPE_REFS and value:
                value = ctx.existing_id(SCOPE_REFS[scope][0], value)
                if value is None or value is NEW:
                    return None
            else:
                return None
        parts.append(value)
    return tuple(parts)


def _db_key_paths(spec):
    """ORM paths reading a natural key in id space, and a function folding them into a key."""
    paths = []
    for name in spec.key:
        col = spec.col(name)
        if col.kind == "ref":
            paths.append(f"{col.field_name}_id")
        elif col.kind == "scope_ref":
            paths.extend(f"{field}_id" for _entity, field in SCOPE_REFS.values())
        else:
            paths.append(col.field_name)
    if "scope_code" not in spec.key:
        return paths, tuple
    at = spec.key.index("scope_code")
    width = len(SCOPE_REFS)

    def combine(values):
        values = list(values)
        ids = values[at : at + width]
        merged = next((v for v in ids if v is not None), None)
        return tuple(values[:at] + [merged] + values[at + width :])

    return paths, combine


# --- step 3: references, cycles, rules ----------------------------------------------------------


def check_references(ctx: Context, missing) -> None:
    for fd, pos, column, entity, code in missing:
        if entity in ctx.unreadable:
            continue
        noun = NOUNS.get(entity, entity)
        if entity in DB_ONLY_ENTITIES:
            reason = _("unknown %(noun)s %(code)r (not in the database)")
        else:
            reason = _("unknown %(noun)s %(code)r (not in %(file)s nor in the database)")
        ctx.error(fd, pos, column, reason % {"noun": noun, "code": code, "file": f"{entity}.csv"})
    fd = ctx.files.get("targets")
    if fd is not None:
        scope_pos, code_pos = fd.spec.position["scope"], fd.spec.position["scope_code"]
        for pos, row in enumerate(fd.rows):
            scope, code = row[scope_pos], row[code_pos]
            if scope is INVALID or code is INVALID:
                continue
            if scope == "org" and code:
                ctx.error(fd, pos, "scope_code", _("must be empty for scope org"))
            elif scope in SCOPE_REFS and not code:
                ctx.error(
                    fd, pos, "scope_code", _("required for scope %(scope)s") % {"scope": scope}
                )


def check_cycles(ctx: Context) -> None:
    for spec in FILES:
        fd = ctx.files.get(spec.name)
        if fd is None:
            continue
        for col in spec.columns:
            if col.kind == "ref" and col.ref == spec.name:
                _check_cycle(ctx, fd, col)


def _check_cycle(ctx: Context, fd: FileData, col) -> None:
    spec = fd.spec
    i = spec.position[col.name]
    parent_of: dict = {}
    if ctx.table_has_rows(spec):
        key_field = spec.col(spec.key[0]).field_name
        parent_of.update(
            spec.model.objects.filter(**{f"{col.field_name}__isnull": False})
            .order_by()
            .values_list(key_field, db_path(col))
        )
    for code, pos in fd.index.items():
        parent = fd.rows[pos][i]
        parent_of[code] = None if parent is INVALID else parent
    state: dict = {}  # 1 = on the current walk, 2 = done
    for start in fd.index:
        path = []
        node = start
        while node is not None and node not in state:
            state[node] = 1
            path.append(node)
            node = parent_of.get(node)
        if node is not None and state.get(node) == 1:
            cycle = path[path.index(node) :]
            in_bundle = [c for c in cycle if c in fd.index]
            if in_bundle:
                first = min(in_bundle, key=lambda c: fd.index[c])
                at = cycle.index(first)
                ordered = cycle[at:] + cycle[:at] + [first]
                reason = _("forms a cycle: %(cycle)s")
            else:  # a cycle already in the database, reached from this row
                first, ordered = start, [*cycle, cycle[0]]
                reason = _("leads into a cycle in the database: %(cycle)s")
            ctx.error(fd, fd.index[first], col.name, reason % {"cycle": " → ".join(ordered)})
        for node in path:
            state[node] = 2


def run_checks(ctx: Context) -> None:
    for spec in FILES:
        fd = ctx.files.get(spec.name)
        if fd is None or not fd.rows:
            continue
        for check in spec.checks:
            check.validate(ctx, fd)


def step_done(ctx: Context, step: str) -> None:
    ctx.steps_done += 1
    if ctx.progress is not None:
        ctx.progress(ctx.steps_done, ctx.steps_total, step)


def validate(ctx: Context, bundle: Bundle) -> None:
    read_bundle(ctx, bundle)
    # Writing reports one step per file: the total is known once the files are read.
    ctx.steps_total = VALIDATION_PHASES + len(ctx.files)
    step_done(ctx, "read")
    find_existing_by_code(ctx)
    step_done(ctx, "match")
    missing = find_referenced(ctx)
    step_done(ctx, "references")
    find_existing_by_natural_key(ctx)
    step_done(ctx, "natural keys")
    check_references(ctx, missing)
    step_done(ctx, "check references")
    check_cycles(ctx)
    step_done(ctx, "cycles")
    run_checks(ctx)
    step_done(ctx, "rules")
