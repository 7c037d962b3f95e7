"""Importing a bundle: validate everything, then write it all in one transaction — or nothing.

Rows are matched by code (or natural key) and created, updated (``version`` bumped) or left
unchanged. Writes are bulk: ids for new rows are reserved up front, so references resolve in
memory; new rows stream in through sqlite3's ``executemany`` or PostgreSQL's binary ``COPY``,
changed rows through one ``UPDATE`` per row in ``executemany``. Large loads take a bulk path
(``bulk_load``): SQLite defers index building and CHECK evaluation to one pass each, and
PostgreSQL loads an empty table without its foreign keys and secondary indexes, added back (and
so validated) after — all inside the transaction. Foreign keys are verified before commit.

The import is a system write: each file that changed leaves one audit entry summarising its
counts. Customers' current tier and class are refreshed from the tier history, and the data
derived from the rows written (``kam.core.derived``) is recomputed in the same transaction.
"""

from __future__ import annotations

import gc
import time
import uuid
from array import array
from contextlib import contextmanager

from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core import derived
from kam.core.bulk import BULK_LOAD_ROWS, bulk_load
from kam.core.bulk import qn as _qn
from kam.core.models import AuditEntry
from kam.exchange.report import BundleError, Report
from kam.exchange.schema import BY_NAME, FILES, SCOPE_REFS, entity_model_and_key
from kam.exchange.sources import Limits, SourceRefused, open_bundle
from kam.exchange.validate import Context, chunks, db_path, step_done, validate
from kam.exchange.values import DATE_TEXT

BATCH = 5000
SQLITE_CACHE_KIB = 64 * 1024


class _Rollback(Exception):
    pass


def import_bundle(
    source, *, dry_run: bool, actor=None, limits: Limits | None = None, progress=None
) -> Report:
    """Validate ``source`` and, when it is valid and not ``dry_run``, write it.

    ``source`` is a folder, a .zip or an .xlsx path, or a seekable binary file with a name. A dry
    run performs the whole import inside a transaction that is rolled back, so its report (every
    error, or the counts) is exactly what the import would give. ``progress(done, total, step)``
    is called after each validation phase and each written file.
    """
    report = Report(dry_run=dry_run)
    try:
        bundle = open_bundle(source, limits)
    except SourceRefused as exc:
        name = getattr(source, "name", None) or str(source)
        report.errors = [BundleError(str(name), None, "-", str(exc))]
        report.error_count = 1
        return report
    with bundle:
        ctx = Context(bundle.name, progress)
        summary: dict = {}
        # Foreign keys are checked once, table by table, before commit (SQLite can switch them
        # off only outside a transaction; inside a caller's transaction they stay on).
        unchecked = (
            connection.vendor == "sqlite"
            and not connection.in_atomic_block
            and connection.disable_constraint_checking()
        )
        collecting = gc.isenabled()
        gc.disable()  # millions of row lists, no cycles: the collector would only rescan them
        try:
            with transaction.atomic(), sqlite_cache():
                validate(ctx, bundle)
                if ctx.error_count:
                    raise _Rollback
                writer = Writer(ctx)
                summary = writer.write(actor=actor, source_name=bundle.name)
                if not ctx.error_count:
                    connection.check_constraints(table_names=writer.tables)
                if ctx.error_count or dry_run:
                    raise _Rollback
        except _Rollback:
            pass
        except DatabaseError as exc:  # a rule the validation does not know, or a concurrent write
            ctx.file_error(
                bundle.name, None, "-", _("the database refused the data: %(e)s") % {"e": exc}
            )
        finally:
            if unchecked:
                connection.enable_constraint_checking()
            if collecting:
                gc.enable()
    report.errors = ctx.sorted_errors()
    report.error_count = ctx.error_count
    if report.ok:
        report.summary = summary
    return report


