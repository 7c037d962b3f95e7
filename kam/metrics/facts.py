"""The evaluation system's facts (models.py), kept current by the write path.

Every metric of METRICS.md reads whole sets; on 100k customers and millions of expenses and time
entries, grouping raw records per question is too slow. So the records are summed once per
customer and per user and quarter (and year, from the quarters), and the as-of states the metrics
need — a customer's tier, a customer's and a deal's relationship scores — are kept as spans from
one change to the next. The engine (engine.py) reads these for periods that fall on quarter
boundaries and the raw records otherwise; both give the same numbers (tests prove it).

The maintainer registered with ``kam.core.derived`` maps changed rows to the keys whose facts
depend on them — customers, users (``None``: the company-wide row of presales expenses on no
deal) and opportunities — and recomputes those keys' facts from the records with set-based SQL,
inside the writing transaction. ``rebuild()`` recomputes everything (``kam metrics facts``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from django.db import connection, models, transaction

from kam.core.bulk import BULK_LOAD_ROWS, bulk_load
from kam.metrics.engine import FLOAT, T, analytical
from kam.metrics.models import (
    CustomerPeriodFact,
    CustomerRelationshipSpan,
    OpportunityRelationshipSpan,
    TierSpan,
    UserPeriodFact,
)

# Refreshing more than this share of a key space at once recomputes all of it in one pass.
FULL_REBUILD_SHARE = 0.3
CHUNK = 500
# PostgreSQL: one fact refresh at a time (a refresh deletes and re-inserts a key's rows).
_LOCK_ID = 0x6B616D  # "kam"


@dataclass
class Keys:
    customers: set = field(default_factory=set)
    users: set = field(default_factory=set)  # may hold None: the company-wide row
    opportunities: set = field(default_factory=set)
    everything: bool = False  # a bulk write: recompute all facts in one pass

    def __ior__(self, other: Keys) -> Keys:
        self.customers |= other.customers
        self.users |= other.users
        self.opportunities |= other.opportunities
        self.everything |= other.everything
        return self

    def __bool__(self) -> bool:
        return bool(self.everything or self.customers or self.users or self.opportunities)


# --- SQL --------------------------------------------------------------------------------------


def _bucket(grain: str, column: str) -> str:
    """The first day of the quarter or year that ``column`` (a date) falls in."""
    if connection.vendor == "postgresql":
        unit = "quarter" if grain == "Q" else "year"
        return f"CAST(date_trunc('{unit}', {column}) AS date)"
    # SQLite stores dates as 'YYYY-MM-DD' text: cutting the text beats date() functions.
    if grain == "Y":
        return f"substr({column}, 1, 4) || '-01-01'"
    month = f"substr({column}, 6, 2)"
    return (
        f"substr({column}, 1, 5) || CASE WHEN {month} < '04' THEN '01' WHEN {month} < '07'"
        f" THEN '04' WHEN {month} < '10' THEN '07' ELSE '10' END || '-01'"
    )


def _days(later: str, earlier: str) -> str:
    if connection.vendor == "sqlite":
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"
    return f"({later} - {earlier})"


@dataclass(frozen=True)
class Branch:
    """One kind of record's contribution to a fact table: keyed by ``gid``, placed in the period
    of ``day``, adding ``values`` to the named columns. ``key`` is the (indexed) column a
    refresh of some keys filters on; a branch with ``key=None`` feeds the company-wide row."""

    gid: str
    day: str
    source: str
    where: str
    key: str | None
    values: dict[str, str]


@dataclass(frozen=True)
class FlowTable:
    table: str
    key_column: str
    columns: tuple[str, ...]
    branches: tuple[Branch, ...]
    # Sum each branch per key and quarter before the outer sum: pays off when a key has many
    # records a quarter (a user), not when it has one or two (a customer).
    presum: bool

    def _select(self, branch: Branch, ids: list | None) -> str:
        """The branch's rows (key, quarter, a value per column, zeros for the others)."""
        where = branch.where
        if ids is not None and branch.key is not None:
            where += f" AND {branch.key} IN ({_id_list(ids)})"
        bucket = _bucket("Q", branch.day)
        # ``+``: group by sorting, not by walking the key's index (a random row read each).
        gid = branch.gid if branch.gid == _NO_KEY else f"+{branch.gid}"
        if not self.presum:
            values = ", ".join(f"{branch.values.get(c, '0')} AS {c}" for c in self.columns)
            return (
                f"SELECT {gid} AS gid, {bucket} AS b, {values} FROM {branch.source} WHERE {where}"
            )
        sums = ", ".join(f"SUM({expr}) AS {c}" for c, expr in branch.values.items())
        values = ", ".join(c if c in branch.values else f"0 AS {c}" for c in self.columns)
        group = bucket if gid == _NO_KEY else f"{gid}, {bucket}"  # PostgreSQL: no GROUP BY NULL
        return (
            f"SELECT gid, b, {values} FROM (SELECT {gid} AS gid, {bucket} AS b, {sums}"
            f" FROM {branch.source} WHERE {where} GROUP BY {group}) g"
        )

    def statements(self, ids: list | None, with_null: bool) -> list[str]:
        """DELETE and INSERT statements recomputing the rows of ``ids`` (``None``: all)."""
        branches = [
            self._select(b, ids)
            for b in self.branches
            if (ids is None or (ids and b.key is not None) or (with_null and b.key is None))
        ]
        cols = ", ".join(self.columns)
        sums = ", ".join(f"SUM({c})" for c in self.columns)
        if ids is None:
            keyed = "1 = 1"
        else:
            keyed = f"{self.key_column} IN ({_id_list(ids)})" if ids else "1 = 0"
            if with_null:
                keyed = f"({keyed} OR {self.key_column} IS NULL)"
        return [
            f"DELETE FROM {self.table} WHERE {keyed}",
            f"INSERT INTO {self.table} (grain, period_start, {self.key_column}, {cols})"
            f" SELECT 'Q', b, gid, {sums} FROM ({' UNION ALL '.join(branches)}) x"
            f" GROUP BY gid, b",
            f"INSERT INTO {self.table} (grain, period_start, {self.key_column}, {cols})"
            f" SELECT 'Y', {_bucket('Y', 'period_start')}, +{self.key_column}, {sums}"
            f" FROM {self.table} WHERE grain = 'Q' AND {keyed}"
            f" GROUP BY +{self.key_column}, {_bucket('Y', 'period_start')}",
        ]


