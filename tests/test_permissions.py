"""The shared permission suite (DESIGN.md: "runs every endpoint as anonymous, as an outsider, as
the owner, as a manager above"; DOMAIN.md "Data visibility").

Every API resource in ``kam.web.api_urls.ROUTES``, every page the URL resolver knows, and every
model's ``visible_to`` selector is exercised against the world of ``tests/conftest.py``: a north
chain (customer of ``owner``) and a south chain (customer of ``outsider``), each with one record
of every kind. The expected visibility of each route's record for each persona is the table
below; a new route, page or model that is not covered makes a completeness test fail.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.shortcuts import resolve_url
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern
from django.views.generic import RedirectView
from django_filters import ModelChoiceFilter, ModelMultipleChoiceFilter
from rest_framework.test import APIClient

from kam.core.models import AuditEntry
from kam.core.visibility import Everyone, Personal
from kam.web.api_urls import ROUTES
from tests.conftest import NORTH_TAG, PERSONAS, SOUTH_TAG, kam_models

API = "/api/v1"
VIEWSETS = dict(ROUTES)
ROUTE_NAMES = [prefix for prefix, _viewset in ROUTES]
MISSING_PK = 987654321
SIDES = ("north", "south")


def model_of(route: str) -> type[models.Model]:
    return VIEWSETS[route].serializer_class.Meta.model


def is_personal(model: type[models.Model]) -> bool:
    return any(isinstance(rule, Personal) for rule in getattr(model, "visibility", ()))


def is_everyone(model: type[models.Model]) -> bool:
    return any(isinstance(rule, Everyone) for rule in getattr(model, "visibility", ()))


RECORD_ROUTES = [r for r in ROUTE_NAMES if not is_everyone(model_of(r))]

# ---------------------------------------------------------------------------------------------
# Who sees what: the expected visibility of each route's record, per persona and side.

# The north chain's records: the owner; ``ps`` (on the customer's account team: ``Served``,
# ``Linked(AccountTeamMember)``, and ``Via`` the customer, deal or contract); the owner's manager
# and the region head (their principals include the owner); executives and admins (everything).
NORTH_SEES = frozenset({"owner", "ps", "mgr1", "head", "exec", "admin"})
SOUTH_SEES = frozenset({"outsider", "mgr_s", "exec", "admin"})
# ``targets`` is the owner's *user* target: ``Owner("user")`` / ``InTeams("team")`` decide, not
# the customer — so ``ps`` (account-team member) does not see it; the owner's managers do.
TARGET_SEES = frozenset({"owner", "mgr1", "head", "exec", "admin"})
# ``ps2`` is assigned to the north deal only (not on the account team):
# - ``Linked(PresalesAssignment)`` shows them the deal, and the customer;
# - ``Via`` the customer / deal / contract shows everything hanging off those;
# - ``Linked(DecisionChainMember)`` shows the contacts on their deal's decision chain;
# - leads and customer requests are ``Owner`` / ``Served`` only (``Served`` counts owners and
#   account-team members, not assignees), so those stay hidden.
PS2_SEES = frozenset(
    {
        "customers",
        "account_team",
        "tier_history",
        "account_plans",
        "account_plan_lines",
        "tier_overrides",
        "surveys",
        "scoring_results",
        "contacts",
        "relationship_assessments",
        "decision_chain",
        "activities",
        "opportunities",
        "opportunity_competitors",
        "tasks",
        "bids",
        "bid_documents",
        "presales_assignments",
        "time_entries",
        "ratings",
        "contracts",
        "contract_lines",
        "payments",
        "deliveries",
        "expenses",
    }
)
# ``svc`` has the north customer request routed to them: ``Owner("assignee")`` shows the request,
# ``Linked(ServiceRequest)`` the customer, and ``Via`` the customer what hangs off it directly.
# Contacts are ``Served`` (owner / account team only): hidden.
SVC_SEES = frozenset(
    {
        "service_requests",
        "customers",
        "account_team",
        "tier_history",
        "account_plans",
        "account_plan_lines",
        "tier_overrides",
        "surveys",
        "scoring_results",
    }
)


def expected_visible(route: str, side: str, persona: str) -> bool:
    if is_everyone(model_of(route)):
        return True  # reference data: every signed-in user reads it
    if side == "south":
        return persona in SOUTH_SEES
    if persona == "ps2":
        return route in PS2_SEES
    if persona == "svc":
        return route in SVC_SEES
    if route == "targets":
        return persona in TARGET_SEES
    return persona in NORTH_SEES


# ---------------------------------------------------------------------------------------------
# Helpers


def api(w, persona: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if persona != "anonymous":
        client.force_authenticate(w.user(persona))
    return client


def record(w, route: str, side: str = "north"):
    chain = w.chain(side)
    assert route in chain, (
        f"no record builder for API route {route!r}: add one to build_chain/build_reference in "
        "tests/conftest.py"
    )
    return chain[route]


def listed(client, route: str, **params) -> dict:
    response = client.get(f"{API}/{route}/", {"page_size": 1000, **params})
    assert response.status_code == 200, (route, params, response.content[:500])
    body = response.json()
    assert body["count"] == len(body["results"]), "count must be what the list shows"
    return body


def ids(body: dict) -> set:
    return {row["id"] for row in body["results"]}


def search_term(route: str, obj) -> str:
    field = VIEWSETS[route].filterset_class.search_fields[0]
    value = obj
    for part in field.split("__"):
        value = getattr(value, part)
    return str(value)


def normalised(response, *pks) -> tuple:
    """Status and body with the given ids blanked, to compare two answers for an oracle."""
    text = response.content.decode()
    for pk in pks:
        text = re.sub(rf"\b{pk}\b", "<pk>", text)
    return response.status_code, text


def field_errors(response) -> dict:
    """A 400's field errors (``{"detail": …, "errors": {field: [...]}}``)."""
    body = response.json()
    return body.get("errors", body) if isinstance(body, dict) else {}


