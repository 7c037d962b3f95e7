"""Uploads and paths are checked before anything is parsed: type by content, sizes, zip bombs,
entry names, macros."""

import io
import stat
import zipfile

import pytest

from kam.customers.models import Customer
from kam.exchange.importer import import_bundle
from kam.exchange.sources import Limits
from kam.exchange.tests import helpers as h

pytestmark = pytest.mark.django_db


def refusal(source, limits=None) -> str:
    report = import_bundle(source, dry_run=False, limits=limits)
    assert not report.ok
    assert not Customer.objects.exists()
    [line] = report.error_lines()
    return line


def _zip(path, entries: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def test_zip_bomb_is_refused(tmp_path):
    bomb = _zip(tmp_path / "bomb.zip", {"customers.csv": b"0" * (30 * 1024 * 1024)})
    line = refusal(bomb)
    assert line.startswith("bomb.zip: bomb.zip looks like a zip bomb: 'customers.csv' expands ")
    assert line.endswith(" times (at most 200)")


def test_total_uncompressed_size_is_limited(tmp_path):
    path = _zip(tmp_path / "big.zip", {"regions.csv": b"code,name,parent_code\n" * 100})
    assert refusal(path, Limits(max_uncompressed_bytes=1000)) == (
        "big.zip: big.zip expands to 2.1 KiB, at most 1000 bytes are accepted (zip bomb?)"
    )


def test_entry_count_is_limited(tmp_path):
    path = _zip(tmp_path / "many.zip", {f"f{n}.csv": b"" for n in range(5)})
    assert refusal(path, Limits(max_entries=4)) == (
        "many.zip: many.zip has 5 entries, at most 4 are accepted"
    )


def test_file_size_is_limited(tmp_path):
    path = _zip(tmp_path / "a.zip", {"regions.csv": b"code,name,parent_code\n"})
    assert refusal(path, Limits(max_file_bytes=10)).startswith("a.zip: a.zip is too large (")


@pytest.mark.parametrize("name", ["../regions.csv", "/etc/regions.csv", "a\\..\\regions.csv"])
def test_path_traversal_is_refused(tmp_path, name):
    path = _zip(tmp_path / "evil.zip", {name: b"code,name,parent_code\n"})
    assert refusal(path) == (
        f"evil.zip: evil.zip holds an unsafe entry name {name!r} (absolute path or '..')"
    )


def test_symbolic_link_entry_is_refused(tmp_path):
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("regions.csv")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    assert refusal(path) == "link.zip: link.zip holds a symbolic link 'regions.csv'"


def _workbook_parts(**extra) -> dict[str, bytes]:
    parts = {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
        "xl/workbook.xml": b'<?xml version="1.0"?><workbook/>',
    }
    parts.update(extra)
    return parts


def test_macro_workbook_is_refused(tmp_path):
    path = _zip(tmp_path / "book.xlsx", _workbook_parts(**{"xl/vbaProject.bin": b"\x00"}))
    assert refusal(path) == (
        "book.xlsx: book.xlsx contains macros (vbaProject.bin); macro workbooks are refused"
    )


def test_macro_enabled_content_type_is_refused(tmp_path):
    parts = _workbook_parts()
    parts["[Content_Types].xml"] = b"<Types>application/vnd.ms-excel.sheet.macroEnabled</Types>"
    path = _zip(tmp_path / "book.xlsx", parts)
    assert refusal(path) == (
        "book.xlsx: book.xlsx is a macro-enabled workbook; macro workbooks are refused"
    )


def test_xlsm_name_is_refused(tmp_path):
    path = _zip(tmp_path / "book.xlsm", _workbook_parts())
    assert refusal(path) == (
        "book.xlsm: book.xlsm: macro-enabled or binary workbooks are refused; save it as .xlsx"
    )


def test_xml_entities_are_refused(tmp_path):
    parts = _workbook_parts()
    parts["xl/workbook.xml"] = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><w/>'
    path = _zip(tmp_path / "book.xlsx", parts)
    assert refusal(path) == "book.xlsx: book.xlsx: xl/workbook.xml declares a DTD; refused"


def test_other_office_documents_are_refused(tmp_path):
    path = _zip(tmp_path / "doc.xlsx", {"[Content_Types].xml": b"<Types/>", "word/x.xml": b""})
    assert refusal(path) == "doc.xlsx: doc.xlsx is an Office document but not an Excel workbook"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        (
            "picture.zip",
            b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
            "is neither a .zip nor an .xlsx file (by its content); give a folder of CSV files, "
            "a .zip of one, or an .xlsx workbook",
        ),
        (
            "customers.csv",
            b"code,name\nC1,x\n",
            "is neither a .zip nor an .xlsx file (by its content); give a folder of CSV files, "
            "a .zip of one, or an .xlsx workbook",
        ),
        (
            "old.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
            "is a legacy Excel (.xls) or Office file; save it as .xlsx",
        ),
        ("broken.zip", b"PK\x03\x04garbage", "is not a readable zip file: File is not a zip file"),
    ],
)
def test_wrong_file_type_is_refused(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    assert refusal(path) == f"{name}: {name} {reason}"


def test_wrong_type_of_upload_is_refused():
    upload = io.BytesIO(b"%PDF-1.4 not a bundle")
    upload.name = "report.xlsx"
    assert refusal(upload).startswith("report.xlsx: report.xlsx is neither a .zip nor an .xlsx")


def test_missing_path(tmp_path):
    assert refusal(tmp_path / "nothing") == f"nothing: {tmp_path / 'nothing'} does not exist"


def test_folder_with_a_symbolic_link_is_refused(tmp_path):
    folder = h.write_bundle(h.base(), tmp_path / "b")
    (folder / "leads.csv").unlink()
    (folder / "leads.csv").symlink_to("/etc/passwd")
    assert refusal(folder) == "b: leads.csv is a symbolic link; links are not followed"


def test_csv_files_must_sit_together_in_a_zip(tmp_path):
    path = _zip(tmp_path / "spread.zip", {"a/regions.csv": b"", "b/teams.csv": b""})
    assert refusal(path) == (
        "spread.zip: spread.zip: the CSV files must sit together, at the top or in one folder"
    )


def test_non_utf8_inside_a_zip(tmp_path):
    path = _zip(
        tmp_path / "gbk.zip", {"regions.csv": "code,name,parent_code\nR1,华东,\n".encode("gbk")}
    )
    report = import_bundle(path, dry_run=False)
    assert report.error_lines() == [
        "regions.csv:2: -: not UTF-8 text (byte 0xbb at position 4 of the line); save the file "
        "as UTF-8"
    ]
