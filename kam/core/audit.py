"""The audit trail: a JSON-safe snapshot of a record and the diff between two snapshots."""

from __future__ import annotations

import datetime
import decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models

from kam.core.models import AuditEntry


def _plain(value):
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def snapshot(instance: models.Model) -> dict:
    """Every audited field of ``instance``: FKs as ids, many-to-many as sorted id lists."""
    exclude = set(getattr(instance, "audit_exclude", ()))
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude or field.primary_key:
            continue
        value = getattr(instance, field.attname)
        if isinstance(field, models.DecimalField) and value is not None:
            # As stored: "15000000" and "15000000.00" are the same amount.
            value = decimal.Decimal(value).quantize(
                decimal.Decimal(1).scaleb(-field.decimal_places)
            )
        data[field.name] = _plain(value)
    if instance.pk:
        for field in instance._meta.many_to_many:
            if field.name not in exclude:
                data[field.name] = sorted(
                    getattr(instance, field.name).values_list("pk", flat=True)
                )
    return data


def diff(old: dict, new: dict) -> dict:
    return {
        k: [old.get(k), new.get(k)] for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)
    }


def record(*, actor, action: str, instance: models.Model, changes: dict) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
        object_id=str(instance.pk),
        object_repr=str(instance)[:255],
        changes=changes,
        record_version=getattr(instance, "version", None),
    )


def history(instance: models.Model):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
        object_id=str(instance.pk),
    ).select_related("actor")
