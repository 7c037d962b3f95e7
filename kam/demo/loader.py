"""Write a (valid) data bundle into an empty database, fast.

One transaction, ``bulk_create`` per file in dependency order, codes resolved to ids through
dicts — no query per row. This trusts its input (the demo generator's output, checked by
``kam.demo.bundle.check_bundle``); importing arbitrary bundles with validation, matching and
updates is the job of the exchange app.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import models, transaction

from kam.customers.models import AccountTeamMember, Customer, TierHistory
from kam.demo.generator import DEMO_PASSWORD
from kam.finance.models import Contract, ContractLine, Delivery, Expense, Payment, Product
from kam.org.models import Region, Target, Team, User, WorkingCalendarDay
from kam.pipeline.defaults import DEFAULT_STAGES
from kam.pipeline.models import Competitor, Lead, Opportunity, OpportunityCompetitor, Stage
from kam.presales.models import PresalesAssignment, Rating, TimeEntry
from kam.relationships.models import Activity, Contact, DecisionChainMember, RelationshipAssessment
from kam.service.models import ServiceRequest, Survey

BATCH = 1000

# code, Chinese name, English name, order, win probability %

Rows = list[dict[str, str]]


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _dec(value: str) -> Decimal | None:
    return Decimal(value) if value else None


def _int(value: str, default: int | None = None) -> int | None:
    return int(value) if value else default


def _split(value: str) -> list[str]:
    return [part for part in (p.strip() for p in value.split(";")) if part]


def ensure_default_stages() -> dict[str, int]:
    """The default deal stages (立项 … 签约), created where missing; returns code → id."""
    stages = {stage.code: stage for stage in Stage.objects.all()}
    used = {stage.order for stage in stages.values()}
    for code, name_zh, name_en, order, probability in DEFAULT_STAGES:
        if code in stages:
            continue
        while order in used:  # someone configured their own stages; append after them
            order += 10
        used.add(order)
        stages[code] = Stage.objects.create(
            code=code, name_zh=name_zh, name_en=name_en, order=order, probability=probability
        )
    return {code: stage.pk for code, stage in stages.items()}


def _create(model: type[models.Model], objects: Iterable[models.Model]) -> list[models.Model]:
    return model.objects.bulk_create(list(objects), batch_size=BATCH)


def _by_key(objects: list[models.Model], key: Callable[[models.Model], str]) -> dict[str, int]:
    return {key(obj): obj.pk for obj in objects}


def _create_tree(
    model: type[models.Model],
    rows: Rows,
    build: Callable[[dict[str, str]], models.Model],
    column: str,
    field: str,
) -> dict[str, int]:
    """Rows that refer to rows of the same file (parent, reports_to), inserted level by level
    so each row's reference is already known; returns code → id."""
    ids: dict[str, int] = {}
    pending = list(rows)
    while pending:
        ready = [row for row in pending if not row[column] or row[column] in ids]
        if not ready:
            raise ValueError(f"{model._meta.label}: {column} refers to a missing row or a cycle")
        objects = []
        for row in ready:
            obj = build(row)
            setattr(obj, f"{field}_id", ids.get(row[column]))
            objects.append(obj)
        ids.update(_by_key(_create(model, objects), lambda o: o.code))
        done = {id(row) for row in ready}
        pending = [row for row in pending if id(row) not in done]
    return ids


