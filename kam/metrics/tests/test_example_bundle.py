"""The example bundle (spec/example, copied into the exchange test data) imported through the
product's importer must reproduce the independently computed scorecards — every metric, both
periods, org-wide and for region:NORTH — and every door must give the same numbers."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from kam.exchange.importer import import_bundle
from kam.metrics.runner import scorecard
from kam.org.models import User

BUNDLE = Path(__file__).resolve().parents[2] / "exchange" / "testdata" / "bundle"
DATA = Path(__file__).resolve().parent / "data"
CASES = [
    ("org", "scorecard-2025-yoy.json"),
    ("region:NORTH", "scorecard-2025-yoy-region-NORTH.json"),
]


@pytest.fixture
def example(db):
    report = import_bundle(BUNDLE, dry_run=False)
    assert not report.errors, report.errors[:5]


def _matches(want, got) -> bool:
    if want is None or got is None:
        return want is None and got is None
    return abs(want - got) <= max(0.006, 1e-6 * abs(want))


@pytest.mark.parametrize(("scope", "expected_file"), CASES)
def test_scorecard_reproduces_the_independent_answers(example, scope, expected_file):
    expected = json.loads((DATA / expected_file).read_text())
    rows = {r["key"]: r for r in scorecard(None, period="2025", compare="yoy", scope=scope)}
    assert set(rows) == set(expected)
    wrong = [
        (key, part, expected[key][part], rows[key][part])
        for key in expected
        for part in ("current", "previous")
        if not _matches(expected[key][part], rows[key][part])
    ]
    assert wrong == []


def test_cli_api_and_runner_give_the_same_numbers(example):
    runner_rows = scorecard(None, period="2025", scope="region:NORTH", language="en")
    out = StringIO()
    call_command(
        "metrics",
        "scorecard",
        "--period",
        "2025",
        "--scope",
        "region:NORTH",
        "--format",
        "json",
        "--lang",
        "en",
        stdout=out,
    )
    cli_rows = json.loads(out.getvalue())
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(User.objects.get(username="ceo"))
    api_rows = client.get(
        "/api/v1/metrics/scorecard", {"period": "2025", "scope": "region:NORTH"}
    ).json()
    assert cli_rows == api_rows == json.loads(json.dumps(runner_rows))


def test_a_manager_sees_only_scopes_inside_their_subtree(example):
    client = APIClient()
    client.force_authenticate(User.objects.get(username="mgr_north-1"))
    own = client.get("/api/v1/metrics/scorecard", {"period": "2025", "scope": "team:NORTH-1"})
    assert own.status_code == 200
    for scope in ("org", "region:NORTH", "team:NORTH-2", "user:rep01"):
        refused = client.get("/api/v1/metrics/scorecard", {"period": "2025", "scope": scope})
        assert refused.status_code == 403, scope


def test_records_behind_a_figure_are_those_of_the_figure(example):
    client = APIClient()
    client.force_authenticate(User.objects.get(username="ceo"))
    rows = {r["key"]: r for r in scorecard(None, period="2025")}
    body = client.get(
        "/api/v1/metrics/esp.ka_total_output/records", {"period": "2025", "page_size": 1000}
    ).json()
    total = sum(float(r["amount"]) for r in body["results"]["rows"])
    assert total == pytest.approx(rows["esp.ka_total_output"]["current"], abs=0.01)
    rep = client.get(
        "/api/v1/metrics/tas.win_rate_count/records", {"period": "2025", "page_size": 1000}
    ).json()
    closed = rep["results"]["rows"]
    won = [r for r in closed if r["status"] == "won"]
    assert len(won) / len(closed) == pytest.approx(rows["tas.win_rate_count"]["current"])
