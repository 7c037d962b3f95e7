"""Notifications: in the app (the bell and the notification list) and by email.

A notification stores its ``kind`` and ``params``; the text is rendered from the kind's templates
in the reader's language when shown, and in the site language when emailed. Emails go out when
the writing transaction commits (a rolled-back write sends nothing), through Django's mail
settings (SMTP in production, the console in the demo).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# kind → (title, body); both formatted with the notification's params.
KINDS = {
    "health_alert": (
        _("Health alert: %(customer)s"),
        _(
            "Health score %(score)s (%(level)s), was %(previous_score)s (%(previous_level)s). "
            "Fell: %(fell)s."
        ),
    ),
    "override_proposed": (
        _("Tier override to approve: %(customer)s"),
        _("%(proposer)s proposes %(change)s: %(reason)s"),
    ),
    "override_approved": (
        _("Tier override approved: %(customer)s"),
        _("%(decider)s approved your proposal (%(change)s). %(comment)s"),
    ),
    "override_rejected": (
        _("Tier override rejected: %(customer)s"),
        _("%(decider)s rejected your proposal (%(change)s). %(comment)s"),
    ),
    "review_pending": (
        _("Establishment review: %(opportunity)s"),
        _("%(owner)s asks to establish %(opportunity)s (%(customer)s, %(amount)s)."),
    ),
    "review_established": (
        _("Opportunity established: %(opportunity)s"),
        _("%(decider)s established the opportunity. %(comment)s"),
    ),
    "review_rejected": (
        _("Opportunity rejected at review: %(opportunity)s"),
        _("%(decider)s rejected the opportunity. %(comment)s"),
    ),
    "task_assigned": (
        _("New task: %(task)s"),
        _("%(opportunity)s · %(stage)s · due %(due)s"),
    ),
    "task_overdue": (
        _("Task overdue: %(task)s"),
        _("%(opportunity)s · %(stage)s · was due %(due)s"),
    ),
    "bid_deadline": (
        _("Bid deadline: %(bid)s"),
        _("%(opportunity)s · deadline %(deadline)s · %(open_documents)s documents open"),
    ),
    "payment_due": (
        _("Payment due: %(payment)s"),
        _("%(contract)s · %(customer)s · %(amount)s due %(due)s"),
    ),
    "payment_overdue": (
        _("Payment overdue: %(payment)s"),
        _("%(contract)s · %(customer)s · %(amount)s was due %(due)s"),
    ),
}


# Parameters stored as codes and shown as words in the reader's language.
WORDS = {
    "healthy": _("healthy"),
    "watch": _("watch"),
    "at_risk": _("at risk"),
}
_WORDED = {"level", "previous_level"}


class _Params(dict):
    """Missing parameters show as a dash rather than failing the whole message."""

    def __missing__(self, key):
        return "—"


def render(notification) -> dict[str, str]:
    title, body = KINDS.get(notification.kind, (notification.kind, ""))
    params = _Params(notification.params or {})
    for key in _WORDED & set(params):
        if params[key] in WORDS:
            params[key] = gettext(WORDS[params[key]])
    return {"title": gettext(title) % params, "body": gettext(body) % params if body else ""}


def notify(recipients: Iterable, *, kind: str, params: dict, url: str = "", dedupe_key: str = ""):
    """Notify each recipient (users; duplicates and ``None`` ignored) once per ``dedupe_key``;
    returns the notifications created."""
    from kam.core.models import Notification

    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    people = {user.pk: user for user in recipients if user is not None and user.is_active}
    if dedupe_key:
        already = set(
            Notification.objects.filter(
                recipient__in=list(people), dedupe_key=dedupe_key
            ).values_list("recipient", flat=True)
        )
        people = {pk: user for pk, user in people.items() if pk not in already}
    created = Notification.objects.bulk_create(
        Notification(recipient=user, kind=kind, params=params, url=url, dedupe_key=dedupe_key)
        for user in people.values()
    )
    if created:
        ids = [n.pk for n in created]
        transaction.on_commit(lambda: send_emails(ids))
    return created


def send_emails(ids: list[int]) -> int:
    """Email the notifications ``ids`` not emailed yet to recipients with an address."""
    from kam.core.models import Notification

    sent = 0
    base = getattr(settings, "KAM_BASE_URL", "").rstrip("/")
    rows = Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).select_related(
        "recipient"
    )
    with translation.override(settings.LANGUAGE_CODE):
        for notification in rows:
            if not notification.recipient.email:
                continue
            text = render(notification)
            link = f"\n\n{base}{notification.url}" if notification.url else ""
            send_mail(
                f"[KAM] {text['title']}",
                f"{text['body']}{link}",
                None,
                [notification.recipient.email],
            )
            notification.emailed_at = timezone.now()
            notification.save(update_fields=["emailed_at"])
            sent += 1
    return sent
