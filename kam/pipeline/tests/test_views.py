import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kam.core import services
from kam.core.models import AuditEntry
from kam.core.tests import factories as f
from kam.pipeline.models import Bid, Lead, Opportunity, OpportunityCompetitor
from kam.relationships.models import DecisionChainMember
from kam.web.tests.scenario import build_org, login

pytestmark = pytest.mark.django_db

LEADS = reverse("web:lead_list")
DEALS = reverse("web:opportunity_list")


@pytest.fixture
def org():
    return build_org()


@pytest.fixture
def customer(org):
    return f.CustomerFactory(name="上海铁路局", owner=org.owner)


@pytest.fixture
def lead(org, customer):
    return f.LeadFactory(customer=customer, owner=org.owner, title="CBTC改造线索", source="展会")


@pytest.fixture
def deal(org, customer):
    return f.OpportunityFactory(customer=customer, owner=org.owner, name="CBTC信号改造")


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


# --- leads -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "manager", "executive"])
def test_lead_visible_to_owner_manager_executive(client, org, lead, who):
    login(client, getattr(org, who))
    assert "CBTC改造线索" in client.get(LEADS).content.decode()
    assert client.get(reverse("web:lead_detail", args=[lead.pk])).status_code == 200


def test_lead_hidden_from_another_team(client, org, lead):
    login(client, org.outsider)
    assert "CBTC改造线索" not in client.get(LEADS).content.decode()
    assert client.get(reverse("web:lead_detail", args=[lead.pk])).status_code == 404


def test_lead_search_filter_order_and_htmx(client, org, customer, lead):
    f.LeadFactory(customer=customer, title="运维外包", status="nurturing", source="招标网")
    login(client, org.owner)
    assert "运维外包" not in client.get(LEADS, {"q": "展会"}).content.decode()
    assert "CBTC改造线索" in client.get(LEADS, {"q": "展会"}).content.decode()
    nurturing = client.get(LEADS, {"status": "nurturing"}).content.decode()
    assert "运维外包" in nurturing and "CBTC改造线索" not in nurturing
    titles = [x.title for x in client.get(LEADS, {"ordering": "title"}).context["object_list"]]
    assert titles == sorted(titles)
    partial = client.get(LEADS, HTTP_HX_REQUEST="true")
    assert partial.templates[0].name == "pipeline/partials/lead_table.html"


def test_lead_list_query_count_is_fixed(client, org, customer, django_assert_max_num_queries):
    f.LeadFactory.create_batch(3, customer=customer)
    login(client, org.owner)
    few = _count(client, LEADS)
    f.LeadFactory.create_batch(20, customer=customer)
    assert _count(client, LEADS) == few
    with django_assert_max_num_queries(8):
        client.get(LEADS)


def test_lead_detail_shows_qualification_and_linked_opportunity(client, org, lead, deal):
    lead.worth_winning = True
    lead.worth_winning_evidence = "年度预算已批复"
    lead.opportunity = deal
    lead.save()
    login(client, org.owner)
    response = client.get(reverse("web:lead_detail", args=[lead.pk]))
    body = response.content.decode()
    assert "年度预算已批复" in body and "CBTC信号改造" in body
    assert response.context["opportunity"] == deal


def test_lead_create_edit_and_conflict(client, org, customer):
    login(client, org.owner)
    data = {
        "code": "L-NEW",
        "title": "新线建设",
        "customer": customer.pk,
        "owner": org.owner.pk,
        "created_on": "2026-03-01",
        "status": "new",
        "worth_winning": "true",
        "worth_winning_evidence": "预算充足",
    }
    assert client.post(reverse("web:lead_create"), data).status_code == 302
    lead = Lead.objects.get(code="L-NEW")
    assert lead.worth_winning is True
    assert AuditEntry.objects.filter(object_id=str(lead.pk), action="create").exists()
    edit = reverse("web:lead_edit", args=[lead.pk])
    assert client.post(edit, {**data, "source": "展会", "version": 1}).status_code == 302
    assert AuditEntry.objects.filter(object_id=str(lead.pk), action="update").count() == 1
    stale = client.post(edit, {**data, "source": "我的来源", "version": 1})
    assert stale.status_code == 409
    assert 'value="我的来源"' in stale.content.decode()


