"""End-to-end: a sales rep signs in, finds a customer, opens it; visibility, language, phone."""

import pytest
from playwright.sync_api import expect

from kam.core.tests import factories as f
from kam.web.tests.scenario import build_org

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def accounts():
    org = build_org()
    mine = f.CustomerFactory(name="上海铁路局", owner=org.owner, region=org.region, tier="S")
    f.CustomerFactory(name="南京地铁集团", owner=org.owner, region=org.region, tier="A")
    theirs = f.CustomerFactory(name="北京地铁运营公司", owner=org.outsider, tier="A")
    f.ContactFactory(customer=mine, name="周建国", title="局长")
    f.ContactFactory(customer=mine, name="郑丽华", title="处长")
    f.OpportunityFactory(customer=mine, name="CBTC信号系统改造", stage=f.StageFactory())
    f.ContractFactory(customer=mine, code="HT-2026-001")
    return {"org": org, "mine": mine, "theirs": theirs}


def sign_in(page, base, username="owner"):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f.PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{base}/")


def test_rep_finds_and_opens_a_customer(page, live_server, accounts, shot):
    base = live_server.url
    sign_in(page, base)
    expect(page.get_by_test_id("user-name")).to_have_text("张伟")
    expect(page.get_by_test_id("kpi-customers")).to_have_text("2")
    shot(page, "01-home")

    page.click("[data-nav=customers]")
    page.wait_for_url(f"{base}/customers/")
    results = page.get_by_test_id("results")
    expect(results).to_contain_text("上海铁路局")
    expect(results).to_contain_text("南京地铁集团")
    expect(results).not_to_contain_text("北京地铁运营公司")

    # Search updates the table in place (htmx) and pushes the URL: no full reload.
    page.evaluate("window.__stillHere = true")
    page.get_by_test_id("search").fill("上海")
    expect(results).not_to_contain_text("南京地铁集团")
    expect(results).to_contain_text("上海铁路局")
    page.wait_for_url("**/customers/?*q=*")
    assert page.evaluate("window.__stillHere") is True
    shot(page, "02-customers-search")

    page.get_by_role("link", name="上海铁路局").click()
    page.wait_for_url(f"{base}/customers/{accounts['mine'].pk}/")
    expect(page.get_by_test_id("record-title")).to_contain_text("上海铁路局")
    expect(page.get_by_test_id("contacts")).to_contain_text("周建国")
    expect(page.get_by_test_id("contacts")).to_contain_text("郑丽华")
    expect(page.get_by_test_id("opportunities")).to_contain_text("CBTC信号系统改造")
    expect(page.get_by_test_id("contracts")).to_contain_text("HT-2026-001")
    shot(page, "03-customer-detail")


def test_rep_cannot_open_another_teams_customer(page, live_server, accounts, shot):
    base = live_server.url
    sign_in(page, base)
    response = page.goto(f"{base}/customers/{accounts['theirs'].pk}/")
    assert response.status == 404
    expect(page.get_by_test_id("not-found")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("北京地铁运营公司")
    shot(page, "04-not-found")


def test_language_switch_to_english_and_back(page, live_server, accounts, shot):
    base = live_server.url
    sign_in(page, base)
    page.goto(f"{base}/customers/")
    expect(page.locator("h1")).to_have_text("客户")
    page.get_by_test_id("lang-en").click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("Customers")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("results")).to_contain_text("records")
    shot(page, "05-customers-english")
    page.get_by_test_id("lang-zh").click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("客户")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


def test_phone_viewport_collapses_the_sidebar(page, live_server, accounts, shot):
    base = live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base)
    nav = page.get_by_test_id("main-nav")
    expect(nav).not_to_be_in_viewport()
    shot(page, "06-phone-home", full_page=False)
    page.click("[data-nav-toggle]")
    expect(nav).to_be_in_viewport()
    expect(page.locator("[data-nav=customers]")).to_be_visible()
    page.wait_for_timeout(300)  # the drawer's slide-in transition
    shot(page, "07-phone-nav-open", full_page=False)
    page.click("[data-nav=customers]")
    page.wait_for_url(f"{base}/customers/")
    expect(page.get_by_test_id("results")).to_contain_text("上海铁路局")
    shot(page, "08-phone-customers", full_page=False)
