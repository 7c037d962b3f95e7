"""factory_boy factories for every domain model (tests build data with these, not fixtures)."""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth.hashers import make_password

from kam.customers import models as customers
from kam.finance import models as finance
from kam.org import models as org
from kam.pipeline import models as pipeline
from kam.presales import models as presales
from kam.relationships import models as relationships
from kam.scoring import models as scoring
from kam.service import models as service

PASSWORD = "pass-1234"
_PASSWORD_HASH = make_password(PASSWORD)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = org.Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"FR{n}")
    name = factory.LazyAttribute(lambda o: f"区域{o.code}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = org.Team

    code = factory.Sequence(lambda n: f"FT{n}")
    name = factory.LazyAttribute(lambda o: f"团队{o.code}")
    region = factory.SubFactory(RegionFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = org.User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.LazyAttribute(lambda o: f"用户{o.username}")
    role = "sales"
    team = factory.SubFactory(TeamFactory)
    password = _PASSWORD_HASH
    hourly_cost = Decimal("200.00")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = customers.Customer

    code = factory.Sequence(lambda n: f"C{n:04d}")
    name = factory.LazyAttribute(lambda o: f"客户{o.code}")
    industry = "轨道交通"
    owner = factory.SubFactory(UserFactory)
    created_on = dt.date(2023, 1, 1)


class AccountTeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = customers.AccountTeamMember

    customer = factory.SubFactory(CustomerFactory)
    user = factory.SubFactory(UserFactory)
    role = "presales"


class TierHistoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = customers.TierHistory

    customer = factory.SubFactory(CustomerFactory)
    effective_on = dt.date(2024, 12, 31)
    tier = "A"
    resource_class = "B"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = relationships.Contact

    code = factory.Sequence(lambda n: f"K{n:05d}")
    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    decision_role = "evaluator"
    influence = 3
    attitude = "neutral"


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = relationships.RelationshipAssessment

    contact = factory.SubFactory(ContactFactory)
    assessed_on = dt.date(2025, 3, 1)
    closeness = 60
    solution_acceptance = 60
    price_acceptance = 60


class CompetitorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pipeline.Competitor

    code = factory.Sequence(lambda n: f"CP{n}")
    name = factory.Sequence(lambda n: f"竞争对手{n}")


class StageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pipeline.Stage
        django_get_or_create = ("code",)

    code = "needs"
    name_zh = "需求分析"
    name_en = "Needs analysis"
    order = 2


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pipeline.Opportunity

    code = factory.Sequence(lambda n: f"O{n:05d}")
    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"商机{n}")
    owner = factory.LazyAttribute(lambda o: o.customer.owner)
    origin = "captured"
    amount = Decimal("1000000.00")
    created_on = dt.date(2025, 1, 10)
    review_status = "established"
    established_on = dt.date(2025, 1, 20)


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pipeline.Lead

    code = factory.Sequence(lambda n: f"L{n:05d}")
    title = factory.Sequence(lambda n: f"线索{n}")
    customer = factory.SubFactory(CustomerFactory)
    owner = factory.LazyAttribute(lambda o: o.customer.owner)
    created_on = dt.date(2025, 1, 5)
    status = "new"


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pipeline.Task

    opportunity = factory.SubFactory(OpportunityFactory)
    stage = factory.SubFactory(StageFactory)
    title = factory.Sequence(lambda n: f"任务{n}")
    responsible = "sales"
    assignee = factory.LazyAttribute(lambda o: o.opportunity.owner)
    due_on = dt.date(2025, 2, 1)


class PresalesAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = presales.PresalesAssignment

    opportunity = factory.SubFactory(OpportunityFactory)
    user = factory.SubFactory(UserFactory, role="presales")
    role = "方案"
    assigned_on = dt.date(2025, 1, 21)


class TimeEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = presales.TimeEntry

    user = factory.SubFactory(UserFactory, role="presales")
    opportunity = factory.SubFactory(OpportunityFactory)
    worked_on = dt.date(2025, 2, 3)
    hours = Decimal("4.00")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = finance.Product

    code = factory.Sequence(lambda n: f"P{n}")
    name = factory.Sequence(lambda n: f"产品{n}")
    category = "信号"
    list_price = Decimal("100000.00")
    unit_cost = Decimal("60000.00")


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = finance.Contract

    code = factory.Sequence(lambda n: f"K{n:05d}")
    customer = factory.SubFactory(CustomerFactory)
    owner = factory.LazyAttribute(lambda o: o.customer.owner)
    signed_on = dt.date(2025, 3, 1)
    amount = Decimal("1000000.00")
    cost = Decimal("600000.00")


class ContractLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = finance.ContractLine

    contract = factory.SubFactory(ContractFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = Decimal("2")
    unit_price = Decimal("500000.00")
    unit_cost = Decimal("300000.00")


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = finance.Payment

    code = factory.Sequence(lambda n: f"PM{n:05d}")
    contract = factory.SubFactory(ContractFactory)
    amount = Decimal("500000.00")
    due_on = dt.date(2025, 4, 1)


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = finance.Delivery

    code = factory.Sequence(lambda n: f"DL{n:05d}")
    contract = factory.SubFactory(ContractFactory)
    started_on = dt.date(2025, 3, 10)


class ExpenseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = finance.Expense

    code = factory.Sequence(lambda n: f"E{n:05d}")
    owner = factory.SubFactory(UserFactory)
    category = "sales"
    incurred_on = dt.date(2025, 3, 5)
    amount = Decimal("3000.00")


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = relationships.Activity

    code = factory.Sequence(lambda n: f"A{n:05d}")
    type = "visit"
    occurred_on = dt.date(2025, 3, 6)
    customer = factory.SubFactory(CustomerFactory)
    owner = factory.LazyAttribute(lambda o: o.customer.owner)
    summary = "拜访客户"
    attitude = "positive"


class ServiceRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = service.ServiceRequest

    code = factory.Sequence(lambda n: f"R{n:05d}")
    customer = factory.SubFactory(CustomerFactory)
    opened_on = dt.date(2025, 3, 7)
    title = "设备故障"
    priority = "high"


# --- Reference data (admin-maintained, readable by every signed-in user) ----------------------


class TierStrategyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = customers.TierStrategy
        django_get_or_create = ("tier",)

    tier = "A"
    required_roles = factory.LazyFunction(lambda: ["kam", "presales"])
    kam_visit_days = 30
    executive_visit_days = 90
    response_sla_hours = 24


class TaskTemplateSetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pipeline.TaskTemplateSet

    code = factory.Sequence(lambda n: f"TS{n}")
    name = factory.Sequence(lambda n: f"任务模板集{n}")


class TaskTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pipeline.TaskTemplate

    template_set = factory.SubFactory(TaskTemplateSetFactory)
    stage = factory.SubFactory(StageFactory)
    order = factory.Sequence(lambda n: n)
    title_zh = factory.Sequence(lambda n: f"模板任务{n}")
    title_en = factory.Sequence(lambda n: f"Template task {n}")
    responsible = "sales"


class WorkingCalendarDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = org.WorkingCalendarDay
        django_get_or_create = ("date",)

    date = factory.Sequence(lambda n: dt.date(2025, 1, 1) + dt.timedelta(days=n))
    kind = "holiday"


class TargetFactory(factory.django.DjangoModelFactory):
    """A user target by default; pass ``scope`` and the matching region/team (or none)."""

    class Meta:
        model = org.Target

    scope = "user"
    user = factory.Maybe(
        factory.LazyAttribute(lambda o: o.scope == "user"),
        yes_declaration=factory.SubFactory(UserFactory),
        no_declaration=None,
    )
    period = "2025"
    measure = "contract_amount"
    value = Decimal("10000000.00")


class ScoringModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = scoring.ScoringModel

    key = factory.Sequence(lambda n: f"tier-model-{n}")
    model_version = 1
    kind = "tier"
    definition = factory.LazyFunction(dict)
    source = "kind: tier\n"


class ScoringRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = scoring.ScoringRun

    model = factory.SubFactory(ScoringModelFactory)
    as_of = dt.date(2025, 1, 1)
    started_at = dt.datetime(2025, 1, 1, 2, 0, tzinfo=dt.UTC)
    finished_at = dt.datetime(2025, 1, 1, 2, 5, tzinfo=dt.UTC)


# --- Records of a customer ----------------------------------------------------------------------


class ScoringResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = scoring.ScoringResult

    run = factory.SubFactory(ScoringRunFactory)
    customer = factory.SubFactory(CustomerFactory)
    score = 82.5
    level = "A"
    indicators = factory.LazyFunction(dict)


class AccountPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = customers.AccountPlan

    customer = factory.SubFactory(CustomerFactory)
    year = 2025
    revenue_goal = Decimal("5000000.00")
    goals = "扩大份额"


class AccountPlanLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = customers.AccountPlanLine

    plan = factory.SubFactory(AccountPlanFactory)
    product_line = factory.Sequence(lambda n: f"产品线{n}")
    target_revenue = Decimal("1000000.00")
    target_share = Decimal("0.2500")


class TierOverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = customers.TierOverride

    customer = factory.SubFactory(CustomerFactory)
    tier = "S"
    reason = "战略客户"
    proposed_by = factory.LazyAttribute(lambda o: o.customer.owner)


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = service.Survey

    customer = factory.SubFactory(CustomerFactory)
    surveyed_on = dt.date(2025, 6, 30)
    csat = 4
    nps = 8


class OpportunityCompetitorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pipeline.OpportunityCompetitor

    opportunity = factory.SubFactory(OpportunityFactory)
    competitor = factory.SubFactory(CompetitorFactory)
    strategy = "低价"
    threat = "medium"


class DecisionChainMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = relationships.DecisionChainMember

    opportunity = factory.SubFactory(OpportunityFactory)
    contact = factory.SubFactory(
        ContactFactory, customer=factory.SelfAttribute("..opportunity.customer")
    )
    role = "decision_maker"
    influence = 4


class BidFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pipeline.Bid

    opportunity = factory.SubFactory(OpportunityFactory)
    title = factory.Sequence(lambda n: f"投标{n}")
    deadline = dt.datetime(2025, 4, 15, 9, 0, tzinfo=dt.UTC)
    bond = Decimal("20000.00")
    price = Decimal("950000.00")


class BidDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pipeline.BidDocument

    bid = factory.SubFactory(BidFactory)
    name = factory.Sequence(lambda n: f"投标文件{n}")
    owner = factory.LazyAttribute(lambda o: o.bid.opportunity.owner)


class RatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = presales.Rating

    opportunity = factory.SubFactory(OpportunityFactory)
    rated_user = factory.SubFactory(UserFactory, role="presales")
    rater = factory.LazyAttribute(lambda o: o.opportunity.owner)
    rated_on = dt.date(2025, 3, 20)
    score = 85
