"""`kam bench metrics`: the full scorecard and a breakdown on generated data, against DuckDB.

Generates ~100k customers, 1M opportunities, ~1M contracts and ~5M time entries and expenses
(plus the leads, contacts, assessments, decision chains, ratings and deliveries the metrics read)
as one CSV file per table, loads them into a throw-away copy of the configured database (and
derives its facts, as an import does) and into an in-memory DuckDB, then times the same
scorecard (every metric, both periods) on each: the product's runner on SQLite/PostgreSQL, the
families' raw-record SQL on DuckDB — and checks that both give the same numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import re
import tempfile
import time
from pathlib import Path

from django.db import connection, models, transaction

from kam.customers.models import Customer, TierHistory
from kam.exchange.bench import peak_mb, throwaway_database
from kam.finance.models import Contract, Delivery, Expense
from kam.metrics import facts
from kam.metrics.engine import Families
from kam.metrics.runner import Evaluator, breakdown, scorecard, window_for
from kam.metrics.scope import parse_scope
from kam.org.models import Region, Team, User, WorkingCalendarDay
from kam.pipeline.models import Lead, Opportunity
from kam.presales.models import PresalesAssignment, Rating, TimeEntry
from kam.relationships.models import Contact, DecisionChainMember, RelationshipAssessment

START = dt.date(2023, 1, 1)
DAYS = 3 * 365
STAMP = "2026-01-01 00:00:00+00:00"
CHUNK = 20_000


def _columns(model: type[models.Model]) -> list[models.Field]:
    return list(model._meta.concrete_fields)


def _is_text(field: models.Field) -> bool:
    return isinstance(field, models.CharField | models.TextField)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class TableWriter:
    """Writes one model's rows to CSV with every concrete column (defaults filled in)."""

    def __init__(self, folder: Path, model: type[models.Model]):
        self.model = model
        self.fields = _columns(model)
        self.path = folder / f"{model._meta.db_table}.csv"
        self.handle = self.path.open("w", newline="", encoding="utf-8")
        self.out = csv.writer(self.handle)
        self.out.writerow([f.column for f in self.fields])
        self.count = 0
        self.defaults = {}
        for f in self.fields:
            if f.name in ("created_at", "updated_at", "date_joined"):
                self.defaults[f.attname] = STAMP
            elif f.has_default() and not callable(f.default):
                self.defaults[f.attname] = f.default
            else:
                self.defaults[f.attname] = "" if not f.null and _is_text(f) else None

    def add(self, **values) -> None:
        self.count += 1
        row = self.defaults | values
        self.out.writerow([_text(row[f.attname]) for f in self.fields])

    def close(self) -> int:
        self.handle.close()
        return self.count


def _day(rng: random.Random, start: int = 0, span: int = DAYS) -> dt.date:
    return START + dt.timedelta(days=start + rng.randrange(max(1, span)))


