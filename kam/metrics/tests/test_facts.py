"""The facts are kept current by every write path, and reading them gives the numbers the raw
records give, for every period kind, scope and breakdown.

Each change below goes through the generic services (as pages, the API and the admin do), then
``facts.check()`` recomputes everything from the records and must find no difference; the
scorecard from the facts must equal the one from the records.
"""

import datetime as dt
import shutil
from decimal import Decimal

import pytest

from kam.core.services import create_record, delete_record, update_record
from kam.customers.models import TierHistory
from kam.exchange.importer import import_bundle
from kam.finance.models import Contract, Delivery, Expense, Payment
from kam.metrics import facts
from kam.metrics.engine import Window
from kam.metrics.models import CustomerPeriodFact, UserPeriodFact
from kam.metrics.registry import METRICS
from kam.metrics.runner import breakdown, scorecard
from kam.metrics.tests.test_example_bundle import BUNDLE
from kam.org.models import User
from kam.pipeline.models import Lead, Opportunity
from kam.presales.models import PresalesAssignment, Rating, TimeEntry
from kam.relationships.models import Contact, DecisionChainMember, RelationshipAssessment

pytestmark = pytest.mark.django_db
D = dt.date
M = Decimal


def _no_drift():
    assert facts.check() == dict.fromkeys(facts.check(), 0)


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


def _assert_sources_agree(**params):
    by_facts = scorecard(None, facts=True, **params)
    by_records = scorecard(None, facts=False, **params)
    wrong = [
        (a["key"], part, a[part], b[part])
        for a, b in zip(by_facts, by_records, strict=True)
        for part in ("current", "previous")
        if not _same(a[part], b[part])
    ]
    assert wrong == []