_NO_KEY = "CAST(NULL AS BIGINT)"  # the company-wide row's key


def _id_list(ids: Iterable) -> str:
    return ",".join(str(int(i)) for i in ids)


_NOT_CANCELLED = "k.status <> 'cancelled'"
_TIME_COST = "t.hours * COALESCE(u.hourly_cost, 0)"
# Utilisation counts confirmed hours of presales staff (see engine.Families.presales_hours).
_UT_HOURS = "t.confirmed AND u.role = 'presales'"


def _closed_values() -> dict[str, str]:
    return {
        "closed_count": "1",
        "won_count": "CASE WHEN o.status = 'won' THEN 1 ELSE 0 END",
        "closed_amount": "o.amount",
        "won_amount": "CASE WHEN o.status = 'won' THEN o.amount ELSE 0 END",
    }


def customer_flows() -> FlowTable:
    o, k, e, t = T["opp"], T["contract"], T["expense"], T["time"]
    return FlowTable(
        T["customer_fact"],
        "customer_id",
        (
            "output_contract",
            "output_payment",
            "input",
            "captured_amount",
            "incubated_amount",
            "closed_count",
            "won_count",
            "closed_amount",
            "won_amount",
        ),
        (
            Branch(
                "k.customer_id",
                "k.signed_on",
                f"{k} k",
                _NOT_CANCELLED,
                "k.customer_id",
                {"output_contract": "k.amount"},
            ),
            Branch(
                "k.customer_id",
                "p.paid_on",
                f"{T['payment']} p JOIN {k} k ON k.id = p.contract_id",
                f"{_NOT_CANCELLED} AND p.paid_on IS NOT NULL",
                "k.customer_id",
                {"output_payment": "p.amount"},
            ),
            Branch(
                "e.customer_id",
                "e.incurred_on",
                f"{e} e",
                "+e.customer_id IS NOT NULL",
                "e.customer_id",
                {"input": "e.amount"},
            ),
            # An expense on a deal only belongs to the deal's customer (METRICS.md §2).
            Branch(
                "o.customer_id",
                "e.incurred_on",
                f"{e} e JOIN {o} o ON o.id = e.opportunity_id",
                "e.customer_id IS NULL",
                "o.customer_id",
                {"input": "e.amount"},
            ),
            Branch(
                "o.customer_id",
                "t.worked_on",
                f"{t} t JOIN {o} o ON o.id = t.opportunity_id JOIN {T['user']} u"
                f" ON u.id = t.user_id",
                "1 = 1",
                "o.customer_id",
                {"input": _TIME_COST},
            ),
            Branch(
                "o.customer_id",
                "o.established_on",
                f"{o} o",
                "o.established_on IS NOT NULL AND o.origin IN ('captured', 'incubated')",
                "o.customer_id",
                {
                    "captured_amount": "CASE WHEN o.origin = 'captured' THEN o.amount ELSE 0 END",
                    "incubated_amount": (
                        "CASE WHEN o.origin = 'incubated' THEN o.amount ELSE 0 END"
                    ),
                },
            ),
            Branch(
                "o.customer_id",
                "o.closed_on",
                f"{o} o",
                "o.status IN ('won', 'lost')",
                "o.customer_id",
                _closed_values(),
            ),
        ),
        presum=False,
    )


