"""Bad bundles: each gives exactly the expected `file:line: column: reason` lines and writes
nothing."""

import pytest

from kam.core.models import AuditEntry
from kam.exchange.importer import import_bundle
from kam.exchange.schema import FILES
from kam.exchange.tests import helpers as h

pytestmark = pytest.mark.django_db


def _state():
    return {spec.name: spec.model.objects.count() for spec in FILES}, AuditEntry.objects.count()


def errors_of(bundle, tmp_path, *, files=None) -> list[str]:
    before = _state()
    report = import_bundle(h.write_bundle(bundle, tmp_path / "bad", files=files), dry_run=False)
    assert not report.ok
    assert _state() == before, "a refused bundle must write nothing"
    return report.error_lines()


def broken(name, line, column, value):
    bundle = h.base()
    h.set_cell(bundle, name, line, column, value)
    return bundle


@pytest.fixture
def loaded(tmp_path):
    """The base bundle already in the database."""
    assert import_bundle(h.write_bundle(h.base(), tmp_path / "base"), dry_run=False).ok


# --- a cell, a header ---------------------------------------------------------------------------


def test_unknown_column(tmp_path):
    bundle = h.base()
    bundle["customers"][0].append("colour")
    for row in bundle["customers"][1:]:
        row.append("red")
    assert errors_of(bundle, tmp_path) == ["customers.csv:1: colour: unknown column"]


def test_missing_required_column(tmp_path):
    bundle = h.base()
    at = bundle["customers"][0].index("owner_username")
    bundle["customers"] = [row[:at] + row[at + 1 :] for row in bundle["customers"]]
    assert errors_of(bundle, tmp_path) == [
        "customers.csv:1: owner_username: required column is missing"
    ]


def test_required_value(tmp_path):
    assert errors_of(broken("opportunities", 3, "name", ""), tmp_path) == [
        "opportunities.csv:3: name: required"
    ]


def test_bad_date(tmp_path):
    assert errors_of(broken("opportunities", 3, "created_on", "2024/02/01"), tmp_path) == [
        "opportunities.csv:3: created_on: not a date (YYYY-MM-DD): '2024/02/01'"
    ]


def test_impossible_date(tmp_path):
    assert errors_of(broken("payments", 2, "due_on", "2024-02-30"), tmp_path) == [
        "payments.csv:2: due_on: not a date (YYYY-MM-DD): '2024-02-30'"
    ]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1,000", "not a plain decimal number: '1,000'"),
        ("¥100", "not a plain decimal number: '¥100'"),
        ("1e5", "not a plain decimal number: '1e5'"),
        ("1.005", "at most 2 decimal places: '1.005'"),
        ("-5", "must not be negative: -5"),
    ],
)
def test_bad_decimal(tmp_path, value, reason):
    assert errors_of(broken("contracts", 2, "amount", value), tmp_path) == [
        f"contracts.csv:2: amount: {reason}"
    ]


def test_bad_enum(tmp_path):
    assert errors_of(broken("opportunities", 3, "status", "closed"), tmp_path) == [
        "opportunities.csv:3: status: unknown value 'closed' (one of: open, won, lost)"
    ]


def test_bad_boolean(tmp_path):
    assert errors_of(broken("time_entries", 2, "confirmed", "yes"), tmp_path) == [
        "time_entries.csv:2: confirmed: not true or false: 'yes'"
    ]


@pytest.mark.parametrize(
    ("name", "column", "value", "reason"),
    [
        ("ratings", "score", "101", "must be between 0 and 100: 101"),
        ("relationship_assessments", "closeness", "-1", "must be between 0 and 100: -1"),
        ("contacts", "influence", "6", "must be between 1 and 5: 6"),
        ("surveys", "csat", "0", "must be between 1 and 5: 0"),
        ("surveys", "nps", "11", "must be between 0 and 10: 11"),
        ("customers", "strategic_importance", "7.5", "not a whole number: '7.5'"),
    ],
)
def test_out_of_range_score(tmp_path, name, column, value, reason):
    assert errors_of(broken(name, 2, column, value), tmp_path) == [
        f"{name}.csv:2: {column}: {reason}"
    ]


def test_too_long_text_and_bad_email(tmp_path):
    bundle = broken("competitors", 2, "name", "x" * 201)
    h.set_cell(bundle, "users", 2, "email", "not-an-email")
    assert errors_of(bundle, tmp_path) == [
        "users.csv:2: email: Enter a valid email address. 'not-an-email'",
        "competitors.csv:2: name: too long: 201 characters, at most 200",
    ]


def test_row_with_extra_cells(tmp_path):
    bundle = h.base()
    bundle["regions"][2].append("surplus")
    assert errors_of(bundle, tmp_path) == ["regions.csv:3: -: 4 cells, but the header has 3"]


