"""The metric families of METRICS.md, computed in the database.

Each family is one SQL statement (portable: CTEs and window functions run on SQLite and
PostgreSQL) that aggregates whole sets and returns one row per *group*: a single group for a
scorecard, one per member for a breakdown (owner, team, region, tier, class, industry, origin).
Metric values are then simple arithmetic on a family's aggregates (registry.py).

A family reads its records from one of two sources, with the same outer aggregation:

- the facts (models.py, kept current by the write path): flows summed per customer or user and
  quarter or year, used when the period and its comparison fall on quarter boundaries; tier and
  relationship-score spans, used for every as-of date;
- the raw records, for any other period, for breakdowns the facts do not carry (deals by origin
  or industry), and on DuckDB (the benchmark's reference, which has no facts).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction

from kam.core.periods import Period
from kam.customers.models import Customer, TierHistory
from kam.finance.models import Contract, Delivery, Expense, Payment
from kam.metrics.config import MetricsSettings
from kam.metrics.models import (
    CustomerPeriodFact,
    CustomerRelationshipSpan,
    OpportunityRelationshipSpan,
    TierSpan,
    UserPeriodFact,
)
from kam.metrics.scope import MetricScope
from kam.org.models import Team, User
from kam.pipeline.models import Lead, Opportunity
from kam.presales.models import PresalesAssignment, Rating, TimeEntry
from kam.relationships.models import Contact, DecisionChainMember, RelationshipAssessment

T = {
    "customer": Customer._meta.db_table,
    "tier": TierHistory._meta.db_table,
    "contract": Contract._meta.db_table,
    "payment": Payment._meta.db_table,
    "delivery": Delivery._meta.db_table,
    "expense": Expense._meta.db_table,
    "opp": Opportunity._meta.db_table,
    "lead": Lead._meta.db_table,
    "time": TimeEntry._meta.db_table,
    "assign": PresalesAssignment._meta.db_table,
    "rating": Rating._meta.db_table,
    "user": User._meta.db_table,
    "team": Team._meta.db_table,
    "contact": Contact._meta.db_table,
    "assess": RelationshipAssessment._meta.db_table,
    "chain": DecisionChainMember._meta.db_table,
    "customer_fact": CustomerPeriodFact._meta.db_table,
    "user_fact": UserPeriodFact._meta.db_table,
    "tier_span": TierSpan._meta.db_table,
    "customer_span": CustomerRelationshipSpan._meta.db_table,
    "opportunity_span": OpportunityRelationshipSpan._meta.db_table,
}

FLOAT = "DOUBLE PRECISION"
ALL = "__all__"

# Dimensions a breakdown can use, per kind of record, as (SQL expression, needs owner joins).
# `{owner}` is the owner column of the family's records; `gu`/`gt` the owner's user and team.
_OWNER_DIMS = {
    "org": ("'__all__'", False),
    "owner": ("{owner}", False),
    "team": ("gu.team_id", True),
    "region": ("gt.region_id", True),
}


def _days_between(vendor: str, later: str, earlier: str) -> str:
    if vendor == "sqlite":
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"
    return f"({later} - {earlier})"  # PostgreSQL and DuckDB: date - date is days


def analytical(cursor, work_mem: str = "64MB") -> None:
    """PostgreSQL, for the rest of the transaction: memory for a family's sorts and hashes
    (the 4 MB default spills them to disk) and no JIT (it costs more than these queries)."""
    if connection.vendor == "postgresql":
        cursor.execute(f"SET LOCAL work_mem = '{work_mem}'")
        cursor.execute("SET LOCAL jit = off")


def django_executor(sql: str, params: dict) -> tuple[list[str], list[tuple]]:
    with transaction.atomic(), connection.cursor() as cursor:
        analytical(cursor)
        cursor.execute(sql, params)
        return [c[0] for c in cursor.description], cursor.fetchall()


@dataclass(frozen=True)
class Window:
    """A period with the bounds a family needs: P, its comparison P', and P's last day."""

    period: Period
    comparison: Period

    def grain(self) -> str | None:
        """The fact grain covering P and P' exactly: ``Y``, ``Q``, or ``None`` (raw records)."""
        bounds = (self.period.start, self.period.end, self.comparison.start, self.comparison.end)
        if all(b.day == 1 and b.month == 1 for b in bounds):
            return "Y"
        if all(b.day == 1 and b.month in (1, 4, 7, 10) for b in bounds):
            return "Q"
        return None

    def params(self) -> dict:
        return {
            "s": self.period.start,
            "e": self.period.end,
            "d": self.period.last_day,
            "qs": self.comparison.start,
            "qe": self.comparison.end,
            "true": True,
        }