def user_flows() -> FlowTable:
    o, k, e, t = T["opp"], T["contract"], T["expense"], T["time"]
    supported = f"EXISTS (SELECT 1 FROM {T['assign']} a WHERE a.opportunity_id = o.id)"
    cycle = _days("o.closed_on", "o.established_on")
    closed = _closed_values() | {
        "won_cycle_days": f"CASE WHEN o.status = 'won' THEN {cycle} ELSE 0 END",
        "lost_cycle_days": f"CASE WHEN o.status = 'lost' THEN {cycle} ELSE 0 END",
        "supported_closed_count": f"CASE WHEN {supported} THEN 1 ELSE 0 END",
        "supported_won_count": f"CASE WHEN o.status = 'won' AND {supported} THEN 1 ELSE 0 END",
        "supported_closed_amount": f"CASE WHEN {supported} THEN o.amount ELSE 0 END",
        "supported_won_amount": (
            f"CASE WHEN o.status = 'won' AND {supported} THEN o.amount ELSE 0 END"
        ),
    }
    return FlowTable(
        T["user_fact"],
        "user_id",
        (
            "output_contract",
            "output_payment",
            "input",
            "closed_count",
            "won_count",
            "closed_amount",
            "won_amount",
            "won_cycle_days",
            "lost_cycle_days",
            "supported_closed_count",
            "supported_won_count",
            "supported_closed_amount",
            "supported_won_amount",
            "rejected_count",
            "rejected_cost",
            "disqualified_count",
            "disqualified_cost",
            "presales_cost_count",
            "presales_cost",
            "presales_hours_count",
            "presales_hours",
            "rating_sum",
            "rating_count",
            "delivery_count",
            "delivery_success_count",
            "delivery_amount",
            "delivery_success_amount",
        ),
        (
            Branch(
                "k.owner_id",
                "k.signed_on",
                f"{k} k",
                _NOT_CANCELLED,
                "k.owner_id",
                {"output_contract": "k.amount"},
            ),
            Branch(
                "k.owner_id",
                "p.paid_on",
                f"{T['payment']} p JOIN {k} k ON k.id = p.contract_id",
                f"{_NOT_CANCELLED} AND p.paid_on IS NOT NULL",
                "k.owner_id",
                {"output_payment": "p.amount"},
            ),
            # A rep's input: the expenses they own …
            Branch(
                "e.owner_id",
                "e.incurred_on",
                f"{e} e",
                "1 = 1",
                "e.owner_id",
                {"input": "e.amount"},
            ),
            # … and the hours on their deals; every hour is presales cost of the deal's owner,
            # confirmed hours of presales staff are utilisation.
            Branch(
                "o.owner_id",
                "t.worked_on",
                f"{t} t JOIN {o} o ON o.id = t.opportunity_id JOIN {T['user']} u"
                f" ON u.id = t.user_id",
                "1 = 1",
                "o.owner_id",
                {
                    "input": _TIME_COST,
                    "presales_cost_count": "1",
                    "presales_cost": _TIME_COST,
                    "presales_hours_count": f"CASE WHEN {_UT_HOURS} THEN 1 ELSE 0 END",
                    "presales_hours": f"CASE WHEN {_UT_HOURS} THEN t.hours ELSE 0 END",
                },
            ),
            Branch(
                "o.owner_id",
                "e.incurred_on",
                f"{e} e JOIN {o} o ON o.id = e.opportunity_id",
                "e.category = 'presales'",
                "o.owner_id",
                {"presales_cost_count": "1", "presales_cost": "e.amount"},
            ),
            Branch(
                _NO_KEY,
                "e.incurred_on",
                f"{e} e",
                "e.category = 'presales' AND e.opportunity_id IS NULL",
                None,
                {"presales_cost_count": "1", "presales_cost": "e.amount"},
            ),
            Branch(
                "o.owner_id",
                "o.closed_on",
                f"{o} o",
                "o.status IN ('won', 'lost')",
                "o.owner_id",
                closed,
            ),
            Branch(
                "o.owner_id",
                "o.rejected_on",
                f"{o} o",
                "o.rejected_on IS NOT NULL",
                "o.owner_id",
                {
                    "rejected_count": "1",
                    "rejected_cost": "COALESCE(o.estimated_presales_cost, 0)",
                },
            ),
            Branch(
                "l.owner_id",
                "l.disqualified_on",
                f"{T['lead']} l",
                "l.disqualified_on IS NOT NULL",
                "l.owner_id",
                {
                    "disqualified_count": "1",
                    "disqualified_cost": "COALESCE(l.estimated_presales_cost, 0)",
                },
            ),
            Branch(
                "o.owner_id",
                "r.rated_on",
                f"{T['rating']} r JOIN {o} o ON o.id = r.opportunity_id",
                "1 = 1",
                "o.owner_id",
                {"rating_sum": "r.score", "rating_count": "1"},
            ),
            Branch(
                "k.owner_id",
                "d.completed_on",
                f"{T['delivery']} d JOIN {k} k ON k.id = d.contract_id",
                f"{_NOT_CANCELLED} AND d.completed_on IS NOT NULL",
                "k.owner_id",
                {
                    "delivery_count": "1",
                    "delivery_success_count": "CASE WHEN d.result = 'success' THEN 1 ELSE 0 END",
                    "delivery_amount": "k.amount",
                    "delivery_success_amount": (
                        "CASE WHEN d.result = 'success' THEN k.amount ELSE 0 END"
                    ),
                },
            ),
        ),
        presum=True,
    )


