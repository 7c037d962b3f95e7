"""API conventions (issue 2 §7 and "Bad input"): token auth, pagination, ?code=, field-level
400s, 404 outside scope, 409 on a stale version, refusals naming dependents, audit trail."""

import pytest
from rest_framework.test import APIClient

from kam.core.models import AuditEntry
from kam.core.tests import factories as f
from kam.customers.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep():
    return f.UserFactory(username="rep", role="kam")


@pytest.fixture
def api(rep):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(rep)
    return client


def test_token_endpoint_returns_token_usable_as_authorization_header(rep):
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token", {"username": "rep", "password": f.PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/customers/").status_code == 200


def test_token_endpoint_refuses_a_wrong_password(rep):
    response = APIClient().post(
        "/api/v1/auth/token", {"username": "rep", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert "token" not in response.json()


def test_anonymous_gets_401_or_403():
    assert APIClient().get("/api/v1/customers/").status_code in (401, 403)


def test_list_is_paginated_and_filterable_by_code(api, rep):
    for _ in range(3):
        f.CustomerFactory(owner=rep)
    target = f.CustomerFactory(owner=rep, code="CX-1")
    body = api.get("/api/v1/customers/", {"page_size": 2}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 4 and len(body["results"]) == 2 and body["next"]
    body = api.get("/api/v1/customers/", {"code": "CX-1"}).json()
    assert [r["id"] for r in body["results"]] == [target.pk]


def test_page_size_is_capped_at_1000(api, rep):
    f.CustomerFactory(owner=rep)
    response = api.get("/api/v1/customers/", {"page_size": 5000})
    assert response.status_code == 200


def test_search_and_ordering(api, rep):
    f.CustomerFactory(owner=rep, name="北京地铁集团", code="B")
    f.CustomerFactory(owner=rep, name="上海申通地铁", code="A")
    f.CustomerFactory(owner=rep, name="广州电力", code="C")
    body = api.get("/api/v1/customers/", {"q": "地铁", "ordering": "-code"}).json()
    assert [r["code"] for r in body["results"]] == ["B", "A"]


def test_create_writes_audit_entry(api, rep):
    response = api.post(
        "/api/v1/customers/",
        {"code": "NEW-1", "name": "新客户", "owner": rep.pk, "strategic_importance": 80},
        format="json",
    )
    assert response.status_code == 201, response.json()
    customer = Customer.objects.get(code="NEW-1")
    entry = AuditEntry.objects.get(object_id=str(customer.pk), action="create")
    assert entry.actor == rep
    assert entry.changes["name"] == [None, "新客户"]


def test_invalid_data_gives_field_errors_and_writes_nothing(api, rep):
    response = api.post(
        "/api/v1/customers/",
        {"code": "BAD", "name": "x", "owner": rep.pk, "strategic_importance": 150},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["strategic_importance"] == ["Must be between 0 and 100."]
    assert not Customer.objects.filter(code="BAD").exists()


def test_cross_field_rule_is_reported_on_its_field(api, rep):
    customer = f.CustomerFactory(owner=rep)
    response = api.post(
        "/api/v1/opportunities/",
        {
            "code": "O-BAD",
            "customer": customer.pk,
            "name": "x",
            "owner": rep.pk,
            "amount": "100.00",
            "created_on": "2025-01-01",
            "review_status": "pending",
            "status": "won",
            "closed_on": "2025-02-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "status" in response.json()["errors"]


def test_update_requires_version_and_refuses_stale_one_with_409(api, rep):
    customer = f.CustomerFactory(owner=rep, name="旧名")
    url = f"/api/v1/customers/{customer.pk}/"
    assert api.patch(url, {"name": "x"}, format="json").status_code == 400
    ok = api.patch(url, {"name": "新名", "version": 1}, format="json")
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = api.patch(url, {"name": "另一个名字", "version": 1}, format="json")
    assert stale.status_code == 409
    body = stale.json()
    assert body["fields"] == ["name"] and body["current_version"] == 2
    customer.refresh_from_db()
    assert customer.name == "新名"


def test_unknown_id_is_404_json(api):
    response = api.get("/api/v1/customers/999999/")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_delete_refused_while_others_depend_on_it(api, rep):
    customer = f.CustomerFactory(owner=rep)
    f.OpportunityFactory(customer=customer)
    response = api.delete(f"/api/v1/customers/{customer.pk}/")
    assert response.status_code == 409
    assert "opportunit" in response.json()["detail"]
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_delete_records_audit(api, rep):
    customer = f.CustomerFactory(owner=rep)
    assert api.delete(f"/api/v1/customers/{customer.pk}/").status_code == 204
    entry = AuditEntry.objects.get(object_id=str(customer.pk), action="delete")
    assert entry.changes["code"] == [customer.code, None]


def test_history_action_lists_changes(api, rep):
    created = api.post(
        "/api/v1/customers/", {"code": "H1", "name": "甲", "owner": rep.pk}, format="json"
    ).json()
    api.patch(f"/api/v1/customers/{created['id']}/", {"name": "乙", "version": 1}, format="json")
    history = api.get(f"/api/v1/customers/{created['id']}/history/").json()
    assert [h["action"] for h in history] == ["update", "create"]
    assert history[0]["changes"]["name"] == ["甲", "乙"]


def test_schema_and_docs_are_served(api):
    assert api.get("/api/schema/").status_code == 200
    assert api.get("/api/docs/").status_code == 200