def test_unknown_file(tmp_path):
    folder = h.write_bundle(h.base(), tmp_path / "bad")
    (folder / "customer.csv").write_text("code\nC1\n", encoding="utf-8")
    report = import_bundle(folder, dry_run=False)
    assert report.error_lines()[0].startswith("customer.csv: not a bundle file (expected one of")


# --- keys ----------------------------------------------------------------------------------------


def test_duplicate_code(tmp_path):
    bundle = h.base()
    bundle["customers"].append(list(bundle["customers"][1]))
    assert errors_of(bundle, tmp_path) == [
        "customers.csv:4: code: duplicate code 'C1' (first on line 2)"
    ]


def test_duplicate_natural_key(tmp_path):
    bundle = h.base()
    bundle["time_entries"].append(["u2", "O1", "2024-01-15", "1", "false", ""])
    assert errors_of(bundle, tmp_path) == [
        "time_entries.csv:4: username+opportunity_code+worked_on: duplicate key username=u2, "
        "opportunity_code=O1, worked_on=2024-01-15 (first on line 2)"
    ]


def test_duplicate_in_a_list(tmp_path):
    assert errors_of(broken("opportunities", 2, "competitor_codes", "CP1;CP1"), tmp_path) == [
        "opportunities.csv:2: competitor_codes: a code is listed twice: 'CP1;CP1'"
    ]


# --- references ----------------------------------------------------------------------------------


def test_dangling_reference_within_the_bundle(tmp_path):
    bundle = broken("opportunities", 3, "customer_code", "C9")
    h.set_cell(bundle, "activities", 2, "contact_codes", "K1;K7")
    h.set_cell(bundle, "time_entries", 2, "confirmed_by", "nobody")
    assert errors_of(bundle, tmp_path) == [
        "opportunities.csv:3: customer_code: unknown customer 'C9' (not in customers.csv nor in "
        "the database)",
        "time_entries.csv:2: confirmed_by: unknown user 'nobody' (not in users.csv nor in the "
        "database)",
        "activities.csv:2: contact_codes: unknown contact 'K7' (not in contacts.csv nor in the "
        "database)",
    ]


def test_dangling_reference_to_the_database(tmp_path, loaded):
    bundle = {
        "opportunities": [
            h.BASE["opportunities"][0],
            ["O9", "C1", "新", "u1", "", "1", "2024-05-01", "pending", "", "", "", "open"]
            + ["", "", "", ""],
            ["O10", "C8", "新", "u1", "", "1", "2024-05-01", "pending", "", "", "S1", "open"]
            + ["", "", "", ""],
        ]
    }
    assert errors_of(bundle, tmp_path) == [
        "opportunities.csv:3: customer_code: unknown customer 'C8' (not in customers.csv nor in "
        "the database)",
        "opportunities.csv:3: stage: unknown stage 'S1' (not in the database)",
    ]


def test_target_scope_code(tmp_path):
    bundle = broken("targets", 2, "scope_code", "R1")
    h.set_cell(bundle, "targets", 3, "scope_code", "")
    h.set_cell(bundle, "targets", 4, "scope_code", "T9")
    h.set_cell(bundle, "targets", 5, "period", "2024Q5")
    assert errors_of(bundle, tmp_path) == [
        "targets.csv:2: scope_code: must be empty for scope org",
        "targets.csv:3: scope_code: required for scope region",
        "targets.csv:4: scope_code: unknown team 'T9' (not in teams.csv nor in the database)",
        "targets.csv:5: period: not a period (2025, 2025Q3 or 2025-07): '2024Q5'",
    ]


# --- the cross-file rules of DATASET.md, one by one ----------------------------------------------


def test_established_on_only_when_established(tmp_path):
    assert errors_of(broken("opportunities", 3, "established_on", "2024-02-02"), tmp_path) == [
        "opportunities.csv:3: established_on: must be empty unless review_status is established "
        "(it is pending)"
    ]


def test_established_on_required_when_established(tmp_path):
    bundle = broken("opportunities", 3, "review_status", "established")
    assert errors_of(bundle, tmp_path) == [
        "opportunities.csv:3: established_on: required when review_status is established"
    ]


def test_rejected_on_exactly_when_rejected(tmp_path):
    bundle = broken("opportunities", 4, "rejected_on", "")
    h.set_cell(bundle, "opportunities", 3, "rejected_on", "2024-02-03")
    assert errors_of(bundle, tmp_path) == [
        "opportunities.csv:3: rejected_on: must be empty unless review_status is rejected "
        "(it is pending)",
        "opportunities.csv:4: rejected_on: required when review_status is rejected",
    ]