def generate(folder: Path, *, customers: int, opportunities: int, seed: int = 11) -> dict:
    """Write the benchmark tables to ``folder``; returns rows per table."""
    rng = random.Random(seed)
    writers = {
        m: TableWriter(folder, m)
        for m in (
            Region,
            Team,
            User,
            Customer,
            TierHistory,
            Contact,
            RelationshipAssessment,
            Lead,
            Opportunity,
            DecisionChainMember,
            PresalesAssignment,
            TimeEntry,
            Rating,
            Contract,
            Delivery,
            Expense,
            WorkingCalendarDay,
        )
    }
    w = writers
    regions = 5
    for r in range(1, regions + 1):
        w[Region].add(id=r, code=f"R{r}", name=f"区域{r}")
    teams = regions * 10
    for t in range(1, teams + 1):
        w[Team].add(id=t, code=f"T{t}", name=f"团队{t}", region_id=(t - 1) // 10 + 1)
    reps = max(10, customers // 100)
    presales = max(5, reps // 3)
    rep_ids, presales_ids = [], []
    for user_id in range(1, reps + presales + 1):
        is_rep = user_id <= reps
        joined = _day(rng, -400, 900) if rng.random() < 0.3 else None
        left = _day(rng, 400, 900) if rng.random() < 0.1 else None
        if joined and left and left < joined:
            joined, left = left, joined
        w[User].add(
            id=user_id,
            username=f"u{user_id}",
            name=f"用户{user_id}",
            password="!",
            role=rng.choice(["sales", "kam"]) if is_rep else "presales",
            team_id=rng.randrange(1, teams + 1),
            hourly_cost=rng.randrange(150, 450),
            joined_on=joined,
            left_on=left,
            is_active=True,
        )
        (rep_ids if is_rep else presales_ids).append((user_id, joined, left))
    th_id = contact_id = assess_id = 0
    customer_contacts: dict[int, list[int]] = {}
    for c in range(1, customers + 1):
        w[Customer].add(
            id=c,
            code=f"C{c}",
            name=f"客户{c}",
            owner_id=rng.choice(rep_ids)[0],
            industry=rng.choice(["铁路", "地铁", "电力", "装备"]),
            expected_annual_spend=rng.randrange(1, 500) * 100_000,
            annual_category_spend=rng.randrange(1, 800) * 100_000,
            strategic_importance=rng.randrange(101),
        )
        for year in (2023, 2024, 2025):
            if rng.random() < 0.5:
                th_id += 1
                w[TierHistory].add(
                    id=th_id,
                    customer_id=c,
                    effective_on=dt.date(year, 12, 31) - dt.timedelta(days=rng.randrange(60)),
                    tier=rng.choice("SABC"),
                    resource_class=rng.choice("ABC"),
                    source="import",
                )
        ids = []
        for _k in range(2):
            contact_id += 1
            ids.append(contact_id)
            w[Contact].add(
                id=contact_id,
                code=f"K{contact_id}",
                customer_id=c,
                name=f"联系人{contact_id}",
                influence=rng.randrange(1, 6),
            )
            for offset in sorted(rng.sample(range(DAYS), rng.choice((1, 1, 2)))):
                assess_id += 1
                w[RelationshipAssessment].add(
                    id=assess_id,
                    contact_id=contact_id,
                    assessed_on=START + dt.timedelta(days=offset),
                    closeness=rng.randrange(101),
                    solution_acceptance=rng.randrange(101),
                    price_acceptance=rng.randrange(101),
                )
        customer_contacts[c] = ids
    chain_id = assign_id = entry_id = rating_id = contract_id = delivery_id = expense_id = 0
    lead_id = 0
    for o in range(1, opportunities + 1):
        customer = rng.randrange(1, customers + 1)
        owner = rng.choice(rep_ids)[0]
        created = _day(rng, 0, DAYS - 60)
        review = rng.choices(["established", "rejected", "pending"], (85, 5, 10))[0]
        established = (
            created + dt.timedelta(days=rng.randrange(1, 30)) if review == "established" else None
        )
        rejected = (
            created + dt.timedelta(days=rng.randrange(1, 30)) if review == "rejected" else None
        )
        status, closed = "open", None
        if established and rng.random() < 0.7:
            status = rng.choice(["won", "lost"])
            closed = established + dt.timedelta(days=rng.randrange(10, 300))
        amount = rng.randrange(10, 2000) * 10_000
        w[Opportunity].add(
            id=o,
            code=f"O{o}",
            customer_id=customer,
            name=f"商机{o}",
            owner_id=owner,
            origin=rng.choice(["captured", "incubated", "other"]),
            amount=amount,
            created_on=created,
            review_status=review,
            established_on=established,
            rejected_on=rejected,
            status=status,
            closed_on=closed,
            estimated_presales_cost=rng.randrange(0, 200) * 100,
        )
        if rng.random() < 0.5:
            chain_id += 1
            w[DecisionChainMember].add(
                id=chain_id,
                opportunity_id=o,
                contact_id=rng.choice(customer_contacts[customer]),
                influence=rng.randrange(1, 6),
            )
        if established and rng.random() < 0.4:
            person, joined, left = rng.choice(presales_ids)
            assign_id += 1
            w[PresalesAssignment].add(
                id=assign_id, opportunity_id=o, user_id=person, assigned_on=established
            )
            first = max(established, joined) if joined else established
            last = (
                min(closed or established + dt.timedelta(days=120), left)
                if left
                else (closed or established + dt.timedelta(days=120))
            )
            span = (last - first).days
            if span > 0:
                for day in sorted(rng.sample(range(span), min(span, 6))):
                    entry_id += 1
                    w[TimeEntry].add(
                        id=entry_id,
                        user_id=person,
                        opportunity_id=o,
                        worked_on=first + dt.timedelta(days=day),
                        hours=rng.choice((2, 4, 6, 8)),
                        confirmed=rng.random() < 0.8,
                    )
            if rng.random() < 0.5:
                rating_id += 1
                w[Rating].add(
                    id=rating_id,
                    opportunity_id=o,
                    rated_user_id=person,
                    rater_id=owner,
                    rated_on=established + dt.timedelta(days=rng.randrange(200)),
                    score=rng.randrange(101),
                )
        if status == "won":
            contract_id += 1
            w[Contract].add(
                id=contract_id,
                code=f"K{contract_id}",
                customer_id=customer,
                opportunity_id=o,
                owner_id=owner,
                signed_on=closed,
                amount=amount,
                cost=amount * 6 // 10,
                status=rng.choices(["active", "completed", "cancelled"], (70, 27, 3))[0],
            )
            if rng.random() < 0.6:
                delivery_id += 1
                done = closed + dt.timedelta(days=rng.randrange(30, 400))
                w[Delivery].add(
                    id=delivery_id,
                    code=f"D{delivery_id}",
                    contract_id=contract_id,
                    started_on=closed,
                    completed_on=done,
                    result=rng.choice(["success", "success", "failed"]),
                )
        for _e in range(2):
            expense_id += 1
            on_deal = rng.random() < 0.5
            w[Expense].add(
                id=expense_id,
                code=f"E{expense_id}",
                owner_id=owner,
                category=rng.choice(["sales", "presales", "marketing", "other"]),
                incurred_on=_day(rng),
                amount=rng.randrange(100, 50_000),
                customer_id=None if on_deal and rng.random() < 0.5 else customer,
                opportunity_id=o if on_deal else None,
            )
        if o % 5 == 0:
            lead_id += 1
            disqualified = rng.random() < 0.3
            lead_created = _day(rng, 0, DAYS - 60)
            w[Lead].add(
                id=lead_id,
                code=f"L{lead_id}",
                title=f"线索{lead_id}",
                owner_id=owner,
                created_on=lead_created,
                status="disqualified" if disqualified else "new",
                disqualified_on=lead_created + dt.timedelta(days=20) if disqualified else None,
                estimated_presales_cost=rng.randrange(0, 100) * 100,
            )
    # Standalone contracts bring the total to about one per opportunity.
    while contract_id < opportunities:
        contract_id += 1
        amount = rng.randrange(10, 2000) * 10_000
        w[Contract].add(
            id=contract_id,
            code=f"K{contract_id}",
            customer_id=rng.randrange(1, customers + 1),
            owner_id=rng.choice(rep_ids)[0],
            signed_on=_day(rng),
            amount=amount,
            cost=amount // 2,
            status="active",
        )
    for year in (2023, 2024, 2025):
        w[WorkingCalendarDay].add(id=year, date=dt.date(year, 10, 1), kind="holiday")
    return {m._meta.db_table: writer.close() for m, writer in writers.items()}


def _rows(path: Path, fields: list[models.Field]):
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        bools = [isinstance(f, models.BooleanField) for f in fields]
        for row in reader:
            yield tuple(
                None
                if v == "" and (f.null or not _is_text(f))
                else ((v == "true") if is_bool else v)
                for v, f, is_bool in zip(row, fields, bools, strict=True)
            )


def load_database(folder: Path, tables: dict) -> None:
    """Load every CSV into the (throw-away) product database in bulk."""
    models_by_table = {m._meta.db_table: m for m in _models()}
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            model = models_by_table[table]
            fields = _columns(model)
            path = folder / f"{table}.csv"
            cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
            if connection.vendor == "postgresql":
                # An empty CSV field is NULL to COPY; non-null text columns want ''.
                texts = [
                    connection.ops.quote_name(f.column)
                    for f in fields
                    if _is_text(f) and not f.null
                ]
                force = f", FORCE_NOT_NULL ({', '.join(texts)})" if texts else ""
                with (
                    cursor.cursor.copy(
                        f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv, HEADER true{force})"
                    ) as copy,
                    path.open("rb") as handle,
                ):
                    while chunk := handle.read(1 << 20):
                        copy.write(chunk)
            else:
                marks = ", ".join(["%s"] * len(fields))
                sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"
                batch = []
                for row in _rows(path, fields):
                    batch.append(row)
                    if len(batch) >= CHUNK:
                        cursor.executemany(sql, batch)
                        batch.clear()
                if batch:
                    cursor.executemany(sql, batch)
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _models():
    return (
        Region,
        Team,
        User,
        Customer,
        TierHistory,
        Contact,
        RelationshipAssessment,
        Lead,
        Opportunity,
        DecisionChainMember,
        PresalesAssignment,
        TimeEntry,
        Rating,
        Contract,
        Delivery,
        Expense,
        WorkingCalendarDay,
    )


def _duck_type(field: models.Field) -> str:
    if isinstance(field, models.BooleanField):
        return "BOOLEAN"
    if isinstance(field, models.DateTimeField):
        return "TIMESTAMPTZ"
    if isinstance(field, models.DateField):
        return "DATE"
    if isinstance(field, models.DecimalField):
        return f"DECIMAL({field.max_digits},{field.decimal_places})"
    if isinstance(field, models.FloatField):
        return "DOUBLE"
    if isinstance(field, models.IntegerField | models.AutoField | models.ForeignKey):
        return "BIGINT"
    return "VARCHAR"


def load_duckdb(folder: Path, tables: dict):
    import duckdb

    duck = duckdb.connect()
    models_by_table = {m._meta.db_table: m for m in _models()}
    for table in tables:
        columns = {f.column: _duck_type(f) for f in _columns(models_by_table[table])}
        duck.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_csv(?, header = true, columns = ?, "
            f"nullstr = '')",
            [str(folder / f"{table}.csv"), columns],
        )
    return duck


_PARAM = re.compile(r"%\((\w+)\)s")


def duckdb_executor(duck):
    def execute(sql: str, params: dict):
        used = set(_PARAM.findall(sql))  # DuckDB refuses parameters a statement does not use
        result = duck.execute(_PARAM.sub(r"$\1", sql), {k: params[k] for k in used})
        return [c[0] for c in result.description], result.fetchall()

    return execute


def _timed(fn):
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def run(*, customers: int, opportunities: int, period: str = "2025", log=print) -> dict:
    with tempfile.TemporaryDirectory(prefix="kam-bench-metrics-") as tmp:
        folder = Path(tmp)
        gen_s, tables = _timed(
            lambda: generate(folder, customers=customers, opportunities=opportunities)
        )
        rows = sum(tables.values())
        log(f"generated {rows:,} rows in {gen_s:.1f} s")
        with throwaway_database(folder):
            load_s, _ = _timed(lambda: load_database(folder, tables))
            log(f"loaded into {connection.vendor} in {load_s:.1f} s")
            facts_s, _ = _timed(facts.rebuild)
            log(f"facts derived in {facts_s:.1f} s")
            scorecard(None, period=period)  # warm the caches the way a second viewer would
            scorecard_s, rows_db = _timed(lambda: scorecard(None, period=period))
            log(f"scorecard on {connection.vendor}: {scorecard_s:.2f} s")
            breakdown_s, _ = _timed(
                lambda: breakdown(None, "esp.rep_total_output", by="owner", period=period)
            )
            log(f"breakdown by owner on {connection.vendor}: {breakdown_s:.2f} s")
            duck_load_s, duck = _timed(lambda: load_duckdb(folder, tables))
            duck_s, rows_duck = _timed(lambda: _duck_scorecard(duck, period))
            log(f"scorecard on DuckDB (in memory): {duck_s:.2f} s (load {duck_load_s:.1f} s)")
            mismatches = [
                r["key"]
                for r, d in zip(rows_db, rows_duck, strict=True)
                if not _same(r["current"], d)
            ]
    return {
        "database": connection.vendor,
        "rows": rows,
        "tables": tables,
        "generate_s": round(gen_s, 2),
        "load_s": round(load_s, 2),
        "facts_s": round(facts_s, 2),
        "scorecard_s": round(scorecard_s, 3),
        "breakdown_s": round(breakdown_s, 3),
        "duckdb_s": round(duck_s, 3),
        "ratio_to_duckdb": round(scorecard_s / duck_s, 2) if duck_s else None,
        "duckdb_mismatches": mismatches,
        "peak_mb": round(peak_mb(), 1),
    }


def _duck_scorecard(duck, period: str) -> list:
    """Every metric for P and P' computed by DuckDB (the same family SQL)."""
    from kam.core.periods import parse_period
    from kam.metrics import registry
    from kam.metrics.config import metrics_settings

    cfg = metrics_settings()
    scope = parse_scope("org")
    families = Families(cfg, scope, executor=duckdb_executor(duck), vendor="duckdb")
    evaluator = Evaluator(scope, cfg=cfg, families=families)
    current = window_for(parse_period(period), "yoy")
    previous = window_for(current.comparison, "yoy")
    values = []
    for metric in registry.METRICS:
        values.append(evaluator.values(metric, current)["__all__"])
        evaluator.values(metric, previous)
    return values


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= max(0.01, 1e-6 * abs(b))