def refreshed(obj):
    return type(obj).objects.filter(pk=obj.pk).first()


def role_may_write(route: str, user) -> bool:
    viewset = VIEWSETS[route]
    if viewset.read_only:
        return False
    return viewset.write_roles is None or user.is_superuser or user.role in viewset.write_roles


def hidden_relations(route: str) -> list[str]:
    """Writable references of a route's records to records with restricted visibility."""
    model = model_of(route)
    fields = [
        *(f for f in model._meta.concrete_fields if f.is_relation),
        *model._meta.many_to_many,
    ]
    serializer_fields = VIEWSETS[route].serializer_class(context={}).get_fields()
    return [
        f.name
        for f in fields
        if f.editable
        and f.name in serializer_fields
        and not serializer_fields[f.name].read_only
        and hasattr(f.related_model, "visibility")
        and not is_everyone(f.related_model)
    ]


WRITABLE_RECORD_ROUTES = [
    r for r in RECORD_ROUTES if not VIEWSETS[r].read_only and VIEWSETS[r].write_roles is None
]
HIDDEN_RELATIONS = [(r, name) for r in WRITABLE_RECORD_ROUTES for name in hidden_relations(r)]


def _filtered_model(route: str, flt):
    """The model a record filter chooses from (by its field path, else its queryset)."""
    model = model_of(route)
    try:
        for part in flt.field_name.split("__"):
            model = model._meta.get_field(part).related_model
        return model
    except (FieldDoesNotExist, AttributeError):
        return getattr(flt.queryset, "model", None)


HIDDEN_FILTERS = [
    pytest.param(route, name, related, id=f"{route}-{name}")
    for route in ROUTE_NAMES
    for name, flt in VIEWSETS[route].filterset_class.base_filters.items()
    if isinstance(flt, ModelChoiceFilter | ModelMultipleChoiceFilter)
    and (related := _filtered_model(route, flt)) is not None
    and hasattr(related, "visibility")
    and not is_everyone(related)
]


# ---------------------------------------------------------------------------------------------
# Completeness


def test_every_api_route_has_a_record_on_both_sides(w):
    missing = [r for r in ROUTE_NAMES if r not in w.north or r not in w.south]
    assert not missing, f"routes without a record builder in tests/conftest.py: {missing}"
    for route in ROUTE_NAMES:
        for side in SIDES:
            assert type(record(w, route, side)) is model_of(route), (route, side)


def test_expectation_tables_name_real_routes():
    assert set(RECORD_ROUTES) >= PS2_SEES
    assert set(RECORD_ROUTES) >= SVC_SEES
    assert set(PERSONAS) >= NORTH_SEES | SOUTH_SEES | TARGET_SEES


def test_the_two_chains_never_share_a_record(w):
    for route in RECORD_ROUTES:
        assert record(w, route, "north").pk != record(w, route, "south").pk, route


# ---------------------------------------------------------------------------------------------
# API: reads


@pytest.mark.parametrize("route", ROUTE_NAMES)
def test_anonymous_gets_no_data(w, route):
    client = api(w, "anonymous")
    pk = record(w, route).pk
    for url in (f"{API}/{route}/", f"{API}/{route}/{pk}/", f"{API}/{route}/{pk}/history/"):
        response = client.get(url)
        assert response.status_code in (401, 403), (url, response.status_code)
        assert set(response.json()) <= {"detail"}, url


# Admins read exactly like executives (``sees_everything``); reference data reads the same for
# every signed-in user, so the outsider stands for everyone there.
READ_CASES = [
    pytest.param(route, persona, id=f"{route}-{persona}")
    for route in ROUTE_NAMES
    for persona in (
        [p for p in PERSONAS if p != "admin"] if route in RECORD_ROUTES else ["outsider"]
    )
]
NOT_FOUND = {"detail": "Not found."}