def test_closed_on_exactly_when_won_or_lost(tmp_path):
    bundle = broken("opportunities", 2, "closed_on", "")
    h.set_cell(bundle, "opportunities", 3, "closed_on", "2024-03-01")
    assert errors_of(bundle, tmp_path) == [
        "opportunities.csv:2: closed_on: required when status is won or lost",
        "opportunities.csv:3: closed_on: must be empty unless status is won or lost (it is open)",
    ]


def test_won_or_lost_must_be_established(tmp_path):
    bundle = broken("opportunities", 3, "status", "lost")
    h.set_cell(bundle, "opportunities", 3, "closed_on", "2024-03-01")
    assert errors_of(bundle, tmp_path) == [
        "opportunities.csv:3: status: status lost needs review_status established (it is pending)"
    ]


def test_no_date_before_created_on(tmp_path):
    bundle = broken("opportunities", 4, "rejected_on", "2024-01-31")
    h.set_cell(bundle, "leads", 3, "disqualified_on", "2024-01-04")
    assert errors_of(bundle, tmp_path) == [
        "opportunities.csv:4: rejected_on: 2024-01-31 is before created_on 2024-02-01",
        "leads.csv:3: disqualified_on: 2024-01-04 is before created_on 2024-01-05",
    ]


def test_closed_on_not_before_established_on(tmp_path):
    assert errors_of(broken("opportunities", 2, "closed_on", "2024-01-05"), tmp_path) == [
        "opportunities.csv:2: closed_on: 2024-01-05 is before established_on 2024-01-10"
    ]


def test_disqualified_on_exactly_when_disqualified(tmp_path):
    bundle = broken("leads", 3, "disqualified_on", "")
    h.set_cell(bundle, "leads", 2, "disqualified_on", "2024-01-01")
    assert errors_of(bundle, tmp_path) == [
        "leads.csv:2: disqualified_on: must be empty unless status is disqualified "
        "(it is qualified)",
        "leads.csv:3: disqualified_on: required when status is disqualified",
    ]


def test_completed_on_exactly_when_success_or_failed(tmp_path):
    assert errors_of(broken("deliveries", 2, "completed_on", ""), tmp_path) == [
        "deliveries.csv:2: completed_on: required when result is success or failed"
    ]
    assert errors_of(broken("deliveries", 2, "result", "in_progress"), tmp_path) == [
        "deliveries.csv:2: completed_on: must be empty unless result is success or failed "
        "(it is in_progress)"
    ]


def test_expense_names_the_opportunitys_customer(tmp_path):
    assert errors_of(broken("expenses", 2, "customer_code", "C2"), tmp_path) == [
        "expenses.csv:2: customer_code: an expense naming an opportunity must name that "
        "opportunity's customer (customer_code C2; opportunity_code O1 is at customer C1)"
    ]


def test_decision_chain_member_is_a_contact_of_the_customer(tmp_path):
    assert errors_of(broken("decision_chain", 3, "contact_code", "K3"), tmp_path) == [
        "decision_chain.csv:3: contact_code: not a contact of the opportunity's customer "
        "(contact_code K3 is at customer C2; opportunity_code O1 is at customer C1)"
    ]


def test_decision_chain_rule_reads_the_database(tmp_path, loaded):
    bundle = {"decision_chain": [h.BASE["decision_chain"][0], ["O2", "K1", "user", "1"]]}
    assert errors_of(bundle, tmp_path) == [
        "decision_chain.csv:2: contact_code: not a contact of the opportunity's customer "
        "(contact_code K1 is at customer C1; opportunity_code O2 is at customer C2)"
    ]


@pytest.mark.parametrize("hours", ["0", "24.5"])
def test_time_entry_hours_above_0_and_at_most_24(tmp_path, hours):
    assert errors_of(broken("time_entries", 2, "hours", hours), tmp_path) == [
        f"time_entries.csv:2: hours: must be above 0 and at most 24: {hours}"
    ]


def test_time_entry_within_employment(tmp_path):
    bundle = broken("users", 3, "joined_on", "2024-01-16")
    h.set_cell(bundle, "users", 3, "left_on", "2024-01-20")
    bundle["time_entries"].append(["u2", "O1", "2024-01-21", "1", "false", ""])
    assert errors_of(bundle, tmp_path) == [
        "time_entries.csv:2: worked_on: u2 was not employed on 2024-01-15 (joined 2024-01-16, "
        "left 2024-01-20)",
        "time_entries.csv:4: worked_on: u2 was not employed on 2024-01-21 (joined 2024-01-16, "
        "left 2024-01-20)",
    ]


def test_left_on_not_before_joined_on(tmp_path):
    assert errors_of(broken("users", 3, "left_on", "2019-12-31"), tmp_path) == [
        "users.csv:3: left_on: 2019-12-31 is before joined_on 2020-01-01"
    ]


