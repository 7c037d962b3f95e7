"""Importing bundles: the example, upserts, dry runs, the audit trail, denormalised tiers."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from kam.core.models import AuditEntry
from kam.customers.models import Customer
from kam.exchange.importer import import_bundle, validate_bundle
from kam.exchange.schema import FILES
from kam.exchange.tests import helpers as h
from kam.org.models import User
from kam.pipeline.models import Lead, Opportunity
from kam.presales.models import TimeEntry
from kam.relationships.models import Activity, Contact

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {spec.name: spec.model.objects.count() for spec in FILES}


def _rows(folder) -> int:
    total = 0
    for path in folder.glob("*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            import csv

            total += sum(1 for row in csv.reader(handle) if any(row)) - 1
    return total


def test_example_bundle_imports_cleanly_then_changes_nothing():
    first = import_bundle(h.EXAMPLE, dry_run=False)
    assert first.ok, first.error_lines()
    assert first.total == {"created": _rows(h.EXAMPLE), "updated": 0, "unchanged": 0}
    assert first.summary["customers.csv"] == {"created": 30, "updated": 0, "unchanged": 0}
    counts = _counts()
    versions = sorted(Opportunity.objects.values_list("code", "version"))
    audit = AuditEntry.objects.count()
    assert audit == len(FILES)  # one summary entry per imported file

    second = import_bundle(h.EXAMPLE, dry_run=False)
    assert second.ok
    assert second.total == {"created": 0, "updated": 0, "unchanged": _rows(h.EXAMPLE)}
    assert _counts() == counts
    assert sorted(Opportunity.objects.values_list("code", "version")) == versions
    assert AuditEntry.objects.count() == audit  # nothing changed, nothing to record


def test_audit_entry_summarises_each_file_for_a_user_to_find():
    import_bundle(h.EXAMPLE, dry_run=False)
    entry = AuditEntry.objects.get(content_type__model="customer")
    assert entry.actor is None
    assert entry.action == "create"
    assert entry.object_repr == "Import customers.csv: 30 created, 0 updated, 0 unchanged"
    assert entry.changes["import"]["created"] == 30


def test_dry_run_reports_counts_and_writes_nothing(tmp_path):
    before = _counts()
    report = import_bundle(h.EXAMPLE, dry_run=True)
    assert report.ok and report.dry_run
    assert report.summary["opportunities.csv"]["created"] == 180
    assert _counts() == before
    assert not AuditEntry.objects.exists()
    assert validate_bundle(h.EXAMPLE).summary == report.summary


def test_command_import_and_dry_run(tmp_path, capsys):
    call_command("import", str(h.EXAMPLE), "--dry-run")
    assert "Dry run, nothing written" in capsys.readouterr().out
    assert not Customer.objects.exists()
    call_command("import", str(h.EXAMPLE))
    out = capsys.readouterr().out
    assert "customers.csv" in out and "Imported: 2731 rows (2731 created" in out
    assert Customer.objects.count() == 30


def test_command_prints_every_error_and_exits_1(tmp_path, capsys):
    bundle = h.base()
    h.set_cell(bundle, "customers", 2, "strategic_importance", "101")
    h.set_cell(bundle, "customers", 3, "created_on", "2021-13-01")
    with pytest.raises(CommandError) as caught:
        call_command("import", str(h.write_bundle(bundle, tmp_path / "b")))
    assert caught.value.returncode == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "customers.csv:2: strategic_importance: must be between 0 and 100: 101",
        "customers.csv:3: created_on: not a date (YYYY-MM-DD): '2021-13-01'",
    ]
    assert not Customer.objects.exists()


def test_error_printing_is_capped_with_a_count_of_the_rest(tmp_path):
    bundle = h.base()
    header = bundle["working_calendar"][0]
    bundle["working_calendar"] = [header] + [[f"2024-01-{n:03d}", "holiday"] for n in range(1500)]
    report = import_bundle(h.write_bundle(bundle, tmp_path / "b"), dry_run=False)
    assert report.error_count == 1500
    lines = report.error_lines()
    assert len(lines) == 1001
    assert lines[-1] == "… and 500 more errors"


def test_base_bundle_is_valid_and_maps_every_column(tmp_path):
    report = import_bundle(h.write_bundle(h.base(), tmp_path / "b"), dry_run=False)
    assert report.ok, report.error_lines()
    opportunity = Opportunity.objects.get(code="O1")
    assert opportunity.amount == Decimal("500000.50")
    assert sorted(opportunity.competitors.values_list("code", flat=True)) == ["CP1", "CP2"]
    assert Lead.objects.get(code="L1").opportunity == opportunity
    activity = Activity.objects.get(code="A1")
    assert sorted(activity.contacts.values_list("code", flat=True)) == ["K1", "K2"]
    assert activity.summary == '第一行\n第二行 "引号"'
    assert Contact.objects.get(code="K2").reports_to.code == "K1"
    assert Contact.objects.get(code="K3").influence == 1  # the documented default
    entry = TimeEntry.objects.get(worked_on=dt.date(2024, 1, 16))
    assert entry.confirmed is False and entry.confirmed_by is None
    user = User.objects.get(username="u1")
    assert user.team.code == "T1" and not user.has_usable_password()
    assert h.BASE["contracts"][1][-1] == "" and opportunity.contracts.get().status == "active"


def test_current_tier_is_the_latest_history_on_or_before_today(tmp_path):
    import_bundle(h.write_bundle(h.base(), tmp_path / "b"), dry_run=False)
    customer = Customer.objects.get(code="C1")
    assert (customer.tier, customer.resource_class) == ("A", "B")  # 2099 is not yet
    assert customer.version == 1
    bundle = h.base()
    bundle["tier_history"].append(["C1", "2023-06-30", "S", "A", "升级"])
    report = import_bundle(h.write_bundle(bundle, tmp_path / "c"), dry_run=False)
    assert report.summary["tier_history.csv"] == {"created": 1, "updated": 0, "unchanged": 2}
    customer.refresh_from_db()
    assert (customer.tier, customer.resource_class, customer.version) == ("S", "A", 2)
    assert Customer.objects.get(code="C2").tier == ""


def test_update_in_place_bumps_version_and_syncs_lists(tmp_path):
    import_bundle(h.write_bundle(h.base(), tmp_path / "b"), dry_run=False)
    bundle = h.base()
    h.set_cell(bundle, "customers", 2, "name", "客户一（新）")
    h.set_cell(bundle, "opportunities", 2, "competitor_codes", "CP1")
    h.set_cell(bundle, "activities", 2, "contact_codes", "K1")
    report = import_bundle(h.write_bundle(bundle, tmp_path / "c"), dry_run=False)
    assert report.ok, report.error_lines()
    assert report.summary["customers.csv"] == {"created": 0, "updated": 1, "unchanged": 1}
    assert report.summary["opportunities.csv"] == {"created": 0, "updated": 1, "unchanged": 2}
    customer = Customer.objects.get(code="C1")
    assert customer.name == "客户一（新）" and customer.version == 2
    opportunity = Opportunity.objects.get(code="O1")
    assert list(opportunity.competitors.values_list("code", flat=True)) == ["CP1"]
    assert opportunity.version == 2
    assert list(Activity.objects.get(code="A1").contacts.values_list("code", flat=True)) == ["K1"]
    entry = AuditEntry.objects.filter(content_type__model="customer").latest("id")
    assert entry.action == "update"
    assert entry.object_repr == "Import customers.csv: 0 created, 1 updated, 1 unchanged"


def test_a_lead_may_take_over_an_opportunity_another_lead_gives_up(tmp_path):
    import_bundle(h.write_bundle(h.base(), tmp_path / "b"), dry_run=False)
    bundle = h.base()
    h.set_cell(bundle, "leads", 2, "opportunity_code", "")
    h.set_cell(bundle, "leads", 3, "opportunity_code", "O1")
    report = import_bundle(h.write_bundle(bundle, tmp_path / "c"), dry_run=False)
    assert report.ok, report.error_lines()
    assert Lead.objects.get(code="L2").opportunity.code == "O1"


def test_a_column_left_out_is_left_untouched(tmp_path):
    import_bundle(h.write_bundle(h.base(), tmp_path / "b"), dry_run=False)
    partial = {"customers": [["code", "name", "owner_username"], ["C1", "改名", "u1"]]}
    report = import_bundle(h.write_bundle(partial, tmp_path / "c"), dry_run=False)
    assert report.ok, report.error_lines()
    customer = Customer.objects.get(code="C1")
    assert customer.name == "改名"
    assert customer.industry == "能源" and customer.strategic_importance == 80


def test_references_may_point_to_rows_already_in_the_database(tmp_path):
    import_bundle(h.write_bundle(h.base(), tmp_path / "b"), dry_run=False)
    more = {
        "opportunities": [
            h.BASE["opportunities"][0],
            ["O9", "C2", "新商机", "u1", "", "1", "2024-05-01", "pending"]
            + ["", "", "", "open", "", "", "", "CP1"],
        ],
        "decision_chain": [h.BASE["decision_chain"][0], ["O9", "K3", "user", "2"]],
    }
    report = import_bundle(h.write_bundle(more, tmp_path / "c"), dry_run=False)
    assert report.ok, report.error_lines()
    assert Opportunity.objects.get(code="O9").decision_chain.get().contact.code == "K3"


def test_bom_is_accepted(tmp_path):
    folder = h.write_bundle(h.base(), tmp_path / "b")
    path = folder / "regions.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    report = import_bundle(folder, dry_run=False)
    assert report.ok, report.error_lines()


@pytest.fixture
def bulk(monkeypatch):
    """Every file takes the bulk path (indexes and foreign keys set aside, checks batched)."""
    from kam.exchange import importer

    monkeypatch.setattr(importer, "BULK_LOAD_ROWS", 1)


def test_bulk_path_imports_the_same_data(tmp_path, bulk):
    report = import_bundle(h.EXAMPLE, dry_run=False)
    assert report.ok, report.error_lines()
    loaded = h.export_text(tmp_path, "bulk")
    assert import_bundle(h.EXAMPLE, dry_run=False).total["unchanged"] == _rows(h.EXAMPLE)
    h.wipe()
    from kam.exchange import importer

    importer.BULK_LOAD_ROWS = 10**9
    assert import_bundle(h.EXAMPLE, dry_run=False).ok
    assert h.export_text(tmp_path, "plain") == loaded


def test_bulk_path_still_enforces_the_databases_own_checks(tmp_path, bulk, monkeypatch):
    from kam.exchange import rules

    # Pretend the validation forgot a rule the database declares (left_on ≥ joined_on).
    monkeypatch.setattr(rules.NotBefore, "validate", lambda self, ctx, fd: None)
    bundle = h.base()
    h.set_cell(bundle, "users", 3, "left_on", "2019-12-31")
    report = import_bundle(h.write_bundle(bundle, tmp_path / "b"), dry_run=False)
    [line] = report.error_lines()
    assert line.startswith("b: the database refused the data: ")
    assert "check constraint" in line.lower()
    assert not User.objects.exists()


def test_benchmark_bundle_is_valid(tmp_path):
    from kam.exchange.bench import generate

    counts = generate(tmp_path / "bench", customers=40, opportunities=300)
    report = import_bundle(tmp_path / "bench", dry_run=True)
    assert report.ok, report.error_lines()
    assert report.summary["opportunities.csv"]["created"] == 300
    assert report.summary["contracts.csv"]["created"] == counts["contracts"] > 0
