"""List exports (``?export=csv|xlsx``): visible filtered rows, safe cells, numeric numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from kam.core import tabular
from kam.core.tests.factories import (
    ContactFactory,
    ContractFactory,
    CustomerFactory,
    LeadFactory,
    OpportunityFactory,
    UserFactory,
)


def test_cells_are_neutralised_and_numbers_kept():
    assert tabular.cell("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    for start in ("+", "-", "@", "\t", "\r"):
        assert tabular.cell(start + "x") == "'" + start + "x"
    assert tabular.cell("plain") == "plain"
    assert tabular.cell(Decimal("12.50")) == Decimal("12.50")
    assert tabular.cell(-3) == -3
    assert tabular.cell(None) == ""
    assert tabular.cell(dt.date(2025, 1, 2)) == "2025-01-02"


def test_csv_has_a_bom_and_plain_numbers():
    text = "".join(tabular.csv_chunks([["a", "b"], [Decimal("1.50"), "'=x"]]))
    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text[1:]))) == [["a", "b"], ["1.50", "'=x"]]


def test_accessors_follow_paths_and_call_methods():
    class Obj:
        name = "n"
        child = None

        def label(self):
            return "L"

    assert tabular.resolve(Obj(), "label") == "L"
    assert tabular.resolve(Obj(), "child.name") is None
    assert tabular.resolve(Obj(), lambda o: o.name * 2) == "nn"


@pytest.fixture
def world(db):
    rep = UserFactory(username="rep", role="sales")
    outsider = UserFactory(username="outsider", role="sales")
    mine = CustomerFactory(
        code="MINE-1",
        name="=cmd|' /C calc'!A0",
        owner=rep,
        expected_annual_spend=Decimal("1234.50"),
    )
    CustomerFactory(code="MINE-2", name="second", owner=rep)
    theirs = CustomerFactory(code="THEIRS-1", name="theirs", owner=outsider)
    return {"rep": rep, "mine": mine, "theirs": theirs}


def rep_client(world) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world["rep"])
    return client


def test_csv_export_holds_only_visible_filtered_rows(world):
    response = rep_client(world).get(reverse("web:customer_list"), {"export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][:2] == ["Code", "Customer"]
    codes = {row[0] for row in rows[1:]}
    assert codes == {"MINE-1", "MINE-2"}
    assert "THEIRS-1" not in text
    mine = next(row for row in rows if row[0] == "MINE-1")
    assert mine[1] == "'=cmd|' /C calc'!A0"
    assert mine[-1] == "1234.50"

    filtered = rep_client(world).get(reverse("web:customer_list"), {"export": "csv", "q": "MINE-2"})
    text = b"".join(filtered.streaming_content).decode("utf-8")
    assert "MINE-2" in text and "MINE-1" not in text


def test_xlsx_export_neutralises_text_and_keeps_amounts_numeric(world):
    response = rep_client(world).get(reverse("web:customer_list"), {"export": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows())
    codes = [row[0].value for row in rows[1:]]
    assert sorted(codes) == ["MINE-1", "MINE-2"]
    mine = next(row for row in rows if row[0].value == "MINE-1")
    assert mine[1].value == "'=cmd|' /C calc'!A0"
    assert mine[1].data_type == "s"
    assert mine[-1].data_type == "n"
    assert mine[-1].value == pytest.approx(1234.5)


@pytest.mark.parametrize(
    "url_name",
    [
        "web:customer_list",
        "web:contact_list",
        "web:lead_list",
        "web:opportunity_list",
        "web:contract_list",
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_list_exports_its_visible_rows(world, url_name, fmt):
    rep, mine, theirs = world["rep"], world["mine"], world["theirs"]
    rep.role = "kam"
    rep.save()
    for customer in (mine, theirs):
        ContactFactory(customer=customer)
        LeadFactory(customer=customer, owner=customer.owner)
        OpportunityFactory(customer=customer)
        ContractFactory(customer=customer)
    response = rep_client(world).get(reverse(url_name), {"export": fmt})
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(body)).active
        body = "\n".join(
            ",".join(str(v) for v in row) for row in sheet.iter_rows(values_only=True)
        ).encode()
    text = body.decode("utf-8-sig")
    assert len(text.strip().splitlines()) >= 2  # the header and the rep's rows
    assert "'=cmd" in text  # the rep's customer, named (neutralised) in every list
    assert "THEIRS-1" not in text and "theirs" not in text


def test_list_page_offers_the_export_buttons_with_the_current_filters(world):
    html = rep_client(world).get(reverse("web:customer_list"), {"q": "MINE", "page": "2"}).content
    html = html.decode()
    assert "export=csv" in html and "export=xlsx" in html
    assert "q=MINE&amp;export=csv" in html


def test_unknown_export_format_is_404(world):
    response = rep_client(world).get(reverse("web:customer_list"), {"export": "pdf"})
    assert response.status_code == 404