@pytest.mark.parametrize(("route", "persona"), READ_CASES)
def test_list_and_detail_show_exactly_the_visible_records(w, route, persona):
    """Both sides' records are listed (and counted) exactly when the persona may see them; the
    north record's detail answers 200, or 404 exactly like a missing id."""
    client = api(w, persona)
    body = listed(client, route)
    for side in SIDES:
        obj = record(w, route, side)
        assert (obj.pk in ids(body)) is expected_visible(route, side, persona), (side, obj)
    obj = record(w, route, "north")
    detail = client.get(f"{API}/{route}/{obj.pk}/")
    if expected_visible(route, "north", persona):
        assert detail.status_code == 200, detail.content[:300]
        assert detail.json()["id"] == obj.pk
    else:
        assert (detail.status_code, detail.json()) == (404, NOT_FOUND)


@pytest.mark.parametrize("route", RECORD_ROUTES)
def test_outsider_finds_no_trace_by_search_code_or_history(w, route):
    """The outsider: ``?q=`` (by the record's code or first search field) finds nothing,
    ``?code=`` counts nothing, ``history`` answers 404 — while the same doors work on their
    own (south) record."""
    client = api(w, "outsider")
    assert client.get(f"{API}/{route}/{MISSING_PK}/").json() == NOT_FOUND
    has_code = "code" in VIEWSETS[route].filterset_class.base_filters
    for side in SIDES:
        obj = record(w, route, side)
        visible = expected_visible(route, side, "outsider")
        assert visible is (side == "south")
        found = listed(client, route, q=search_term(route, obj))
        assert (obj.pk in ids(found)) is visible, (side, "q")
        if has_code:
            assert listed(client, route, code=obj.code)["count"] == int(visible), (side, "code")
        history = client.get(f"{API}/{route}/{obj.pk}/history/")
        if visible:
            assert history.status_code == 200
            detail = client.get(f"{API}/{route}/{obj.pk}/")
            assert detail.status_code == 200
        else:
            assert (history.status_code, history.json()) == (404, NOT_FOUND)


@pytest.mark.parametrize(("route", "name", "related"), HIDDEN_FILTERS)
def test_filtering_by_a_hidden_record_is_no_existence_oracle(w, route, name, related):
    """``?customer=<id>`` of a record the caller cannot see answers exactly like an id that
    does not exist (never a different status, never other rows)."""
    hidden = w.record_of_model(related, "north")
    assert hidden is not None, f"no north record of {related.__name__}"
    client = api(w, "outsider")
    real = client.get(f"{API}/{route}/", {name: hidden.pk})
    fake = client.get(f"{API}/{route}/", {name: MISSING_PK})
    assert normalised(real, hidden.pk) == normalised(fake, MISSING_PK), real.content[:300]
    # The filter itself works for someone who sees the record.
    assert api(w, "owner").get(f"{API}/{route}/", {name: hidden.pk}).status_code == 200


def test_hourly_cost_is_read_by_the_person_their_managers_executives_and_admins(w):
    owner = w.users["owner"]
    # mgr1 and the region head are above the owner; no other manager is.
    readers = {"owner", "mgr1", "head", "exec", "admin"}
    for persona in PERSONAS:
        data = api(w, persona).get(f"{API}/users/{owner.pk}/").json()
        assert ("hourly_cost" in data) is (persona in readers), persona


# ---------------------------------------------------------------------------------------------
# API: writes


# Routes whose model has stricter ``write_visibility``: changed only by those who own the
# customer (and their managers), not by every account-team member.
OWNER_WRITES = {"account_team", "tier_history"}

# (route, persona, side): who tries to save which side's record.
WRITE_CASES = [
    pytest.param(route, persona, side, id=f"{route}-{persona}-{side}")
    for route in ROUTE_NAMES
    for persona, side in (
        [
            ("owner", "north"),
            ("owner", "south"),
            ("ps", "north"),
            ("mgr1", "north"),
            ("exec", "north"),
            ("outsider", "north"),
        ]
        if route in RECORD_ROUTES
        else [("owner", "north"), ("exec", "north"), ("admin", "north")]
    )
]


@pytest.mark.parametrize(("route", "persona", "side"), WRITE_CASES)
def test_patch_and_delete_follow_role_and_visibility(w, route, persona, side):
    """PATCH: read-only resources, and reference data for roles outside ``write_roles`` → 403;
    a record outside the caller's visibility → 404, like a missing id; else the save works.
    DELETE is refused the same way (allowed deletes are not run: dependents)."""
    client = api(w, persona)
    may_write = role_may_write(route, w.user(persona))
    obj = refreshed(record(w, route, side))
    url = f"{API}/{route}/{obj.pk}/"
    response = client.patch(url, {"version": obj.version}, format="json")
    staffing = route in OWNER_WRITES and persona == "ps"
    if may_write and expected_visible(route, side, persona) and staffing:
        # an account-team member sees the team but does not staff it
        assert response.status_code == 403, response.content[:300]
        return
    if may_write and expected_visible(route, side, persona):
        assert response.status_code == 200, response.content[:500]
        assert refreshed(obj).version == obj.version + 1
        return
    if may_write:
        assert (response.status_code, response.json()) == (404, NOT_FOUND)
    else:
        assert response.status_code == 403, response.content[:300]
    assert client.delete(url).status_code == response.status_code
    after = refreshed(obj)
    assert after is not None and after.version == obj.version, "the record changed"