def validate_bundle(source, limits: Limits | None = None) -> Report:
    """Everything an import would check (and count), writing nothing."""
    return import_bundle(source, dry_run=True, actor=None, limits=limits)


# --- database helpers ----------------------------------------------------------------------------


def reserve_ids(model, count: int) -> list[int] | range:
    """Ids for ``count`` new rows, taken from the table's own sequence."""
    if not count:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sequence = "pg_get_serial_sequence(%s, %s)"
            if count < BULK_LOAD_ROWS:
                cursor.execute(
                    f"SELECT nextval({sequence}) FROM generate_series(1, %s)",
                    [_qn(table), pk, count],
                )
                return [row[0] for row in cursor.fetchall()]
            # A block at once: with the table locked against other writers (readers go on)
            # until commit, nobody draws from its sequence between nextval and setval.
            cursor.execute(f"LOCK TABLE {_qn(table)} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(f"SELECT nextval({sequence})", [_qn(table), pk])
            start = cursor.fetchone()[0]
            cursor.execute(f"SELECT setval({sequence}, %s)", [_qn(table), pk, start + count - 1])
            return range(start, start + count)
        if connection.vendor == "sqlite":
            # The transaction holds SQLite's write lock: nobody takes these ids meanwhile.
            cursor.execute(f"SELECT COALESCE(MAX({_qn(pk)}), 0) FROM {_qn(table)}")
            top = cursor.fetchone()[0]
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            start = max(top, row[0] if row else 0) + 1
            return range(start, start + count)
    raise NotImplementedError(f"bulk import is not implemented for {connection.vendor}")


def insert_rows(model, columns: list[str], rows) -> None:
    table = _qn(model._meta.db_table)
    names = ", ".join(_qn(c) for c in columns)
    # The raw driver calls below bypass Django's cursor: map their errors to Django's.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        if connection.vendor == "postgresql":
            # Binary COPY, typed by the table's own columns: no text round trip per value.
            cursor.execute(
                "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass "
                "AND attnum > 0 AND NOT attisdropped",
                [table],
            )
            types = dict(cursor.fetchall())
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types([types[column] for column in columns])
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['?'] * len(columns))})"
        _sqlite_executemany(cursor, sql, rows)


@contextmanager
def sqlite_cache():
    """A larger page cache while importing: index pages stay in memory."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _sqlite_executemany(cursor, sql: str, rows) -> None:
    """sqlite3's own executemany, streaming ``rows`` (``?`` placeholders). Django's wrapper
    peeks at the rows through ``itertools.tee``, which keeps every row of a generator in
    memory until the statement ends — a million rows' worth."""
    import sqlite3

    sqlite3.Cursor.executemany(cursor.cursor, sql, rows)


def execute_many(sql: str, rows) -> None:
    with connection.cursor() as cursor:
        for batch in chunks(rows, BATCH):
            cursor.executemany(sql, batch)


def _create_value(field, spec, now):
    """The value of a model field the bundle does not carry, for a created row."""
    if field.name in spec.create_defaults:
        value = spec.create_defaults[field.name]
        if callable(value):
            return value  # one per row
    elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        value = now
    else:
        value = field.get_default()
    return field.get_db_prep_save(value, connection)


# --- the write ---------------------------------------------------------------------------------


