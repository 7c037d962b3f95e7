"""Loading many new rows into one table inside a transaction (so still all or nothing): the
bundle importer's large files and the rebuild of the evaluation system's facts.

SQLite defers index building and CHECK evaluation to one pass each; PostgreSQL loads an empty
table without its foreign keys and secondary indexes, added back (and so validated) after.
"""

from __future__ import annotations

from contextlib import contextmanager, nullcontext

from django.db import IntegrityError, connection

# From this many new rows in one table, the bulk path.
BULK_LOAD_ROWS = 20_000


def qn(name: str) -> str:
    return connection.ops.quote_name(name)


def check_sql(model) -> str | None:
    """The model's CHECK constraints (model and field level) as one SQL condition, exactly as
    the database declares them."""
    from django.db.models import CheckConstraint

    editor = connection.schema_editor()
    parts = [
        f"({constraint._get_check_sql(model, editor)})"
        for constraint in model._meta.constraints
        if isinstance(constraint, CheckConstraint)
    ]
    for field in model._meta.local_concrete_fields:
        check = field.db_parameters(connection)["check"]
        if check:
            parts.append(f"({check})")
    return " AND ".join(parts) or None


def bulk_load(model, count: int):
    """Many new rows into one table, inside the import transaction (so all or nothing)."""
    if count >= BULK_LOAD_ROWS and connection.vendor == "sqlite":
        return _sqlite_bulk_load(model, count)
    if count >= BULK_LOAD_ROWS and connection.vendor == "postgresql":
        return _postgres_bulk_load(model)
    return nullcontext()


@contextmanager
def _sqlite_bulk_load(model, count: int):
    """Insert without the secondary indexes when the table is smaller than the load (rebuilt
    after, in one sort each), and verify CHECK constraints once over all the new rows in one
    query instead of row by row."""
    table = model._meta.db_table
    pk = qn(model._meta.pk.column)
    condition = check_sql(model)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), COALESCE(MAX({pk}), 0) FROM {qn(table)}")
        existing, last = cursor.fetchone()
        indexes = []
        if existing < count:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL",
                [table],
            )
            indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {qn(name)}")
        if condition:
            cursor.execute("PRAGMA ignore_check_constraints = ON")
    try:
        yield
    finally:
        if condition:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")
    with connection.cursor() as cursor:
        for _name, sql in indexes:
            cursor.execute(sql)
        if condition:
            cursor.execute(
                f"SELECT {pk} FROM {qn(table)} WHERE {pk} > %s AND NOT ({condition}) LIMIT 10",
                [last],
            )
            bad = [row[0] for row in cursor.fetchall()]
            if bad:
                raise IntegrityError(
                    f"CHECK constraint failed on {table} for ids {bad} (a rule the import's "
                    "validation does not know)"
                )


@contextmanager
def _postgres_bulk_load(model):
    """Loading an empty table (a first import): without its foreign keys and secondary
    indexes, added back after the COPY — each foreign key then validated by one join rather
    than a trigger per row (as pg_restore does). Until commit this locks the table and, for
    dropping its foreign keys, the tables it refers to. A table holding rows is loaded with
    everything in place."""
    table = qn(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
        filled = cursor.fetchone()[0]
    if filled:
        yield
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
        return
    with connection.cursor() as cursor:
        # Pending checks of earlier statements must not hold the constraints we drop.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [table],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index x "
            "JOIN pg_class c ON c.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
            "AND NOT x.indisprimary AND NOT x.indisunique ORDER BY c.relname",
            [table],
        )
        indexes = cursor.fetchall()
        for name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {qn(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {qn(name)}")
    yield
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {qn(name)} {definition}")
        cursor.execute(f"ANALYZE {table}")  # the planner's figures say it is still empty
