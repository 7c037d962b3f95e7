"""``POST /api/v1/exchange/import`` and ``GET /api/v1/exchange/export``: admins only."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from kam.core.tests.factories import UserFactory
from kam.customers.models import Customer
from kam.exchange.tests.helpers import EXAMPLE, base, set_cell, write_bundle
from kam.exchange.tests.test_views import zip_of

pytestmark = pytest.mark.django_db
IMPORT = "/api/v1/exchange/import"
EXPORT = "/api/v1/exchange/export"


@pytest.fixture(autouse=True)
def _home(settings, tmp_path):
    settings.KAM_HOME = tmp_path / "home"


def api(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def admin():
    return api(UserFactory(username="boss", role="admin", team=None))


def test_non_admins_are_refused():
    rep = api(UserFactory(role="sales"))
    assert rep.post(IMPORT, {}, format="multipart").status_code == 403
    assert rep.get(EXPORT, {"format": "zip"}).status_code == 403
    assert api().get(EXPORT).status_code in (401, 403)


def test_dry_run_counts_and_writes_nothing(admin, tmp_path):
    upload = zip_of(write_bundle(base(), tmp_path / "b"))
    response = admin.post(IMPORT, {"file": upload, "dry_run": "true"}, format="multipart")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["ok"] and body["dry_run"] and body["errors"] == []
    assert body["summary"]["customers.csv"]["created"] > 0
    assert not Customer.objects.exists()


def test_errors_answer_400_and_write_nothing(admin, tmp_path):
    bundle = base()
    set_cell(bundle, "customers", 2, "owner_username", "nobody")
    upload = zip_of(write_bundle(bundle, tmp_path / "b"))
    response = admin.post(IMPORT, {"file": upload}, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False and body["dry_run"] is False
    error = next(e for e in body["errors"] if e["column"] == "owner_username")
    assert (error["file"], error["line"]) == ("customers.csv", 2)
    assert not Customer.objects.exists()


def test_refused_upload_is_a_400_with_the_reason(admin):
    fake = SimpleUploadedFile("data.zip", b"not a zip at all")
    response = admin.post(IMPORT, {"file": fake}, format="multipart")
    assert response.status_code == 400
    assert "neither a .zip nor an .xlsx" in response.json()["errors"][0]["reason"]


def test_round_trip_import_export_import_changes_nothing(admin, tmp_path):
    upload = zip_of(EXAMPLE)
    first = admin.post(IMPORT, {"file": upload}, format="multipart")
    assert first.status_code == 200, first.json()["errors"][:5]
    assert first.json()["summary"]["customers.csv"]["created"] == Customer.objects.count() > 0

    for fmt, magic in (("xlsx", b"PK"), ("zip", b"PK")):
        exported = admin.get(EXPORT, {"format": fmt})
        assert exported.status_code == 200
        data = b"".join(exported.streaming_content)
        assert data.startswith(magic)
        again = admin.post(
            IMPORT,
            {"file": SimpleUploadedFile(f"export.{fmt}", data), "dry_run": "true"},
            format="multipart",
        )
        assert again.status_code == 200, again.json()["errors"][:5]
        summary = again.json()["summary"]
        assert all(c["created"] == 0 and c["updated"] == 0 for c in summary.values()), summary


def test_unknown_export_format_is_a_400(admin):
    assert admin.get(EXPORT, {"format": "pdf"}).status_code == 400
