import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kam.core import services
from kam.core.models import AuditEntry
from kam.core.tests import factories as f
from kam.finance.models import Contract
from kam.web.tests.scenario import build_org, login

pytestmark = pytest.mark.django_db

LIST = reverse("web:contract_list")


@pytest.fixture
def org():
    return build_org()


@pytest.fixture
def customer(org):
    return f.CustomerFactory(name="上海铁路局", owner=org.owner)


@pytest.fixture
def contract(org, customer):
    return f.ContractFactory(customer=customer, owner=org.owner, code="HT-2026-001")


def detail(contract):
    return reverse("web:contract_detail", args=[contract.pk])


@pytest.mark.parametrize("who", ["owner", "manager", "executive"])
def test_visible_contract_is_listed_and_opens(client, org, contract, who):
    login(client, getattr(org, who))
    assert "HT-2026-001" in client.get(LIST).content.decode()
    assert client.get(detail(contract)).status_code == 200


def test_a_rep_of_another_team_neither_lists_nor_opens_it(client, org, contract):
    login(client, org.outsider)
    assert "HT-2026-001" not in client.get(LIST).content.decode()
    assert client.get(detail(contract)).status_code == 404


def test_search_filter_order_and_htmx(client, org, customer, contract):
    other = f.CustomerFactory(name="南京地铁", owner=org.owner)
    f.ContractFactory(customer=other, code="HT-NJ", status="cancelled", amount=Decimal("5"))
    login(client, org.owner)
    found = client.get(LIST, {"q": "南京"}).content.decode()
    assert "HT-NJ" in found and "HT-2026-001" not in found
    cancelled = client.get(LIST, {"status": "cancelled"}).content.decode()
    assert "HT-NJ" in cancelled and "HT-2026-001" not in cancelled
    amounts = [c.amount for c in client.get(LIST, {"ordering": "amount"}).context["object_list"]]
    assert amounts == sorted(amounts)
    partial = client.get(LIST, HTTP_HX_REQUEST="true")
    assert partial.templates[0].name == "finance/partials/contract_table.html"


def _count(client):
    with CaptureQueriesContext(connection) as ctx:
        client.get(LIST)
    return len(ctx.captured_queries)


def test_list_query_count_is_fixed(client, org, customer, django_assert_max_num_queries):
    f.ContractFactory.create_batch(3, customer=customer)
    login(client, org.owner)
    few = _count(client)
    deal = f.OpportunityFactory(customer=customer)
    f.ContractFactory.create_batch(20, customer=customer, opportunity=deal)
    assert _count(client) == few
    with django_assert_max_num_queries(8):
        client.get(LIST)


def test_detail_shows_lines_with_margin_payments_with_overdue_and_deliveries(client, org, contract):
    contract.cost = None
    contract.save()
    f.ContractLineFactory(
        contract=contract,
        quantity=Decimal("2"),
        unit_price=Decimal("500000"),
        unit_cost=Decimal("300000"),
    )
    today = timezone.localdate()
    f.PaymentFactory(contract=contract, code="PM-LATE", due_on=today - dt.timedelta(days=10))
    f.PaymentFactory(
        contract=contract,
        code="PM-PAID",
        due_on=today - dt.timedelta(days=40),
        paid_on=today - dt.timedelta(days=35),
    )
    f.PaymentFactory(contract=contract, code="PM-SOON", due_on=today + dt.timedelta(days=30))
    f.DeliveryFactory(contract=contract, code="DL-1")
    login(client, org.owner)
    response = client.get(detail(contract))
    body = response.content.decode()
    overdue = {p.code: p.overdue for p in response.context["payments"]}
    assert overdue == {"PM-LATE": True, "PM-PAID": False, "PM-SOON": False}
    assert response.context["payment_totals"]["overdue_count"] == 1
    assert response.context["effective_cost"] == Decimal("600000")  # from the lines
    assert "40.0%" in body  # (1,000,000 − 600,000) / 1,000,000
    assert "DL-1" in body and 'data-testid="overdue"' in body


def test_create_edit_and_conflict(client, org, customer):
    login(client, org.owner)
    data = {
        "code": "HT-NEW",
        "customer": customer.pk,
        "owner": org.owner.pk,
        "signed_on": "2026-04-01",
        "amount": "3000000",
        "status": "active",
    }
    assert client.post(reverse("web:contract_create"), data).status_code == 302
    contract = Contract.objects.get(code="HT-NEW")
    assert AuditEntry.objects.filter(object_id=str(contract.pk), action="create").exists()
    edit = reverse("web:contract_edit", args=[contract.pk])
    assert client.post(edit, {**data, "cost": "1800000", "version": 1}).status_code == 302
    assert AuditEntry.objects.filter(object_id=str(contract.pk), action="update").exists()
    services.update_record(
        contract, data={"amount": Decimal("1")}, actor=org.owner, expected_version=2
    )
    stale = client.post(edit, {**data, "amount": "4444444", "version": 2})
    assert stale.status_code == 409
    assert 'value="4444444"' in stale.content.decode()


def test_opportunity_of_another_customer_is_refused_on_its_field(client, org, customer):
    deal = f.OpportunityFactory(customer=f.CustomerFactory(owner=org.owner))
    login(client, org.owner)
    response = client.post(
        reverse("web:contract_create"),
        {
            "code": "HT-BAD",
            "customer": customer.pk,
            "opportunity": deal.pk,
            "owner": org.owner.pk,
            "signed_on": "2026-04-01",
            "amount": "1",
            "status": "active",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["opportunity"]


def test_delete_refused_with_payments(client, org, contract):
    f.PaymentFactory(contract=contract)
    login(client, org.owner)
    response = client.post(reverse("web:contract_delete", args=[contract.pk]), {"version": 1})
    assert response.status_code == 409
    assert "PM" in response.context["error"] or response.context["error"]
    assert Contract.objects.filter(pk=contract.pk).exists()
