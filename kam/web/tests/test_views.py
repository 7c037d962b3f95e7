import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from kam.core.tests import factories as f
from kam.web.templatetags.kam import margin, money
from kam.web.tests.scenario import build_org, login

pytestmark = pytest.mark.django_db

HOME = reverse("web:home")


@pytest.fixture
def org():
    return build_org()


@pytest.fixture
def book(org):
    """The owner's accounts, and one account of another team."""
    today = timezone.localdate()
    mine = f.CustomerFactory(name="上海铁路局", owner=org.owner)
    theirs = f.CustomerFactory(name="北京地铁", owner=org.outsider)
    stage = f.StageFactory()
    deal = f.OpportunityFactory(
        customer=mine, name="CBTC改造", amount=Decimal("3000000"), stage=stage
    )
    f.OpportunityFactory(
        customer=mine, amount=Decimal("1000000"), status="won", closed_on=dt.date(2025, 6, 1)
    )
    f.OpportunityFactory(customer=theirs, amount=Decimal("9000000"), stage=stage)
    signed = f.ContractFactory(customer=mine, amount=Decimal("2500000"), signed_on=today)
    f.ContractFactory(customer=mine, amount=Decimal("7"), signed_on=today, status="cancelled")
    f.ContractFactory(customer=theirs, amount=Decimal("8000000"), signed_on=today)
    f.PaymentFactory(contract=signed, amount=Decimal("400000"), due_on=today - dt.timedelta(1))
    f.TaskFactory(
        opportunity=deal,
        assignee=org.owner,
        title="提交技术方案",
        due_on=today - dt.timedelta(days=2),
    )
    f.TaskFactory(opportunity=deal, assignee=org.peer, title="别人的任务")
    f.ActivityFactory(customer=mine, summary="拜访采购处", occurred_on=today)
    f.ActivityFactory(customer=theirs, summary="别组的拜访", occurred_on=today)
    return {"mine": mine, "theirs": theirs, "deal": deal}


def test_home_requires_login(client):
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_home_summarises_only_what_the_user_may_see(client, org, book):
    login(client, org.owner)
    response = client.get(HOME)
    assert response.status_code == 200
    ctx = response.context
    assert ctx["customer_count"] == 1
    assert ctx["pipeline"] == {"count": 1, "amount": Decimal("3000000.00")}
    assert ctx["signed"] == {"count": 1, "amount": Decimal("2500000.00")}
    assert ctx["overdue"]["count"] == 1
    assert [t.title for t in ctx["tasks"]] == ["提交技术方案"]
    assert ctx["task_counts"] == {"count": 1, "overdue": 1}
    body = response.content.decode()
    assert "拜访采购处" in body and "别组的拜访" not in body
    assert "stage-data" in body and "vendor/echarts.min.js" in body


def test_home_for_manager_and_executive(client, org, book):
    login(client, org.manager)
    assert client.get(HOME).context["customer_count"] == 1
    login(client, org.executive)
    ctx = client.get(HOME).context
    assert ctx["customer_count"] == 2
    assert ctx["pipeline"]["amount"] == Decimal("12000000.00")


def test_home_runs_a_fixed_number_of_queries(client, org, book, django_assert_max_num_queries):
    login(client, org.owner)
    with django_assert_max_num_queries(13):
        client.get(HOME)


def test_login_page_and_sign_in(client, org):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()
    response = client.post(reverse("login"), {"username": "owner", "password": f.PASSWORD})
    assert response.status_code == 302 and response["Location"] == HOME


def test_logout_is_a_post(client, org):
    login(client, org.owner)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(HOME).status_code == 302


def test_chinese_by_default_and_english_after_switching(client, org):
    login(client, org.owner)
    body = client.get(HOME).content.decode()
    assert "大客户管理" in body and "客户" in body and 'lang="zh-CN"' in body
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("web:customer_list")}
    )
    assert response.status_code == 302
    body = client.get(reverse("web:customer_list")).content.decode()
    assert 'lang="en"' in body and "Key Account Management" in body and "New customer" in body
    client.post(reverse("set_language"), {"language": "zh-hans", "next": HOME})
    assert "新建客户" in client.get(reverse("web:customer_list")).content.decode()


def test_english_browser_gets_english(client, org):
    login(client, org.owner)
    body = client.get(HOME, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Open pipeline" in body


def test_navigation_follows_the_role(client, org):
    login(client, org.owner)
    nav = {item["key"] for item in client.get(HOME).context["nav_items"]}
    assert nav == {
        "home",
        "customers",
        "contacts",
        "leads",
        "opportunities",
        "contracts",
        "evaluation",
    }
    extra = {item["key"] for item in client.get(HOME).context["nav_extra"]}
    assert extra == {"api"}
    presales = f.UserFactory(username="pre", role="presales", team=org.team_a)
    login(client, presales)
    nav = {item["key"] for item in client.get(HOME).context["nav_items"]}
    assert "leads" not in nav and "contracts" not in nav and "opportunities" in nav
    staff = f.UserFactory(username="boss", role="admin", is_staff=True, team=None)
    login(client, staff)
    response = client.get(HOME)
    assert "admin" in {item["key"] for item in response.context["nav_extra"]}
    assert 'href="/admin/"' in response.content.decode()


@override_settings(DEBUG=False)
def test_not_found_page_is_friendly(client, org):
    login(client, org.owner)
    response = client.get("/customers/999999/")
    assert response.status_code == 404
    assert 'data-testid="not-found"' in response.content.decode()


@pytest.mark.parametrize(
    ("language", "value", "shown"),
    [
        ("zh-hans", Decimal("1234567"), "123.46 万元"),
        ("zh-hans", Decimal("123456789.99"), "12,345.68 万元"),
        ("en", Decimal("1234567"), "¥1,234,567.00"),
        ("en", Decimal("-50.5"), "-¥50.50"),
        ("en", None, "—"),
    ],
)
def test_money_filter_follows_the_language(language, value, shown):
    with translation.override(language):
        assert money(value) == shown


def test_margin_tag():
    assert "40.0%" in margin(Decimal("100"), Decimal("60"))
    assert "bad" in margin(Decimal("100"), Decimal("120"))
    assert margin(Decimal("100"), None) == "—"
