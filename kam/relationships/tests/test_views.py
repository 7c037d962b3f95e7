import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kam.core import services
from kam.core.models import AuditEntry
from kam.core.tests import factories as f
from kam.relationships.models import Contact, DecisionChainMember
from kam.web.tests.scenario import build_org, login

pytestmark = pytest.mark.django_db

LIST = reverse("web:contact_list")


@pytest.fixture
def org():
    return build_org()


@pytest.fixture
def customer(org):
    return f.CustomerFactory(name="上海铁路局", owner=org.owner)


@pytest.fixture
def contact(customer):
    return f.ContactFactory(customer=customer, name="郑丽华", title="处长", department="物资采购处")


def detail(contact):
    return reverse("web:contact_detail", args=[contact.pk])


@pytest.mark.parametrize("who", ["owner", "manager", "executive"])
def test_visible_contact_is_listed_and_opens(client, org, contact, who):
    login(client, getattr(org, who))
    assert "郑丽华" in client.get(LIST).content.decode()
    assert client.get(detail(contact)).status_code == 200


def test_a_rep_of_another_team_neither_lists_nor_opens_it(client, org, contact):
    login(client, org.outsider)
    assert "郑丽华" not in client.get(LIST).content.decode()
    assert client.get(detail(contact)).status_code == 404
    assert client.get(reverse("web:contact_edit", args=[contact.pk])).status_code == 404


def test_search_filter_and_order(client, org, customer):
    f.ContactFactory(customer=customer, name="周建国", title="局长", decision_role="decision_maker")
    f.ContactFactory(customer=customer, name="冯晓东", title="主任", decision_role="user")
    other = f.CustomerFactory(name="南京地铁", owner=org.owner)
    f.ContactFactory(customer=other, name="吴海涛", decision_role="user", influence=5)
    login(client, org.owner)
    assert "周建国" in client.get(LIST, {"q": "局长"}).content.decode()
    assert "冯晓东" not in client.get(LIST, {"q": "局长"}).content.decode()
    by_customer = client.get(LIST, {"q": "南京"}).content.decode()
    assert "吴海涛" in by_customer and "周建国" not in by_customer
    users = client.get(LIST, {"decision_role": "user"}).content.decode()
    assert "冯晓东" in users and "吴海涛" in users and "周建国" not in users
    ordered = [
        c.influence for c in client.get(LIST, {"ordering": "-influence"}).context["object_list"]
    ]
    assert ordered == sorted(ordered, reverse=True)


def test_htmx_request_gets_only_the_table(client, org, contact):
    login(client, org.owner)
    response = client.get(LIST, HTTP_HX_REQUEST="true")
    assert "<html" not in response.content.decode()
    assert response.templates[0].name == "relationships/partials/contact_table.html"


def _count(client):
    with CaptureQueriesContext(connection) as ctx:
        client.get(LIST)
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow_with_rows(
    client, org, customer, django_assert_max_num_queries
):
    f.ContactFactory.create_batch(3, customer=customer)
    login(client, org.manager)
    few = _count(client)
    for contact in f.ContactFactory.create_batch(20, customer=customer):
        f.AssessmentFactory(contact=contact)
    assert _count(client) == few
    with django_assert_max_num_queries(9):
        client.get(LIST)


def test_detail_shows_chain_reports_assessments_decision_chains_and_activities(
    client, org, customer, contact
):
    boss = f.ContactFactory(customer=customer, name="周建国", title="局长")
    contact.reports_to = boss
    contact.save()
    report = f.ContactFactory(customer=customer, name="钱文博", reports_to=contact)
    f.AssessmentFactory(contact=contact, assessed_on=dt.date(2025, 1, 1), closeness=40)
    f.AssessmentFactory(contact=contact, assessed_on=dt.date(2025, 6, 1), closeness=77)
    deal = f.OpportunityFactory(customer=customer, name="CBTC改造")
    DecisionChainMember.objects.create(opportunity=deal, contact=contact, role="influencer")
    activity = f.ActivityFactory(customer=customer, summary="技术交流会")
    activity.contacts.add(contact)
    login(client, org.owner)
    response = client.get(detail(contact))
    body = response.content.decode()
    assert [c.pk for c in response.context["chain"]] == [boss.pk]
    assert [c.pk for c in response.context["direct_reports"]] == [report.pk]
    assert response.context["latest"].closeness == 77
    for text in ("周建国", "钱文博", "CBTC改造", "技术交流会", "trend-data"):
        assert text in body


def test_create_and_edit_write_audit_entries(client, org, customer):
    login(client, org.owner)
    response = client.post(
        reverse("web:contact_create"),
        {"code": "K-NEW", "customer": customer.pk, "name": "孙志强", "influence": 4},
    )
    contact = Contact.objects.get(code="K-NEW")
    assert response.status_code == 302
    assert AuditEntry.objects.filter(object_id=str(contact.pk), action="create").exists()
    response = client.post(
        reverse("web:contact_edit", args=[contact.pk]),
        {
            "code": "K-NEW",
            "customer": customer.pk,
            "name": "孙志强",
            "title": "总工程师",
            "influence": 5,
            "version": 1,
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(object_id=str(contact.pk), action="update")
    assert entry.changes["title"] == ["", "总工程师"] and entry.actor == org.owner


def test_create_form_prefills_the_customer(client, org, customer):
    login(client, org.owner)
    form = client.get(reverse("web:contact_create"), {"customer": customer.pk}).context["form"]
    assert form["customer"].value() == customer.pk


def test_invalid_influence_is_reported_on_the_field(client, org, customer):
    login(client, org.owner)
    response = client.post(
        reverse("web:contact_create"),
        {"code": "K-BAD", "customer": customer.pk, "name": "某人", "influence": 9},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["influence"]


def test_stale_version_gets_409_and_keeps_input(client, org, contact):
    services.update_record(contact, data={"title": "副局长"}, actor=org.owner, expected_version=1)
    login(client, org.owner)
    response = client.post(
        reverse("web:contact_edit", args=[contact.pk]),
        {
            "code": contact.code,
            "customer": contact.customer_id,
            "name": "郑丽华",
            "title": "我的职务",
            "influence": 3,
            "version": 1,
        },
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert 'value="我的职务"' in body and "副局长" in body
    contact.refresh_from_db()
    assert contact.title == "副局长"


def test_delete_refused_while_in_a_decision_chain(client, org, customer, contact):
    deal = f.OpportunityFactory(customer=customer)
    DecisionChainMember.objects.create(opportunity=deal, contact=contact)
    login(client, org.owner)
    response = client.post(reverse("web:contact_delete", args=[contact.pk]), {"version": 1})
    assert response.status_code == 409
    assert Contact.objects.filter(pk=contact.pk).exists()