@pytest.mark.parametrize("persona", ["owner", "exec", "admin"])
@pytest.mark.parametrize("route", [r for r in ROUTE_NAMES if VIEWSETS[r].write_roles])
def test_creating_reference_data_needs_a_writing_role(w, route, persona):
    user = w.user(persona)
    response = api(w, persona).post(f"{API}/{route}/", {}, format="json")
    if role_may_write(route, user):
        assert response.status_code == 400  # allowed, but an empty record is invalid
    else:
        assert response.status_code == 403
        assert response.json()["detail"]


@pytest.mark.parametrize("persona", ["owner", "admin"])
@pytest.mark.parametrize("route", [r for r in ROUTE_NAMES if VIEWSETS[r].read_only])
def test_read_only_resources_refuse_every_write(w, route, persona):
    client = api(w, persona)
    obj = record(w, route)
    assert client.post(f"{API}/{route}/", {}, format="json").status_code == 403
    url = f"{API}/{route}/{obj.pk}/"
    assert client.patch(url, {"version": obj.version}, format="json").status_code == 403
    assert client.put(url, {"version": obj.version}, format="json").status_code == 403
    assert client.delete(url).status_code == 403
    assert refreshed(obj) is not None


def _reference_value(field_name: str, model, related_obj):
    field = model._meta.get_field(field_name)
    return [related_obj.pk] if field.many_to_many else related_obj.pk


@pytest.mark.parametrize(("route", "name"), HIDDEN_RELATIONS)
def test_create_cannot_point_at_a_hidden_record(w, route, name):
    """The serializer's choices are the caller's visible records: a hidden one is refused with
    a field error worded exactly like a missing id."""
    model = model_of(route)
    related = model._meta.get_field(name).related_model
    hidden = w.record_of_model(related, "north")
    client = api(w, "outsider")
    real = client.post(
        f"{API}/{route}/", {name: _reference_value(name, model, hidden)}, format="json"
    )
    fake_obj = type("Missing", (), {"pk": MISSING_PK})()
    fake = client.post(
        f"{API}/{route}/", {name: _reference_value(name, model, fake_obj)}, format="json"
    )
    assert real.status_code == 400, real.content[:300]
    assert name in field_errors(real), real.json()
    assert normalised(real, hidden.pk) == normalised(fake, MISSING_PK)
    # The same reference is accepted from someone who sees it.
    own = api(w, "owner").post(
        f"{API}/{route}/", {name: _reference_value(name, model, hidden)}, format="json"
    )
    # (Another rule, e.g. a one-to-one already taken, may still refuse it — but not as unseen.)
    assert own.status_code == 201 or field_errors(own).get(name) != field_errors(real)[name]


@pytest.mark.parametrize(("route", "name"), HIDDEN_RELATIONS)
def test_edit_cannot_point_at_a_hidden_record(w, route, name):
    """The owner cannot re-point their record at the other side's customer, deal, contact …"""
    model = model_of(route)
    obj = refreshed(record(w, route, "north"))
    related = model._meta.get_field(name).related_model
    hidden = w.record_of_model(related, "south")
    response = api(w, "owner").patch(
        f"{API}/{route}/{obj.pk}/",
        {name: _reference_value(name, model, hidden), "version": obj.version},
        format="json",
    )
    assert response.status_code == 400, response.content[:300]
    assert name in field_errors(response)
    assert refreshed(obj).version == obj.version


# (persona, route, record key in the north chain, field, the persona it is handed to)
# Each hand-over leaves the writer unable to see the record, so the service refuses it (403).
# Handing the owner's *opportunity* to the outsider is not among them: ``Served("customer")``
# keeps it in the owner's scope (the customer is still theirs), so that save is allowed.
MOVE_OUT_CASES = [
    ("owner", "customers", "customers", "owner", "outsider"),
    ("mgr1", "customers", "customers", "owner", "mgr_s"),
    ("owner", "leads", "lone_lead", "owner", "outsider"),
    ("owner", "expenses", "lone_expense", "owner", "outsider"),
    ("owner", "activities", "lone_activity", "owner", "peer"),
]


@pytest.mark.parametrize(("persona", "route", "key", "field", "to"), MOVE_OUT_CASES)
def test_a_write_cannot_move_a_record_out_of_the_writers_scope(w, persona, route, key, field, to):
    obj = refreshed(w.north[key])
    audit_count = AuditEntry.objects.count()
    response = api(w, persona).patch(
        f"{API}/{route}/{obj.pk}/",
        {field: w.users[to].pk, "version": obj.version},
        format="json",
    )
    assert response.status_code == 403, response.content[:300]
    assert response.json()["detail"]
    after = refreshed(obj)
    assert getattr(after, f"{field}_id") == getattr(obj, f"{field}_id")
    assert after.version == obj.version
    assert AuditEntry.objects.count() == audit_count


# ---------------------------------------------------------------------------------------------
# Selectors: every door reads through ``visible_to``

EXEMPT_FROM_VISIBILITY = {"core.auditentry"}  # shown only on the record pages it belongs to
KAM_MODELS = kam_models()