def _keyed(column: str, ids: list | None) -> str:
    return "1 = 1" if ids is None else f"{column} IN ({_id_list(ids)})"


def tier_span_statements(ids: list | None) -> list[str]:
    table = T["tier_span"]
    return [
        f"DELETE FROM {table} WHERE {_keyed('customer_id', ids)}",
        f"INSERT INTO {table} (customer_id, starts_on, ends_on, tier, resource_class)"
        f" SELECT customer_id, effective_on, LEAD(effective_on) OVER ("
        f"PARTITION BY customer_id ORDER BY effective_on), tier, resource_class"
        f" FROM {T['tier']} WHERE {_keyed('customer_id', ids)}",
    ]


def _relationship_span_statements(table: str, key: str, members: str, ids) -> list[str]:
    """Spans of the influence-weighted scores of ``members`` (rows of gid, contact_id, w):
    a new span starts on each date one of them is assessed (METRICS.md §2: each member's latest
    assessment counts; members never assessed by then are left out)."""
    scores = ", ".join(
        f"CAST(SUM(a.w * a.{c}) AS {FLOAT}) / SUM(a.w) AS {c}"
        for c in ("closeness", "solution_acceptance", "price_acceptance")
    )
    return [
        f"DELETE FROM {table} WHERE {_keyed(key, ids)}",
        f"WITH m AS ({members}),"
        f" a AS (SELECT m.gid, m.w, ra.assessed_on AS day, ra.closeness,"
        f" ra.solution_acceptance, ra.price_acceptance, LEAD(ra.assessed_on) OVER ("
        f"PARTITION BY m.gid, ra.contact_id ORDER BY ra.assessed_on) AS next_day"
        f" FROM m JOIN {T['assess']} ra ON ra.contact_id = m.contact_id),"
        f" d AS (SELECT DISTINCT gid, day FROM a),"
        f" s AS (SELECT d.gid, d.day, {scores} FROM d JOIN a ON a.gid = d.gid"
        f" AND a.day <= d.day AND (a.next_day IS NULL OR a.next_day > d.day)"
        f" GROUP BY d.gid, d.day)"
        f" INSERT INTO {table} ({key}, starts_on, ends_on, closeness, solution_acceptance,"
        f" price_acceptance)"
        f" SELECT gid, day, LEAD(day) OVER (PARTITION BY gid ORDER BY day), closeness,"
        f" solution_acceptance, price_acceptance FROM s",
    ]