class Writer:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.now = timezone.now()
        self.tables: list[str] = []  # tables written, for the foreign-key check
        # Derived data to recompute: keys of changed rows before the change, of every row
        # written after it.
        self.derived = derived.Pending()
        self.written: list[tuple] = []  # (model, ids, changed fields or None)

    def write(self, *, actor, source_name: str) -> dict:
        started = time.monotonic()
        self.assign_ids()
        summary = {}
        for spec in FILES:
            fd = self.ctx.files.get(spec.name)
            if fd is not None:
                summary[fd.display] = self.write_file(fd)
                step_done(self.ctx, fd.display)
        for spec in FILES:
            for check in spec.checks:
                check.after_write(self.ctx, spec)
        if self.ctx.error_count:
            return summary
        self.refresh_tiers()
        for model, ids, fields in self.written:
            self.derived.add(model, ids, fields)
        self.derived.apply()
        self.audit(summary, actor, source_name, time.monotonic() - started)
        return summary

    def assign_ids(self) -> None:
        for spec in FILES:
            fd = self.ctx.files.get(spec.name)
            if fd is None:
                continue
            new = [pos for pos, pk in enumerate(fd.db_ids) if pk is None]
            ids = array("q", [0 if pk is None else pk for pk in fd.db_ids])
            for pos, pk in zip(new, reserve_ids(spec.model, len(new)), strict=True):
                ids[pos] = pk
            fd.ids = ids
            # From here on the index maps a key to its row's id (references resolve with it).
            index = fd.index
            for key, pos in index.items():
                index[key] = ids[pos]

    def id_map(self, entity: str) -> dict:
        fd = self.ctx.files.get(entity)
        found = {code: record["id"] for code, record in self.ctx.db_refs.get(entity, {}).items()}
        if fd is None:
            return found
        if not found:
            return fd.index
        merged = dict(fd.index)
        merged.update(found)
        return merged

    # Each scalar column becomes (database columns, how to read them from a row).
    def _plan(self, fd, for_update: bool):
        spec = fd.spec
        meta = spec.model._meta
        plain_positions, plain_columns = [], []
        converted = []  # (position, function, column)
        scope = None
        for i, col in enumerate(spec.columns):
            if col.kind == "refs":
                continue
            if for_update and (not fd.present[i] or col.name in spec.key):
                continue  # an update writes what the file carries, never its key
            if col.kind == "scope_ref":
                scope = (spec.position["scope"], i)
                continue
            field = meta.get_field(col.field_name)
            if col.kind == "ref":
                converted.append((i, self.id_map(col.ref).get, field.column))
            elif col.kind == "date" and connection.vendor == "sqlite":
                converted.append((i, DATE_TEXT.__getitem__, field.column))
            else:
                plain_positions.append(i)
                plain_columns.append(field.column)
        return plain_positions, plain_columns, converted, scope

    def _scope_ids(self):
        maps = {scope: self.id_map(entity) for scope, (entity, _f) in SCOPE_REFS.items()}
        order = list(SCOPE_REFS)

        def ids(scope, code):
            out = [None] * len(order)
            if scope in maps:
                out[order.index(scope)] = maps[scope].get(code)
            return tuple(out)

        columns = [
            BY_NAME["targets"].model._meta.get_field(field).column
            for _entity, field in SCOPE_REFS.values()
        ]
        return ids, columns

    def _row_maker(self, fd, *, for_update: bool, tail: list[tuple[str, object]] = ()):
        """A compiled ``make(row, pk)`` giving a row's database values, and their columns.

        For a create: ``(pk, bundle columns…, tail…)`` where ``tail`` holds ``(column, value)``
        for the model fields the bundle does not carry (a callable value is called per row).
        For an update: ``(bundle columns…, updated_at, pk)``. Compiled because it runs once per
        row of million-row files.
        """
        plain_positions, plain_columns, converted, scope = self._plan(fd, for_update)
        names: dict[str, object] = {}
        parts = [f"row[{i}]" for i in plain_positions]
        columns = list(plain_columns)
        for n, (i, function, column) in enumerate(converted):
            names[f"ref{n}"] = function
            parts.append(f"ref{n}(row[{i}])")
            columns.append(column)
        if scope is not None:
            scope_ids, scope_columns = self._scope_ids()
            names["scope_ids"] = scope_ids
            parts.append(f"*scope_ids(row[{scope[0]}], row[{scope[1]}])")
            columns += scope_columns
        if for_update:
            names["now"] = self.now_db(fd.spec.model, "updated_at")
            source = f"lambda row, pk: ({''.join(p + ', ' for p in parts)}now, pk)"
        else:
            for n, (column, value) in enumerate(tail):
                if callable(value):
                    names[f"call{n}"] = value
                    parts.append(f"call{n}()")
                else:
                    names[f"value{n}"] = value
                    parts.append(f"value{n}")
                columns.append(column)
            source = f"lambda row, pk: (pk, {''.join(p + ', ' for p in parts)})"
        return eval(source, names), columns  # built from our own schema only

    def now_db(self, model, field: str):
        return model._meta.get_field(field).get_db_prep_save(self.now, connection)

    def write_file(self, fd) -> dict:
        spec = fd.spec
        model = spec.model
        meta = model._meta
        self._link_changes = {}
        self.tables.append(meta.db_table)
        refs = [(i, col) for i, col in enumerate(spec.columns) if col.kind == "refs"]
        for _i, col in refs:
            self.tables.append(self._m2m(spec, col)[0]._meta.db_table)
        present_refs = [(i, col) for i, col in refs if fd.present[i]]
        new_positions = [pos for pos, pk in enumerate(fd.db_ids) if pk is None]
        old_positions = [pos for pos, pk in enumerate(fd.db_ids) if pk is not None]

        changed = self._changed(fd, old_positions, present_refs) if old_positions else {}
        if changed:
            changed_ids = [fd.ids[pos] for pos in changed]
            fields = {spec.columns[i].field_name for old in changed.values() for i in old}
            self.derived.add(model, changed_ids, fields)
            self.written.append((model, changed_ids, fields))
            self._update(fd, changed)
            if spec.single_key:
                self.ctx.updated[spec.name] = {fd.ids[pos]: pos for pos in changed}

        ids = fd.ids
        rows = fd.rows
        if new_positions:
            # Created rows: every column; defaults for the model fields the bundle lacks.
            bundle_attnames = set()
            for col in spec.columns:
                if col.kind == "scope_ref":
                    bundle_attnames.update(
                        meta.get_field(field).attname for _entity, field in SCOPE_REFS.values()
                    )
                elif col.kind != "refs":
                    bundle_attnames.add(meta.get_field(col.field_name).attname)
            tail = []
            for field in meta.concrete_fields:
                if field.primary_key or field.attname in bundle_attnames:
                    continue
                value = _create_value(field, spec, self.now)
                if callable(value):
                    value = (lambda f, v: lambda: f.get_db_prep_save(v(), connection))(field, value)
                tail.append((field.column, value))
            make, columns = self._row_maker(fd, for_update=False, tail=tail)
            with bulk_load(model, len(new_positions)):
                insert_rows(
                    model,
                    [meta.pk.column, *columns],
                    (make(rows[pos], ids[pos]) for pos in new_positions),
                )
            for i, col in refs:
                self._insert_links(
                    fd, i, col, ((pos, rows[pos][i]) for pos in new_positions), len(new_positions)
                )
            self.written.append((model, [ids[pos] for pos in new_positions], None))
        for i, col in present_refs:
            adds = [(pos, codes) for pos, (codes, _gone) in self._link_changes.get(i, {}).items()]
            if adds:
                self._insert_links(fd, i, col, adds)
            self._delete_links(fd, i, col)
        return {
            "created": len(new_positions),
            "updated": len(changed),
            "unchanged": len(old_positions) - len(changed),
        }

    # --- updates ----------------------------------------------------------------------------

    def _changed(self, fd, positions, present_refs) -> dict[int, dict]:
        """Existing rows whose bundle values differ from the database: {position: {column
        position: old value}} (references and lists compared by code)."""
        spec = fd.spec
        model = spec.model
        compare = [
            (i, col)
            for i, col in enumerate(spec.columns)
            if fd.present[i] and col.kind not in ("refs", "scope_ref") and col.name not in spec.key
        ]
        paths = [db_path(col) for _i, col in compare]
        self._link_changes: dict[int, dict[int, tuple]] = {i: {} for i, _c in present_refs}
        changed: dict[int, dict] = {}
        ids = fd.ids
        rows = fd.rows
        by_id = {ids[pos]: pos for pos in positions}
        for batch in chunks(positions):
            batch_ids = [ids[pos] for pos in batch]
            if paths:
                current = (
                    model.objects.filter(pk__in=batch_ids).order_by().values_list("pk", *paths)
                )
                for pk, *values in current:
                    pos = by_id[pk]
                    row = rows[pos]
                    for (i, _col), value in zip(compare, values, strict=True):
                        if row[i] != value:
                            changed.setdefault(pos, {})[i] = value
            for i, col in present_refs:
                links = self._current_links(spec, col, batch_ids)
                for pk in batch_ids:
                    pos = by_id[pk]
                    have = links.get(pk, set())
                    want = set(rows[pos][i])
                    if have != want:
                        changed.setdefault(pos, {})[i] = have
                        self._link_changes[i][pos] = (
                            tuple(sorted(want - have)),
                            tuple(sorted(have - want)),
                        )
        return changed

    def _update(self, fd, changed) -> None:
        spec = fd.spec
        meta = spec.model._meta
        table = _qn(meta.db_table)
        pk = _qn(meta.pk.column)
        # A unique column (a lead's opportunity) may move between rows: free it first.
        for i, col in enumerate(spec.columns):
            if col.kind != "ref" or not fd.present[i]:
                continue
            field = meta.get_field(col.field_name)
            if not field.unique:
                continue
            moving = [(fd.ids[pos],) for pos, old in changed.items() if i in old]
            if moving:
                execute_many(
                    f"UPDATE {table} SET {_qn(field.column)} = NULL WHERE {pk} = %s", moving
                )
        make, columns = self._row_maker(fd, for_update=True)
        sets = "".join(f"{_qn(c)} = %s, " for c in columns)
        version = _qn("version")
        sql = (
            f"UPDATE {table} SET {sets}{version} = {version} + 1, "
            f"{_qn(meta.get_field('updated_at').column)} = %s WHERE {pk} = %s"
        )
        rows, ids = fd.rows, fd.ids
        execute_many(sql, (make(rows[pos], ids[pos]) for pos in changed))

    # --- many-to-many lists ------------------------------------------------------------------

    @staticmethod
    def _m2m(spec, col):
        field = spec.model._meta.get_field(col.field_name)
        through = field.remote_field.through
        source = through._meta.get_field(field.m2m_field_name())
        target = through._meta.get_field(field.m2m_reverse_field_name())
        return through, source, target

    def _current_links(self, spec, col, owner_ids) -> dict[int, set]:
        through, source, target = self._m2m(spec, col)
        _model, key = entity_model_and_key(col.ref)
        links: dict[int, set] = {}
        for owner, code in through.objects.filter(
            **{f"{source.attname}__in": owner_ids}
        ).values_list(source.attname, f"{target.name}__{key}"):
            links.setdefault(owner, set()).add(code)
        return links

    def _insert_links(self, fd, i, col, items, expected: int = 0) -> None:
        through, source, target = self._m2m(fd.spec, col)
        targets = self.id_map(col.ref)
        columns = [source.column, target.column]
        constants = []
        for field in through._meta.concrete_fields:
            if field.primary_key or field in (source, target):
                continue
            columns.append(field.column)
            constants.append(_create_value(field, fd.spec, self.now))
        constants = tuple(constants)
        ids = fd.ids
        with bulk_load(through, expected):
            insert_rows(
                through,
                columns,
                ((ids[pos], targets[code]) + constants for pos, codes in items for code in codes),
            )

    def _delete_links(self, fd, i, col) -> None:
        through, source, target = self._m2m(fd.spec, col)
        gone = [
            (fd.ids[pos], targets_id)
            for pos, (_adds, removed) in self._link_changes.get(i, {}).items()
            for targets_id in self._target_ids(col, removed)
        ]
        if gone:
            execute_many(
                f"DELETE FROM {_qn(through._meta.db_table)} WHERE {_qn(source.column)} = %s "
                f"AND {_qn(target.column)} = %s",
                gone,
            )

    def _target_ids(self, col, codes):
        model, key = entity_model_and_key(col.ref)
        if not codes:
            return []
        return list(model.objects.filter(**{f"{key}__in": codes}).values_list("pk", flat=True))

    # --- after the rows ------------------------------------------------------------------------

    def refresh_tiers(self) -> None:
        """Customers' current tier and class = their latest tier history on or before today."""
        from kam.customers.models import Customer, TierHistory

        affected: set[int] = set()
        existing: set[int] = set()  # created rows are new: their version stays 1
        customers = self.ctx.files.get("customers")
        if customers is not None:
            existing.update(pk for pk in customers.db_ids if pk is not None)
            affected.update(existing)
        history = self.ctx.files.get("tier_history")
        if history is not None and history.rows:
            ids = self.id_map("customers")
            at = history.spec.position["customer_code"]
            touched = {ids[row[at]] for row in history.rows}
            affected.update(touched)
            new = set(customers.ids) - existing if customers is not None else set()
            existing.update(touched - new)
        if not affected:
            return
        today = timezone.localdate()
        latest = TierHistory.objects.filter(
            customer=OuterRef("pk"), effective_on__lte=today
        ).order_by("-effective_on")
        meta = Customer._meta
        now = meta.get_field("updated_at").get_db_prep_save(self.now, connection)
        changes = []
        for batch in chunks(sorted(affected)):
            rows = (
                Customer.objects.filter(pk__in=batch)
                .annotate(
                    new_tier=Coalesce(Subquery(latest.values("tier")[:1]), Value("")),
                    new_class=Coalesce(Subquery(latest.values("resource_class")[:1]), Value("")),
                )
                .values_list("pk", "tier", "resource_class", "new_tier", "new_class")
            )
            for pk, tier, klass, new_tier, new_class in rows:
                if (tier, klass) != (new_tier, new_class):
                    changes.append((new_tier, new_class, int(pk in existing), now, pk))
        if changes:
            execute_many(
                f"UPDATE {_qn(meta.db_table)} SET {_qn('tier')} = %s, "
                f"{_qn('resource_class')} = %s, {_qn('version')} = {_qn('version')} + %s, "
                f"{_qn('updated_at')} = %s WHERE {_qn('id')} = %s",
                changes,
            )

    def audit(self, summary: dict, actor, source_name: str, seconds: float) -> None:
        """One entry per file that changed, summarising its counts (a system write)."""
        batch = uuid.uuid4().hex[:12]
        entries = []
        for spec in FILES:
            fd = self.ctx.files.get(spec.name)
            if fd is None:
                continue
            counts = summary[fd.display]
            if not counts["created"] and not counts["updated"]:
                continue
            entries.append(
                AuditEntry(
                    at=self.now,
                    actor=actor if actor is not None and actor.pk else None,
                    action=(
                        AuditEntry.Action.UPDATE if counts["updated"] else AuditEntry.Action.CREATE
                    ),
                    content_type=ContentType.objects.get_for_model(spec.model),
                    object_id=f"import:{batch}",
                    # Stored once, read in any language: plain English, like the codes.
                    object_repr=(
                        f"Import {fd.display}: {counts['created']} created, "
                        f"{counts['updated']} updated, {counts['unchanged']} unchanged"
                    )[:255],
                    changes={
                        "import": {
                            "source": source_name,
                            "file": fd.display,
                            "batch": batch,
                            **counts,
                            "seconds": round(seconds, 3),
                        }
                    },
                )
            )
        AuditEntry.objects.bulk_create(entries)
