import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kam.core import services
from kam.core.models import AuditEntry
from kam.core.tests import factories as f
from kam.customers.models import Customer
from kam.web.tests.scenario import build_org, login

pytestmark = pytest.mark.django_db

LIST = reverse("web:customer_list")


@pytest.fixture
def org():
    return build_org()


@pytest.fixture
def customer(org):
    return f.CustomerFactory(name="上海铁路局", owner=org.owner, region=org.region, tier="S")


def detail(customer):
    return reverse("web:customer_detail", args=[customer.pk])


def test_anonymous_is_sent_to_login(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["owner", "manager", "executive"])
def test_list_and_detail_show_the_customer_to_those_who_may_see_it(client, org, customer, who):
    login(client, getattr(org, who))
    response = client.get(LIST)
    assert response.status_code == 200
    assert "上海铁路局" in response.content.decode()
    assert client.get(detail(customer)).status_code == 200


def test_a_rep_of_another_team_neither_lists_nor_opens_it(client, org, customer):
    login(client, org.outsider)
    response = client.get(LIST)
    assert response.status_code == 200
    assert "上海铁路局" not in response.content.decode()
    assert client.get(detail(customer)).status_code == 404
    assert client.get(reverse("web:customer_edit", args=[customer.pk])).status_code == 404
    assert client.get(reverse("web:customer_delete", args=[customer.pk])).status_code == 404


def test_an_account_team_member_sees_the_customer(client, org, customer):
    f.AccountTeamMemberFactory(customer=customer, user=org.outsider, role="presales")
    login(client, org.outsider)
    assert "上海铁路局" in client.get(LIST).content.decode()
    assert client.get(detail(customer)).status_code == 200


def test_search_filter_and_order(client, org):
    f.CustomerFactory(name="南京地铁集团", owner=org.owner, tier="A", industry="城市轨道")
    f.CustomerFactory(name="杭州地铁集团", owner=org.owner, tier="B", industry="城市轨道")
    f.CustomerFactory(name="中车浦镇", owner=org.owner, tier="A", industry="机车车辆")
    login(client, org.owner)

    found = client.get(LIST, {"q": "地铁"}).content.decode()
    assert "南京地铁集团" in found and "杭州地铁集团" in found and "中车浦镇" not in found

    tier_a = client.get(LIST, {"tier": "A"}).content.decode()
    assert "南京地铁集团" in tier_a and "中车浦镇" in tier_a and "杭州地铁集团" not in tier_a

    ordered = client.get(LIST, {"ordering": "-name"}).context["object_list"]
    names = [c.name for c in ordered]
    assert names == sorted(names, reverse=True)