def customer_span_statements(ids: list | None) -> list[str]:
    members = (
        f"SELECT customer_id AS gid, id AS contact_id, influence AS w FROM {T['contact']}"
        f" WHERE {_keyed('customer_id', ids)}"
    )
    return _relationship_span_statements(T["customer_span"], "customer_id", members, ids)


def opportunity_span_statements(ids: list | None) -> list[str]:
    members = (
        f"SELECT opportunity_id AS gid, contact_id, influence AS w FROM {T['chain']}"
        f" WHERE {_keyed('opportunity_id', ids)}"
    )
    return _relationship_span_statements(T["opportunity_span"], "opportunity_id", members, ids)


# --- keys -------------------------------------------------------------------------------------


def _rows(queryset, *columns) -> list[tuple]:
    return list(queryset.order_by().values_list(*columns).distinct())


def _customers_and_owners(customer: str, owner: str):
    def keys(rows, fields) -> Keys:
        found = Keys()
        for c, u in _rows(rows, customer, owner):
            found.customers.add(c)
            found.users.add(u)
        return found

    return keys


def _owners(owner: str):
    return lambda rows, fields: Keys(users={u for (u,) in _rows(rows, owner)})


def _customers(customer: str):
    return lambda rows, fields: Keys(customers={c for (c,) in _rows(rows, customer)})


def _expense_keys(rows, fields) -> Keys:
    found = Keys()
    for customer, deal_customer, owner, deal_owner, category, deal in _rows(
        rows,
        "customer_id",
        "opportunity__customer_id",
        "owner_id",
        "opportunity__owner_id",
        "category",
        "opportunity_id",
    ):
        found.customers.add(customer or deal_customer)
        found.users.update((owner, deal_owner))
        if category == "presales" and deal is None:
            found.users.add(None)
    return found