def _label(model) -> str:
    return model._meta.label_lower


@pytest.mark.parametrize("model", KAM_MODELS, ids=_label)
def test_every_model_declares_visibility(model):
    if _label(model) in EXEMPT_FROM_VISIBILITY:
        assert getattr(model, "visibility", None) is None
        assert model not in {model_of(r) for r in ROUTE_NAMES}, "exempt models get no route"
        return
    rules = getattr(model, "visibility", None)
    assert isinstance(rules, tuple) and rules, f"{_label(model)} declares no visibility"
    assert hasattr(model.objects, "visible_to"), f"{_label(model)}.objects has no visible_to"


def test_the_audit_trail_is_the_only_exemption():
    undeclared = {_label(m) for m in KAM_MODELS if getattr(m, "visibility", None) is None}
    assert undeclared == EXEMPT_FROM_VISIBILITY
    assert not hasattr(AuditEntry.objects, "visible_to")


RESTRICTED_MODELS = [m for m in KAM_MODELS if hasattr(m, "visibility") and not is_everyone(m)]


@pytest.mark.parametrize("persona", ["owner", "mgr1", "head", "outsider", "mgr_s"])
@pytest.mark.parametrize("model", RESTRICTED_MODELS, ids=_label)
def test_visible_to_is_exactly_the_persona_side(w, model, persona):
    """``visible_to`` (behind lists, counts, cockpits, exports) returns exactly one side's rows
    plus rows public by kind (company and region targets)."""
    public = w.shared_rows.get(model, set())
    if _label(model) != "org.target":
        assert not public, f"{_label(model)}: a restricted model has shared rows"
    side_rows = w.north_rows if persona in ("owner", "mgr1", "head") else w.south_rows
    other_rows = w.south_rows if side_rows is w.north_rows else w.north_rows
    assert side_rows.get(model), f"the world has no {_label(model)} row: extend build_chain"
    user = w.user(persona)
    queryset = model.objects.visible_to(user)
    visible = set(queryset.values_list("pk", flat=True))
    assert not visible & other_rows[model], "sees the other side's rows"
    if is_personal(model):  # the recipient's alone: not even their manager reads them
        mine = set(model.objects.filter(recipient=user).values_list("pk", flat=True))
        assert visible == mine
        assert bool(mine) == (persona in ("owner", "outsider"))  # the chains' owners
    else:
        assert visible == side_rows[model] | public
    assert queryset.count() == len(visible)


@pytest.mark.parametrize("model", [m for m in KAM_MODELS if is_everyone(m)], ids=_label)
def test_reference_data_is_visible_to_every_signed_in_user(w, model):
    total = model.objects.count()
    assert total, f"the world has no {_label(model)} row"
    for persona in PERSONAS:
        assert model.objects.visible_to(w.user(persona)).count() == total, persona


def test_nobody_signed_out_or_inactive_sees_anything(w):
    from django.contrib.auth.models import AnonymousUser

    inactive = w.user("exec")
    inactive.is_active = False
    for model in KAM_MODELS:
        if hasattr(model.objects, "visible_to"):
            assert not model.objects.visible_to(AnonymousUser()).exists(), _label(model)
            assert not model.objects.visible_to(inactive).exists(), _label(model)
            assert not model.objects.visible_to(None).exists(), _label(model)


# ---------------------------------------------------------------------------------------------
# Filter forms are a door too: their choices are rendered in the web filter bars and in the
# browsable API's filter form (``Accept: text/html``).


@pytest.mark.parametrize("route", ROUTE_NAMES)
def test_filter_choices_offer_only_visible_records(w, route):
    request = RequestFactory().get("/")
    request.user = w.user("outsider")
    model = model_of(route)
    filterset = VIEWSETS[route].filterset_class(
        data={}, queryset=model.objects.none(), request=request
    )
    offered = {}
    for name, flt in filterset.filters.items():
        if isinstance(flt, ModelChoiceFilter | ModelMultipleChoiceFilter):
            choices = filterset.form.fields[name].queryset
            hidden = w.north_rows.get(choices.model, set())
            if hidden and not is_everyone(choices.model):
                shown = set(choices.values_list("pk", flat=True)) & hidden
                if shown:
                    offered[name] = sorted(str(o) for o in choices.filter(pk__in=shown))
    assert not offered, f"filter choices name hidden records: {offered}"


# ---------------------------------------------------------------------------------------------
# Pages: discovered from the URL resolver, so every page that exists when the suite runs is
# checked.

EXCLUDED_PREFIXES = ("admin/", "api/", "i18n/", "static/", "media/", "__debug__/")
# Pages that answer signed-out visitors by design.
PUBLIC_VIEWS = (auth_views.LoginView, auth_views.LogoutView, RedirectView)
PUBLIC_PAGE_NAMES = {
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "set_language",
    "javascript-catalog",
}


def _metric_keys(page) -> list[str]:
    """One metric per kind of underlying record (the records page differs by kind)."""
    if not (page.module or "").startswith("kam.metrics"):
        return []
    from kam.metrics import registry

    by_kind: dict[str, str] = {}
    for key, metric in registry.BY_KEY.items():
        by_kind.setdefault(metric.families[0], key)
    return sorted(by_kind.values())


