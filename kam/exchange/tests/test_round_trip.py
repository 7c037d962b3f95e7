"""Export: every format round-trips exactly, and the bytes depend only on the data."""

import io

import openpyxl
import pytest
from django.core.management import call_command

from kam.core.tests import factories as f
from kam.customers.models import Customer
from kam.exchange.exporter import ExportError, export_bundle
from kam.exchange.importer import import_bundle
from kam.exchange.schema import FILES
from kam.exchange.tests import helpers as h
from kam.exchange.values import format_decimal

pytestmark = pytest.mark.django_db

TARGETS = {"folder": "out", "zip": "out.zip", "xlsx": "out.xlsx"}


def _bytes(path):
    return h.read_folder(path) if path.is_dir() else path.read_bytes()


def _source_bundle(tmp_path):
    """The base bundle with the awkward texts: quotes, commas, line breaks, a formula-like name,
    an error-code-like text, surrounding spaces."""
    bundle = h.base()
    h.set_cell(bundle, "customers", 2, "name", "=SUM(A1:A2)")
    h.set_cell(bundle, "customers", 3, "name", " 客户二 ")
    h.set_cell(bundle, "competitors", 3, "strengths", "#N/A")
    h.set_cell(bundle, "competitors", 3, "weaknesses", 'line one\r\nline two, "quoted"')
    h.set_cell(bundle, "products", 2, "category", "lone\rreturn, _x000D_ literal")
    return h.write_bundle(bundle, tmp_path / "source")


@pytest.mark.parametrize("fmt", ["folder", "zip", "xlsx"])
@pytest.mark.parametrize("source", ["example", "base"])
def test_round_trip_is_exact(tmp_path, fmt, source):
    folder = h.EXAMPLE if source == "example" else _source_bundle(tmp_path)
    assert import_bundle(folder, dry_run=False).ok
    snapshot = h.export_text(tmp_path, "before")

    first = tmp_path / "first" / TARGETS[fmt]
    export_bundle(first, format=fmt)
    h.wipe()
    assert not Customer.objects.exists()
    report = import_bundle(first, dry_run=False)  # import → export → import, fresh database
    assert report.ok, report.error_lines()
    assert h.export_text(tmp_path, "after") == snapshot  # identical data

    second = tmp_path / "second" / TARGETS[fmt]
    export_bundle(second, format=fmt)
    assert _bytes(second) == _bytes(first)  # export → import → export, identical files
    assert import_bundle(second, dry_run=False).total["created"] == 0


def test_export_writes_every_file_in_documented_order_and_canonical_form(tmp_path):
    import_bundle(_source_bundle(tmp_path), dry_run=False)
    files = h.export_text(tmp_path)
    assert sorted(files) == sorted(spec.file_name for spec in FILES)
    assert files["working_calendar.csv"] == b"date,kind\r\n2024-10-01,holiday\r\n"
    assert files["contract_lines.csv"].decode().splitlines() == [
        "contract_code,product_code,quantity,unit_price,unit_cost",
        "K-1,P1,2.5,1000,600",
    ]
    opportunities = files["opportunities.csv"].decode().splitlines()
    assert opportunities[1] == (
        "O1,C1,商机一,u1,captured,500000.5,2024-01-01,established,2024-01-10,,,won,2024-03-01,"
        "20000,,CP1;CP2"
    )
    assert files["time_entries.csv"].decode().splitlines()[1:] == [
        "u2,O1,2024-01-15,4.5,true,u1",
        "u2,O1,2024-01-16,8,false,",
    ]
    assert '"line one\r\nline two, ""quoted"""' in files["competitors.csv"].decode()


def test_export_is_deterministic(tmp_path):
    import_bundle(h.EXAMPLE, dry_run=False)
    for fmt in ("zip", "xlsx"):
        export_bundle(tmp_path / f"a.{fmt}", format=fmt)
        export_bundle(tmp_path / f"b.{fmt}", format=fmt)
        assert (tmp_path / f"a.{fmt}").read_bytes() == (tmp_path / f"b.{fmt}").read_bytes()


