"""Web imports as jobs: progress reported step by step, the result kept for the polling page,
and the job really running in a background thread."""

import shutil
import time
from pathlib import Path

import pytest
from django.test import override_settings

from kam.core.tests import factories as f
from kam.customers.models import Customer
from kam.exchange import jobs
from kam.exchange.importer import import_bundle
from kam.exchange.views import SESSION_JOB, SESSION_KEY, uploads_root

BUNDLE = Path(__file__).resolve().parents[1] / "testdata" / "bundle"


@pytest.mark.django_db
def test_progress_counts_every_validation_phase_and_every_written_file():
    seen = []
    report = import_bundle(BUNDLE, dry_run=True, progress=lambda *step: seen.append(step))
    assert report.ok
    files = len(list(BUNDLE.glob("*.csv")))
    assert [done for done, _total, _step in seen] == list(range(1, 7 + files + 1))
    assert {total for _done, total, _step in seen} == {7 + files}
    assert seen[-1][2] == "working_calendar.csv"


def _upload(tmp_token: str) -> Path:
    folder = uploads_root() / tmp_token
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(BUNDLE, folder / "bundle")
    return folder / "bundle"


@pytest.mark.django_db(transaction=True)
@override_settings(KAM_IMPORT_IN_BACKGROUND=True)
def test_a_job_runs_in_the_background_and_leaves_its_report():
    source = _upload("a" * 32)
    jobs.start(source.parent, source, dry_run=False, actor_id=None)
    deadline = time.monotonic() + 60
    while (report := jobs.result_of(source.parent)) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert report is not None and report.ok, report and report.error_lines()
    progress = jobs.progress_of(source.parent)
    assert progress["percent"] == 100 and progress["done"] == progress["total"]
    assert Customer.objects.count() == report.summary["customers.csv"]["created"] > 0
    shutil.rmtree(source.parent)


@pytest.mark.django_db
def test_the_page_answers_202_with_the_progress_while_the_job_runs(client):
    admin = f.UserFactory(role="admin", is_staff=True)
    client.force_login(admin)
    token = "b" * 32
    source = _upload(token)
    jobs._write(source.parent / jobs.PROGRESS, {"done": 12, "total": 33, "step": "cycles"})
    session = client.session
    session[SESSION_JOB] = {"token": token, "dry_run": True, "source": "bundle.zip"}
    session.save()
    response = client.get("/data/progress/", HTTP_HX_REQUEST="true")
    assert response.status_code == 202
    body = response.content.decode()
    assert 'data-testid="import-progress"' in body and 'value="36"' in body
    # The result arrives: the next poll shows it and the checked upload may be imported.
    jobs.run(source.parent, source, dry_run=True, actor_id=admin.pk)
    response = client.get("/data/progress/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'data-testid="preview"' in response.content.decode()
    assert client.session[SESSION_KEY] == token and SESSION_JOB not in client.session
    shutil.rmtree(source.parent)


def test_a_failing_job_still_reports(tmp_path):
    source = tmp_path / "missing.zip"
    jobs.run(tmp_path, source, dry_run=True, actor_id=None)  # no database needed to fail
    report = jobs.result_of(tmp_path)
    assert report is not None and not report.ok and report.errors
