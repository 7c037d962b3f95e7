from collections.abc import Callable

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kam.core.visibility import Personal, VisibleQuerySet


class KamModel(models.Model):
    """Base of every domain record: timestamps and an optimistic-locking version."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = VisibleQuerySet.as_manager()

    # Which fields are copied into the audit trail; all concrete fields by default.
    audit_exclude: tuple[str, ...] = ("created_at", "updated_at", "version")

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """审计日志 — who changed which record, when, from what to what."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("updated")
        DELETE = "delete", _("deleted")

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(_("record"), max_length=255)
    changes = models.JSONField(_("changes"), default=dict)
    # The record's version after this change: tells which fields changed since a version.
    record_version = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=["create", "update", "delete"]),
                name="auditentry_action_valid",
            )
        ]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


# The field a single-field check guards and a message for its violation, so services report
# it on that field, in the user's language (kept out of the constraint: out of migrations).
CONSTRAINT_FIELDS: dict[str, tuple[str, Callable[[], str]]] = {}


def _field_check(field: str, condition: models.Q, *, name: str, message) -> models.CheckConstraint:
    CONSTRAINT_FIELDS[name] = (field, message)
    return models.CheckConstraint(condition=condition, name=name)


def one_of(field: str, choices, *, name: str, allow_blank: bool = False) -> models.CheckConstraint:
    """A database check that ``field`` holds one of ``choices`` (or '' when optional)."""
    values = [value for value, _label in choices] + ([""] if allow_blank else [])
    return _field_check(
        field,
        models.Q(**{f"{field}__in": values}),
        name=name,
        message=lambda: (
            gettext("Choose one of: %(values)s.") % {"values": ", ".join(v for v in values if v)}
        ),
    )


def within(field: str, low, high, *, name: str) -> models.CheckConstraint:
    """A database check that ``field`` is null or lies in ``[low, high]``."""
    return _field_check(
        field,
        models.Q(**{f"{field}__isnull": True})
        | models.Q(**{f"{field}__gte": low, f"{field}__lte": high}),
        name=name,
        message=lambda: (
            gettext("Must be between %(low)s and %(high)s.") % {"low": low, "high": high}
        ),
    )


def not_negative(field: str, *, name: str) -> models.CheckConstraint:
    return _field_check(
        field,
        models.Q(**{f"{field}__isnull": True}) | models.Q(**{f"{field}__gte": 0}),
        name=name,
        message=lambda: gettext("Must not be negative."),
    )


def money(verbose_name, **kwargs) -> models.DecimalField:
    """An amount in CNY, two decimals."""
    return models.DecimalField(verbose_name, max_digits=18, decimal_places=2, **kwargs)


def code_field() -> models.CharField:
    return models.CharField(_("code"), max_length=64, unique=True)


def ensure_same_customer(first, second, *, field: str, message) -> None:
    """Refuse two related records (either may be None) that belong to different customers."""
    if first is None or second is None:
        return
    if None not in (first.customer_id, second.customer_id) and (
        first.customer_id != second.customer_id
    ):
        from django.core.exceptions import ValidationError

        raise ValidationError({field: message})


class Notification(models.Model):
    """通知 — something a person should act on: a health alert, a task overdue, a bid deadline.

    The message is rendered in the reader's language from ``kind`` and ``params``
    (``kam.core.notify``); ``dedupe_key`` keeps a reminder from being sent twice.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=40)
    params = models.JSONField(_("details"), default=dict)
    url = models.CharField(_("link"), max_length=500, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    objects = VisibleQuerySet.as_manager()
    visibility = (Personal("recipient"),)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_dedupe",
            )
        ]

    def __str__(self) -> str:
        from kam.core.notify import render

        return render(self)["title"]