def test_same_customer_for_contracts_activities_surveys_and_reporting_lines(tmp_path):
    bundle = broken("contracts", 2, "customer_code", "C2")
    h.set_cell(bundle, "activities", 2, "customer_code", "C2")
    h.set_cell(bundle, "surveys", 2, "contact_code", "K3")
    h.set_cell(bundle, "contacts", 3, "reports_to_code", "K3")
    assert errors_of(bundle, tmp_path) == [
        "contacts.csv:3: reports_to_code: reports to a contact of another customer "
        "(customer_code C1; reports_to_code K3 is at customer C2)",
        "contracts.csv:2: opportunity_code: the opportunity belongs to another customer "
        "(customer_code C2; opportunity_code O1 is at customer C1)",
        "activities.csv:2: opportunity_code: the opportunity belongs to another customer "
        "(customer_code C2; opportunity_code O1 is at customer C1)",
        "surveys.csv:2: contact_code: a contact of another customer "
        "(customer_code C1; contact_code K3 is at customer C2)",
    ]


def test_one_lead_per_opportunity(tmp_path):
    assert errors_of(broken("leads", 3, "opportunity_code", "O1"), tmp_path) == [
        "leads.csv:3: opportunity_code: O1 is already named on line 2 (at most one row each)"
    ]


def test_one_lead_per_opportunity_counts_the_database(tmp_path, loaded):
    bundle = {
        "leads": [
            h.BASE["leads"][0],
            ["L9", "线索九", "C1", "u1", "", "2024-01-01", "new", "", "", "", "O1"],
        ]
    }
    assert errors_of(bundle, tmp_path) == [
        "leads.csv:2: opportunity_code: O1 is already named by L1 in the database"
    ]


def test_parent_code_cycle(tmp_path):
    bundle = broken("regions", 2, "parent_code", "R2")
    h.set_cell(bundle, "customers", 2, "parent_code", "C1")
    assert errors_of(bundle, tmp_path) == [
        "regions.csv:2: parent_code: forms a cycle: R1 → R2 → R1",
        "customers.csv:2: parent_code: forms a cycle: C1 → C1",
    ]


def test_parent_code_cycle_through_the_database(tmp_path, loaded):
    bundle = {"regions": [["code", "name", "parent_code"], ["R1", "华东", "R2"]]}
    assert errors_of(bundle, tmp_path) == [
        "regions.csv:2: parent_code: forms a cycle: R1 → R2 → R1"
    ]


def test_reports_to_cycle(tmp_path):
    assert errors_of(broken("contacts", 2, "reports_to_code", "K2"), tmp_path) == [
        "contacts.csv:2: reports_to_code: forms a cycle: K1 → K2 → K1"
    ]


# --- rules broken from the database's side by an update -------------------------------------------


def test_changing_employment_cannot_orphan_time_entries_in_the_database(tmp_path, loaded):
    bundle = {"users": [h.BASE["users"][0], ["u2", "李四", "presales", "T1", "", "", "2024-01-16"]]}
    bundle["users"][1] += [""]
    assert errors_of(bundle, tmp_path) == [
        "users.csv:2: joined_on: 1 time_entries.csv row(s) already in the database fall outside "
        "the employment: u2/O1/2024-01-15"
    ]


def test_changing_a_customer_cannot_break_rows_in_the_database(tmp_path, loaded):
    bundle = h.base()
    bundle = {"opportunities": [bundle["opportunities"][0], bundle["opportunities"][1]]}
    h.set_cell(bundle, "opportunities", 2, "customer_code", "C2")
    lines = errors_of(bundle, tmp_path)
    assert lines == [
        "opportunities.csv:2: customer_code: the new customer breaks 2 decision_chain.csv row(s) "
        "already in the database (not a contact of the opportunity's customer): O1/K1, O1/K2",
        "opportunities.csv:2: customer_code: the new customer breaks 1 contracts.csv row(s) "
        "already in the database (the opportunity belongs to another customer): K-1",
        "opportunities.csv:2: customer_code: the new customer breaks 1 expenses.csv row(s) "
        "already in the database (an expense naming an opportunity must name that "
        "opportunity's customer): E1",
        "opportunities.csv:2: customer_code: the new customer breaks 1 activities.csv row(s) "
        "already in the database (the opportunity belongs to another customer): A1",
    ]


# --- encodings -----------------------------------------------------------------------------------


def test_non_utf8_file(tmp_path):
    folder = h.write_bundle(h.base(), tmp_path / "bad")
    path = folder / "customers.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    report = import_bundle(folder, dry_run=False)
    assert report.error_lines() == [
        "customers.csv:2: -: not UTF-8 text (byte 0xbf at position 4 of the line); save the file "
        "as UTF-8"
    ]