@transaction.atomic
def load_bundle(
    bundle: dict[str, list[dict[str, str]]], *, today: dt.date | None = None
) -> dict[str, int]:
    """Insert every file of ``bundle``; returns the number of rows written per file.

    ``today`` decides each customer's current tier and class (the latest tier-history record
    effective on or before it) and which users have left (inactive); default: the real today.
    """
    today = today or dt.date.today()
    counts: dict[str, int] = {}

    def rows(name: str) -> Rows:
        found = bundle.get(name, [])
        counts[name] = len(found)
        return found

    # Organisation.
    regions = _create_tree(
        Region,
        rows("regions"),
        lambda r: Region(code=r["code"], name=r["name"]),
        "parent_code",
        "parent",
    )
    teams = _create_tree(
        Team,
        rows("teams"),
        lambda r: Team(code=r["code"], name=r["name"], region_id=regions[r["region_code"]]),
        "parent_code",
        "parent",
    )
    password = make_password(DEMO_PASSWORD)
    users = _by_key(
        _create(
            User,
            (
                User(
                    username=r["username"],
                    name=r["name"],
                    role=r["role"],
                    team_id=teams.get(r["team_code"]),
                    email=r["email"],
                    hourly_cost=_dec(r["hourly_cost"]),
                    joined_on=_date(r["joined_on"]),
                    left_on=_date(r["left_on"]),
                    password=password,
                    is_staff=r["role"] in ("executive", "admin"),
                    is_superuser=r["role"] == "admin",
                    is_active=not (r["left_on"] and _date(r["left_on"]) < today),
                )
                for r in rows("users")
            ),
        ),
        lambda o: o.username,
    )
    stages = ensure_default_stages()

    # Catalogue.
    products = _by_key(
        _create(
            Product,
            (
                Product(
                    code=r["code"],
                    name=r["name"],
                    category=r["category"],
                    list_price=_dec(r["list_price"]),
                    unit_cost=_dec(r["unit_cost"]),
                )
                for r in rows("products")
            ),
        ),
        lambda o: o.code,
    )
    competitors = _by_key(
        _create(
            Competitor,
            (
                Competitor(
                    code=r["code"],
                    name=r["name"],
                    strengths=r["strengths"],
                    weaknesses=r["weaknesses"],
                )
                for r in rows("competitors")
            ),
        ),
        lambda o: o.code,
    )

    # Customers, with their current tier from the history.
    current: dict[str, tuple[str, str, str]] = {}
    for r in bundle.get("tier_history", []):
        if _date(r["effective_on"]) <= today:
            known = current.get(r["customer_code"])
            if known is None or r["effective_on"] > known[0]:
                current[r["customer_code"]] = (r["effective_on"], r["tier"], r["class"])
    customers = _create_tree(
        Customer,
        rows("customers"),
        lambda r: Customer(
            code=r["code"],
            name=r["name"],
            industry=r["industry"],
            region_id=regions.get(r["region_code"]),
            owner_id=users[r["owner_username"]],
            expected_annual_spend=_dec(r["expected_annual_spend"]),
            annual_category_spend=_dec(r["annual_category_spend"]),
            strategic_importance=_int(r["strategic_importance"]),
            created_on=_date(r["created_on"]),
            tier=current.get(r["code"], ("", "", ""))[1],
            resource_class=current.get(r["code"], ("", "", ""))[2],
        ),
        "parent_code",
        "parent",
    )
    _create(
        AccountTeamMember,
        (
            AccountTeamMember(
                customer_id=customers[r["customer_code"]],
                user_id=users[r["username"]],
                role=r["role"],
            )
            for r in rows("account_team")
        ),
    )
    _create(
        TierHistory,
        (
            TierHistory(
                customer_id=customers[r["customer_code"]],
                effective_on=_date(r["effective_on"]),
                tier=r["tier"],
                resource_class=r["class"],
                reason=r["reason"],
                source=TierHistory.Source.IMPORT,
            )
            for r in rows("tier_history")
        ),
    )

    # Relationships.
    contacts = _create_tree(
        Contact,
        rows("contacts"),
        lambda r: Contact(
            code=r["code"],
            customer_id=customers[r["customer_code"]],
            name=r["name"],
            title=r["title"],
            department=r["department"],
            decision_role=r["decision_role"],
            influence=_int(r["influence"], 1),
            attitude=r["attitude"],
            phone=r["phone"],
            email=r["email"],
        ),
        "reports_to_code",
        "reports_to",
    )
    _create(
        RelationshipAssessment,
        (
            RelationshipAssessment(
                contact_id=contacts[r["contact_code"]],
                assessed_on=_date(r["assessed_on"]),
                closeness=int(r["closeness"]),
                solution_acceptance=int(r["solution_acceptance"]),
                price_acceptance=int(r["price_acceptance"]),
                assessed_by_id=users.get(r["assessed_by"]),
            )
            for r in rows("relationship_assessments")
        ),
    )

    # Deals.
    opportunity_rows = rows("opportunities")
    unknown = sorted({r["stage"] for r in opportunity_rows if r["stage"]} - set(stages))
    if unknown:
        raise ValueError(f"opportunities: unknown stage codes {unknown}")
    opportunities = _by_key(
        _create(
            Opportunity,
            (
                Opportunity(
                    code=r["code"],
                    customer_id=customers[r["customer_code"]],
                    name=r["name"],
                    owner_id=users[r["owner_username"]],
                    origin=r["origin"],
                    amount=Decimal(r["amount"]),
                    created_on=_date(r["created_on"]),
                    review_status=r["review_status"],
                    established_on=_date(r["established_on"]),
                    rejected_on=_date(r["rejected_on"]),
                    stage_id=stages.get(r["stage"]) if r["stage"] else None,
                    status=r["status"],
                    closed_on=_date(r["closed_on"]),
                    estimated_presales_cost=_dec(r["estimated_presales_cost"]),
                    lost_reason=r["lost_reason"],
                )
                for r in opportunity_rows
            ),
        ),
        lambda o: o.code,
    )
    _create(
        OpportunityCompetitor,
        (
            OpportunityCompetitor(
                opportunity_id=opportunities[r["code"]], competitor_id=competitors[code]
            )
            for r in opportunity_rows
            for code in _split(r["competitor_codes"])
        ),
    )
    _create(
        Lead,
        (
            Lead(
                code=r["code"],
                title=r["title"],
                customer_id=customers.get(r["customer_code"]),
                owner_id=users[r["owner_username"]],
                source=r["source"],
                created_on=_date(r["created_on"]),
                status=r["status"],
                disqualified_on=_date(r["disqualified_on"]),
                disqualify_reason=r["disqualify_reason"],
                estimated_presales_cost=_dec(r["estimated_presales_cost"]),
                opportunity_id=opportunities.get(r["opportunity_code"]),
            )
            for r in rows("leads")
        ),
    )
    _create(
        DecisionChainMember,
        (
            DecisionChainMember(
                opportunity_id=opportunities[r["opportunity_code"]],
                contact_id=contacts[r["contact_code"]],
                role=r["role"],
                influence=_int(r["influence"], 1),
            )
            for r in rows("decision_chain")
        ),
    )

    # Presales.
    _create(
        PresalesAssignment,
        (
            PresalesAssignment(
                opportunity_id=opportunities[r["opportunity_code"]],
                user_id=users[r["username"]],
                role=r["role"],
                assigned_on=_date(r["assigned_on"]),
            )
            for r in rows("presales_assignments")
        ),
    )
    _create(
        TimeEntry,
        (
            TimeEntry(
                user_id=users[r["username"]],
                opportunity_id=opportunities[r["opportunity_code"]],
                worked_on=_date(r["worked_on"]),
                hours=Decimal(r["hours"]),
                confirmed=r["confirmed"] == "true",
                confirmed_by_id=users.get(r["confirmed_by"]),
            )
            for r in rows("time_entries")
        ),
    )
    _create(
        Rating,
        (
            Rating(
                opportunity_id=opportunities[r["opportunity_code"]],
                rated_user_id=users[r["rated_username"]],
                rater_id=users[r["rater_username"]],
                rated_on=_date(r["rated_on"]),
                score=int(r["score"]),
            )
            for r in rows("ratings")
        ),
    )

    # Finance.
    contracts = _by_key(
        _create(
            Contract,
            (
                Contract(
                    code=r["code"],
                    customer_id=customers[r["customer_code"]],
                    opportunity_id=opportunities.get(r["opportunity_code"]),
                    owner_id=users[r["owner_username"]],
                    signed_on=_date(r["signed_on"]),
                    amount=Decimal(r["amount"]),
                    cost=_dec(r["cost"]),
                    status=r["status"] or Contract.Status.ACTIVE,
                )
                for r in rows("contracts")
            ),
        ),
        lambda o: o.code,
    )
    _create(
        ContractLine,
        (
            ContractLine(
                contract_id=contracts[r["contract_code"]],
                product_id=products[r["product_code"]],
                quantity=Decimal(r["quantity"]),
                unit_price=Decimal(r["unit_price"]),
                unit_cost=_dec(r["unit_cost"]),
            )
            for r in rows("contract_lines")
        ),
    )
    _create(
        Payment,
        (
            Payment(
                code=r["code"],
                contract_id=contracts[r["contract_code"]],
                amount=Decimal(r["amount"]),
                due_on=_date(r["due_on"]),
                paid_on=_date(r["paid_on"]),
            )
            for r in rows("payments")
        ),
    )
    _create(
        Expense,
        (
            Expense(
                code=r["code"],
                owner_id=users[r["owner_username"]],
                category=r["category"],
                incurred_on=_date(r["incurred_on"]),
                amount=Decimal(r["amount"]),
                customer_id=customers.get(r["customer_code"]),
                opportunity_id=opportunities.get(r["opportunity_code"]),
                note=r["note"],
            )
            for r in rows("expenses")
        ),
    )
    _create(
        Delivery,
        (
            Delivery(
                code=r["code"],
                contract_id=contracts[r["contract_code"]],
                started_on=_date(r["started_on"]),
                completed_on=_date(r["completed_on"]),
                result=r["result"],
            )
            for r in rows("deliveries")
        ),
    )

    # Activities and their contacts.
    activity_rows = rows("activities")
    activities = _by_key(
        _create(
            Activity,
            (
                Activity(
                    code=r["code"],
                    type=r["type"],
                    occurred_on=_date(r["occurred_on"]),
                    owner_id=users[r["owner_username"]],
                    customer_id=customers.get(r["customer_code"]),
                    opportunity_id=opportunities.get(r["opportunity_code"]),
                    summary=r["summary"],
                    attitude=r["attitude"],
                )
                for r in activity_rows
            ),
        ),
        lambda o: o.code,
    )
    met = Activity.contacts.through
    _create(
        met,
        (
            met(activity_id=activities[r["code"]], contact_id=contacts[code])
            for r in activity_rows
            for code in _split(r["contact_codes"])
        ),
    )

    # Service.
    _create(
        ServiceRequest,
        (
            ServiceRequest(
                code=r["code"],
                customer_id=customers[r["customer_code"]],
                opened_on=_date(r["opened_on"]),
                title=r["title"],
                priority=r["priority"] or ServiceRequest.Priority.NORMAL,
                category=r["category"],
                assignee_id=users.get(r["assignee_username"]),
                first_response_on=_date(r["first_response_on"]),
                resolved_on=_date(r["resolved_on"]),
                status=r["status"] or ServiceRequest.Status.OPEN,
            )
            for r in rows("service_requests")
        ),
    )
    _create(
        Survey,
        (
            Survey(
                customer_id=customers[r["customer_code"]],
                surveyed_on=_date(r["surveyed_on"]),
                contact_id=contacts.get(r["contact_code"]),
                csat=_int(r["csat"]),
                nps=_int(r["nps"]),
            )
            for r in rows("surveys")
        ),
    )

    # Targets and the working calendar.
    scope_ids = {"region": regions, "team": teams, "user": users}
    _create(
        Target,
        (
            Target(
                scope=r["scope"],
                **(
                    {f"{r['scope']}_id": scope_ids[r["scope"]][r["scope_code"]]}
                    if r["scope"] != "org"
                    else {}
                ),
                period=r["period"],
                measure=r["measure"],
                value=Decimal(r["value"]),
            )
            for r in rows("targets")
        ),
    )
    _create(
        WorkingCalendarDay,
        (
            WorkingCalendarDay(date=_date(r["date"]), kind=r["kind"])
            for r in rows("working_calendar")
        ),
    )
    return counts
