"""The data bundle (DATASET.md), declared once: files, keys, columns, types, references, checks.

The validator, the importer and the exporter are all driven by ``FILES``. Model facts (maximum
lengths, decimal places, choices, defaults) are read from the model fields, so they cannot drift
from the schema of the database.

A column's ``kind`` says how a cell is read and written:

=========  ==============================================================================
text       free text (``email`` / ``username``: text checked by the model field's validators)
code       the file's own code: no surrounding spaces, no ``;``
enum       one of the model field's choices
date       ``YYYY-MM-DD``
decimal    plain decimal, within the field's digits and places (exported without trailing zeros)
int        whole number
bool       ``true`` / ``false``
period     ``2025``, ``2025Q3`` or ``2025-07``
ref        the code (or username) of a row of ``ref`` — in the bundle or already in the database
refs       ``;``-separated codes of ``ref`` (a many-to-many relation), exported sorted
scope_ref  targets' ``scope_code``: a region, team or user code depending on ``scope``
=========  ==============================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.apps import apps
from django.contrib.auth.hashers import make_password

from kam.exchange import rules

# Files whose rows others refer to by one key column, and reference data that lives only in the
# database (configured in the product, not carried by bundles).
DB_ONLY_ENTITIES = {"stages": ("pipeline.Stage", "code")}


@dataclass(frozen=True)
class Col:
    name: str
    kind: str
    field: str | None = None  # model field; derived from ``name`` when not given
    required: bool = False
    ref: str | None = None  # entity for ref / refs
    low: Decimal | int | None = None
    high: Decimal | int | None = None
    low_exclusive: bool = False

    @property
    def field_name(self) -> str:
        if self.field:
            return self.field
        for suffix in ("_code", "_username"):
            if self.name.endswith(suffix):
                return self.name[: -len(suffix)]
        return self.name


@dataclass(frozen=True)
class FileSpec:
    name: str  # file name without .csv (= xlsx sheet name)
    model_label: str
    key: tuple[str, ...]
    columns: tuple[Col, ...]
    checks: tuple = ()
    # Model fields set on created rows only (not carried by the bundle): value or callable.
    create_defaults: dict = field(default_factory=dict)

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    @cached_property
    def model(self):
        return apps.get_model(self.model_label)

    @cached_property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @cached_property
    def position(self) -> dict[str, int]:
        return {c.name: i for i, c in enumerate(self.columns)}

    def col(self, name: str) -> Col:
        return self.columns[self.position[name]]

    @cached_property
    def key_positions(self) -> tuple[int, ...]:
        return tuple(self.position[k] for k in self.key)

    @property
    def single_key(self) -> bool:
        return len(self.key) == 1 and self.col(self.key[0]).kind in ("code", "username")


def _c(name, kind="text", **kw) -> Col:
    return Col(name, kind, **kw)


def _req(name, kind="text", **kw) -> Col:
    return Col(name, kind, required=True, **kw)


def _code() -> Col:
    return Col("code", "code", required=True)


def _ref(name, entity, *, required=False, field=None) -> Col:
    return Col(name, "ref", ref=entity, required=required, field=field)


def _money(name, *, required=False) -> Col:
    return Col(name, "decimal", required=required, low=Decimal(0))


def _score(name, low, high, *, required=False) -> Col:
    return Col(name, "int", required=required, low=low, high=high)


FILES: tuple[FileSpec, ...] = (
    FileSpec(
        "regions",
        "org.Region",
        ("code",),
        (_code(), _req("name"), _ref("parent_code", "regions")),
    ),
    FileSpec(
        "teams",
        "org.Team",
        ("code",),
        (
            _code(),
            _req("name"),
            _ref("region_code", "regions", required=True),
            _ref("parent_code", "teams"),
        ),
    ),
    FileSpec(
        "users",
        "org.User",
        ("username",),
        (
            _req("username", "username"),
            _req("name"),
            _req("role", "enum"),
            _ref("team_code", "teams"),
            _c("email", "email"),
            _money("hourly_cost"),
            _c("joined_on", "date"),
            _c("left_on", "date"),
        ),
        checks=(rules.NotBefore("left_on", "joined_on"),),
        create_defaults={"password": lambda: make_password(None)},
    ),
    FileSpec(
        "products",
        "finance.Product",
        ("code",),
        (_code(), _req("name"), _c("category"), _money("list_price"), _money("unit_cost")),
    ),
    FileSpec(
        "customers",
        "customers.Customer",
        ("code",),
        (
            _code(),
            _req("name"),
            _c("industry"),
            _ref("region_code", "regions"),
            _ref("owner_username", "users", required=True),
            _ref("parent_code", "customers"),
            _money("expected_annual_spend"),
            _money("annual_category_spend"),
            _score("strategic_importance", 0, 100),
            _c("created_on", "date"),
        ),
    ),
    FileSpec(
        "account_team",
        "customers.AccountTeamMember",
        ("customer_code", "username", "role"),
        (
            _ref("customer_code", "customers", required=True),
            _ref("username", "users", required=True, field="user"),
            _req("role", "enum"),
        ),
    ),
    FileSpec(
        "tier_history",
        "customers.TierHistory",
        ("customer_code", "effective_on"),
        (
            _ref("customer_code", "customers", required=True),
            _req("effective_on", "date"),
            _c("tier", "enum"),
            _c("class", "enum", field="resource_class"),
            _c("reason"),
        ),
        create_defaults={"source": "import"},
    ),
    FileSpec(
        "contacts",
        "relationships.Contact",
        ("code",),
        (
            _code(),
            _ref("customer_code", "customers", required=True),
            _req("name"),
            _c("title"),
            _c("department"),
            _ref("reports_to_code", "contacts"),
            _c("decision_role", "enum"),
            _score("influence", 1, 5),
            _c("attitude", "enum"),
            _c("phone"),
            _c("email", "email"),
        ),
        checks=(
            rules.SameCustomer(
                "reports_to_code",
                "customer_code",
                "reports_to_code",
                "reports to a contact of another customer",
            ),
        ),
    ),
    FileSpec(
        "relationship_assessments",
        "relationships.RelationshipAssessment",
        ("contact_code", "assessed_on"),
        (
            _ref("contact_code", "contacts", required=True),
            _req("assessed_on", "date"),
            _score("closeness", 0, 100, required=True),
            _score("solution_acceptance", 0, 100, required=True),
            _score("price_acceptance", 0, 100, required=True),
            _ref("assessed_by", "users"),
        ),
    ),
    FileSpec(
        "competitors",
        "pipeline.Competitor",
        ("code",),
        (_code(), _req("name"), _c("strengths"), _c("weaknesses")),
    ),
    FileSpec(
        "opportunities",
        "pipeline.Opportunity",
        ("code",),
        (
            _code(),
            _ref("customer_code", "customers", required=True),
            _req("name"),
            _ref("owner_username", "users", required=True),
            _c("origin", "enum"),
            _money("amount", required=True),
            _req("created_on", "date"),
            _req("review_status", "enum"),
            _c("established_on", "date"),
            _c("rejected_on", "date"),
            _ref("stage", "stages"),
            _req("status", "enum"),
            _c("closed_on", "date"),
            _money("estimated_presales_cost"),
            _c("lost_reason"),
            Col("competitor_codes", "refs", ref="competitors", field="competitors"),
        ),
        checks=(
            rules.ExactlyWhen("established_on", "review_status", ("established",)),
            rules.ExactlyWhen("rejected_on", "review_status", ("rejected",)),
            rules.ExactlyWhen("closed_on", "status", ("won", "lost")),
            rules.Implies("status", ("won", "lost"), "review_status", ("established",)),
            rules.NotBefore("established_on", "created_on"),
            rules.NotBefore("rejected_on", "created_on"),
            rules.NotBefore("closed_on", "created_on"),
            rules.NotBefore("closed_on", "established_on"),
        ),
    ),
    FileSpec(
        "leads",
        "pipeline.Lead",
        ("code",),
        (
            _code(),
            _req("title"),
            _ref("customer_code", "customers"),
            _ref("owner_username", "users", required=True),
            _c("source"),
            _req("created_on", "date"),
            _req("status", "enum"),
            _c("disqualified_on", "date"),
            _c("disqualify_reason"),
            _money("estimated_presales_cost"),
            _ref("opportunity_code", "opportunities"),
        ),
        checks=(
            rules.ExactlyWhen("disqualified_on", "status", ("disqualified",)),
            rules.NotBefore("disqualified_on", "created_on"),
            rules.OneToOne("opportunity_code"),
        ),
    ),
    FileSpec(
        "decision_chain",
        "relationships.DecisionChainMember",
        ("opportunity_code", "contact_code"),
        (
            _ref("opportunity_code", "opportunities", required=True),
            _ref("contact_code", "contacts", required=True),
            _c("role", "enum"),
            _score("influence", 1, 5),
        ),
        checks=(
            rules.SameCustomer(
                "contact_code",
                "contact_code",
                "opportunity_code",
                "not a contact of the opportunity's customer",
            ),
        ),
    ),
    FileSpec(
        "presales_assignments",
        "presales.PresalesAssignment",
        ("opportunity_code", "username"),
        (
            _ref("opportunity_code", "opportunities", required=True),
            _ref("username", "users", required=True, field="user"),
            _c("role"),
            _c("assigned_on", "date"),
        ),
    ),
    FileSpec(
        "time_entries",
        "presales.TimeEntry",
        ("username", "opportunity_code", "worked_on"),
        (
            _ref("username", "users", required=True, field="user"),
            _ref("opportunity_code", "opportunities", required=True),
            _req("worked_on", "date"),
            Col("hours", "decimal", required=True, low=0, low_exclusive=True, high=24),
            _c("confirmed", "bool"),
            _ref("confirmed_by", "users"),
        ),
        checks=(rules.Employed("username", "worked_on"),),
    ),
    FileSpec(
        "ratings",
        "presales.Rating",
        ("opportunity_code", "rated_username", "rater_username", "rated_on"),
        (
            _ref("opportunity_code", "opportunities", required=True),
            _ref("rated_username", "users", required=True, field="rated_user"),
            _ref("rater_username", "users", required=True, field="rater"),
            _req("rated_on", "date"),
            _score("score", 0, 100, required=True),
        ),
    ),
    FileSpec(
        "contracts",
        "finance.Contract",
        ("code",),
        (
            _code(),
            _ref("customer_code", "customers", required=True),
            _ref("opportunity_code", "opportunities"),
            _ref("owner_username", "users", required=True),
            _req("signed_on", "date"),
            _money("amount", required=True),
            _money("cost"),
            _c("status", "enum"),
        ),
        checks=(
            rules.SameCustomer(
                "opportunity_code",
                "customer_code",
                "opportunity_code",
                "the opportunity belongs to another customer",
            ),
        ),
    ),
    FileSpec(
        "contract_lines",
        "finance.ContractLine",
        ("contract_code", "product_code"),
        (
            _ref("contract_code", "contracts", required=True),
            _ref("product_code", "products", required=True),
            Col("quantity", "decimal", required=True, low=0, low_exclusive=True),
            _money("unit_price", required=True),
            _money("unit_cost"),
        ),
    ),
    FileSpec(
        "payments",
        "finance.Payment",
        ("code",),
        (
            _code(),
            _ref("contract_code", "contracts", required=True),
            _money("amount", required=True),
            _c("due_on", "date"),
            _c("paid_on", "date"),
        ),
    ),
    FileSpec(
        "expenses",
        "finance.Expense",
        ("code",),
        (
            _code(),
            _ref("owner_username", "users", required=True),
            _req("category", "enum"),
            _req("incurred_on", "date"),
            _money("amount", required=True),
            _ref("customer_code", "customers"),
            _ref("opportunity_code", "opportunities"),
            _c("note"),
        ),
        checks=(
            rules.SameCustomer(
                "customer_code",
                "customer_code",
                "opportunity_code",
                "an expense naming an opportunity must name that opportunity's customer",
            ),
        ),
    ),
    FileSpec(
        "deliveries",
        "finance.Delivery",
        ("code",),
        (
            _code(),
            _ref("contract_code", "contracts", required=True),
            _c("started_on", "date"),
            _c("completed_on", "date"),
            _req("result", "enum"),
        ),
        checks=(
            rules.ExactlyWhen("completed_on", "result", ("success", "failed")),
            rules.NotBefore("completed_on", "started_on"),
        ),
    ),
    FileSpec(
        "activities",
        "relationships.Activity",
        ("code",),
        (
            _code(),
            _req("type", "enum"),
            _req("occurred_on", "date"),
            _ref("owner_username", "users", required=True),
            _ref("customer_code", "customers"),
            _ref("opportunity_code", "opportunities"),
            Col("contact_codes", "refs", ref="contacts", field="contacts"),
            _c("summary"),
            _c("attitude", "enum"),
        ),
        checks=(
            rules.SameCustomer(
                "opportunity_code",
                "customer_code",
                "opportunity_code",
                "the opportunity belongs to another customer",
            ),
        ),
    ),
    FileSpec(
        "service_requests",
        "service.ServiceRequest",
        ("code",),
        (
            _code(),
            _ref("customer_code", "customers", required=True),
            _req("opened_on", "date"),
            _req("title"),
            _c("priority", "enum"),
            _c("category"),
            _ref("assignee_username", "users"),
            _c("first_response_on", "date"),
            _c("resolved_on", "date"),
            _c("status", "enum"),
        ),
        checks=(
            rules.NotBefore("first_response_on", "opened_on"),
            rules.NotBefore("resolved_on", "opened_on"),
        ),
    ),
    FileSpec(
        "surveys",
        "service.Survey",
        ("customer_code", "surveyed_on", "contact_code"),
        (
            _ref("customer_code", "customers", required=True),
            _req("surveyed_on", "date"),
            _ref("contact_code", "contacts"),
            _score("csat", 1, 5),
            _score("nps", 0, 10),
        ),
        checks=(
            rules.SameCustomer(
                "contact_code",
                "customer_code",
                "contact_code",
                "a contact of another customer",
            ),
        ),
    ),
    FileSpec(
        "targets",
        "org.Target",
        ("scope", "scope_code", "period", "measure"),
        (
            _req("scope", "enum"),
            Col("scope_code", "scope_ref"),
            _req("period", "period"),
            _req("measure", "enum"),
            Col("value", "decimal", required=True, low=Decimal(0)),
        ),
    ),
    FileSpec(
        "working_calendar",
        "org.WorkingCalendarDay",
        ("date",),
        (_req("date", "date"), _req("kind", "enum")),
    ),
)

BY_NAME: dict[str, FileSpec] = {spec.name: spec for spec in FILES}

# targets.scope_code: which entity (and model field) each scope names.
SCOPE_REFS = {"region": ("regions", "region"), "team": ("teams", "team"), "user": ("users", "user")}


def entity_model_and_key(entity: str):
    """The model and key field of a referenced entity (a bundle file or database-only data)."""
    if entity in DB_ONLY_ENTITIES:
        label, key = DB_ONLY_ENTITIES[entity]
        return apps.get_model(label), key
    spec = BY_NAME[entity]
    return spec.model, spec.col(spec.key[0]).field_name