def test_export_command_picks_the_format_from_the_extension(tmp_path, capsys):
    import_bundle(h.EXAMPLE, dry_run=False)
    call_command("export", str(tmp_path / "all.zip"))
    assert "(zip)" in capsys.readouterr().out
    with open(tmp_path / "all.zip", "rb") as handle:
        assert handle.read(2) == b"PK"


def test_xlsx_cells_are_text_never_formulas(tmp_path):
    import_bundle(_source_bundle(tmp_path), dry_run=False)
    export_bundle(tmp_path / "out.xlsx", format="xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx")["customers"]
    assert sheet["B2"].value == "=SUM(A1:A2)" and sheet["B2"].data_type == "s"


def test_a_workbook_edited_in_excel_reads_typed_cells_as_text(tmp_path):
    assert import_bundle(h.write_bundle(h.base(), tmp_path / "b"), dry_run=False).ok
    import datetime as dt

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "payments"
    sheet.append(["code", "contract_code", "amount", "due_on", "paid_on"])
    sheet.append(["PM2", "K-1", 1234.5, dt.datetime(2024, 5, 1), None])
    sheet.append(["PM3", "K-1", 100, dt.date(2024, 6, 1), "2024-06-03"])
    workbook.save(tmp_path / "edited.xlsx")
    report = import_bundle(tmp_path / "edited.xlsx", dry_run=False)
    assert report.ok, report.error_lines()
    assert report.summary == {"payments": {"created": 2, "updated": 0, "unchanged": 0}}


def test_an_upload_is_a_file_object(tmp_path):
    export_bundle(tmp_path / "empty.zip", format="zip")
    import_bundle(h.write_bundle(h.base(), tmp_path / "b"), dry_run=False)
    buffer = io.BytesIO()
    export_bundle(buffer, format="zip")
    buffer.name = "upload.zip"
    h.wipe()
    report = import_bundle(buffer, dry_run=False)
    assert report.ok, report.error_lines()
    assert Customer.objects.count() == 2


def test_a_zip_of_the_folder_imports(tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "bundle.zip", "w") as archive:
        for path in h.EXAMPLE.iterdir():
            archive.write(path, f"bundle/{path.name}")
        archive.writestr("__MACOSX/bundle/._users.csv", b"\x00\x05")
    report = import_bundle(tmp_path / "bundle.zip", dry_run=False)
    assert report.ok, report.error_lines()
    assert report.total["created"] == 2731


def test_a_users_export_holds_only_what_they_may_see(tmp_path):
    import_bundle(h.write_bundle(h.base(), tmp_path / "b"), dry_run=False)
    outsider = f.UserFactory(username="zz-outsider", role="sales")
    export_bundle(tmp_path / "mine", format="folder", user=outsider)
    files = h.read_folder(tmp_path / "mine")
    assert files["customers.csv"].decode().splitlines() == [
        "code,name,industry,region_code,owner_username,parent_code,expected_annual_spend,"
        "annual_category_spend,strategic_importance,created_on"
    ]
    assert files["opportunities.csv"].count(b"\n") == 1
    assert b"u1" in files["users.csv"]  # the directory is visible to everyone
    owner = Customer.objects.get(code="C1").owner
    export_bundle(tmp_path / "owner", format="folder", user=owner)
    assert h.read_folder(tmp_path / "owner")["opportunities.csv"].count(b"\n") == 4


def test_control_characters_cannot_go_into_a_sheet(tmp_path):
    bundle = h.base()
    h.set_cell(bundle, "competitors", 2, "strengths", "bell\x07")
    assert import_bundle(h.write_bundle(bundle, tmp_path / "b"), dry_run=False).ok
    export_bundle(tmp_path / "ok.zip", format="zip")
    with pytest.raises(ExportError, match="control character"):
        export_bundle(tmp_path / "no.xlsx", format="xlsx")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("8974492.00", "8974492"),
        ("3.50", "3.5"),
        ("0.00", "0"),
        ("-0.0", "0"),
        ("100", "100"),
        ("0.05", "0.05"),
    ],
)
def test_decimals_have_one_canonical_form(value, text):
    from decimal import Decimal

    assert format_decimal(Decimal(value)) == text
    assert format_decimal(float(value)) == text