def _opportunity_keys(rows, fields) -> Keys:
    found = Keys()
    for pk, customer, owner in _rows(rows, "pk", "customer_id", "owner_id"):
        found.opportunities.add(pk)
        found.customers.add(customer)
        found.users.add(owner)
    return found


def _assessment_keys(rows, fields) -> Keys:
    from kam.relationships.models import DecisionChainMember

    chains = DecisionChainMember.objects.filter(contact__in=rows.values("contact_id"))
    keys = _customers("contact__customer_id")(rows, fields)
    keys.opportunities = {o for (o,) in _rows(chains, "opportunity_id")}
    return keys


def _contact_keys(rows, fields) -> Keys:
    if fields is not None and not fields & {"customer", "influence"}:
        return Keys()
    return _customers("customer_id")(rows, fields)


def _user_keys(rows, fields) -> Keys:
    # A person's cost rate and role price and classify all their hours.
    if fields is not None and not fields & {"hourly_cost", "role"}:
        return Keys()
    from kam.presales.models import TimeEntry

    entries = TimeEntry.objects.filter(user__in=rows.values("pk"))
    return _customers_and_owners("opportunity__customer_id", "opportunity__owner_id")(
        entries, fields
    )


@cache
def _key_rules() -> dict:
    """Per model feeding the facts: the keys whose facts depend on some of its rows (as they
    are in the database now), from those rows and the fields that change (``None``: any)."""
    from kam.customers.models import TierHistory
    from kam.finance.models import Contract, Delivery, Expense, Payment
    from kam.org.models import User
    from kam.pipeline.models import Lead, Opportunity
    from kam.presales.models import PresalesAssignment, Rating, TimeEntry
    from kam.relationships.models import Contact, DecisionChainMember, RelationshipAssessment

    return {
        Contract: _customers_and_owners("customer_id", "owner_id"),
        Payment: _customers_and_owners("contract__customer_id", "contract__owner_id"),
        Delivery: _owners("contract__owner_id"),
        Expense: _expense_keys,
        TimeEntry: _customers_and_owners("opportunity__customer_id", "opportunity__owner_id"),
        Opportunity: _opportunity_keys,
        PresalesAssignment: _owners("opportunity__owner_id"),
        Rating: _owners("opportunity__owner_id"),
        Lead: _owners("owner_id"),
        TierHistory: _customers("customer_id"),
        RelationshipAssessment: _assessment_keys,
        Contact: _contact_keys,
        DecisionChainMember: lambda rows, fields: Keys(
            opportunities={o for (o,) in _rows(rows, "opportunity_id")}
        ),
        User: _user_keys,
    }


# --- refresh ----------------------------------------------------------------------------------


def _execute(statements: Iterable[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_ID])


def _batches(ids: set, model) -> list[list | None]:
    """``[None]`` (everything at once) when ``ids`` cover much of the table, else chunks."""
    ordered = sorted(ids)
    if len(ordered) > CHUNK and len(ordered) >= FULL_REBUILD_SHARE * model.objects.count():
        return [None]
    return [ordered[i : i + CHUNK] for i in range(0, len(ordered), CHUNK)]


def refresh(keys: Keys) -> None:
    """Recompute the facts of ``keys`` from the records (inside the caller's transaction)."""
    from kam.customers.models import Customer
    from kam.org.models import User
    from kam.pipeline.models import Opportunity

    if not keys:
        return
    if keys.everything:
        rebuild()
        return
    with transaction.atomic():
        _lock()
        if keys.customers:
            flows = customer_flows()
            for ids in _batches(keys.customers, Customer):
                _execute(flows.statements(ids, with_null=False))
                _execute(tier_span_statements(ids))
                _execute(customer_span_statements(ids))
        users = {u for u in keys.users if u is not None}
        if keys.users:
            flows = user_flows()
            batches = _batches(users, User) if users else [[]]
            for i, ids in enumerate(batches):
                _execute(flows.statements(ids, with_null=(None in keys.users and i == 0)))
        if keys.opportunities:
            for ids in _batches(keys.opportunities, Opportunity):
                _execute(opportunity_span_statements(ids))


