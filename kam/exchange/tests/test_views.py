"""The import / export pages: admins only, dry run → preview → import, refusals, downloads."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kam.core.tests.factories import UserFactory
from kam.customers.models import Customer
from kam.exchange.tests.helpers import base, set_cell, write_bundle
from kam.exchange.views import SESSION_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _home(settings, tmp_path):
    settings.KAM_HOME = tmp_path / "home"


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="boss", role="admin", team=None))
    return client


def zip_of(folder: Path, name: str = "bundle.zip") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/zip")


def good_zip(tmp_path) -> SimpleUploadedFile:
    return zip_of(write_bundle(base(), tmp_path / "good"))


def post_upload(client, files, **headers):
    return client.post(reverse("web:exchange"), {"file": files}, headers=headers)


@pytest.mark.parametrize("name", ["web:exchange", "web:exchange_export"])
def test_non_admins_get_404_and_anonymous_the_login(client, name):
    url = reverse(name)
    assert client.get(url).status_code == 302
    client.force_login(UserFactory(role="sales"))
    assert client.get(url).status_code == 404
    assert client.post(reverse("web:exchange_commit")).status_code == 404


def test_nav_shows_import_export_to_admins_only(client, admin_client):
    assert reverse("web:exchange") in admin_client.get(reverse("web:home")).content.decode()
    rep = UserFactory(role="sales")
    client.force_login(rep)
    assert reverse("web:exchange") not in client.get(reverse("web:home")).content.decode()


def test_dry_run_previews_counts_and_writes_nothing_then_commit_imports(admin_client, tmp_path):
    response = post_upload(admin_client, good_zip(tmp_path), HX_Request="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="summary"' in html and "customers.csv" in html
    assert 'data-testid="commit"' in html
    assert not Customer.objects.exists()
    token = admin_client.session[SESSION_KEY]
    assert (tmp_path / "home" / "uploads" / token).is_dir()

    response = admin_client.post(reverse("web:exchange_commit"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="committed"' in html
    assert Customer.objects.exists()
    assert SESSION_KEY not in admin_client.session
    assert not (tmp_path / "home" / "uploads" / token).exists()
    # Nothing left to commit: a second commit is refused, not repeated.
    again = admin_client.post(reverse("web:exchange_commit"))
    assert again.status_code == 400
    assert "upload the file again" in again.content.decode()


def test_several_csv_files_make_one_bundle(admin_client, tmp_path):
    folder = write_bundle(base(), tmp_path / "csvs")
    files = [
        SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv")
        for path in sorted(folder.iterdir())
    ]
    response = post_upload(admin_client, files)
    assert response.status_code == 200, response.content.decode()[:2000]
    assert 'data-testid="summary"' in response.content.decode()


def test_a_bad_bundle_shows_every_error_line_and_cannot_be_committed(admin_client, tmp_path):
    bundle = base()
    set_cell(bundle, "customers", 2, "owner_username", "nobody")
    response = post_upload(admin_client, zip_of(write_bundle(bundle, tmp_path / "bad")))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="errors"' in html
    assert "customers.csv" in html and "owner_username" in html and "nobody" in html
    assert 'data-testid="commit"' not in html
    assert SESSION_KEY not in admin_client.session
    assert not Customer.objects.exists()
    assert admin_client.post(reverse("web:exchange_commit")).status_code == 400


def test_a_non_zip_named_zip_is_refused_with_a_clear_message(admin_client):
    fake = SimpleUploadedFile("data.zip", b"just some text, not an archive")
    response = post_upload(admin_client, fake)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="refused"' in html
    assert "neither a .zip nor an .xlsx" in html


def test_mixed_files_are_refused(admin_client, tmp_path):
    files = [
        SimpleUploadedFile("a.csv", b"code,name\n"),
        SimpleUploadedFile("b.zip", b"PK\x03\x04"),
    ]
    response = post_upload(admin_client, files)
    assert response.status_code == 400
    assert "Several files can only be .csv files" in response.content.decode()


def test_the_session_token_is_the_only_way_to_an_upload(admin_client, tmp_path):
    session = admin_client.session
    session[SESSION_KEY] = "../../etc"
    session.save()
    assert admin_client.post(reverse("web:exchange_commit")).status_code == 400


@pytest.mark.parametrize("fmt", ["zip", "xlsx"])
def test_admin_downloads_the_whole_bundle(admin_client, fmt):
    UserFactory(username="someone")
    response = admin_client.get(reverse("web:exchange_export"), {"format": fmt})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    body = b"".join(response.streaming_content)
    assert body.startswith(b"PK")
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert ("users.csv" in names) if fmt == "zip" else ("xl/workbook.xml" in names)


def test_unknown_export_format_is_404(admin_client):
    assert admin_client.get(reverse("web:exchange_export"), {"format": "pdf"}).status_code == 404


def test_the_page_and_its_errors_speak_chinese(tmp_path):
    zh = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    zh.force_login(UserFactory(username="boss", role="admin", team=None))
    html = zh.get(reverse("web:exchange")).content.decode()
    assert "数据导入导出" in html and "检查上传" in html and "下载 .zip" in html
    bundle = base()
    set_cell(bundle, "customers", 2, "owner_username", "nobody")
    upload = zip_of(write_bundle(bundle, tmp_path / "bad"))
    html = zh.post(reverse("web:exchange"), {"file": upload}).content.decode()
    assert "个错误：未写入任何数据。" in html
    html = zh.get(reverse("web:customer_list")).content.decode()
    assert "导出 CSV" in html and "导出 Excel" in html
