"""The demo company: determinism, every DATASET.md rule, metric variety, loading, `kam demo`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kam.demo.bundle import COLUMNS, employed, split_list
from kam.demo.generator import DEMO_PASSWORD, DEMO_TODAY, generate, write_bundle
from kam.exchange.importer import validate_bundle
from kam.org.models import Measure

LAST_YEAR = DEMO_TODAY.year - 1  # the last full year (2025)
COMPARED = (LAST_YEAR - 1, LAST_YEAR)


@pytest.fixture(scope="module")
def bundle():
    return generate()


def d(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def year_of(value: str) -> int | None:
    return int(value[:4]) if value else None


def index(rows, column="code"):
    return {row[column]: row for row in rows}


# --------------------------------------------------------------------------------------------
# Determinism and format
# --------------------------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes(bundle, tmp_path):
    again = generate()
    assert again == bundle
    first, second = tmp_path / "a", tmp_path / "b"
    write_bundle(bundle, first)
    write_bundle(again, second)
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(f"{name}.csv" for name in COLUMNS)
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_another_seed_gives_another_company(bundle):
    other = generate(seed=7)
    assert other["customers"] != bundle["customers"]


def importer_errors(bundle, folder) -> list[str]:
    """What the bundle importer, the one judge of DATASET.md, says of the bundle."""
    write_bundle(bundle, folder)
    return validate_bundle(folder).error_lines()


@pytest.mark.django_db
def test_the_importer_accepts_the_demo_bundle(bundle, tmp_path):
    assert importer_errors(bundle, tmp_path) == []


@pytest.mark.django_db
def test_another_seed_is_valid_too(tmp_path):
    assert importer_errors(generate(seed=7), tmp_path) == []


@pytest.mark.django_db
def test_another_today_gives_a_valid_bundle(tmp_path):
    other = generate(seed=3, today=dt.date(2028, 3, 1))
    assert importer_errors(other, tmp_path) == []
    assert min(r["created_on"] for r in other["opportunities"]) >= "2025-01-01"


def test_generation_is_fast():
    started = time.monotonic()
    generate(seed=11)
    assert time.monotonic() - started < 5


def test_today_is_fixed_and_history_spans_three_years_before_it(bundle):
    assert dt.date(2026, 11, 23) == DEMO_TODAY
    days = [d(r["created_on"]) for r in bundle["opportunities"]]
    assert min(days) >= dt.date(DEMO_TODAY.year - 3, 1, 1)
    for name, rows in bundle.items():
        for row in rows:
            for column, value in row.items():
                if column.endswith("_on") and value and column not in ("due_on",):
                    if name in ("customers", "users"):
                        continue
                    assert d(value) <= DEMO_TODAY, (name, column, value)


def test_rows_have_exactly_the_documented_columns(bundle):
    assert list(bundle) == list(COLUMNS)
    for name, rows in bundle.items():
        for row in rows:
            assert tuple(row) == COLUMNS[name]
            assert all(isinstance(value, str) for value in row.values())


def test_csv_files_round_trip(bundle, tmp_path):
    write_bundle(bundle, tmp_path)
    for name, columns in COLUMNS.items():
        text = (tmp_path / f"{name}.csv").read_text(encoding="utf-8")
        reader = csv.DictReader(io.StringIO(text))
        assert tuple(reader.fieldnames) == columns
        assert list(reader) == bundle[name], name


def test_sizes(bundle):
    sizes = {name: len(rows) for name, rows in bundle.items()}
    assert 280 <= sizes["customers"] <= 320
    assert 1200 <= sizes["contacts"] <= 1800
    assert 1700 <= sizes["leads"] + sizes["opportunities"] <= 2600
    assert 600 <= sizes["contracts"] <= 1000
    assert 20_000 <= sum(sizes.values()) <= 42_000
    assert 25 <= sizes["users"] <= 40
    assert 6 <= sizes["competitors"] <= 10
    assert all(sizes[name] > 0 for name in COLUMNS)


def test_text_is_chinese(bundle):
    def chinese(text):
        return any("\u4e00" <= ch <= "\u9fff" for ch in text)

    for name, column in [
        ("customers", "name"),
        ("contacts", "name"),
        ("contacts", "title"),
        ("opportunities", "name"),
        ("activities", "summary"),
        ("users", "name"),
        ("competitors", "name"),
        ("service_requests", "title"),
    ]:
        assert all(chinese(row[column]) for row in bundle[name]), (name, column)
    assert all(row["username"].isascii() for row in bundle["users"])


# --------------------------------------------------------------------------------------------
# Every DATASET.md rule, as assertions over the rows
# --------------------------------------------------------------------------------------------


def test_every_reference_exists(bundle):
    codes = {
        name: {row["code"] for row in bundle[name]} for name in COLUMNS if "code" in COLUMNS[name]
    }
    codes["users"] = {row["username"] for row in bundle["users"]}
    targets = {
        "region_code": "regions",
        "team_code": "teams",
        "customer_code": "customers",
        "contact_code": "contacts",
        "reports_to_code": "contacts",
        "opportunity_code": "opportunities",
        "contract_code": "contracts",
        "product_code": "products",
    }
    user_columns = {
        "owner_username",
        "username",
        "assessed_by",
        "confirmed_by",
        "rated_username",
        "rater_username",
        "assignee_username",
    }
    for name, rows in bundle.items():
        for row in rows:
            for column, value in row.items():
                if not value:
                    continue
                if column == "parent_code":
                    assert value in codes[name], (name, value)
                elif column in targets:
                    assert value in codes[targets[column]], (name, column, value)
                elif column in user_columns and not (name == "users" and column == "username"):
                    assert value in codes["users"], (name, column, value)
                elif column == "competitor_codes":
                    assert set(split_list(value)) <= codes["competitors"]
                elif column == "contact_codes":
                    assert set(split_list(value)) <= codes["contacts"]
    for row in bundle["targets"]:
        scope_files = {"region": "regions", "team": "teams", "user": "users"}
        if row["scope"] == "org":
            assert row["scope_code"] == ""
        else:
            assert row["scope_code"] in codes[scope_files[row["scope"]]]


def test_opportunity_life_cycle(bundle):
    for row in bundle["opportunities"]:
        review, status = row["review_status"], row["status"]
        assert bool(row["established_on"]) == (review == "established")
        assert bool(row["rejected_on"]) == (review == "rejected")
        assert bool(row["closed_on"]) == (status in ("won", "lost"))
        if status in ("won", "lost"):
            assert review == "established"
        created = d(row["created_on"])
        for column in ("established_on", "rejected_on", "closed_on"):
            if row[column]:
                assert d(row[column]) >= created
        if row["closed_on"]:
            assert d(row["closed_on"]) >= d(row["established_on"])
        # The stage is kept for open established deals only.
        if review == "established" and status == "open":
            assert row["stage"] in (
                "establishment",
                "needs",
                "solution",
                "bid",
                "negotiation",
                "contract",
            )
        else:
            assert row["stage"] == ""
        assert bool(row["lost_reason"]) == (status == "lost")


def test_leads(bundle):
    opportunities = index(bundle["opportunities"])
    for row in bundle["leads"]:
        assert bool(row["disqualified_on"]) == (row["status"] == "disqualified")
        if row["disqualified_on"]:
            assert d(row["disqualified_on"]) >= d(row["created_on"])
            assert row["disqualify_reason"]
        if row["opportunity_code"]:
            assert row["status"] == "qualified"
            opportunity = opportunities[row["opportunity_code"]]
            assert opportunity["customer_code"] == row["customer_code"]
            assert d(row["created_on"]) <= d(opportunity["created_on"])
    linked = [row["opportunity_code"] for row in bundle["leads"] if row["opportunity_code"]]
    assert len(linked) == len(set(linked))


def test_deliveries(bundle):
    for row in bundle["deliveries"]:
        assert bool(row["completed_on"]) == (row["result"] in ("success", "failed"))
        if row["completed_on"] and row["started_on"]:
            assert d(row["completed_on"]) >= d(row["started_on"])


def test_rows_naming_a_deal_and_a_customer_agree(bundle):
    opportunities = index(bundle["opportunities"])
    contacts = index(bundle["contacts"])
    for name in ("expenses", "activities", "contracts"):
        for row in bundle[name]:
            if row["opportunity_code"] and row["customer_code"]:
                assert (
                    opportunities[row["opportunity_code"]]["customer_code"]
                    == (row["customer_code"])
                ), (name, row["code"])
    for row in bundle["decision_chain"]:
        opportunity = opportunities[row["opportunity_code"]]
        assert contacts[row["contact_code"]]["customer_code"] == opportunity["customer_code"]
    for row in bundle["activities"]:
        for code in split_list(row["contact_codes"]):
            assert contacts[code]["customer_code"] == row["customer_code"]
    for row in bundle["surveys"]:
        if row["contact_code"]:
            assert contacts[row["contact_code"]]["customer_code"] == row["customer_code"]


def test_time_entries_within_hours_and_employment(bundle):
    users = index(bundle["users"], "username")
    opportunities = index(bundle["opportunities"])
    for row in bundle["time_entries"]:
        hours = Decimal(row["hours"])
        assert Decimal("0.5") <= hours <= 8
        assert employed(users[row["username"]], d(row["worked_on"]))
        if row["confirmed"] == "true":
            assert row["confirmed_by"] == opportunities[row["opportunity_code"]]["owner_username"]
        else:
            assert row["confirmed"] == "false" and row["confirmed_by"] == ""
    weekdays = sum(d(row["worked_on"]).weekday() < 5 for row in bundle["time_entries"])
    assert weekdays / len(bundle["time_entries"]) > 0.9


def test_no_cycles(bundle):
    def acyclic(links: dict[str, str]) -> bool:
        for start in links:
            seen, node = set(), start
            while node:
                if node in seen:
                    return False
                seen.add(node)
                node = links.get(node, "")
        return True

    for name in ("regions", "teams", "customers"):
        assert acyclic({row["code"]: row["parent_code"] for row in bundle[name]}), name
    contacts = index(bundle["contacts"])
    assert acyclic({code: row["reports_to_code"] for code, row in contacts.items()})
    for row in bundle["contacts"]:
        if row["reports_to_code"]:
            assert contacts[row["reports_to_code"]]["customer_code"] == row["customer_code"]


def test_org_structure(bundle):
    teams = index(bundle["teams"])
    users = bundle["users"]
    assert {r["code"]: r["name"] for r in bundle["regions"]} == {
        "EAST": "华东区",
        "NORTH": "华北区",
        "SOUTH": "华南区",
    }
    for region in ("EAST", "NORTH", "SOUTH"):
        assert teams[region]["parent_code"] == ""
        children = [t for t in bundle["teams"] if t["parent_code"] == region]
        assert len(children) == 3
        assert all(t["region_code"] == region for t in children)
        head = [u for u in users if u["team_code"] == region]
        assert [u["role"] for u in head] == ["manager"]
    roles = Counter(u["role"] for u in users)
    assert roles["executive"] == 1 and roles["admin"] == 1
    assert roles["manager"] >= 9 and roles["sales"] + roles["kam"] >= 12
    assert roles["presales"] >= 6 and roles["delivery"] >= 1 and roles["service"] >= 1
    assert {u["username"] for u in users} >= {"ceo", "admin"}
    assert any(u["left_on"] for u in users if u["role"] in ("sales", "kam"))
    assert any(u["left_on"] for u in users if u["role"] == "presales")
    assert any(d(u["joined_on"]) > dt.date(DEMO_TODAY.year - 3, 1, 1) for u in users)
    for u in users:
        if u["role"] in ("sales", "kam", "presales"):
            assert Decimal(u["hourly_cost"]) > 0


def test_customers_are_owned_by_current_reps_of_their_region(bundle):
    users = index(bundle["users"], "username")
    teams = index(bundle["teams"])
    for row in bundle["customers"]:
        owner = users[row["owner_username"]]
        assert owner["role"] in ("sales", "kam")
        assert owner["left_on"] == ""
        assert teams[owner["team_code"]]["region_code"] == row["region_code"]
    assert sum(1 for row in bundle["customers"] if row["parent_code"]) >= 30
    # Some hierarchies are three levels deep (group → bureau → depot).
    customers = index(bundle["customers"])
    assert any(
        customers[row["parent_code"]]["parent_code"]
        for row in bundle["customers"]
        if row["parent_code"]
    )


def test_nobody_acts_outside_their_employment(bundle):
    users = index(bundle["users"], "username")
    dated = [
        ("activities", "owner_username", "occurred_on"),
        ("expenses", "owner_username", "incurred_on"),
        ("contracts", "owner_username", "signed_on"),
        ("ratings", "rater_username", "rated_on"),
        ("ratings", "rated_username", "rated_on"),
        ("relationship_assessments", "assessed_by", "assessed_on"),
        ("presales_assignments", "username", "assigned_on"),
        ("service_requests", "assignee_username", "opened_on"),
    ]
    for name, user_column, date_column in dated:
        for row in bundle[name]:
            if row[user_column]:
                assert employed(users[row[user_column]], d(row[date_column])), (name, row)
    for row in bundle["opportunities"]:
        last = d(row["closed_on"] or row["rejected_on"]) or DEMO_TODAY
        assert employed(users[row["owner_username"]], last), row["code"]
    for row in bundle["leads"]:
        last = d(row["disqualified_on"]) or DEMO_TODAY
        if row["opportunity_code"]:
            continue
        assert employed(users[row["owner_username"]], last), row["code"]


def test_every_won_deal_has_its_contract(bundle):
    contracts = defaultdict(list)
    for row in bundle["contracts"]:
        contracts[row["opportunity_code"]].append(row)
    won = [row for row in bundle["opportunities"] if row["status"] == "won"]
    assert won
    for opportunity in won:
        (contract,) = contracts[opportunity["code"]]
        assert contract["customer_code"] == opportunity["customer_code"]
        assert contract["owner_username"] == opportunity["owner_username"]
        assert d(contract["signed_on"]) >= d(opportunity["closed_on"])
        assert abs(Decimal(contract["amount"]) / Decimal(opportunity["amount"]) - 1) < Decimal(
            "0.02"
        )
    not_won = {row["code"] for row in bundle["opportunities"] if row["status"] != "won"}
    assert not any(code in not_won for code in contracts)
    assert len(contracts[""]) >= 100  # orders without a deal
    assert Counter(row["status"] for row in bundle["contracts"])["cancelled"] >= 5


def test_contract_lines_costs_and_payments(bundle):
    lines = defaultdict(list)
    for row in bundle["contract_lines"]:
        lines[row["contract_code"]].append(row)
    payments = defaultdict(list)
    for row in bundle["payments"]:
        payments[row["contract_code"]].append(row)
    overdue = 0
    for contract in bundle["contracts"]:
        amount = Decimal(contract["amount"])
        mine = lines[contract["code"]]
        assert mine
        assert sum(Decimal(r["quantity"]) * Decimal(r["unit_price"]) for r in mine) == amount
        cost = sum(Decimal(r["quantity"]) * Decimal(r["unit_cost"]) for r in mine)
        if contract["cost"]:
            assert Decimal(contract["cost"]) == cost
        assert Decimal("0.25") <= 1 - cost / amount <= Decimal("0.50")
        if contract["status"] != "cancelled":
            assert sum(Decimal(p["amount"]) for p in payments[contract["code"]]) == amount
        for payment in payments[contract["code"]]:
            if payment["paid_on"]:
                assert d(payment["paid_on"]) >= d(contract["signed_on"])
            elif d(payment["due_on"]) < DEMO_TODAY:
                overdue += 1
    assert overdue >= 20


def test_service_requests_and_surveys(bundle):
    users = index(bundle["users"], "username")
    for row in bundle["service_requests"]:
        opened = d(row["opened_on"])
        if row["first_response_on"]:
            assert d(row["first_response_on"]) >= opened
        if row["resolved_on"]:
            assert d(row["resolved_on"]) >= d(row["first_response_on"])
            assert row["status"] in ("resolved", "closed")
        else:
            assert row["status"] in ("open", "in_progress")
        if row["assignee_username"]:
            assert users[row["assignee_username"]]["role"] in ("service", "delivery")
    assert {row["priority"] for row in bundle["service_requests"]} == {
        "low",
        "normal",
        "high",
        "critical",
    }
    assert any(row["contact_code"] == "" for row in bundle["surveys"])


def test_working_calendar(bundle):
    days = {d(row["date"]): row["kind"] for row in bundle["working_calendar"]}
    for year in range(DEMO_TODAY.year - 3, DEMO_TODAY.year + 1):
        assert days[dt.date(year, 10, 1)] == "holiday"
        assert days[dt.date(year, 1, 1)] == "holiday"
        assert any(k == "workday" and day.year == year for day, k in days.items())
    assert days[dt.date(2025, 1, 28)] == "holiday"  # 春节 2025
    assert days[dt.date(2025, 2, 8)] == "workday"  # 调休 (a Saturday)
    assert all(day.weekday() >= 5 for day, kind in days.items() if kind == "workday")


def test_targets_cover_every_scope_and_measure(bundle):
    targets = bundle["targets"]
    assert {row["scope"] for row in targets} == {"org", "region", "team", "user"}
    assert {row["measure"] for row in targets} == set(Measure.values)
    periods = {row["period"] for row in targets}
    assert {str(LAST_YEAR), f"{LAST_YEAR}Q3"} <= periods


# --------------------------------------------------------------------------------------------
# Every metric of METRICS.md has data for the last full year and the year before
# --------------------------------------------------------------------------------------------


def _tier_at(bundle, day: str) -> dict[str, tuple[str, str]]:
    current: dict[str, tuple[str, str, str]] = {}
    for row in bundle["tier_history"]:
        if row["effective_on"] <= day:
            known = current.get(row["customer_code"])
            if known is None or row["effective_on"] > known[0]:
                current[row["customer_code"]] = (row["effective_on"], row["tier"], row["class"])
    return {code: (tier, klass) for code, (_on, tier, klass) in current.items()}


def _outputs(bundle, year: int, by: str) -> dict[str, Decimal]:
    total: dict[str, Decimal] = defaultdict(Decimal)
    for row in bundle["contracts"]:
        if row["status"] != "cancelled" and year_of(row["signed_on"]) == year:
            total[row[by]] += Decimal(row["amount"])
    return total


@pytest.mark.parametrize("year", [*COMPARED, LAST_YEAR - 2])
def test_metric_variety(bundle, year):
    end = f"{year}-12-31"
    tiers = _tier_at(bundle, end)
    key = {code for code, (tier, _k) in tiers.items() if tier in ("S", "A", "B")}
    c_class = {code for code in key if tiers[code][1] == "C"}
    ab_class = {code for code in key if tiers[code][1] in ("A", "B")}
    assert len(key) >= 40 and len(c_class) >= 10 and len(ab_class) >= 10

    output = _outputs(bundle, year, "customer_code")
    before = _outputs(bundle, year - 1, "customer_code")
    assert sum(1 for c in c_class if output[c]) >= 5
    grew = sum(1 for c in key if output[c] > before[c])
    assert 0 < grew < len(key)  # growth in some key accounts, not all

    opportunities = index(bundle["opportunities"])
    established = [r for r in bundle["opportunities"] if year_of(r["established_on"]) == year]
    for origin in ("captured", "incubated"):
        assert sum(1 for r in established if r["origin"] == origin and r["customer_code"] in key)
    closed = [r for r in bundle["opportunities"] if year_of(r["closed_on"]) == year]
    assert {r["status"] for r in closed} == {"won", "lost"}
    supported = {r["opportunity_code"] for r in bundle["presales_assignments"]}
    assert {r["status"] for r in closed if r["code"] in supported} == {"won", "lost"}
    assert any(
        year_of(r["disqualified_on"]) == year and r["estimated_presales_cost"]
        for r in bundle["leads"]
    )
    assert any(
        year_of(r["rejected_on"]) == year and r["estimated_presales_cost"]
        for r in bundle["opportunities"]
    )

    # Reps with output and ROI (input = own expenses + time on own deals).
    users = index(bundle["users"], "username")
    rep_input: dict[str, Decimal] = defaultdict(Decimal)
    for row in bundle["expenses"]:
        if year_of(row["incurred_on"]) == year:
            rep_input[row["owner_username"]] += Decimal(row["amount"])
    for row in bundle["time_entries"]:
        if year_of(row["worked_on"]) == year:
            owner = opportunities[row["opportunity_code"]]["owner_username"]
            rep_input[owner] += Decimal(row["hours"]) * Decimal(
                users[row["username"]]["hourly_cost"]
            )
    rep_output = _outputs(bundle, year, "owner_username")
    reps = [
        u
        for u in bundle["users"]
        if u["role"] in ("sales", "kam")
        and (not u["joined_on"] or u["joined_on"] <= end)
        and (not u["left_on"] or u["left_on"] >= f"{year}-01-01")
    ]
    with_roi = [u for u in reps if rep_input[u["username"]] and rep_output[u["username"]]]
    assert len(with_roi) >= 8

    confirmed = [
        r
        for r in bundle["time_entries"]
        if year_of(r["worked_on"]) == year and r["confirmed"] == "true"
    ]
    assert len(confirmed) >= 500
    assert sum(1 for r in bundle["ratings"] if year_of(r["rated_on"]) == year) >= 50
    completed = [r for r in bundle["deliveries"] if year_of(r["completed_on"]) == year]
    assert {r["result"] for r in completed} == {"success", "failed"} or year == LAST_YEAR - 2
    assert any(
        year_of(r["incurred_on"]) == year and r["category"] == "presales"
        for r in bundle["expenses"]
    )
    # Decision chains with assessed members for the solution-acceptance metric.
    assessed = {
        r["contact_code"] for r in bundle["relationship_assessments"] if r["assessed_on"] <= end
    }
    active = {
        r["code"]
        for r in bundle["opportunities"]
        if r["established_on"]
        and r["established_on"] <= end
        and not (r["closed_on"] and r["closed_on"] < f"{year}-01-01")
    }
    assert (
        sum(
            1
            for r in bundle["decision_chain"]
            if r["opportunity_code"] in active and r["contact_code"] in assessed
        )
        >= 50
    )


def test_tier_history_changes_and_some_customers_never_tiered(bundle):
    history = defaultdict(list)
    for row in bundle["tier_history"]:
        history[row["customer_code"]].append((row["effective_on"], row["tier"], row["class"]))
    customers = {row["code"] for row in bundle["customers"]}
    assert len(customers - set(history)) >= 50
    changed = sum(1 for rows in history.values() if len({t for _d, t, _c in rows}) > 1)
    assert changed >= 20
    assert {t for rows in history.values() for _d, t, _c in rows} == {"S", "A", "B", "C"}


# --------------------------------------------------------------------------------------------
# Loading and the command
# --------------------------------------------------------------------------------------------


MODEL_OF_FILE = {
    "regions": "org.Region",
    "teams": "org.Team",
    "users": "org.User",
    "products": "finance.Product",
    "customers": "customers.Customer",
    "account_team": "customers.AccountTeamMember",
    "tier_history": "customers.TierHistory",
    "contacts": "relationships.Contact",
    "relationship_assessments": "relationships.RelationshipAssessment",
    "competitors": "pipeline.Competitor",
    "leads": "pipeline.Lead",
    "opportunities": "pipeline.Opportunity",
    "decision_chain": "relationships.DecisionChainMember",
    "presales_assignments": "presales.PresalesAssignment",
    "time_entries": "presales.TimeEntry",
    "ratings": "presales.Rating",
    "contracts": "finance.Contract",
    "contract_lines": "finance.ContractLine",
    "payments": "finance.Payment",
    "expenses": "finance.Expense",
    "deliveries": "finance.Delivery",
    "activities": "relationships.Activity",
    "service_requests": "service.ServiceRequest",
    "surveys": "service.Survey",
    "targets": "org.Target",
    "working_calendar": "org.WorkingCalendarDay",
}


def assert_database_holds(bundle):
    from django.apps import apps

    for name, label in MODEL_OF_FILE.items():
        assert apps.get_model(label).objects.count() == len(bundle[name]), name


@pytest.mark.django_db
def test_demo_loads_every_row_through_the_bundle_importer(bundle):
    from kam.core.models import AuditEntry
    from kam.customers.models import Customer
    from kam.org.models import User
    from kam.pipeline.models import Opportunity, OpportunityCompetitor, Stage
    from kam.relationships.models import Activity

    call_command("demo", "--no-serve", stdout=io.StringIO())
    assert_database_holds(bundle)
    assert AuditEntry.objects.filter(object_id__startswith="import:").exists()

    # Current tier and class from the latest record on or before the demo's today.
    tiers = _tier_at(bundle, DEMO_TODAY.isoformat())
    for customer in Customer.objects.all():
        assert (customer.tier, customer.resource_class) == tiers.get(customer.code, ("", ""))
    assert Customer.objects.exclude(tier="").count() > 100
    assert Customer.objects.filter(parent__isnull=False).count() == sum(
        1 for r in bundle["customers"] if r["parent_code"]
    )

    # Stages, competitors and contacts met are linked.
    assert list(Stage.objects.order_by("order").values_list("code", "order", "probability")) == [
        ("establishment", 1, 10),
        ("needs", 2, 20),
        ("solution", 3, 40),
        ("bid", 4, 60),
        ("negotiation", 5, 80),
        ("contract", 6, 90),
    ]
    staged = Opportunity.objects.filter(stage__isnull=False).count()
    assert staged == sum(1 for r in bundle["opportunities"] if r["stage"])
    assert OpportunityCompetitor.objects.count() == sum(
        len(split_list(r["competitor_codes"])) for r in bundle["opportunities"]
    )
    assert Activity.contacts.through.objects.count() == sum(
        len(split_list(r["contact_codes"])) for r in bundle["activities"]
    )

    # Every demo user signs in with the demo password; ceo and admin reach the admin site.
    ceo, admin = User.objects.get(username="ceo"), User.objects.get(username="admin")
    assert ceo.check_password(DEMO_PASSWORD) and admin.check_password(DEMO_PASSWORD)
    assert ceo.is_staff and not ceo.is_superuser
    assert admin.is_staff and admin.is_superuser
    assert not User.objects.get(username="li.na").is_active  # left in 2024
    assert User.objects.filter(is_superuser=True).count() == 1

    # A won deal and its contract, as the database sees them.
    won = Opportunity.objects.filter(status="won").first()
    contract = won.contracts.get()
    assert contract.customer_id == won.customer_id and contract.owner_id == won.owner_id
    assert contract.signed_on >= won.closed_on


@pytest.mark.django_db
def test_demo_command_loads_then_refuses_a_second_time(bundle):
    from kam.customers.models import Customer

    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out)
    text = out.getvalue()
    assert_database_holds(bundle)
    for username in ("ceo", "admin", "chen.zhiqiang", "liu.yang", "zhang.wei", "sun.li"):
        assert username in text
    assert DEMO_PASSWORD in text and "sales 销售" in text

    with pytest.raises(CommandError) as refused:
        call_command("demo", "--no-serve", stdout=io.StringIO())
    assert refused.value.returncode == 1
    assert "--reset" in str(refused.value)
    assert Customer.objects.count() == len(bundle["customers"])


@pytest.mark.django_db
def test_demo_command_reset_replaces_existing_data(bundle):
    from kam.customers.models import Customer
    from kam.org.models import User

    someone = User.objects.create_user(username="someone", name="某人", password="x")
    Customer.objects.create(code="OLD", name="旧客户", owner=someone)
    boss = User.objects.create_superuser(username="boss", password="x", name="老板")
    with pytest.raises(CommandError):
        call_command("demo", "--no-serve", stdout=io.StringIO())

    call_command("demo", "--no-serve", "--reset", stdout=io.StringIO())
    assert not Customer.objects.filter(code="OLD").exists()
    assert not User.objects.filter(username="someone").exists()
    assert User.objects.filter(pk=boss.pk).exists()  # the operator's own superuser stays
    assert Customer.objects.count() == len(bundle["customers"])
    assert User.objects.count() == len(bundle["users"]) + 1


@pytest.mark.django_db
def test_demo_command_refuses_a_clashing_superuser():
    from kam.org.models import User

    User.objects.create_superuser(username="admin", password="x", name="管理员")
    with pytest.raises(CommandError) as refused:
        call_command("demo", "--no-serve", stdout=io.StringIO())
    assert "admin" in str(refused.value)


@pytest.mark.django_db
def test_bundle_out_writes_csv_and_leaves_the_database_alone(bundle, tmp_path):
    from kam.customers.models import Customer

    call_command("demo", "--bundle-out", str(tmp_path), stdout=io.StringIO())
    assert Customer.objects.count() == 0
    with (tmp_path / "customers.csv").open(encoding="utf-8", newline="") as handle:
        assert list(csv.DictReader(handle)) == bundle["customers"]


def test_command_help_is_one_line():
    from kam.demo.management.commands.demo import Command

    assert Command.help and "\n" not in Command.help.strip()