# Values for URL keyword arguments that are not record ids: a list, or a function of the page.
KWARG_SAMPLES = {
    "period": ["2025"],
    "year": ["2025"],
    "tier": ["A"],
    "key": _metric_keys,
}
# A page whose ``pk`` is not a record of its view's ``model`` can name the model here.
PAGE_MODEL_OVERRIDES: dict[str, type[models.Model]] = {}
# Query strings an outsider tries on every page: a search for the other side's tag, and the
# other side's scopes (cockpits and scorecards take ``?scope=``).
PROBES = (
    {"q": NORTH_TAG},
    {"scope": "user:owner"},
    {"scope": "team:N1"},
    {"scope": "region:NORTH"},
    {"export": "csv"},  # list pages: the CSV export of the current rows
)

_KWARG_RE = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")


class Page:
    """One URL pattern (``values`` fills its non-record arguments, if any)."""

    def __init__(self, route, name, callback, kwargs, values=None):
        self.route, self.name, self.callback, self.kwargs = route, name, callback, kwargs
        self.values = values or {}
        self.view_class = getattr(callback, "view_class", None)
        self.module = getattr(self.view_class or callback, "__module__", "")

    def __repr__(self) -> str:
        label = self.name or self.route
        return label + "".join(f"[{v}]" for v in self.values.values())

    @property
    def record_kwargs(self) -> tuple[str, ...]:
        return tuple(k for k in self.kwargs if k not in self.values)

    @property
    def admin_only(self) -> bool:
        """A page for administrators only (``admin_only = True`` on the view): others get 404."""
        return bool(getattr(self.view_class, "admin_only", False))

    @property
    def is_public(self) -> bool:
        short = (self.name or "").rsplit(":", 1)[-1]
        return short in PUBLIC_PAGE_NAMES or (
            self.view_class is not None and issubclass(self.view_class, PUBLIC_VIEWS)
        )

    def model(self) -> type[models.Model] | None:
        if self.name in PAGE_MODEL_OVERRIDES:
            return PAGE_MODEL_OVERRIDES[self.name]
        initkwargs = getattr(self.callback, "view_initkwargs", None) or {}
        candidates = [
            initkwargs.get("model"),
            getattr(initkwargs.get("queryset"), "model", None),
            getattr(self.view_class, "model", None),
            getattr(getattr(self.view_class, "queryset", None), "model", None),
            getattr(self.callback, "model", None),
        ]
        return next((m for m in candidates if m is not None), None)

    def url(self, record_values: dict | None = None) -> str:
        values = {**self.values, **(record_values or {})}
        if self.name:
            return reverse(self.name, kwargs=values)
        return "/" + _KWARG_RE.sub(lambda m: str(values[m["name"]]), self.route)


def _pattern_kwargs(pattern) -> tuple[str, ...]:
    if isinstance(pattern, RoutePattern):
        return tuple(m["name"] for m in _KWARG_RE.finditer(str(pattern)))
    if isinstance(pattern, RegexPattern):
        return tuple(pattern.regex.groupindex)
    return ()


def _walk(patterns, prefix: str = "", namespaces: tuple = (), kwargs: tuple = ()):
    for pattern in patterns:
        own = _pattern_kwargs(pattern.pattern)
        route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
        if isinstance(pattern, URLResolver):
            ns = namespaces + ((pattern.namespace,) if pattern.namespace else ())
            yield from _walk(pattern.url_patterns, route, ns, kwargs + own)
        elif isinstance(pattern, URLPattern):
            name = ":".join((*namespaces, pattern.name)) if pattern.name else None
            yield Page(route, name, pattern.callback, kwargs + own)


def _expand(page: Page) -> list[Page]:
    """A page with sample-able arguments (``period``, a metric ``key`` …) once per sample."""
    expansions = [{}]
    for name in page.kwargs:
        if name in ("pk", "id") or name.endswith(("_pk", "_id")) or name not in KWARG_SAMPLES:
            continue
        samples = KWARG_SAMPLES[name]
        samples = samples(page) if callable(samples) else samples
        if not samples:
            continue  # left unfilled: reported by test_every_page_can_be_filled_in
        expansions = [{**e, name: v} for e in expansions for v in samples]
    return [Page(page.route, page.name, page.callback, page.kwargs, e) for e in expansions]


def discover_pages() -> tuple[list[Page], str]:
    try:
        pages = [
            expanded
            for page in _walk(get_resolver().url_patterns)
            if not page.route.startswith(EXCLUDED_PREFIXES)
            for expanded in _expand(page)
        ]
    except Exception as exc:  # reported by test_the_url_configuration_loads
        return [], f"{type(exc).__name__}: {exc}"
    return pages, ""


PAGES, PAGES_ERROR = discover_pages()
PLAIN_PAGES = [p for p in PAGES if not p.record_kwargs and not p.is_public]
RECORD_PAGES = [p for p in PAGES if p.record_kwargs and not p.is_public]