def test_lead_domain_rule_is_shown_on_its_field(client, org, customer):
    login(client, org.owner)
    response = client.post(
        reverse("web:lead_create"),
        {
            "code": "L-BAD",
            "title": "线索",
            "owner": org.owner.pk,
            "created_on": "2026-03-01",
            "status": "disqualified",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["disqualified_on"]


# --- opportunities ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "manager", "executive"])
def test_deal_visible_to_owner_manager_executive(client, org, deal, who):
    login(client, getattr(org, who))
    assert "CBTC信号改造" in client.get(DEALS).content.decode()
    assert client.get(reverse("web:opportunity_detail", args=[deal.pk])).status_code == 200


def test_deal_hidden_from_another_team_but_visible_to_assigned_presales(client, org, deal):
    login(client, org.outsider)
    assert "CBTC信号改造" not in client.get(DEALS).content.decode()
    assert client.get(reverse("web:opportunity_detail", args=[deal.pk])).status_code == 404
    f.PresalesAssignmentFactory(opportunity=deal, user=org.outsider)
    assert client.get(reverse("web:opportunity_detail", args=[deal.pk])).status_code == 200


def test_deal_search_filter_order_and_htmx(client, org, customer, deal):
    stage = f.StageFactory()
    f.OpportunityFactory(
        customer=customer, name="站台门更新", amount=Decimal("5000000"), stage=stage
    )
    login(client, org.owner)
    assert "站台门更新" not in client.get(DEALS, {"q": "CBTC"}).content.decode()
    staged = client.get(DEALS, {"stage": stage.pk}).content.decode()
    assert "站台门更新" in staged and "CBTC信号改造" not in staged
    amounts = [o.amount for o in client.get(DEALS, {"ordering": "-amount"}).context["object_list"]]
    assert amounts == sorted(amounts, reverse=True)
    partial = client.get(DEALS, {"q": "站台"}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode() and "站台门更新" in partial.content.decode()


def test_deal_list_query_count_is_fixed(client, org, customer, django_assert_max_num_queries):
    stage = f.StageFactory()
    f.OpportunityFactory.create_batch(3, customer=customer, stage=stage)
    login(client, org.manager)
    few = _count(client, DEALS)
    f.OpportunityFactory.create_batch(20, customer=customer, stage=stage)
    assert _count(client, DEALS) == few
    with django_assert_max_num_queries(9):
        client.get(DEALS)


def test_deal_detail_shows_its_related_records(client, org, customer, deal):
    contact = f.ContactFactory(customer=customer, name="周建国")
    DecisionChainMember.objects.create(opportunity=deal, contact=contact, role="decision_maker")
    f.AssessmentFactory(contact=contact, closeness=88)
    OpportunityCompetitor.objects.create(
        opportunity=deal, competitor=f.CompetitorFactory(name="卡斯柯"), threat="high"
    )
    presales = f.UserFactory(username="pre", name="陈静", role="presales", team=org.team_a)
    f.PresalesAssignmentFactory(opportunity=deal, user=presales)
    f.TimeEntryFactory(opportunity=deal, user=presales, hours=Decimal("6"))
    f.TimeEntryFactory(
        opportunity=deal, user=presales, hours=Decimal("2.5"), worked_on=dt.date(2025, 2, 4)
    )
    f.TaskFactory(opportunity=deal, title="完成高层拜访")
    Bid.objects.create(
        opportunity=deal, title="公开招标", deadline=dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    )
    f.ContractFactory(customer=customer, opportunity=deal, code="HT-9")
    f.ActivityFactory(customer=customer, opportunity=deal, summary="技术交流")
    login(client, org.owner)
    response = client.get(reverse("web:opportunity_detail", args=[deal.pk]))
    body = response.content.decode()
    for text in ("周建国", "卡斯柯", "陈静", "完成高层拜访", "公开招标", "HT-9", "技术交流"):
        assert text in body
    assert response.context["time_totals"]["total_hours"] == Decimal("8.5")
    assert list(response.context["decision_chain"])[0].closeness == 88


def test_deal_create_edit_and_conflict(client, org, customer):
    login(client, org.owner)
    data = {
        "code": "O-NEW",
        "name": "牵引供电改造",
        "customer": customer.pk,
        "owner": org.owner.pk,
        "amount": "12000000",
        "created_on": "2026-02-01",
    }
    assert client.post(reverse("web:opportunity_create"), data).status_code == 302
    deal = Opportunity.objects.get(code="O-NEW")
    assert deal.review_status == "pending"
    assert AuditEntry.objects.filter(object_id=str(deal.pk), action="create").exists()
    edit = reverse("web:opportunity_edit", args=[deal.pk])
    assert client.post(edit, {**data, "amount": "15000000", "version": 1}).status_code == 302
    entry = AuditEntry.objects.get(object_id=str(deal.pk), action="update")
    assert entry.changes["amount"] == ["12000000.00", "15000000.00"]
    services.update_record(deal, data={"name": "他人改名"}, actor=org.manager, expected_version=2)
    stale = client.post(edit, {**data, "name": "我的名字", "version": 2})
    assert stale.status_code == 409
    assert 'value="我的名字"' in stale.content.decode()
    assert "他人改名" in stale.content.decode()


def test_deal_delete_refused_with_contracts(client, org, customer, deal):
    f.ContractFactory(customer=customer, opportunity=deal)
    login(client, org.owner)
    response = client.post(reverse("web:opportunity_delete", args=[deal.pk]), {"version": 1})
    assert response.status_code == 409
    assert Opportunity.objects.filter(pk=deal.pk).exists()