class Families:
    """Runs the family queries for one scope and one breakdown dimension."""

    def __init__(
        self, settings: MetricsSettings, scope: MetricScope, by: str = "org", *,
        executor=django_executor, vendor: str | None = None, facts: bool = True,
    ):  # fmt: skip
        self.settings = settings
        self.scope = scope
        self.by = by
        # The benchmark runs the raw-record SQL on DuckDB through another executor.
        self.execute = executor
        self.vendor = vendor or connection.vendor
        self.facts = facts and self.vendor != "duckdb"

    def _grain(self, w: Window, *, dims: frozenset = frozenset()) -> str | None:
        """The fact grain for this window, or ``None`` to read the raw records (also when the
        breakdown needs a dimension the facts do not carry)."""
        if not self.facts or self.by in dims:
            return None
        return w.grain()

    @staticmethod
    def _fact_period(alias: str, start: str, end: str) -> str:
        return f"{alias}.period_start >= %({start})s AND {alias}.period_start < %({end})s"

    # --- SQL helpers -----------------------------------------------------------------------

    def _in_scope(self, column: str) -> str:
        if self.scope.user_ids is None:
            return "1 = 1"
        ids = ",".join(str(i) for i in sorted(self.scope.user_ids)) or "-1"
        return f"{column} IN ({ids})"

    def _group(self, owner: str, extra: dict[str, str] | None = None) -> tuple[str, str]:
        """The group expression and the joins it needs, for records owned by ``owner``."""
        dims = dict(_OWNER_DIMS)
        for key, expr in (extra or {}).items():
            dims[key] = (expr, False)
        if self.by not in dims:
            raise ValueError(f"breakdown by {self.by!r} does not apply here")
        expr, joins = dims[self.by]
        join_sql = (
            f" LEFT JOIN {T['user']} gu ON gu.id = {owner}"
            f" LEFT JOIN {T['team']} gt ON gt.id = gu.team_id"
            if joins
            else ""
        )
        return expr.format(owner=owner), join_sql

    def _group_by(self, expr: str) -> str:
        # Org-wide: no GROUP BY, so an empty set still yields one row of empty aggregates
        # (and PostgreSQL refuses grouping by a constant).
        return "" if self.by == "org" else f" GROUP BY {expr}"

    def _group_select(self, expr: str) -> str:
        return f"'{ALL}'" if self.by == "org" else expr

    def _run(self, sql: str, params: dict) -> dict[object, dict[str, float | None]]:
        names, rows = self.execute(sql, params)
        result = {}
        for row in rows:
            values = {
                n: (None if v is None else float(v))
                for n, v in zip(names[1:], row[1:], strict=True)
            }
            result[ALL if row[0] == ALL else row[0]] = values
        return result

    def _tiers_cte(self) -> str:
        if self.facts:
            return (
                f"tiers AS (SELECT customer_id, tier, resource_class FROM {T['tier_span']}"
                f" WHERE starts_on <= %(d)s AND (ends_on IS NULL OR ends_on > %(d)s))"
            )
        return (
            f"tiers AS (SELECT customer_id, tier, resource_class FROM ("
            f" SELECT customer_id, tier, resource_class, ROW_NUMBER() OVER ("
            f"  PARTITION BY customer_id ORDER BY effective_on DESC) AS rn"
            f" FROM {T['tier']} WHERE effective_on <= %(d)s) z WHERE rn = 1)"
        )

    def _key_customers_cte(self) -> tuple[str, str]:
        """CTE `k`: key accounts at P's last day inside the scope, with their group."""
        grp, joins = self._group(
            "c.owner_id",
            {"tier": "t.tier", "class": "t.resource_class", "industry": "c.industry"},
        )
        tiers = ",".join(f"'{t}'" for t in self.settings.key_tiers)
        return (
            f"{self._tiers_cte()}, k AS (SELECT c.id, c.expected_annual_spend AS spend,"
            f" t.resource_class AS cls, {grp} AS grp FROM {T['customer']} c"
            f" JOIN tiers t ON t.customer_id = c.id{joins}"
            f" WHERE t.tier IN ({tiers}) AND {self._in_scope('c.owner_id')})"
        ), grp

    def _output_rows(self, key: str, start: str, end: str) -> str:
        """Output records in a range, as (gid, v): by customer (``customer_id``) or by rep
        (``owner_id``)."""
        if self.settings.output_basis == "payment":
            return (
                f"SELECT k2.{key} AS gid, p.amount AS v FROM {T['payment']} p"
                f" JOIN {T['contract']} k2 ON k2.id = p.contract_id"
                f" WHERE k2.status <> 'cancelled' AND p.paid_on >= %({start})s"
                f" AND p.paid_on < %({end})s"
            )
        return (
            f"SELECT {key} AS gid, amount AS v FROM {T['contract']}"
            f" WHERE status <> 'cancelled' AND signed_on >= %({start})s"
            f" AND signed_on < %({end})s"
        )

    def _time_cost(self) -> str:
        return "t.hours * COALESCE(u.hourly_cost, 0)"

    def _input_rows(self, by: str, start: str, end: str) -> str:
        """Input records in a range, as (gid, v): expenses and time-entry costs, by customer
        (an expense on a deal only belongs to the deal's customer) or by rep (own expenses,
        hours on own deals)."""
        expense_gid = "COALESCE(e.customer_id, o.customer_id)" if by == "customer" else "e.owner_id"
        expense_join = (
            f" LEFT JOIN {T['opp']} o ON o.id = e.opportunity_id" if by == "customer" else ""
        )
        time_gid = "o.customer_id" if by == "customer" else "o.owner_id"
        return (
            f"SELECT {expense_gid} AS gid, e.amount AS v FROM {T['expense']} e{expense_join}"
            f" WHERE e.incurred_on >= %({start})s AND e.incurred_on < %({end})s"
            f" UNION ALL SELECT {time_gid} AS gid, {self._time_cost()} AS v"
            f" FROM {T['time']} t JOIN {T['opp']} o ON o.id = t.opportunity_id"
            f" JOIN {T['user']} u ON u.id = t.user_id"
            f" WHERE t.worked_on >= %({start})s AND t.worked_on < %({end})s"
        )

    @staticmethod
    def _growth_aggregates() -> str:
        return (
            "COUNT(*) AS n, SUM(o_p) AS total,"
            " SUM(CASE WHEN o_p > o_q THEN 1 ELSE 0 END) AS grew,"
            " AVG(roi_p) AS avg_roi,"
            " SUM(CASE WHEN roi_p IS NOT NULL AND roi_q IS NOT NULL THEN 1 ELSE 0 END)"
            " AS roi_both,"
            " SUM(CASE WHEN roi_p IS NOT NULL AND roi_q IS NOT NULL AND roi_p > roi_q"
            " THEN 1 ELSE 0 END) AS roi_grew"
        )

    def _flows(self, by: str, w: Window) -> str:
        """Rows of (gid, o_p, o_q, i_p, i_q): output and input in P and P' of customers
        (``by="customer"``) or reps, from the facts or the raw records."""
        grain = self._grain(w)
        if grain:
            table = T["customer_fact" if by == "customer" else "user_fact"]
            gid = "customer_id" if by == "customer" else "user_id"
            out = f"output_{self.settings.output_basis}"
            in_p, in_q = self._fact_period("f", "s", "e"), self._fact_period("f", "qs", "qe")
            return (
                f"SELECT f.{gid} AS gid,"
                f" CASE WHEN {in_p} THEN f.{out} ELSE 0 END AS o_p,"
                f" CASE WHEN {in_q} THEN f.{out} ELSE 0 END AS o_q,"
                f" CASE WHEN {in_p} THEN f.input ELSE 0 END AS i_p,"
                f" CASE WHEN {in_q} THEN f.input ELSE 0 END AS i_q"
                f" FROM {table} f WHERE f.grain = '{grain}' AND (({in_p}) OR ({in_q}))"
            )
        key = "customer_id" if by == "customer" else "owner_id"
        return (
            f"SELECT gid, v AS o_p, 0 AS o_q, 0 AS i_p, 0 AS i_q FROM ("
            f"{self._output_rows(key, 's', 'e')}) op"
            f" UNION ALL SELECT gid, 0, v, 0, 0 FROM ({self._output_rows(key, 'qs', 'qe')}) oq"
            f" UNION ALL SELECT gid, 0, 0, v, 0 FROM ({self._input_rows(by, 's', 'e')}) ip"
            f" UNION ALL SELECT gid, 0, 0, 0, v FROM ({self._input_rows(by, 'qs', 'qe')}) iq"
        )

    def _per_entity(self, members: str, by: str, w: Window) -> str:
        """CTE ``r``: per member (CTE ``members`` with id, grp, cls) output and input in P and
        P' and both ROIs. One UNION ALL of tagged contributions and one GROUP BY: no join
        against an aggregate, which SQLite would rescan per member."""
        return (
            f"contrib AS ("
            f" SELECT id AS gid, grp, cls, 1 AS member, 0 AS o_p, 0 AS o_q, 0 AS i_p, 0 AS i_q"
            f" FROM {members}"
            f" UNION ALL SELECT gid, NULL, NULL, 0, o_p, o_q, i_p, i_q"
            f" FROM ({self._flows(by, w)}) fl),"
            f" per AS (SELECT gid, MAX(grp) AS grp, MAX(cls) AS cls, SUM(o_p) AS o_p,"
            f" SUM(o_q) AS o_q, SUM(i_p) AS i_p, SUM(i_q) AS i_q FROM contrib"
            f" WHERE gid IS NOT NULL GROUP BY gid HAVING MAX(member) = 1),"
            f" r AS (SELECT per.*,"
            f" CASE WHEN i_p <> 0 THEN CAST(o_p AS {FLOAT}) / CAST(i_p AS {FLOAT}) END AS roi_p,"
            f" CASE WHEN i_q <> 0 THEN CAST(o_q AS {FLOAT}) / CAST(i_q AS {FLOAT}) END AS roi_q"
            f" FROM per)"
        )

    # --- families ----------------------------------------------------------------------------

    def key_accounts(self, w: Window) -> dict:
        """ESP+ stages 1 and 3: K(P), KC(P), KAB(P) — output, growth, ROI (customer scope)."""
        k_cte, _grp = self._key_customers_cte()
        sql = (
            f"WITH {k_cte}, {self._per_entity('k', 'customer', w)}"
            f" SELECT {self._group_select('grp')},"
            f" {self._growth_aggregates()},"
            f" SUM(CASE WHEN cls = 'C' THEN 1 ELSE 0 END) AS c_n,"
            f" SUM(CASE WHEN cls = 'C' THEN o_p ELSE 0 END) AS c_total,"
            f" SUM(CASE WHEN cls = 'C' AND o_p > o_q THEN 1 ELSE 0 END) AS c_grew,"
            f" AVG(CASE WHEN cls = 'C' THEN roi_p END) AS c_avg_roi,"
            f" SUM(CASE WHEN cls IN ('A', 'B') THEN 1 ELSE 0 END) AS ab_n,"
            f" SUM(CASE WHEN cls IN ('A', 'B') THEN o_p ELSE 0 END) AS ab_total,"
            f" AVG(CASE WHEN cls IN ('A', 'B') THEN roi_p END) AS ab_avg_roi"
            f" FROM r{self._group_by('grp')}"
        )
        return self._run(sql, w.params())

    def _latest_scores_cte(self, name: str, columns: tuple[str, ...]) -> str:
        """CTE ``name``: each contact's latest assessment on or before P's last day."""
        cols = ", ".join(columns)
        return (
            f"{name} AS (SELECT contact_id, {cols} FROM ("
            f" SELECT contact_id, {cols},"
            f" ROW_NUMBER() OVER (PARTITION BY contact_id ORDER BY assessed_on DESC) AS rn"
            f" FROM {T['assess']} WHERE assessed_on <= %(d)s) z WHERE rn = 1)"
        )

    @staticmethod
    def _span_at(table: str) -> str:
        return f"{table} WHERE starts_on <= %(d)s AND (ends_on IS NULL OR ends_on > %(d)s)"

    def potential(self, w: Window) -> dict:
        """ESP+ stage 4: Σ potential output of the key accounts at P's last day."""
        k_cte, _grp = self._key_customers_cte()
        wr, ws, wp = self.settings.potential_weights
        if self.facts:
            scores = (
                f"cs AS (SELECT customer_id AS cid, closeness AS clo, solution_acceptance AS sol,"
                f" price_acceptance AS pri FROM {self._span_at(T['customer_span'])})"
            )
        else:
            weighted = ", ".join(
                f"CAST(SUM(ct.influence * la.{c}) AS {FLOAT}) / SUM(ct.influence) AS {alias}"
                for c, alias in (
                    ("closeness", "clo"),
                    ("solution_acceptance", "sol"),
                    ("price_acceptance", "pri"),
                )
            )
            scores = (
                f"{self._latest_scores_cte('la', _SCORES)},"
                f" cs AS (SELECT ct.customer_id AS cid, {weighted}"
                f" FROM {T['contact']} ct JOIN la ON la.contact_id = ct.id"
                f" GROUP BY ct.customer_id)"
            )
        sql = (
            f"WITH {k_cte}, {scores}"
            f" SELECT {self._group_select('k.grp')}, SUM(CAST(COALESCE(k.spend, 0) AS {FLOAT})"
            f"  * (%(wr)s * cs.clo + %(ws)s * cs.sol + %(wp)s * cs.pri) / 100) AS potential"
            f" FROM k JOIN cs ON cs.cid = k.id{self._group_by('k.grp')}"
        )
        return self._run(sql, {**w.params(), "wr": wr, "ws": ws, "wp": wp})

    def key_account_deals(self, w: Window) -> dict:
        """ESP+ stage 4: conversion amounts and win rates of the key accounts' deals."""
        k_cte, _grp = self._key_customers_cte()
        grain = self._grain(w)
        if grain:
            sql = (
                f"WITH {k_cte}"
                f" SELECT {self._group_select('k.grp')},"
                f" SUM(f.captured_amount) AS captured, SUM(f.incubated_amount) AS incubated,"
                f" SUM(f.closed_count) AS closed_n, SUM(f.won_count) AS won_n,"
                f" SUM(f.closed_amount) AS closed_amount, SUM(f.won_amount) AS won_amount"
                f" FROM k LEFT JOIN {T['customer_fact']} f ON f.customer_id = k.id"
                f" AND f.grain = '{grain}' AND {self._fact_period('f', 's', 'e')}"
                f"{self._group_by('k.grp')}"
            )
            return self._run(sql, w.params())
        closed = "o.status IN ('won', 'lost') AND o.closed_on >= %(s)s AND o.closed_on < %(e)s"
        won = "o.status = 'won' AND o.closed_on >= %(s)s AND o.closed_on < %(e)s"
        established = "o.established_on >= %(s)s AND o.established_on < %(e)s"
        sql = (
            f"WITH {k_cte}"
            f" SELECT {self._group_select('k.grp')},"
            f" SUM(CASE WHEN o.origin = 'captured' AND {established} THEN o.amount ELSE 0 END)"
            f" AS captured,"
            f" SUM(CASE WHEN o.origin = 'incubated' AND {established} THEN o.amount ELSE 0 END)"
            f" AS incubated,"
            f" SUM(CASE WHEN {closed} THEN 1 ELSE 0 END) AS closed_n,"
            f" SUM(CASE WHEN {won} THEN 1 ELSE 0 END) AS won_n,"
            f" SUM(CASE WHEN {closed} THEN o.amount ELSE 0 END) AS closed_amount,"
            f" SUM(CASE WHEN {won} THEN o.amount ELSE 0 END) AS won_amount"
            f" FROM k LEFT JOIN {T['opp']} o ON o.customer_id = k.id{self._group_by('k.grp')}"
        )
        return self._run(sql, w.params())

    def reps(self, w: Window) -> dict:
        """ESP+ stage 2: sales reps employed during P — output, growth, ROI (rep scope)."""
        grp, joins = self._group("u.id")
        sql = (
            f"WITH reps AS (SELECT u.id, {grp} AS grp, NULL AS cls FROM {T['user']} u{joins}"
            f" WHERE u.role IN ('sales', 'kam')"
            f" AND (u.joined_on IS NULL OR u.joined_on <= %(d)s)"
            f" AND (u.left_on IS NULL OR u.left_on >= %(s)s) AND {self._in_scope('u.id')}),"
            f" {self._per_entity('reps', 'rep', w)}"
            f" SELECT {self._group_select('grp')}, {self._growth_aggregates()}"
            f" FROM r{self._group_by('grp')}"
        )
        return self._run(sql, w.params())

    def _user_facts(self, w: Window, grain: str, aggregates: str, counted: str) -> dict:
        """A family's aggregates over the user facts of P, grouped by the user's dimension.
        Only rows where ``counted`` holds (the family's records occur) make a group, as a
        group of the raw-record query is made by the records it counts."""
        grp, joins = self._group("f.user_id")
        sql = (
            f"SELECT {self._group_select(grp)} AS grp, {aggregates}"
            f" FROM {T['user_fact']} f{joins} WHERE f.grain = '{grain}'"
            f" AND {self._fact_period('f', 's', 'e')} AND ({counted})"
            f" AND {self._in_scope('f.user_id')}{self._group_by(grp)}"
        )
        return self._run(sql, w.params())

    def deals(self, w: Window) -> dict:
        """TAS+ and MCI: closed deals, cycles, won amounts, presales-supported win rates,
        and the presales cost avoided by rejected establishment reviews (owner scope)."""
        grain = self._grain(w, dims=_DEAL_DIMS)
        if grain:
            return self._user_facts(
                w,
                grain,
                "SUM(f.closed_count) AS closed_n, SUM(f.won_count) AS won_n,"
                " SUM(f.closed_amount) AS closed_amount, SUM(f.won_amount) AS won_amount,"
                f" CAST(SUM(f.won_cycle_days) AS {FLOAT}) / NULLIF(SUM(f.won_count), 0)"
                " AS cycle_won,"
                f" CAST(SUM(f.lost_cycle_days) AS {FLOAT})"
                " / NULLIF(SUM(f.closed_count) - SUM(f.won_count), 0) AS cycle_lost,"
                " SUM(f.supported_closed_count) AS sup_closed_n,"
                " SUM(f.supported_won_count) AS sup_won_n,"
                " SUM(f.supported_closed_amount) AS sup_closed_amount,"
                " SUM(f.supported_won_amount) AS sup_won_amount,"
                " SUM(f.rejected_cost) AS rejected_cost",
                "f.closed_count > 0 OR f.rejected_count > 0",
            )
        grp, joins = self._group("o.owner_id", {"origin": "o.origin", "industry": "c.industry"})
        customer_join = f" JOIN {T['customer']} c ON c.id = o.customer_id" if "c." in grp else ""
        in_p = "o.closed_on >= %(s)s AND o.closed_on < %(e)s"
        won = f"o.status = 'won' AND {in_p}"
        lost = f"o.status = 'lost' AND {in_p}"
        closed = f"o.status IN ('won', 'lost') AND {in_p}"
        supported = f"EXISTS (SELECT 1 FROM {T['assign']} a WHERE a.opportunity_id = o.id)"
        cycle = _days_between(self.vendor, "o.closed_on", "o.established_on")
        sql = (
            f"SELECT {self._group_select(grp)} AS grp,"
            f" SUM(CASE WHEN {closed} THEN 1 ELSE 0 END) AS closed_n,"
            f" SUM(CASE WHEN {won} THEN 1 ELSE 0 END) AS won_n,"
            f" SUM(CASE WHEN {closed} THEN o.amount ELSE 0 END) AS closed_amount,"
            f" SUM(CASE WHEN {won} THEN o.amount ELSE 0 END) AS won_amount,"
            f" AVG(CASE WHEN {won} THEN CAST({cycle} AS {FLOAT}) END) AS cycle_won,"
            f" AVG(CASE WHEN {lost} THEN CAST({cycle} AS {FLOAT}) END) AS cycle_lost,"
            f" SUM(CASE WHEN {closed} AND {supported} THEN 1 ELSE 0 END) AS sup_closed_n,"
            f" SUM(CASE WHEN {won} AND {supported} THEN 1 ELSE 0 END) AS sup_won_n,"
            f" SUM(CASE WHEN {closed} AND {supported} THEN o.amount ELSE 0 END)"
            f" AS sup_closed_amount,"
            f" SUM(CASE WHEN {won} AND {supported} THEN o.amount ELSE 0 END)"
            f" AS sup_won_amount,"
            f" SUM(CASE WHEN o.rejected_on >= %(s)s AND o.rejected_on < %(e)s"
            f" THEN COALESCE(o.estimated_presales_cost, 0) ELSE 0 END) AS rejected_cost"
            f" FROM {T['opp']} o{customer_join}{joins}"
            f" WHERE {self._in_scope('o.owner_id')}"
            f" AND (({in_p}) OR (o.rejected_on >= %(s)s AND o.rejected_on < %(e)s))"
            f"{self._group_by(grp)}"
        )
        return self._run(sql, w.params())

    def leads(self, w: Window) -> dict:
        """TAS+: presales cost avoided by disqualified leads (lead owner scope)."""
        grain = self._grain(w)
        if grain:
            return self._user_facts(
                w,
                grain,
                "SUM(f.disqualified_cost) AS disqualified_cost",
                "f.disqualified_count > 0",
            )
        grp, joins = self._group("l.owner_id")
        sql = (
            f"SELECT {self._group_select(grp)} AS grp,"
            f" SUM(COALESCE(l.estimated_presales_cost, 0)) AS disqualified_cost"
            f" FROM {T['lead']} l{joins} WHERE l.disqualified_on >= %(s)s"
            f" AND l.disqualified_on < %(e)s AND {self._in_scope('l.owner_id')}"
            f"{self._group_by(grp)}"
        )
        return self._run(sql, w.params())

    def presales_cost(self, w: Window) -> dict:
        """MCI: presales expenses and every time entry's cost, by the deal owner's scope
        (a presales expense on no deal counts org-wide only)."""
        grain = self._grain(w)
        if grain:
            return self._user_facts(
                w, grain, "SUM(f.presales_cost) AS cost", "f.presales_cost_count > 0"
            )
        grp, joins = self._group("o.owner_id")
        sql = (
            f"SELECT {self._group_select('grp')}, SUM(v) AS cost FROM ("
            f" SELECT {grp} AS grp, e.amount AS v FROM {T['expense']} e"
            f" LEFT JOIN {T['opp']} o ON o.id = e.opportunity_id{joins}"
            f" WHERE e.category = 'presales' AND e.incurred_on >= %(s)s"
            f" AND e.incurred_on < %(e)s AND {self._in_scope('o.owner_id')}"
            f" UNION ALL SELECT {grp} AS grp, {self._time_cost()} AS v FROM {T['time']} t"
            f" JOIN {T['opp']} o ON o.id = t.opportunity_id JOIN {T['user']} u ON u.id = t.user_id"
            f"{joins} WHERE t.worked_on >= %(s)s AND t.worked_on < %(e)s"
            f" AND {self._in_scope('o.owner_id')}) x{self._group_by('grp')}"
        )
        return self._run(sql, w.params())

    def presales_hours(self, w: Window) -> dict:
        """MCI UT numerator: confirmed hours in P of presales staff employed during P, on the
        scope's deals. (In the facts: confirmed hours of presales staff — an entry lies within
        its person's employment, so a person with hours in P was employed during P.)"""
        grain = self._grain(w)
        if grain:
            return self._user_facts(
                w, grain, "SUM(f.presales_hours) AS hours", "f.presales_hours_count > 0"
            )
        grp, joins = self._group("o.owner_id")
        sql = (
            f"SELECT {self._group_select(grp)} AS grp, SUM(t.hours) AS hours FROM {T['time']} t"
            f" JOIN {T['user']} u ON u.id = t.user_id JOIN {T['opp']} o ON o.id = t.opportunity_id"
            f"{joins} WHERE t.confirmed = %(true)s AND t.worked_on >= %(s)s"
            f" AND t.worked_on < %(e)s AND u.role = 'presales'"
            f" AND (u.joined_on IS NULL OR u.joined_on <= %(d)s)"
            f" AND (u.left_on IS NULL OR u.left_on >= %(s)s)"
            f" AND {self._in_scope('o.owner_id')}{self._group_by(grp)}"
        )
        return self._run(sql, w.params())

    def presales_staff(self, w: Window) -> list[tuple[object, dt.date | None, dt.date | None]]:
        """S(P) members inside the scope, with their group and employment dates."""
        grp, joins = self._group("u.id")
        sql = (
            f"SELECT {self._group_select(grp)} AS grp, u.joined_on, u.left_on"
            f" FROM {T['user']} u{joins}"
            f" WHERE u.role = 'presales' AND (u.joined_on IS NULL OR u.joined_on <= %(d)s)"
            f" AND (u.left_on IS NULL OR u.left_on >= %(s)s) AND {self._in_scope('u.id')}"
        )
        _names, rows = self.execute(sql, w.params())
        return [(g, _as_date(j), _as_date(left)) for g, j, left in rows]

    def solution_acceptance(self, w: Window) -> dict:
        """MCI: mean decision-chain solution acceptance at P's last day over deals active in P."""
        grp, joins = self._group("o.owner_id", {"origin": "o.origin"})
        if self.facts:
            chains = (
                f"ch AS (SELECT opportunity_id AS oid, solution_acceptance AS sa"
                f" FROM {self._span_at(T['opportunity_span'])})"
            )
        else:
            chains = (
                f"{self._latest_scores_cte('la', ('solution_acceptance',))},"
                f" ch AS (SELECT m.opportunity_id AS oid,"
                f" CAST(SUM(m.influence * la.solution_acceptance) AS {FLOAT}) / SUM(m.influence)"
                f" AS sa FROM {T['chain']} m JOIN la ON la.contact_id = m.contact_id"
                f" GROUP BY m.opportunity_id)"
            )
        sql = (
            f"WITH {chains}"
            f" SELECT {self._group_select(grp)} AS grp, AVG(ch.sa) AS avg_sa, COUNT(*) AS n"
            f" FROM {T['opp']} o JOIN ch ON ch.oid = o.id{joins}"
            f" WHERE o.review_status = 'established' AND o.established_on < %(e)s"
            f" AND NOT (o.status IN ('won', 'lost') AND o.closed_on < %(s)s)"
            f" AND {self._in_scope('o.owner_id')}{self._group_by(grp)}"
        )
        return self._run(sql, w.params())

    def ratings(self, w: Window) -> dict:
        """MCI: mean presales rating given in P (deal owner scope)."""
        grain = self._grain(w)
        if grain:
            return self._user_facts(
                w,
                grain,
                f"CAST(SUM(f.rating_sum) AS {FLOAT}) / NULLIF(SUM(f.rating_count), 0)"
                " AS avg_rating, SUM(f.rating_count) AS n",
                "f.rating_count > 0",
            )
        grp, joins = self._group("o.owner_id")
        sql = (
            f"SELECT {self._group_select(grp)} AS grp,"
            f" AVG(CAST(r.score AS {FLOAT})) AS avg_rating, COUNT(*) AS n"
            f" FROM {T['rating']} r JOIN {T['opp']} o ON o.id = r.opportunity_id{joins}"
            f" WHERE r.rated_on >= %(s)s AND r.rated_on < %(e)s"
            f" AND {self._in_scope('o.owner_id')}{self._group_by(grp)}"
        )
        return self._run(sql, w.params())

    def deliveries(self, w: Window) -> dict:
        """MCI: deliveries completed in P and their success (contract owner scope)."""
        grain = self._grain(w, dims=frozenset({"industry"}))
        if grain:
            return self._user_facts(
                w,
                grain,
                "SUM(f.delivery_count) AS n, SUM(f.delivery_success_count) AS ok,"
                " SUM(f.delivery_amount) AS amount,"
                " SUM(f.delivery_success_amount) AS ok_amount",
                "f.delivery_count > 0",
            )
        grp, joins = self._group("k.owner_id", {"industry": "c.industry"})
        customer_join = f" JOIN {T['customer']} c ON c.id = k.customer_id" if "c." in grp else ""
        sql = (
            f"SELECT {self._group_select(grp)} AS grp, COUNT(*) AS n,"
            f" SUM(CASE WHEN d.result = 'success' THEN 1 ELSE 0 END) AS ok,"
            f" SUM(k.amount) AS amount,"
            f" SUM(CASE WHEN d.result = 'success' THEN k.amount ELSE 0 END) AS ok_amount"
            f" FROM {T['delivery']} d JOIN {T['contract']} k ON k.id = d.contract_id"
            f"{customer_join}{joins}"
            f" WHERE k.status <> 'cancelled' AND d.completed_on >= %(s)s"
            f" AND d.completed_on < %(e)s AND {self._in_scope('k.owner_id')}{self._group_by(grp)}"
        )
        return self._run(sql, w.params())


_SCORES = ("closeness", "solution_acceptance", "price_acceptance")
# Breakdowns of deal results the user facts do not carry (they read the raw records).
_DEAL_DIMS = frozenset({"origin", "industry"})


def _as_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
