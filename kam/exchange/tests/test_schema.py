"""The schema is DATASET.md: the same files, columns, order and enum values."""

import csv

import pytest

from kam.exchange.schema import FILES
from kam.exchange.tests import helpers as h
from kam.exchange.validate import model_field

# DATASET.md's enums, verbatim: a model change that drifts from the format shows up here.
ENUMS = {
    ("users", "role"): "sales kam presales delivery service manager executive admin",
    ("account_team", "role"): "kam sales presales delivery service executive_sponsor finance "
    "supply_chain",
    ("tier_history", "class"): "A B C",
    ("contacts", "decision_role"): "decision_maker influencer evaluator user gatekeeper coach",
    ("contacts", "attitude"): "supporter neutral opponent",
    ("leads", "status"): "new nurturing qualified disqualified",
    ("opportunities", "origin"): "captured incubated other",
    ("opportunities", "review_status"): "pending established rejected",
    ("opportunities", "status"): "open won lost",
    ("decision_chain", "role"): "decision_maker influencer evaluator user gatekeeper coach",
    ("contracts", "status"): "active completed cancelled",
    ("expenses", "category"): "sales presales marketing other",
    ("deliveries", "result"): "in_progress success failed",
    ("activities", "type"): "visit call meeting email demo dinner other",
    ("activities", "attitude"): "positive neutral negative",
    ("service_requests", "priority"): "low normal high critical",
    ("service_requests", "status"): "open in_progress resolved closed",
    ("targets", "scope"): "org region team user",
    ("targets", "measure"): "contract_amount payment_amount won_amount new_opportunities visits",
    ("working_calendar", "kind"): "holiday workday",
}


@pytest.mark.parametrize("spec", FILES, ids=lambda spec: spec.name)
def test_columns_are_the_documented_ones_in_order(spec):
    with (h.EXAMPLE / spec.file_name).open(encoding="utf-8-sig", newline="") as handle:
        assert tuple(next(csv.reader(handle))) == spec.column_names


def test_enum_values_are_the_documented_ones():
    declared = {
        (spec.name, col.name): {str(v) for v, _label in model_field(spec, col).flatchoices}
        for spec in FILES
        for col in spec.columns
        if col.kind == "enum"
    }
    assert declared.pop(("tier_history", "tier")) == {"S", "A", "B", "C"}
    assert declared == {key: set(values.split()) for key, values in ENUMS.items()}


def test_every_model_field_a_column_names_exists():
    for spec in FILES:
        for col in spec.columns:
            if col.kind != "scope_ref":
                assert model_field(spec, col) is not None