@pytest.fixture
def north_strings(w) -> set[str]:
    """Every code, name and text of the north chain (restricted models only)."""
    found = set()
    for model, pks in w.north_rows.items():
        if is_everyone(model):
            continue
        text_fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
        ]
        if not text_fields:
            continue
        for row in model.objects.filter(pk__in=pks).values_list(*text_fields):
            found.update(v for v in row if v and NORTH_TAG in v and len(v) > len(NORTH_TAG) + 1)
    assert found
    return found


def leaked(content: bytes, strings: set[str]) -> list[str]:
    text = content.decode(errors="replace")
    return sorted(s for s in strings if s in text)


def page_client(w, persona: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if persona != "anonymous":
        client.force_login(w.user(persona))
    return client


def login_url() -> str:
    return resolve_url(settings.LOGIN_URL)


def assert_redirects_to_login(response, url: str):
    assert response.status_code == 302, (url, response.status_code)
    assert response["Location"].split("?")[0] == login_url(), (url, response["Location"])


def page_model(w, page: Page) -> type[models.Model] | None:
    """The page's model: declared on the view, else what its ``get_queryset`` returns."""
    model = page.model()
    if model is not None or page.view_class is None:
        return model
    if not hasattr(page.view_class, "get_queryset"):
        return None
    request = RequestFactory().get("/")
    request.user = w.user("admin")
    try:
        view = page.view_class(**(getattr(page.callback, "view_initkwargs", None) or {}))
        view.setup(request, **{**page.values, **dict.fromkeys(page.record_kwargs, 0)})
        return view.get_queryset().model
    except Exception:  # a view that needs more than a request cannot be resolved this way
        return None


def record_values(w, page: Page, side: str = "north") -> dict | None:
    """Record arguments of ``page``: ``pk`` is the side's record of the page's model,
    ``<model>_pk`` / ``<model>_id`` the side's record of that model."""
    values = {}
    for name in page.record_kwargs:
        if name in ("pk", "id"):
            model = page_model(w, page)
        elif name.endswith(("_pk", "_id")):
            model_name = name.rsplit("_", 1)[0].replace("_", "")
            model = next((m for m in KAM_MODELS if m._meta.model_name == model_name), None)
        else:
            return None
        obj = w.record_of_model(model, side) if model is not None else None
        if obj is None:
            return None
        values[name] = obj.pk
    return values


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_url_configuration_loads():
    assert not PAGES_ERROR, PAGES_ERROR


def test_every_page_can_be_filled_in(w):
    unresolved = [page for page in RECORD_PAGES if record_values(w, page) is None]
    assert not unresolved, (
        f"pages whose URL arguments the suite cannot fill: {unresolved} — give the view a "
        "`model`, name the argument `<model>_pk`, or add to PAGE_MODEL_OVERRIDES / KWARG_SAMPLES "
        "in tests/test_permissions.py"
    )


def _get_or_post(client, url: str):
    """GET the page; a POST-only page (405) is tried with an empty POST instead."""
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    return response


@pytest.mark.parametrize("web_page", PLAIN_PAGES, ids=repr)
def test_page_sends_anonymous_to_login(w, web_page):
    url = web_page.url()
    assert_redirects_to_login(_get_or_post(page_client(w, "anonymous"), url), url)


@pytest.mark.parametrize("web_page", PLAIN_PAGES, ids=repr)
def test_page_shows_the_outsider_no_trace_of_hidden_records(w, web_page, north_strings):
    """Lists, cockpits, pickers, exports: nothing of the north chain reaches the outsider — not
    in the page, its htmx fragment, a search for it, or the north's scopes."""
    client = page_client(w, "outsider")
    url = web_page.url()
    for params, headers in (({}, {}), ({}, {"HX-Request": "true"}), *((p, {}) for p in PROBES)):
        response = client.get(url, params, headers=headers, follow=True)
        if response.status_code == 405:
            return  # POST-only: not a read door
        allowed = (200, 400, 403, 404) if params else (200,)  # a probe may be refused
        if web_page.admin_only:
            allowed = (404,)
        assert response.status_code in allowed, (url, params, response.status_code)
        assert not any(login_url() in hop for hop, _status in response.redirect_chain)
        assert not leaked(body_of(response), north_strings), (url, params, headers)


@pytest.mark.parametrize("web_page", PLAIN_PAGES, ids=repr)
def test_page_shows_another_regions_manager_no_trace_of_hidden_records(w, web_page, north_strings):
    response = page_client(w, "mgr_s").get(web_page.url(), follow=True)
    allowed = (404, 405) if web_page.admin_only else (200, 405)
    assert response.status_code in allowed, response.status_code
    assert not leaked(body_of(response), north_strings)


@pytest.mark.parametrize("persona", ["owner", "exec"])
@pytest.mark.parametrize("web_page", PLAIN_PAGES, ids=repr)
def test_page_opens_for_signed_in_users(w, web_page, persona):
    response = page_client(w, persona).get(web_page.url(), follow=True)
    allowed = (404, 405) if web_page.admin_only else (200, 405)
    assert response.status_code in allowed, response.status_code


@pytest.mark.parametrize("web_page", [p for p in PLAIN_PAGES if p.admin_only], ids=repr)
def test_admin_only_page_opens_for_admins(w, web_page):
    response = page_client(w, "admin").get(web_page.url(), follow=True)
    assert response.status_code in (200, 405), response.status_code


def _record_page(w, web_page):
    values = record_values(w, web_page)
    if values is None:
        pytest.skip("unfillable; reported by test_every_page_can_be_filled_in")
    return page_model(w, web_page), values


@pytest.mark.parametrize("web_page", RECORD_PAGES, ids=repr)
def test_record_page_sends_anonymous_to_login(w, web_page):
    _model, values = _record_page(w, web_page)
    url = web_page.url(values)
    assert_redirects_to_login(_get_or_post(page_client(w, "anonymous"), url), url)


@pytest.mark.parametrize("persona", ["outsider", "mgr_s"])
@pytest.mark.parametrize("web_page", RECORD_PAGES, ids=repr)
def test_record_page_answers_404_outside_visibility(w, web_page, persona):
    model, values = _record_page(w, web_page)
    if model is not None and is_everyone(model):
        pytest.skip("reference data: readable by everyone")
    client = page_client(w, persona)
    url = web_page.url(values)
    assert client.get(url).status_code == 404, url
    assert client.post(url, {}).status_code == 404, url  # no write door either


@pytest.mark.parametrize("persona", ["owner", "mgr1", "exec"])
@pytest.mark.parametrize("web_page", RECORD_PAGES, ids=repr)
def test_record_page_opens_for_owner_managers_and_executives(w, web_page, persona):
    model, values = _record_page(w, web_page)
    response = page_client(w, persona).get(web_page.url(values))
    if model is not None and is_everyone(model) and response.status_code == 403:
        return  # reference data: editing it is an admin's job
    if model is not None and is_personal(model) and persona != "owner":
        assert response.status_code == 404  # a notification is its recipient's alone
        return
    assert response.status_code in (200, 405), (web_page.url(values), response.status_code)


@pytest.mark.parametrize("web_page", RECORD_PAGES, ids=repr)
def test_record_page_of_the_other_side_answers_404_to_the_owner(w, web_page):
    model, _values = _record_page(w, web_page)
    if model is not None and is_everyone(model):
        pytest.skip("reference data: readable by everyone")
    url = web_page.url(record_values(w, web_page, "south"))
    assert page_client(w, "owner").get(url).status_code == 404, url


def test_tags_mark_the_chains():
    assert NORTH_TAG != SOUTH_TAG and NORTH_TAG not in SOUTH_TAG


# ---------------------------------------------------------------------------------------------
# API endpoints outside the router (function views): each is listed here with who may use it,
# and a new one fails the completeness check until it is.

NON_ROUTER_API = {
    # name: (method, URL)
    "api-token": ("post", "/auth/token"),  # anonymous by design: it issues tokens
    "exchange-import": ("post", "/exchange/import"),
    "exchange-export": ("get", "/exchange/export?format=zip"),
    "metrics-scorecard": ("get", "/metrics/scorecard?period=2025"),
    "metrics-breakdown": ("get", "/metrics/tas.win_rate_count/breakdown?period=2025&by=owner"),
    "metrics-trend": ("get", "/metrics/tas.win_rate_count/trend?period=2025"),
    "metrics-records": ("get", "/metrics/tas.win_rate_count/records?period=2025"),
}


def test_every_non_router_api_endpoint_is_in_the_suite():
    from kam.web import api_urls

    names = {p.name for p in api_urls.urlpatterns if isinstance(p, URLPattern) and p.name}
    router_names = {p.name for p in api_urls.router.urls}
    assert names - router_names == set(NON_ROUTER_API)


@pytest.mark.parametrize("name", sorted(set(NON_ROUTER_API) - {"api-token"}))
def test_non_router_api_endpoint_refuses_anonymous(name):
    method, url = NON_ROUTER_API[name]
    response = getattr(APIClient(), method)(f"{API}{url}")
    assert response.status_code in (401, 403), (name, response.status_code)


@pytest.mark.parametrize("name", ["exchange-import", "exchange-export"])
def test_exchange_api_is_for_admins_only(w, name):
    method, url = NON_ROUTER_API[name]
    for persona in ("owner", "mgr1", "exec"):
        response = getattr(api(w, persona), method)(f"{API}{url}")
        assert response.status_code == 403, (name, persona, response.status_code)


def test_metrics_records_never_include_what_the_viewer_cannot_see(w):
    """The outsider's records behind a figure hold none of the north side's records."""
    body = api(w, "outsider").get(f"{API}/metrics/esp.ka_total_output/records?period=2025").json()
    rows = body.get("results", {}).get("rows", [])
    assert all(NORTH_TAG not in str(row) for row in rows)
    owner_rows = api(w, "owner").get(
        f"{API}/metrics/tas.win_rate_count/records?period=2025&page_size=1000"
    )
    assert owner_rows.status_code == 200