def rebuild() -> None:
    """Recompute every fact from the records: each table emptied and loaded in bulk."""
    with transaction.atomic():
        _lock()
        with connection.cursor() as cursor:
            analytical(cursor, work_mem="256MB")
        for model, statements in (
            (CustomerPeriodFact, customer_flows().statements(None, with_null=True)),
            (UserPeriodFact, user_flows().statements(None, with_null=True)),
            (TierSpan, tier_span_statements(None)),
            (CustomerRelationshipSpan, customer_span_statements(None)),
            (OpportunityRelationshipSpan, opportunity_span_statements(None)),
        ):
            table = model._meta.db_table
            # TRUNCATE, and SQLite's DELETE without WHERE, drop the pages rather than the rows.
            empty = "TRUNCATE" if connection.vendor == "postgresql" else "DELETE FROM"
            _execute([f"{empty} {table}"])
            with bulk_load(model, BULK_LOAD_ROWS):
                _execute(statements[1:])
            if connection.vendor == "sqlite":  # PostgreSQL's bulk load analyzes already
                _execute([f"ANALYZE {table}"])


FACT_MODELS = (
    CustomerPeriodFact,
    UserPeriodFact,
    TierSpan,
    CustomerRelationshipSpan,
    OpportunityRelationshipSpan,
)


def _comparable_columns(model) -> str:
    """The table's columns, numbers rounded: sums of the same rows in another order may differ
    in their last bits on SQLite (decimals are stored as floats there)."""
    columns = []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        if isinstance(f, models.FloatField | models.DecimalField):
            columns.append(f"ROUND(CAST({f.column} AS NUMERIC), 6)")
        else:
            columns.append(f.column)
    return ", ".join(columns)


class _Rollback(Exception):
    pass


def check() -> dict[str, int]:
    """Rows that differ between the stored facts and a fresh computation, per table (all zero
    when the write path kept them current). Changes nothing."""
    differences: dict[str, int] = {}
    try:
        with transaction.atomic():
            saved = {}
            for model in FACT_MODELS:
                table = model._meta.db_table
                copy = f"kam_check_{table}"
                _execute([f"DROP TABLE IF EXISTS {copy}"])
                _execute([f"CREATE TEMPORARY TABLE {copy} AS SELECT * FROM {table}"])
                saved[table] = (copy, _comparable_columns(model))
            rebuild()
            with connection.cursor() as cursor:
                for table, (copy, cols) in saved.items():
                    count = 0
                    for left, right in ((table, copy), (copy, table)):
                        cursor.execute(
                            f"SELECT COUNT(*) FROM (SELECT {cols} FROM {left}"
                            f" EXCEPT SELECT {cols} FROM {right}) x"
                        )
                        count += cursor.fetchone()[0]
                    differences[table] = count
            raise _Rollback
    except _Rollback:
        pass
    return differences


class FactMaintainer:
    """The ``kam.core.derived`` maintainer of the evaluation system's facts."""

    def empty(self) -> Keys:
        return Keys()

    def affected(self, model, pks, fields) -> Keys:
        rule = _key_rules().get(model)
        if rule is None:
            return Keys()
        if len(pks) > CHUNK and len(pks) >= FULL_REBUILD_SHARE * model.objects.count():
            return Keys(everything=True)  # a bulk write: cheaper than finding every key
        keys = Keys()
        for i in range(0, len(pks), 2000):
            keys |= rule(model.objects.filter(pk__in=pks[i : i + 2000]), fields)
        keys.customers.discard(None)
        keys.opportunities.discard(None)
        return keys

    def refresh(self, keys: Keys) -> None:
        refresh(keys)


MAINTAINER = FactMaintainer()
