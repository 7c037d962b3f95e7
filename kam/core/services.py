"""Generic, audited, transactional writes. Domain services call these after their own checks.

Every write:
- runs in one transaction;
- validates the whole record (field types, choices, ranges, uniqueness, ``clean()`` rules) and
  raises ``ValidationFailed`` naming each bad field;
- for an update, locks the row and refuses a stale ``expected_version`` with ``ConflictError``
  naming the fields others changed since;
- must leave the record inside the actor's visibility (nobody creates what they could not see);
- writes an audit entry with old → new values;
- recomputes the data derived from the record (``kam.core.derived``) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from kam.core import audit, derived
from kam.core.errors import ConflictError, DependencyError, NotPermitted, ValidationFailed
from kam.core.models import CONSTRAINT_FIELDS, AuditEntry
from kam.core.visibility import scope_of


def _split(model: type[models.Model], data: Mapping) -> tuple[dict, dict]:
    m2m_names = {f.name for f in model._meta.many_to_many}
    plain = {k: v for k, v in data.items() if k not in m2m_names}
    m2m = {k: v for k, v in data.items() if k in m2m_names}
    return plain, m2m


def validate(instance: models.Model) -> None:
    """Field, ``clean()`` and constraint checks; each error reported on its field."""
    errors: dict[str, list[str]] = {}
    try:
        instance.full_clean(validate_constraints=False)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    for constraint in instance._meta.constraints:
        field, message = CONSTRAINT_FIELDS.get(constraint.name, (NON_FIELD_ERRORS, None))
        if field in errors:
            continue
        try:
            constraint.validate(type(instance), instance)
        except ValidationError as exc:
            errors.setdefault(field, []).extend([message()] if message else exc.messages)
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), errors)


def _ensure_writable(instance: models.Model, actor, *, after: bool) -> None:
    """The actor may change this record, and a change leaves it inside what they may change."""
    if actor is None:  # system writes (demo, import, scheduled runs)
        return
    if not type(instance).objects.filter(pk=instance.pk).writable_by(actor).exists():
        if after:
            raise NotPermitted(_("This change would put the record outside what you may see."))
        raise NotPermitted(_("You may see this record but not change it."))


def _ensure_owner_allowed(instance: models.Model, actor, before: dict | None) -> None:
    """Only executives and admins hand records to anyone; a manager hands them within their
    team subtree, everyone else keeps what they own."""
    if actor is None or scope_of(actor).sees_everything:
        return
    if not any(f.name == "owner" for f in instance._meta.concrete_fields):
        return
    owner_id = instance.owner_id
    if before is not None and before.get("owner") == owner_id:
        return
    principals = scope_of(actor).principals
    allowed = (
        owner_id in principals
        if isinstance(principals, list)
        else principals.filter(pk=owner_id).exists()
    )
    if not allowed:
        raise NotPermitted(
            _("You may give records only to yourself or, as a manager, to your team."),
            {"owner": [_("Outside your team.")]},
        )


@transaction.atomic
def create_record(model: type[models.Model], *, data: Mapping, actor) -> models.Model:
    plain, m2m = _split(model, data)
    instance = model(**plain)
    validate(instance)
    _ensure_owner_allowed(instance, actor, None)
    instance.save()
    for name, values in m2m.items():
        getattr(instance, name).set(values)
    _ensure_writable(instance, actor, after=True)
    derived.Pending().add(model, [instance.pk]).apply()
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=instance,
        changes=audit.diff({}, audit.snapshot(instance)),
    )
    return instance


def changed_since(instance: models.Model, version: int) -> list[str]:
    """Fields changed by saves after ``version`` (from the audit trail)."""
    fields: set[str] = set()
    for changes in (
        audit.history(instance).filter(record_version__gt=version).values_list("changes", flat=True)
    ):
        fields.update(changes)
    return sorted(fields)


@transaction.atomic
def update_record(
    instance: models.Model, *, data: Mapping, actor, expected_version: int | None
) -> models.Model:
    model = type(instance)
    current = model.objects.select_for_update().get(pk=instance.pk)
    if expected_version is not None and current.version != expected_version:
        others = changed_since(current, expected_version)
        conflicting = [f for f in others if f in data] or others
        raise ConflictError(
            _(
                "Someone else saved this record after you opened it (version %(mine)s, now "
                "%(now)s). Reload it to see their changes, then apply yours again."
            )
            % {"mine": expected_version, "now": current.version},
            fields=conflicting,
            current_version=current.version,
        )
    _ensure_writable(current, actor, after=False)
    before = audit.snapshot(current)
    plain, m2m = _split(model, data)
    for name, value in plain.items():
        setattr(current, name, value)
    validate(current)
    _ensure_owner_allowed(current, actor, before)
    fields = [*audit.diff(before, audit.snapshot(current)), *m2m]
    pending = derived.Pending().add(model, [current.pk], fields)  # as the rows are now
    current.version = current.version + 1
    current.save()
    for name, values in m2m.items():
        getattr(current, name).set(values)
    _ensure_writable(current, actor, after=True)
    pending.add(model, [current.pk], fields).apply()
    changes = audit.diff(before, audit.snapshot(current))
    audit.record(actor=actor, action=AuditEntry.Action.UPDATE, instance=current, changes=changes)
    return current


def _describe_dependents(objects) -> str:
    counts: dict[str, int] = {}
    for obj in objects:
        label = str(obj._meta.verbose_name_plural)
        counts[label] = counts.get(label, 0) + 1
    return ", ".join(f"{n} {label}" for label, n in sorted(counts.items()))


@transaction.atomic
def delete_record(instance: models.Model, *, actor, expected_version: int | None = None) -> None:
    model = type(instance)
    current = model.objects.select_for_update().get(pk=instance.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(
            _("Someone else changed this record after you opened it; reload before deleting."),
            fields=changed_since(current, expected_version),
            current_version=current.version,
        )
    _ensure_writable(current, actor, after=False)
    before = audit.snapshot(current)
    label = str(current)
    pending = derived.Pending().add(model, [current.pk])
    try:
        current.delete()
    except (ProtectedError, RestrictedError) as exc:
        objects = (
            exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
        )
        raise DependencyError(
            _("“%(record)s” cannot be deleted: %(dependents)s depend on it.")
            % {"record": label, "dependents": _describe_dependents(objects)}
        ) from exc
    pending.apply()
    current.pk = instance.pk
    audit.record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        instance=current,
        changes=audit.diff(before, {}),
    )
