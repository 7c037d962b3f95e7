"""Notifications: created once per dedupe key, shown only to their recipient, emailed on commit,
rendered in the reader's language, opened (and so read) from the list."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from kam.core.models import Notification
from kam.core.notify import notify, render
from kam.web.tests.scenario import build_org, login

pytestmark = pytest.mark.django_db
LIST = reverse("web:notifications")


@pytest.fixture
def org():
    return build_org()


def _alert(recipients, **extra):
    return notify(
        recipients,
        kind="health_alert",
        params={
            "customer": "上海铁路局",
            "score": 38,
            "level": "at_risk",
            "previous_score": 61,
            "previous_level": "watch",
            "fell": "satisfaction",
        },
        url="/customers/1/",
        **extra,
    )


def test_a_dedupe_key_sends_a_reminder_once(org, django_capture_on_commit_callbacks):
    org.owner.email = "owner@example.com"
    org.owner.save()
    with django_capture_on_commit_callbacks(execute=True):
        first = _alert([org.owner, org.manager, None], dedupe_key="health:1:2025-12-01")
        again = _alert([org.owner, org.manager], dedupe_key="health:1:2025-12-01")
    assert len(first) == 2 and again == []
    assert Notification.objects.count() == 2
    # Only recipients with an address get mail; the subject is the rendered title.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["owner@example.com"]
    assert "上海铁路局" in mail.outbox[0].subject
    assert "http://127.0.0.1:8000/customers/1/" in mail.outbox[0].body


def test_nothing_is_emailed_when_the_write_rolls_back(org, django_capture_on_commit_callbacks):
    org.owner.email = "owner@example.com"
    org.owner.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _alert([org.owner])
    assert len(callbacks) == 1 and mail.outbox == []  # sent only if the write commits


def test_text_is_rendered_in_the_readers_language(org):
    (notification,) = _alert([org.owner])
    with translation.override("en"):
        assert render(notification)["title"] == "Health alert: 上海铁路局"
    with translation.override("zh-hans"):
        assert render(notification)["title"] == "健康度预警:上海铁路局"
    notification.params = {}
    assert "—" in render(notification)["title"]  # a missing parameter does not break it


def test_unknown_kind_is_refused(org):
    with pytest.raises(ValueError, match="unknown notification kind"):
        notify([org.owner], kind="nope", params={})


def test_a_manager_does_not_read_their_team_members_notifications(client, org):
    _alert([org.owner])
    login(client, org.manager)
    page = client.get(LIST)
    assert "上海铁路局" not in page.content.decode()
    assert Notification.objects.visible_to(org.manager).count() == 0
    note = Notification.objects.get()
    assert client.post(reverse("web:notification_open", args=[note.pk])).status_code == 404


def test_the_bell_counts_unread_and_opening_reads(client, org):
    (note,) = _alert([org.owner])
    login(client, org.owner)
    page = client.get(reverse("web:home")).content.decode()
    assert 'data-testid="bell-count">1<' in page
    listing = client.get(LIST).content.decode()
    assert "上海铁路局" in listing and "notice unread" in listing
    opened = client.post(reverse("web:notification_open", args=[note.pk]))
    assert opened.status_code == 302 and opened["Location"] == "/customers/1/"
    note.refresh_from_db()
    assert note.read_at is not None
    assert 'data-testid="bell-count"' not in client.get(reverse("web:home")).content.decode()


def test_mark_all_read_and_unread_filter(client, org):
    _alert([org.owner])
    _alert([org.owner], dedupe_key="second")
    login(client, org.owner)
    assert client.get(LIST + "?unread=1").content.decode().count("notice unread") == 2
    client.post(LIST)
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert "notice unread" not in client.get(LIST + "?unread=1").content.decode()


def test_an_offsite_link_is_not_followed(client, org):
    (note,) = notify(
        [org.owner], kind="task_overdue", params={"task": "x"}, url="https://evil.example/"
    )
    login(client, org.owner)
    opened = client.post(reverse("web:notification_open", args=[note.pk]))
    assert opened["Location"] == LIST