CHANGES = {
    "contract amount": lambda w: update_record(
        w["k1"], data={"amount": M("1200000")}, actor=None, expected_version=None
    ),
    "contract cancelled": lambda w: update_record(
        w["k5"], data={"status": "cancelled"}, actor=None, expected_version=None
    ),
    "contract moved to another customer and owner": lambda w: update_record(
        w["k6"], data={"customer": w["cB"], "owner": w["rep2"]}, actor=None, expected_version=None
    ),
    "contract signed in another year": lambda w: update_record(
        w["k2"], data={"signed_on": D(2025, 11, 30)}, actor=None, expected_version=None
    ),
    "contract created": lambda w: create_record(
        Contract,
        data={
            "code": "K-NEW",
            "customer": w["cC"],
            "owner": w["rep1"],
            "signed_on": D(2025, 12, 31),
            "amount": M("10"),
        },
        actor=None,
    ),
    "contract deleted": lambda w: delete_record(
        Contract.objects.create(
            code="K-GONE",
            customer=w["cA"],
            owner=w["rep1"],
            signed_on=D(2025, 5, 5),
            amount=M("5"),
        ),
        actor=None,
    ),
    "payment received": lambda w: create_record(
        Payment,
        data={"code": "P-1", "contract": w["k1"], "amount": M("300"), "paid_on": D(2025, 4, 2)},
        actor=None,
    ),
    "delivery completed": lambda w: update_record(
        Delivery.objects.get(contract=w["k5"]),
        data={"result": "success", "completed_on": D(2025, 10, 1)},
        actor=None,
        expected_version=None,
    ),
    "expense moved from a customer to a deal only": lambda w: update_record(
        Expense.objects.get(customer=w["cA"], category="sales"),
        data={"customer": None, "opportunity": w["o3"]},
        actor=None,
        expected_version=None,
    ),
    "presales expense on no deal": lambda w: create_record(
        Expense,
        data={
            "code": "E-ORG",
            "owner": w["rep2"],
            "category": "presales",
            "incurred_on": D(2024, 3, 3),
            "amount": M("70"),
        },
        actor=None,
    ),
    "time entry hours and confirmation": lambda w: update_record(
        TimeEntry.objects.get(user=w["ps1"]),
        data={"hours": M("6"), "confirmed": True},
        actor=None,
        expected_version=None,
    ),
    "time entry deleted": lambda w: delete_record(
        TimeEntry.objects.get(user=w["ps2"], worked_on=D(2024, 5, 6)), actor=None
    ),
    "hourly cost changed": lambda w: update_record(
        w["ps2"], data={"hourly_cost": M("150")}, actor=None, expected_version=None
    ),
    "presales engineer became sales": lambda w: update_record(
        w["ps2"], data={"role": "sales"}, actor=None, expected_version=None
    ),
    "deal handed to another owner and customer": lambda w: update_record(
        w["o1"], data={"owner": w["rep2"], "customer": w["cD"]}, actor=None, expected_version=None
    ),
    "deal lost instead of won": lambda w: update_record(
        w["o1"], data={"status": "lost"}, actor=None, expected_version=None
    ),
    "deal rejected at review": lambda w: update_record(
        w["o3"],
        data={
            "review_status": "rejected",
            "established_on": None,
            "rejected_on": D(2024, 12, 1),
            "estimated_presales_cost": M("900"),
        },
        actor=None,
        expected_version=None,
    ),
    "presales support withdrawn": lambda w: delete_record(
        PresalesAssignment.objects.get(opportunity=w["o1"]), actor=None
    ),
    "rating given": lambda w: create_record(
        Rating,
        data={
            "opportunity": w["o2"],
            "rated_user": w["ps1"],
            "rater": w["rater"],
            "rated_on": D(2025, 8, 8),
            "score": 40,
        },
        actor=None,
    ),
    "lead disqualified": lambda w: update_record(
        Lead.objects.filter(disqualified_on=D(2024, 9, 1)).get(),
        data={"estimated_presales_cost": M("1234")},
        actor=None,
        expected_version=None,
    ),
    "tier changed": lambda w: create_record(
        TierHistory,
        data={
            "customer": w["cD"],
            "effective_on": D(2025, 6, 1),
            "tier": "A",
            "resource_class": "C",
        },
        actor=None,
    ),
    "tier history deleted": lambda w: delete_record(
        TierHistory.objects.get(customer=w["cB"], effective_on=D(2025, 6, 1)), actor=None
    ),
    "contact reassessed": lambda w: create_record(
        RelationshipAssessment,
        data={
            "contact": w["ct5"],
            "assessed_on": D(2025, 3, 3),
            "closeness": 90,
            "solution_acceptance": 20,
            "price_acceptance": 55,
        },
        actor=None,
    ),
    "assessment deleted": lambda w: delete_record(
        RelationshipAssessment.objects.get(contact=w["ct1"], assessed_on=D(2025, 5, 1)),
        actor=None,
    ),
    "contact influence changed": lambda w: update_record(
        w["ct2"], data={"influence": 5}, actor=None, expected_version=None
    ),
    "decision-chain influence changed": lambda w: update_record(
        DecisionChainMember.objects.get(opportunity=w["o3"], contact=w["ct5"]),
        data={"influence": 1},
        actor=None,
        expected_version=None,
    ),
    "decision-chain member added": lambda w: create_record(
        DecisionChainMember,
        data={"opportunity": w["o2"], "contact": w["ct1"], "influence": 4},
        actor=None,
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_through_the_services_keeps_the_facts_current(world, change):
    _no_drift()
    CHANGES[change](world)
    _no_drift()
    _assert_sources_agree(period="2025", compare="yoy")


def test_an_unrelated_change_leaves_the_facts_alone(world, django_assert_max_num_queries):
    # A user's name, a customer's industry: facts join them at query time.
    before = CustomerPeriodFact.objects.count(), UserPeriodFact.objects.count()
    update_record(world["rep1"], data={"name": "Renamed"}, actor=None, expected_version=None)
    update_record(world["cA"], data={"industry": "地铁"}, actor=None, expected_version=None)
    update_record(world["ct1"], data={"title": "CTO"}, actor=None, expected_version=None)
    assert (CustomerPeriodFact.objects.count(), UserPeriodFact.objects.count()) == before
    _no_drift()


def test_a_refused_write_leaves_no_trace_in_the_facts(world):
    from kam.core.errors import DependencyError

    totals = list(CustomerPeriodFact.objects.order_by("pk").values_list("output_contract"))
    with pytest.raises(DependencyError):
        delete_record(world["o1"], actor=None)  # its time entries protect it
    assert list(CustomerPeriodFact.objects.order_by("pk").values_list("output_contract")) == (
        totals
    )


def test_facts_hold_quarters_and_years(world):
    row = CustomerPeriodFact.objects.get(
        customer=world["cA"], grain="Y", period_start=D(2025, 1, 1)
    )
    # 1,000,000 signed in Q1; the cancelled 999,999 is left out.
    assert row.output_contract == M("1000000")
    q1 = CustomerPeriodFact.objects.get(customer=world["cA"], grain="Q", period_start=D(2025, 1, 1))
    assert q1.output_contract == M("1000000") and q1.won_count == 1
    org = UserPeriodFact.objects.filter(user=None)
    assert not org.exists()  # no presales expense on no deal in the world


def test_employment_dates_cannot_strand_logged_hours(world):
    from kam.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        update_record(
            world["ps1"], data={"joined_on": D(2025, 8, 1)}, actor=None, expected_version=None
        )
    assert "joined_on" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        update_record(
            world["ps2"], data={"left_on": D(2025, 1, 1)}, actor=None, expected_version=None
        )
    assert "left_on" in exc.value.errors


@pytest.fixture
def example(db):
    report = import_bundle(BUNDLE, dry_run=False)
    assert not report.errors, report.errors[:5]


def test_an_import_builds_the_facts(example):
    assert CustomerPeriodFact.objects.exists()
    _no_drift()


def test_a_second_import_with_changes_keeps_the_facts_current(example, tmp_path):
    bundle = tmp_path / "bundle"
    shutil.copytree(BUNDLE, bundle)
    contracts = (bundle / "contracts.csv").read_text(encoding="utf-8").splitlines()
    header = contracts[0].split(",")
    at = header.index("amount")
    changed = []
    for line in contracts[1:6]:
        cells = line.split(",")
        cells[at] = str(Decimal(cells[at]) + 1000)
        changed.append(",".join(cells))
    (bundle / "contracts.csv").write_text(
        "\n".join([contracts[0], *changed, *contracts[6:]]) + "\n", encoding="utf-8"
    )
    users = (bundle / "users.csv").read_text(encoding="utf-8").splitlines()
    header = users[0].split(",")
    at = header.index("hourly_cost")
    rows = []
    for line in users[1:]:
        cells = line.split(",")
        if cells[at]:
            cells[at] = str(Decimal(cells[at]) + 7)
        rows.append(",".join(cells))
    (bundle / "users.csv").write_text("\n".join([users[0], *rows]) + "\n", encoding="utf-8")
    report = import_bundle(bundle, dry_run=False)
    assert not report.errors, report.errors[:5]
    assert report.summary["contracts.csv"]["updated"] == 5
    _no_drift()


PERIODS = [
    {"period": "2025", "compare": "yoy"},
    {"period": "2025", "compare": "prev"},
    {"period": "2025Q2", "compare": "yoy"},
    {"period": "2025Q1", "compare": "prev"},
    {"period": "2025-03", "compare": "yoy"},  # months read the records
    {"period": "2025-01-01..2025-07-01", "compare": "yoy"},  # two quarters: facts
    {"period": "2025-01-01..2025-07-01", "compare": "prev"},  # 181 days before: records
    {"period": "2025-02-10..2025-09-20", "compare": "yoy"},  # off the quarters: records
]


@pytest.mark.parametrize("params", PERIODS, ids=lambda p: f"{p['period']}-{p['compare']}")
@pytest.mark.parametrize("scope", ["org", "region:NORTH"])
def test_facts_and_records_agree_on_the_example(example, params, scope):
    _assert_sources_agree(scope=scope, **params)


@pytest.mark.parametrize("metric", list(METRICS), ids=lambda m: m.key)
def test_breakdowns_agree_on_the_example(example, metric):
    for by in metric.breakdowns:
        a = breakdown(None, metric.key, by=by, period="2025", facts=True)
        b = breakdown(None, metric.key, by=by, period="2025", facts=False)
        assert [r["member"] for r in a] == [r["member"] for r in b], by
        for x, y in zip(a, b, strict=True):
            assert _same(x["current"], y["current"]), (by, x["member"], x, y)
            assert _same(x["previous"], y["previous"]), (by, x["member"], x, y)


def test_window_grain():
    from kam.core.periods import comparison, parse_period

    def grain(text, mode="yoy"):
        period = parse_period(text)
        return Window(period, comparison(period, mode)).grain()

    assert grain("2025") == "Y"
    assert grain("2025Q3") == "Q"
    assert grain("2025Q1", "prev") == "Q"
    assert grain("2025-07") is None
    assert grain("2025-01-01..2025-07-01") == "Q"
    # prev of a custom range: the same number of days before it, off the quarters
    assert grain("2025-01-01..2025-07-01", "prev") is None
    assert grain("2025-01-01..2025-08-01") is None


def test_rebuild_is_idempotent(world):
    facts.rebuild()
    facts.rebuild()
    _no_drift()
    assert CustomerPeriodFact.objects.filter(grain="Y").count() == len(
        set(
            CustomerPeriodFact.objects.filter(grain="Q").values_list(
                "customer", "period_start__year"
            )
        )
    )


def test_unknown_models_have_no_facts(world):
    from kam.metrics.facts import MAINTAINER

    assert not MAINTAINER.affected(Contact, [world["ct1"].pk], frozenset({"title"}))
    assert not MAINTAINER.affected(User, [world["rep1"].pk], frozenset({"name"}))
    assert MAINTAINER.affected(Opportunity, [world["o1"].pk], None).opportunities == {
        world["o1"].pk
    }


def test_the_cli_proves_the_facts_current_and_catches_a_write_around_them(world):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("metrics", "facts", stdout=out)
    assert "differ" not in out.getvalue()
    # A raw ORM update skips the write path: the check must notice.
    Contract.objects.filter(pk=world["k1"].pk).update(amount=M("1"))
    with pytest.raises(CommandError, match="differ from the records"):
        call_command("metrics", "facts", stdout=StringIO())
    call_command("metrics", "facts", "--rebuild", stdout=StringIO())
    call_command("metrics", "facts", stdout=StringIO())
    assert scorecard(None, period="2025", keys=["esp.ka_total_output"])[0]["current"] == 300_001
