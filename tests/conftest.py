"""The permission suite's world: two regions, their people, and one record of every kind.

The world is built once per module inside a transaction that is rolled back at the end, so it
never leaks into other tests; each test runs in a savepoint inside it (pytest-django's ``db``).

NORTH                                          SOUTH
  team N   (manager ``head``, region head)       team S1 (manager ``mgr_s``, rep ``outsider``)
   ├─ N1   (manager ``mgr1``; ``owner`` (kam), ``peer`` (sales))
   ├─ NPS  (presales ``ps`` — on the account team; ``ps2`` — assigned to the deal only)
   └─ NSV  (service ``svc`` — a customer request is routed to them)
``exec`` (executive) and ``admin`` (administrator) belong to no team.

``build_chain`` creates, for one customer, a record of every model reachable from it; its result
is keyed by API route (``kam.web.api_urls.ROUTES``), so the suite can check that every route has
a record. Every text of a chain carries its tag (``NQX`` north, ``SQZ`` south), so a page can be
searched for any trace of the other side's records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.db import models, transaction

from kam.core.models import Notification
from kam.core.tests import factories as f
from kam.metrics import facts

NORTH_TAG = "NQX"
SOUTH_TAG = "SQZ"

PERSONAS = (
    "owner",  # kam of N1, owns the north customer
    "ps",  # presales (team NPS), on the north customer's account team
    "ps2",  # presales (team NPS), assigned to the north deal only
    "svc",  # service (team NSV), the north customer request is routed to them
    "peer",  # sales in N1, the owner's teammate: no part in the customer
    "mgr1",  # manager of N1 (the owner's manager)
    "head",  # manager of N, the region head (N1, NPS, NSV below)
    "outsider",  # sales rep of S1 in the other region; owns the south customer
    "mgr_s",  # manager of S1
    "exec",  # executive
    "admin",  # administrator
)


def kam_models() -> list[type[models.Model]]:
    """Every concrete model of our apps (``kam.*``)."""
    return [
        model
        for config in apps.get_app_configs()
        if config.name.startswith("kam.")
        for model in config.get_models()
    ]


def _pks_by_model() -> dict[type[models.Model], set]:
    return {model: set(model.objects.values_list("pk", flat=True)) for model in kam_models()}


def _created_since(before: dict) -> dict[type[models.Model], set]:
    after = _pks_by_model()
    return {model: after[model] - before.get(model, set()) for model in after}


@dataclass
class World:
    users: dict[str, models.Model]
    ref: dict[str, models.Model]
    north: dict[str, models.Model]
    south: dict[str, models.Model]
    # Every row each step created, by model (what the selector-level tests compare against).
    shared_rows: dict = field(default_factory=dict)
    north_rows: dict = field(default_factory=dict)
    south_rows: dict = field(default_factory=dict)

    def chain(self, side: str) -> dict[str, models.Model]:
        return self.north if side == "north" else self.south

    def user(self, persona: str):
        """A fresh copy of a persona (no visibility scope cached from an earlier request)."""
        return type(self.users[persona]).objects.get(pk=self.users[persona].pk)

    def record_of_model(self, model: type[models.Model], side: str = "north"):
        if model is type(self.users["owner"]):
            return self.users["owner"] if side == "north" else self.users["outsider"]
        for record in self.chain(side).values():
            if type(record) is model:
                return record
        for record in self.ref.values():
            if type(record) is model:
                return record
        return None


def build_reference() -> dict[str, models.Model]:
    """Reference data (readable by everyone) and the org-wide and region targets."""
    north = f.RegionFactory(code="NORTH", name="北区")
    stage = f.StageFactory(code="needs", name_zh="需求分析", name_en="Needs analysis", order=2)
    template_set = f.TaskTemplateSetFactory(code="TS-DEFAULT", name="默认模板", is_default=True)
    model = f.ScoringModelFactory(key="tier-model")
    return {
        "regions": north,
        "teams": None,  # filled in by build_world (team N1)
        "users": None,  # filled in by build_world (the owner)
        "working_calendar": f.WorkingCalendarDayFactory(date=dt.date(2025, 10, 1)),
        "tier_strategies": f.TierStrategyFactory(tier="A", task_template_set=template_set),
        "competitors": f.CompetitorFactory(code="CP-HW", name="竞争对手甲"),
        "stages": stage,
        "task_template_sets": template_set,
        "task_templates": f.TaskTemplateFactory(
            template_set=template_set, stage=stage, title_zh="需求调研", title_en="Needs survey"
        ),
        "products": f.ProductFactory(code="P-SIG", name="信号系统"),
        "scoring_models": model,
        "scoring_runs": f.ScoringRunFactory(model=model),
        "target_org": f.TargetFactory(scope="org", measure="contract_amount"),
        "target_region": f.TargetFactory(scope="region", region=north, measure="contract_amount"),
    }


def build_chain(tag: str, *, owner, account_member, presales, assignee, ref) -> dict:
    """One customer owned by ``owner`` and a record of every model reachable from it."""
    r: dict[str, models.Model] = {}
    r["customers"] = customer = f.CustomerFactory(
        code=f"{tag}-CUS", name=f"{tag}客户", owner=owner, industry=f"{tag}行业"
    )
    r["account_team"] = f.AccountTeamMemberFactory(
        customer=customer,
        user=account_member,
        role="presales" if account_member != owner else "kam",
    )
    r["tier_history"] = f.TierHistoryFactory(customer=customer, reason=f"{tag} 定级")
    r["account_plans"] = plan = f.AccountPlanFactory(customer=customer, goals=f"{tag} 目标")
    r["account_plan_lines"] = f.AccountPlanLineFactory(plan=plan, product_line=f"{tag}-线")
    r["tier_overrides"] = f.TierOverrideFactory(customer=customer, reason=f"{tag} 调级")
    r["contacts"] = contact = f.ContactFactory(
        code=f"{tag}-CON", customer=customer, name=f"{tag}联系人", title=f"{tag}总工"
    )
    r["relationship_assessments"] = f.AssessmentFactory(contact=contact, assessed_by=owner)
    r["opportunities"] = opportunity = f.OpportunityFactory(
        code=f"{tag}-OPP", customer=customer, owner=owner, name=f"{tag}商机", stage=ref["stages"]
    )
    r["leads"] = f.LeadFactory(
        code=f"{tag}-LEAD",
        title=f"{tag}线索",
        customer=customer,
        owner=owner,
        status="qualified",
        source=f"{tag}展会",
        opportunity=opportunity,
    )
    r["decision_chain"] = f.DecisionChainMemberFactory(opportunity=opportunity, contact=contact)
    r["opportunity_competitors"] = f.OpportunityCompetitorFactory(
        opportunity=opportunity, competitor=ref["competitors"], strategy=f"{tag} 低价"
    )
    r["tasks"] = f.TaskFactory(
        opportunity=opportunity,
        stage=ref["stages"],
        template=ref["task_templates"],
        title=f"{tag}任务",
        assignee=owner,
    )
    r["bids"] = bid = f.BidFactory(opportunity=opportunity, title=f"{tag}投标")
    r["bid_documents"] = f.BidDocumentFactory(bid=bid, name=f"{tag}技术标", owner=presales)
    r["presales_assignments"] = f.PresalesAssignmentFactory(
        opportunity=opportunity, user=presales, role=f"{tag}方案"
    )
    r["time_entries"] = f.TimeEntryFactory(opportunity=opportunity, user=presales)
    r["ratings"] = f.RatingFactory(
        opportunity=opportunity, rated_user=presales, rater=owner, comment=f"{tag} 很好"
    )
    r["contracts"] = contract = f.ContractFactory(
        code=f"{tag}-CTR", customer=customer, opportunity=opportunity, owner=owner
    )
    r["contract_lines"] = f.ContractLineFactory(contract=contract, product=ref["products"])
    r["payments"] = f.PaymentFactory(code=f"{tag}-PAY", contract=contract)
    r["deliveries"] = f.DeliveryFactory(code=f"{tag}-DLV", contract=contract)
    r["expenses"] = f.ExpenseFactory(
        code=f"{tag}-EXP",
        owner=owner,
        customer=customer,
        opportunity=opportunity,
        note=f"{tag} 招待",
    )
    r["activities"] = activity = f.ActivityFactory(
        code=f"{tag}-ACT",
        customer=customer,
        opportunity=opportunity,
        owner=owner,
        summary=f"{tag} 拜访",
        next_step=f"{tag} 下一步",
    )
    activity.contacts.add(contact)
    activity.participants.add(presales)
    r["service_requests"] = f.ServiceRequestFactory(
        code=f"{tag}-SR", customer=customer, title=f"{tag}故障", assignee=assignee
    )
    r["surveys"] = f.SurveyFactory(customer=customer, contact=contact)
    r["scoring_results"] = f.ScoringResultFactory(
        run=ref["scoring_runs"], customer=customer, level=f"{tag}-A"
    )
    r["targets"] = f.TargetFactory(scope="user", user=owner, measure="contract_amount")
    # Not tied to any route's record, but part of what the owner owns.
    r["team_target"] = f.TargetFactory(
        scope="team", team=owner.team, user=None, measure="contract_amount"
    )
    r["lone_lead"] = f.LeadFactory(
        code=f"{tag}-LEAD-X", title=f"{tag}散线索", customer=None, owner=owner, status="new"
    )
    r["lone_expense"] = f.ExpenseFactory(code=f"{tag}-EXP-X", owner=owner, note=f"{tag} 差旅")
    r["lone_activity"] = f.ActivityFactory(
        code=f"{tag}-ACT-X", customer=None, owner=owner, summary=f"{tag} 电话"
    )
    r["notifications"] = Notification.objects.create(
        recipient=owner, kind="health_alert", params={"customer": customer.name}
    )
    # Built with the ORM: derive the evaluation system's facts of these rows, as writes do.
    facts.refresh(
        facts.Keys(customers={customer.pk}, users={owner.pk}, opportunities={opportunity.pk})
    )
    return r


def build_world() -> World:
    before = _pks_by_model()
    ref = build_reference()
    north_region = ref["regions"]
    south_region = f.RegionFactory(code="SOUTH", name="南区")
    team_n = f.TeamFactory(code="N", name="北区总部", region=north_region)
    team_n1 = f.TeamFactory(code="N1", name="北区一组", region=north_region, parent=team_n)
    team_nps = f.TeamFactory(code="NPS", name="北区售前", region=north_region, parent=team_n)
    team_nsv = f.TeamFactory(code="NSV", name="北区服务", region=north_region, parent=team_n)
    team_s1 = f.TeamFactory(code="S1", name="南区一组", region=south_region)
    spec = {
        "head": ("manager", team_n),
        "mgr1": ("manager", team_n1),
        "owner": ("kam", team_n1),
        "peer": ("sales", team_n1),
        "ps": ("presales", team_nps),
        "ps2": ("presales", team_nps),
        "svc": ("service", team_nsv),
        "outsider": ("sales", team_s1),
        "mgr_s": ("manager", team_s1),
        "exec": ("executive", None),
        "admin": ("admin", None),
    }
    users = {
        name: f.UserFactory(username=name, name=f"用户{name}", role=role, team=team)
        for name, (role, team) in spec.items()
    }
    ref["teams"] = team_n1
    ref["users"] = users["owner"]
    shared_rows = _created_since(before)

    before = _pks_by_model()
    north = build_chain(
        NORTH_TAG,
        owner=users["owner"],
        account_member=users["ps"],
        presales=users["ps2"],
        assignee=users["svc"],
        ref=ref,
    )
    north_rows = _created_since(before)

    before = _pks_by_model()
    south = build_chain(
        SOUTH_TAG,
        owner=users["outsider"],
        account_member=users["outsider"],
        presales=users["outsider"],
        assignee=None,
        ref=ref,
    )
    south_rows = _created_since(before)
    # Reference records stand for both sides.
    for route, record in ref.items():
        if not route.startswith("target_"):
            north.setdefault(route, record)
            south.setdefault(route, record)
    return World(
        users=users,
        ref=ref,
        north=north,
        south=south,
        shared_rows=shared_rows,
        north_rows=north_rows,
        south_rows=south_rows,
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The world, built once per module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def w(world, db):
    """The world, inside this test's savepoint (writes are undone after the test)."""
    return world