def test_htmx_request_gets_only_the_table(client, org, customer):
    login(client, org.owner)
    response = client.get(LIST, {"q": "上海"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body and "上海铁路局" in body
    assert [t.name for t in response.templates][0] == "customers/partials/customer_table.html"
    assert "HX-Request" in response["Vary"]


def test_pagination_and_page_size(client, org):
    f.CustomerFactory.create_batch(30, owner=org.owner)
    login(client, org.owner)
    first = client.get(LIST)
    assert len(first.context["object_list"]) == 25 and first.context["total"] == 30
    assert len(client.get(LIST, {"page": 2}).context["object_list"]) == 5
    assert len(client.get(LIST, {"page_size": 10}).context["object_list"]) == 10
    assert len(client.get(LIST, {"page_size": 5000}).context["object_list"]) == 30
    assert client.get(LIST, {"page": 99}).status_code == 200


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["owner", "manager"])
def test_list_runs_a_fixed_small_number_of_queries(client, org, who, django_assert_max_num_queries):
    f.CustomerFactory.create_batch(3, owner=org.owner, region=org.region)
    login(client, getattr(org, who))
    few = _count_queries(client, LIST)
    f.CustomerFactory.create_batch(20, owner=org.owner, region=org.region)
    assert _count_queries(client, LIST) == few
    with django_assert_max_num_queries(9):
        client.get(LIST)


def test_detail_shows_related_records_within_visibility(client, org, customer):
    f.ContactFactory(customer=customer, name="周建国")
    f.OpportunityFactory(customer=customer, name="CBTC改造")
    f.ContractFactory(customer=customer, code="HT-001")
    f.LeadFactory(customer=customer, title="改造线索")
    f.ServiceRequestFactory(customer=customer, title="道岔故障")
    f.ActivityFactory(customer=customer, summary="高层拜访")
    f.TierHistoryFactory(customer=customer, reason="年度评分")
    f.AccountTeamMemberFactory(customer=customer, user=org.peer, role="sales")
    subsidiary = f.CustomerFactory(name="浦镇分公司", owner=org.owner, parent=customer)
    hidden_subsidiary = f.CustomerFactory(name="他人子公司", owner=org.outsider, parent=customer)
    login(client, org.owner)
    body = client.get(detail(customer)).content.decode()
    for text in (
        "周建国",
        "CBTC改造",
        "HT-001",
        "改造线索",
        "道岔故障",
        "高层拜访",
        "年度评分",
        "李娜",
    ):
        assert text in body
    assert subsidiary.name in body
    assert hidden_subsidiary.name not in body


def test_create_through_the_form_writes_an_audit_entry(client, org):
    login(client, org.owner)
    response = client.post(
        reverse("web:customer_create"),
        {
            "code": "CUS-NEW",
            "name": "苏州轨道交通",
            "industry": "城市轨道",
            "region": org.region.pk,
            "owner": org.owner.pk,
            "strategic_importance": "80",
            "created_on": "2026-01-05",
        },
    )
    customer = Customer.objects.get(code="CUS-NEW")
    assert response.status_code == 302 and response["Location"] == detail(customer)
    entry = AuditEntry.objects.get(object_id=str(customer.pk), action="create")
    assert entry.actor == org.owner and entry.changes["name"] == [None, "苏州轨道交通"]


def test_form_choices_are_limited_to_visible_records(client, org, customer):
    hidden = f.CustomerFactory(name="别组客户", owner=org.outsider)
    login(client, org.owner)
    form = client.get(reverse("web:customer_create")).context["form"]
    assert customer in form.fields["parent"].queryset
    assert hidden not in form.fields["parent"].queryset
    response = client.post(
        reverse("web:customer_create"),
        {"code": "X1", "name": "新客户", "owner": org.owner.pk, "parent": hidden.pk},
    )
    assert response.status_code == 400
    assert not Customer.objects.filter(code="X1").exists()


def test_service_validation_errors_are_shown_on_their_fields(client, org, customer):
    login(client, org.owner)
    response = client.post(
        reverse("web:customer_create"),
        {"code": customer.code, "name": "重复编码", "owner": org.owner.pk},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["code"]


def test_edit_through_the_form_writes_an_audit_entry(client, org, customer):
    login(client, org.owner)
    url = reverse("web:customer_edit", args=[customer.pk])
    form = client.get(url).context["form"]
    assert form["version"].value() == 1
    response = client.post(
        url,
        {
            "code": customer.code,
            "name": "上海铁路局（更名）",
            "owner": org.owner.pk,
            "region": org.region.pk,
            "version": 1,
        },
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.name == "上海铁路局（更名）" and customer.version == 2
    entry = AuditEntry.objects.get(object_id=str(customer.pk), action="update")
    assert entry.actor == org.owner
    assert entry.changes["name"] == ["上海铁路局", "上海铁路局（更名）"]
    assert "上海铁路局（更名）" in client.get(detail(customer)).content.decode()


def test_a_stale_version_gets_409_keeps_the_input_and_names_the_conflict(client, org, customer):
    services.update_record(
        customer, data={"name": "他人改的名"}, actor=org.manager, expected_version=1
    )
    login(client, org.owner)
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("web:customer_edit", args=[customer.pk]),
        {"code": customer.code, "name": "我的输入", "owner": org.owner.pk, "version": 1},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else saved this record after you opened it" in body
    assert 'value="我的输入"' in body
    assert "他人改的名" in body  # their value, shown next to the field
    assert response.context["conflict_fields"][0]["name"] == "name"
    customer.refresh_from_db()
    assert customer.name == "他人改的名"
    # The form now carries the current version: saving again is a deliberate overwrite.
    assert response.context["form"]["version"].value() == "2"


def test_delete_is_refused_while_records_depend_on_it(client, org, customer):
    f.ContactFactory(customer=customer)
    login(client, org.owner)
    url = reverse("web:customer_delete", args=[customer.pk])
    response = client.post(url, {"version": customer.version})
    assert response.status_code == 409
    assert response.context["error"]
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_delete_removes_the_record_and_audits_it(client, org):
    lonely = f.CustomerFactory(owner=org.owner)
    login(client, org.owner)
    response = client.post(
        reverse("web:customer_delete", args=[lonely.pk]), {"version": lonely.version}
    )
    assert response.status_code == 302 and response["Location"] == LIST
    assert not Customer.objects.filter(pk=lonely.pk).exists()
    assert AuditEntry.objects.filter(object_id=str(lonely.pk), action="delete").exists()


def test_detail_history_lists_changes(client, org, customer):
    services.update_record(
        customer, data={"name": "新名称", "owner": org.peer}, actor=org.manager, expected_version=1
    )
    login(client, org.manager)
    response = client.get(detail(customer))
    rows = response.context["history"]
    assert rows[0]["entry"].actor == org.manager
    changes = {c["field"]: (c["old"], c["new"]) for c in rows[0]["changes"]}
    assert changes["名称"] == ("上海铁路局", "新名称")
    assert changes["负责人"] == ("张伟", "李娜")


def test_a_change_that_would_hide_the_record_is_refused_on_the_form(client, org, customer):
    login(client, org.owner)
    response = client.post(
        reverse("web:customer_edit", args=[customer.pk]),
        {"code": customer.code, "name": customer.name, "owner": org.outsider.pk, "version": 1},
    )
    assert response.status_code == 403
    assert response.context["form"].non_field_errors()
    customer.refresh_from_db()
    assert customer.owner == org.owner


def test_signed_out_htmx_request_redirects_the_whole_page(client):
    response = client.get(LIST, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("login"))
