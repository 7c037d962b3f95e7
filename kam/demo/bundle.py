"""The data bundle as the demo sees it (spec/DATASET.md): columns, CSV writing and the checks.

A bundle here is ``{file name without .csv: [row, ...]}`` where a row maps every column of the file
to a string ("" = no value). ``check_bundle`` applies every rule of DATASET.md that can be
checked on the rows alone and returns one message per problem (empty list = valid).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path

# Columns of every file, in the documented order (DATASET.md).
COLUMNS: dict[str, tuple[str, ...]] = {
    "regions": ("code", "name", "parent_code"),
    "teams": ("code", "name", "region_code", "parent_code"),
    "users": (
        "username",
        "name",
        "role",
        "team_code",
        "email",
        "hourly_cost",
        "joined_on",
        "left_on",
    ),
    "products": ("code", "name", "category", "list_price", "unit_cost"),
    "customers": (
        "code",
        "name",
        "industry",
        "region_code",
        "owner_username",
        "parent_code",
        "expected_annual_spend",
        "annual_category_spend",
        "strategic_importance",
        "created_on",
    ),
    "account_team": ("customer_code", "username", "role"),
    "tier_history": ("customer_code", "effective_on", "tier", "class", "reason"),
    "contacts": (
        "code",
        "customer_code",
        "name",
        "title",
        "department",
        "reports_to_code",
        "decision_role",
        "influence",
        "attitude",
        "phone",
        "email",
    ),
    "relationship_assessments": (
        "contact_code",
        "assessed_on",
        "closeness",
        "solution_acceptance",
        "price_acceptance",
        "assessed_by",
    ),
    "competitors": ("code", "name", "strengths", "weaknesses"),
    "leads": (
        "code",
        "title",
        "customer_code",
        "owner_username",
        "source",
        "created_on",
        "status",
        "disqualified_on",
        "disqualify_reason",
        "estimated_presales_cost",
        "opportunity_code",
    ),
    "opportunities": (
        "code",
        "customer_code",
        "name",
        "owner_username",
        "origin",
        "amount",
        "created_on",
        "review_status",
        "established_on",
        "rejected_on",
        "stage",
        "status",
        "closed_on",
        "estimated_presales_cost",
        "lost_reason",
        "competitor_codes",
    ),
    "decision_chain": ("opportunity_code", "contact_code", "role", "influence"),
    "presales_assignments": ("opportunity_code", "username", "role", "assigned_on"),
    "time_entries": (
        "username",
        "opportunity_code",
        "worked_on",
        "hours",
        "confirmed",
        "confirmed_by",
    ),
    "ratings": ("opportunity_code", "rated_username", "rater_username", "rated_on", "score"),
    "contracts": (
        "code",
        "customer_code",
        "opportunity_code",
        "owner_username",
        "signed_on",
        "amount",
        "cost",
        "status",
    ),
    "contract_lines": ("contract_code", "product_code", "quantity", "unit_price", "unit_cost"),
    "payments": ("code", "contract_code", "amount", "due_on", "paid_on"),
    "expenses": (
        "code",
        "owner_username",
        "category",
        "incurred_on",
        "amount",
        "customer_code",
        "opportunity_code",
        "note",
    ),
    "deliveries": ("code", "contract_code", "started_on", "completed_on", "result"),
    "activities": (
        "code",
        "type",
        "occurred_on",
        "owner_username",
        "customer_code",
        "opportunity_code",
        "contact_codes",
        "summary",
        "attitude",
    ),
    "service_requests": (
        "code",
        "customer_code",
        "opened_on",
        "title",
        "priority",
        "category",
        "assignee_username",
        "first_response_on",
        "resolved_on",
        "status",
    ),
    "surveys": ("customer_code", "surveyed_on", "contact_code", "csat", "nps"),
    "targets": ("scope", "scope_code", "period", "measure", "value"),
    "working_calendar": ("date", "kind"),
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "regions": ("code", "name"),
    "teams": ("code", "name", "region_code"),
    "users": ("username", "name", "role"),
    "products": ("code", "name"),
    "customers": ("code", "name", "owner_username"),
    "account_team": ("customer_code", "username", "role"),
    "tier_history": ("customer_code", "effective_on"),
    "contacts": ("code", "customer_code", "name"),
    "relationship_assessments": (
        "contact_code",
        "assessed_on",
        "closeness",
        "solution_acceptance",
        "price_acceptance",
    ),
    "competitors": ("code", "name"),
    "leads": ("code", "title", "owner_username", "created_on", "status"),
    "opportunities": (
        "code",
        "customer_code",
        "name",
        "owner_username",
        "amount",
        "created_on",
        "review_status",
        "status",
    ),
    "decision_chain": ("opportunity_code", "contact_code"),
    "presales_assignments": ("opportunity_code", "username"),
    "time_entries": ("username", "opportunity_code", "worked_on", "hours"),
    "ratings": ("opportunity_code", "rated_username", "rater_username", "rated_on", "score"),
    "contracts": ("code", "customer_code", "owner_username", "signed_on", "amount"),
    "contract_lines": ("contract_code", "product_code", "quantity", "unit_price"),
    "payments": ("code", "contract_code", "amount"),
    "expenses": ("code", "owner_username", "category", "incurred_on", "amount"),
    "deliveries": ("code", "contract_code", "result"),
    "activities": ("code", "type", "occurred_on", "owner_username"),
    "service_requests": ("code", "customer_code", "opened_on", "title"),
    "surveys": ("customer_code", "surveyed_on"),
    "targets": ("scope", "period", "measure", "value"),
    "working_calendar": ("date", "kind"),
}

DECISION_ROLES = ("decision_maker", "influencer", "evaluator", "user", "gatekeeper", "coach")

ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("users", "role"): (
        "sales",
        "kam",
        "presales",
        "delivery",
        "service",
        "manager",
        "executive",
        "admin",
    ),
    ("account_team", "role"): (
        "kam",
        "sales",
        "presales",
        "delivery",
        "service",
        "executive_sponsor",
        "finance",
        "supply_chain",
    ),
    ("tier_history", "tier"): ("S", "A", "B", "C"),
    ("tier_history", "class"): ("A", "B", "C"),
    ("contacts", "decision_role"): DECISION_ROLES,
    ("contacts", "attitude"): ("supporter", "neutral", "opponent"),
    ("leads", "status"): ("new", "nurturing", "qualified", "disqualified"),
    ("opportunities", "origin"): ("captured", "incubated", "other"),
    ("opportunities", "review_status"): ("pending", "established", "rejected"),
    ("opportunities", "status"): ("open", "won", "lost"),
    ("decision_chain", "role"): DECISION_ROLES,
    ("contracts", "status"): ("active", "completed", "cancelled"),
    ("expenses", "category"): ("sales", "presales", "marketing", "other"),
    ("deliveries", "result"): ("in_progress", "success", "failed"),
    ("activities", "type"): ("visit", "call", "meeting", "email", "demo", "dinner", "other"),
    ("activities", "attitude"): ("positive", "neutral", "negative"),
    ("service_requests", "priority"): ("low", "normal", "high", "critical"),
    ("service_requests", "status"): ("open", "in_progress", "resolved", "closed"),
    ("targets", "scope"): ("org", "region", "team", "user"),
    ("targets", "measure"): (
        "contract_amount",
        "payment_amount",
        "won_amount",
        "new_opportunities",
        "visits",
    ),
    ("working_calendar", "kind"): ("holiday", "workday"),
}

DATE_COLUMNS = frozenset(
    {
        "joined_on",
        "left_on",
        "created_on",
        "effective_on",
        "assessed_on",
        "disqualified_on",
        "established_on",
        "rejected_on",
        "closed_on",
        "assigned_on",
        "worked_on",
        "rated_on",
        "signed_on",
        "due_on",
        "paid_on",
        "incurred_on",
        "started_on",
        "completed_on",
        "occurred_on",
        "opened_on",
        "first_response_on",
        "resolved_on",
        "surveyed_on",
        "date",
    }
)
DECIMAL_COLUMNS = frozenset(
    {
        "hourly_cost",
        "list_price",
        "unit_cost",
        "expected_annual_spend",
        "annual_category_spend",
        "estimated_presales_cost",
        "amount",
        "cost",
        "quantity",
        "unit_price",
        "hours",
        "value",
    }
)
# Integer columns and their inclusive ranges.
INT_RANGES: dict[str, tuple[int, int]] = {
    "strategic_importance": (0, 100),
    "influence": (1, 5),
    "closeness": (0, 100),
    "solution_acceptance": (0, 100),
    "price_acceptance": (0, 100),
    "score": (0, 100),
    "csat": (1, 5),
    "nps": (0, 10),
}
BOOL_COLUMNS = frozenset({"confirmed"})

# Which file a reference column points at (its `code`, or `username` for users).
_USER_COLUMNS = (
    "owner_username",
    "username",
    "assessed_by",
    "confirmed_by",
    "rated_username",
    "rater_username",
    "assignee_username",
)
REFERENCES: dict[str, str] = {
    "region_code": "regions",
    "team_code": "teams",
    "customer_code": "customers",
    "contact_code": "contacts",
    "reports_to_code": "contacts",
    "opportunity_code": "opportunities",
    "contract_code": "contracts",
    "product_code": "products",
    **dict.fromkeys(_USER_COLUMNS, "users"),
}
LIST_REFERENCES: dict[str, str] = {"competitor_codes": "competitors", "contact_codes": "contacts"}

NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "users": ("username",),
    "account_team": ("customer_code", "username", "role"),
    "tier_history": ("customer_code", "effective_on"),
    "relationship_assessments": ("contact_code", "assessed_on"),
    "decision_chain": ("opportunity_code", "contact_code"),
    "presales_assignments": ("opportunity_code", "username"),
    "time_entries": ("username", "opportunity_code", "worked_on"),
    "ratings": ("opportunity_code", "rated_username", "rater_username", "rated_on"),
    "contract_lines": ("contract_code", "product_code"),
    "surveys": ("customer_code", "surveyed_on", "contact_code"),
    "targets": ("scope", "scope_code", "period", "measure"),
    "working_calendar": ("date",),
}

_PERIOD = re.compile(r"^\d{4}(Q[1-4]|-(0[1-9]|1[0-2]))?$")


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
    if len(value) != 10 or value[4] != "-" or value[7] != "-":
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _has_cycle(parent_of: dict[str, str]) -> list[str]:
    """Codes that sit on a cycle of ``child → parent`` links."""
    on_cycle: list[str] = []
    state: dict[str, int] = {}  # 1 = being walked, 2 = done
    for start in parent_of:
        path: list[str] = []
        node = start
        while node and state.get(node) is None:
            state[node] = 1
            path.append(node)
            node = parent_of.get(node, "")
        if node and state.get(node) == 1:
            on_cycle.extend(path[path.index(node) :])
        for visited in path:
            state[visited] = 2
    return sorted(set(on_cycle))


def check_bundle(bundle: dict[str, list[dict[str, str]]]) -> list[str]:
    """Every DATASET.md rule checkable on the rows: ``file:line: column: reason`` messages."""
    errors: list[str] = []

    def err(name: str, index: int, column: str, reason: str) -> None:
        errors.append(f"{name}:{index + 2}: {column}: {reason}")

    unknown = sorted(set(bundle) - set(COLUMNS))
    errors.extend(f"{name}: unknown file" for name in unknown)

    # Column sets, then required values, types, enums and ranges column by column.
    valid: dict[str, list[dict[str, str]]] = {}
    for name, columns in COLUMNS.items():
        expected = set(columns)
        good: list[tuple[int, dict[str, str]]] = []
        for i, row in enumerate(bundle.get(name, [])):
            if row.keys() != expected:
                missing, extra = expected - set(row), set(row) - expected
                err(name, i, "*", f"columns differ (missing {sorted(missing)}, extra {extra})")
            else:
                good.append((i, row))
        valid[name] = [row for _i, row in good]
        for column in columns:
            required = column in REQUIRED[name]
            choices = ENUMS.get((name, column))
            for i, row in good:
                value = row[column]
                if not isinstance(value, str):
                    err(name, i, column, "not a string")
                    continue
                if not value:
                    if required:
                        err(name, i, column, "required")
                    continue
                if value[0].isspace() or value[-1].isspace():
                    err(name, i, column, "surrounding spaces")
                if column in DATE_COLUMNS:
                    if _date(value) is None:
                        err(name, i, column, f"not a date: {value!r}")
                elif column in DECIMAL_COLUMNS:
                    try:
                        number = Decimal(value)
                    except InvalidOperation:
                        err(name, i, column, f"not a decimal: {value!r}")
                        continue
                    if not number.is_finite() or "e" in value.lower():
                        err(name, i, column, f"not a plain decimal: {value!r}")
                    elif number < 0:
                        err(name, i, column, "negative")
                elif column in INT_RANGES:
                    low, high = INT_RANGES[column]
                    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
                        err(name, i, column, f"not an integer in {low}–{high}: {value!r}")
                elif column in BOOL_COLUMNS:
                    if value not in ("true", "false"):
                        err(name, i, column, f"not true/false: {value!r}")
                elif choices is not None and value not in choices:
                    err(name, i, column, f"unknown value {value!r}")

    def rows_of(name: str) -> list[dict[str, str]]:
        return valid[name]

    # Duplicate codes and natural keys.
    keys: dict[str, set[str]] = {}
    for name, columns in COLUMNS.items():
        key_columns = ("code",) if "code" in columns else NATURAL_KEYS.get(name)
        if not key_columns:
            continue
        seen: Counter = Counter()
        for i, row in enumerate(rows_of(name)):
            key = tuple(row[c] for c in key_columns)
            seen[key] += 1
            if seen[key] == 2:
                err(name, i, ",".join(key_columns), f"duplicate {key}")
        if key_columns in (("code",), ("username",)):
            keys[name] = {key[0] for key in seen}

    # References.
    for name in COLUMNS:
        for i, row in enumerate(rows_of(name)):
            for column, value in row.items():
                if not value:
                    continue
                target = REFERENCES.get(column)
                if column == "parent_code":
                    target = name
                if target and value not in keys.get(target, set()):
                    err(name, i, column, f"no {target} row {value!r}")
                if column in LIST_REFERENCES:
                    for part in split_list(value):
                        if part not in keys.get(LIST_REFERENCES[column], set()):
                            err(name, i, column, f"no {LIST_REFERENCES[column]} row {part!r}")
    for i, row in enumerate(rows_of("targets")):
        scope_target = {"region": "regions", "team": "teams", "user": "users"}.get(row["scope"])
        if row["scope"] == "org" and row["scope_code"]:
            err("targets", i, "scope_code", "must be empty for scope org")
        if scope_target and row["scope_code"] not in keys.get(scope_target, set()):
            err("targets", i, "scope_code", f"no {scope_target} row {row['scope_code']!r}")
        if not _PERIOD.match(row["period"]):
            err("targets", i, "period", f"not a period: {row['period']!r}")

    # Cycles in parent and reporting links.
    for name in ("regions", "teams", "customers"):
        links = {row["code"]: row["parent_code"] for row in rows_of(name)}
        for code in _has_cycle(links):
            errors.append(f"{name}: parent_code: {code} is part of a cycle")
    contacts = {row["code"]: row for row in rows_of("contacts")}
    for code in _has_cycle({c: row["reports_to_code"] for c, row in contacts.items()}):
        errors.append(f"contacts: reports_to_code: {code} is part of a cycle")
    for i, row in enumerate(rows_of("contacts")):
        boss = contacts.get(row["reports_to_code"])
        if boss and boss["customer_code"] != row["customer_code"]:
            err("contacts", i, "reports_to_code", "reports to a contact of another customer")

    # Opportunity life cycle.
    opportunities = {row["code"]: row for row in rows_of("opportunities")}
    for i, row in enumerate(rows_of("opportunities")):
        review, status = row["review_status"], row["status"]
        if (review == "established") != bool(row["established_on"]):
            err("opportunities", i, "established_on", "set exactly when review is established")
        if (review == "rejected") != bool(row["rejected_on"]):
            err("opportunities", i, "rejected_on", "set exactly when review is rejected")
        if (status in ("won", "lost")) != bool(row["closed_on"]):
            err("opportunities", i, "closed_on", "set exactly when status is won or lost")
        if status in ("won", "lost") and review != "established":
            err("opportunities", i, "status", "a won or lost opportunity must be established")
        created = _date(row["created_on"])
        for column in ("established_on", "rejected_on", "closed_on"):
            day = _date(row[column])
            if day and created and day < created:
                err("opportunities", i, column, "before created_on")
        closed, established = _date(row["closed_on"]), _date(row["established_on"])
        if closed and established and closed < established:
            err("opportunities", i, "closed_on", "before established_on")

    # Leads.
    for i, row in enumerate(rows_of("leads")):
        if (row["status"] == "disqualified") != bool(row["disqualified_on"]):
            err("leads", i, "disqualified_on", "set exactly when status is disqualified")
        created, gone = _date(row["created_on"]), _date(row["disqualified_on"])
        if created and gone and gone < created:
            err("leads", i, "disqualified_on", "before created_on")
        opportunity = opportunities.get(row["opportunity_code"])
        if (
            opportunity
            and row["customer_code"]
            and (opportunity["customer_code"] != row["customer_code"])
        ):
            err("leads", i, "opportunity_code", "an opportunity of another customer")
    linked = Counter(row["opportunity_code"] for row in rows_of("leads") if row["opportunity_code"])
    errors.extend(
        f"leads: opportunity_code: {code} is named by {n} leads"
        for code, n in linked.items()
        if n > 1
    )

    # Deliveries.
    for i, row in enumerate(rows_of("deliveries")):
        if (row["result"] in ("success", "failed")) != bool(row["completed_on"]):
            err("deliveries", i, "completed_on", "set exactly when result is success or failed")
        started, completed = _date(row["started_on"]), _date(row["completed_on"])
        if started and completed and completed < started:
            err("deliveries", i, "completed_on", "before started_on")

    # Rows naming a customer and an opportunity (or a contact) name the same customer.
    for name in ("expenses", "activities", "contracts"):
        for i, row in enumerate(rows_of(name)):
            opportunity = opportunities.get(row["opportunity_code"])
            if (
                opportunity
                and row["customer_code"]
                and (opportunity["customer_code"] != row["customer_code"])
            ):
                err(name, i, "customer_code", "differs from the opportunity's customer")
    for i, row in enumerate(rows_of("decision_chain")):
        opportunity, contact = (
            opportunities.get(row["opportunity_code"]),
            contacts.get(row["contact_code"]),
        )
        if opportunity and contact and contact["customer_code"] != opportunity["customer_code"]:
            err("decision_chain", i, "contact_code", "not a contact of the opportunity's customer")
    for i, row in enumerate(rows_of("activities")):
        for code in split_list(row["contact_codes"]):
            contact = contacts.get(code)
            if (
                contact
                and row["customer_code"]
                and contact["customer_code"] != row["customer_code"]
            ):
                err("activities", i, "contact_codes", f"{code} is a contact of another customer")
    for i, row in enumerate(rows_of("surveys")):
        contact = contacts.get(row["contact_code"])
        if contact and contact["customer_code"] != row["customer_code"]:
            err("surveys", i, "contact_code", "a contact of another customer")

    # Time entries: hours and employment.
    users = {row["username"]: row for row in rows_of("users")}
    for i, row in enumerate(rows_of("users")):
        joined, left = _date(row["joined_on"]), _date(row["left_on"])
        if joined and left and left < joined:
            err("users", i, "left_on", "before joined_on")
    for i, row in enumerate(rows_of("time_entries")):
        try:
            hours = Decimal(row["hours"])
        except InvalidOperation:
            continue
        if not Decimal(0) < hours <= Decimal(24):
            err("time_entries", i, "hours", "must be above 0 and at most 24")
        user, day = users.get(row["username"]), _date(row["worked_on"])
        if user and day and not employed(user, day):
            err("time_entries", i, "worked_on", f"{row['username']} not employed on {day}")
        if row["confirmed_by"] and row["confirmed"] != "true":
            err("time_entries", i, "confirmed_by", "set on an unconfirmed entry")

    # Service requests: responses are not before the request.
    for i, row in enumerate(rows_of("service_requests")):
        opened = _date(row["opened_on"])
        for column in ("first_response_on", "resolved_on"):
            day = _date(row[column])
            if opened and day and day < opened:
                err("service_requests", i, column, "before opened_on")
    return errors


def employed(user_row: dict[str, str], day: dt.date) -> bool:
    joined, left = _date(user_row["joined_on"]), _date(user_row["left_on"])
    return (joined is None or joined <= day) and (left is None or day <= left)


def group_by(rows: Iterable[dict[str, str]], column: str) -> dict[str, list[dict[str, str]]]:
    grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        grouped[row[column]].append(row)
    return grouped
