"""The cross-column and cross-file rules of DATASET.md, as declarations the schema lists per file.

Each check reads rows through the validation context, which sees the bundle over the database:
a referenced row comes from the bundle when the bundle has it, else from the database. Checks
skip cells that failed to read (``INVALID``), so one bad cell gives one error.

``after_write`` runs inside the import transaction, for rules a bundle can break *from the other
side*: a row updated by the bundle (a user's employment dates, an opportunity's or a contact's
customer) against rows already in the database that the bundle does not carry.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q
from django.utils.translation import gettext as _

from kam.exchange.values import INVALID

CHUNK = 2000
SAMPLE = 3


def _chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _key_paths(spec) -> list[str]:
    from kam.exchange.schema import entity_model_and_key

    paths = []
    for name in spec.key:
        col = spec.col(name)
        if col.kind == "ref":
            _model, key = entity_model_and_key(col.ref)
            paths.append(f"{col.field_name}__{key}")
        else:
            paths.append(col.field_name)
    return paths


def _describe_key(values) -> str:
    return "/".join("" if v is None else str(v) for v in values)


class Check:
    def needs(self, spec) -> list[tuple[str, str]]:
        """``(entity, column)`` of referenced rows this check reads (fetched from the database
        for rows the bundle does not carry)."""
        return []

    def validate(self, ctx, fd) -> None:
        raise NotImplementedError

    def after_write(self, ctx, spec) -> None:
        pass


@dataclass(frozen=True)
class ExactlyWhen(Check):
    """``column`` has a value exactly when ``condition`` is one of ``values``."""

    column: str
    condition: str
    values: tuple[str, ...]

    def validate(self, ctx, fd):
        i, j = fd.spec.position[self.column], fd.spec.position[self.condition]
        values = self.values
        wanted = _(" or ").join(values)
        for pos, row in enumerate(fd.rows):
            value, condition = row[i], row[j]
            if value is INVALID or condition is INVALID:
                continue
            if condition in values:
                if value is None:
                    ctx.error(
                        fd,
                        pos,
                        self.column,
                        _("required when %(cond)s is %(values)s")
                        % {"cond": self.condition, "values": wanted},
                    )
            elif value is not None:
                ctx.error(
                    fd,
                    pos,
                    self.column,
                    _("must be empty unless %(cond)s is %(values)s (it is %(actual)s)")
                    % {"cond": self.condition, "values": wanted, "actual": condition},
                )


@dataclass(frozen=True)
class Implies(Check):
    """When ``column`` is one of ``values``, ``then`` must be one of ``then_values``."""

    column: str
    values: tuple[str, ...]
    then: str
    then_values: tuple[str, ...]

    def validate(self, ctx, fd):
        i, j = fd.spec.position[self.column], fd.spec.position[self.then]
        for pos, row in enumerate(fd.rows):
            value, other = row[i], row[j]
            if value is INVALID or other is INVALID:
                continue
            if value in self.values and other not in self.then_values:
                ctx.error(
                    fd,
                    pos,
                    self.column,
                    _("%(column)s %(value)s needs %(then)s %(wanted)s (it is %(actual)s)")
                    % {
                        "column": self.column,
                        "value": value,
                        "then": self.then,
                        "wanted": _(" or ").join(self.then_values),
                        "actual": other,
                    },
                )


@dataclass(frozen=True)
class NotBefore(Check):
    """The date in ``column`` is not before the date in ``other`` (same row)."""

    column: str
    other: str

    def validate(self, ctx, fd):
        i, j = fd.spec.position[self.column], fd.spec.position[self.other]
        for pos, row in enumerate(fd.rows):
            value, other = row[i], row[j]
            if value is None or other is None or value is INVALID or other is INVALID:
                continue
            if value < other:
                ctx.error(
                    fd,
                    pos,
                    self.column,
                    _("%(value)s is before %(other)s %(day)s")
                    % {"value": value, "other": self.other, "day": other},
                )


@dataclass(frozen=True)
class SameCustomer(Check):
    """Two columns of a row lead to the same customer (a ``customer_code``, or a reference to an
    opportunity or a contact, whose customer is read); reported on ``column``."""

    column: str
    left: str
    right: str
    reason: str

    def _sides(self, spec):
        return [spec.col(self.left), spec.col(self.right)]

    def needs(self, spec):
        return [(col.ref, "customer_code") for col in self._sides(spec) if col.ref != "customers"]

    def validate(self, ctx, fd):
        spec = fd.spec
        sides = [(col, spec.position[col.name]) for col in self._sides(spec)]
        (left, i), (right, j) = sides
        for pos, row in enumerate(fd.rows):
            a, b = row[i], row[j]
            if a is None or b is None or a is INVALID or b is INVALID:
                continue
            ca = a if left.ref == "customers" else ctx.attr(left.ref, a, "customer_code")
            cb = b if right.ref == "customers" else ctx.attr(right.ref, b, "customer_code")
            if ca is None or cb is None or ca is INVALID or cb is INVALID or ca == cb:
                continue
            ctx.error(
                fd,
                pos,
                self.column,
                f"{_(self.reason)} ({self._side_text(left, a, ca)}; "
                f"{self._side_text(right, b, cb)})",
            )

    @staticmethod
    def _side_text(col, value, customer) -> str:
        if col.ref == "customers":
            return f"{col.name} {value}"
        return _("%(column)s %(value)s is at customer %(customer)s") % {
            "column": col.name,
            "value": value,
            "customer": customer,
        }

    def after_write(self, ctx, spec):
        model = spec.model
        left, right = self._sides(spec)

        def customer_path(col):
            if col.ref == "customers":
                return col.field_name
            return f"{col.field_name}__customer"

        lp, rp = customer_path(left), customer_path(right)
        for side in (left, right):
            updated = ctx.updated.get(side.ref)
            if side.ref == "customers" or not updated:
                continue
            found: dict[int, list] = {}
            for chunk in _chunks(updated):
                rows = (
                    model.objects.filter(**{f"{side.field_name}__in": chunk})
                    .exclude(**{f"{lp}__isnull": True})
                    .exclude(**{f"{rp}__isnull": True})
                    .exclude(**{lp: F(rp)})
                    .values_list(side.field_name, *_key_paths(spec))
                    .order_by(*_key_paths(spec))
                )
                for ref_id, *key in rows:
                    found.setdefault(ref_id, []).append(key)
            for ref_id, keys in found.items():
                fd = ctx.files[side.ref]
                ctx.error(
                    fd,
                    updated[ref_id],
                    "customer_code",
                    _(
                        "the new customer breaks %(n)s %(file)s row(s) already in the database "
                        "(%(reason)s): %(sample)s"
                    )
                    % {
                        "n": len(keys),
                        "file": spec.file_name,
                        "reason": _(self.reason),
                        "sample": ", ".join(_describe_key(k) for k in keys[:SAMPLE]),
                    },
                )


@dataclass(frozen=True)
class Employed(Check):
    """The day in ``date_column`` lies within the employment of the user in ``user_column``."""

    user_column: str
    date_column: str

    def needs(self, spec):
        return [("users", "joined_on"), ("users", "left_on")]

    def validate(self, ctx, fd):
        i, j = fd.spec.position[self.user_column], fd.spec.position[self.date_column]
        for pos, row in enumerate(fd.rows):
            user, day = row[i], row[j]
            if user is None or day is None or user is INVALID or day is INVALID:
                continue
            joined = ctx.attr("users", user, "joined_on")
            left = ctx.attr("users", user, "left_on")
            joined = None if joined is INVALID else joined
            left = None if left is INVALID else left
            if joined is not None and left is not None and left < joined:
                continue  # the employment itself is wrong, and reported on the user
            if (joined is not None and day < joined) or (left is not None and day > left):
                ctx.error(
                    fd,
                    pos,
                    self.date_column,
                    _("%(user)s was not employed on %(day)s (joined %(joined)s, left %(left)s)")
                    % {"user": user, "day": day, "joined": joined or "-", "left": left or "-"},
                )

    def after_write(self, ctx, spec):
        updated = ctx.updated.get("users")
        if not updated:
            return
        user_field = spec.col(self.user_column).field_name
        day = spec.col(self.date_column).field_name
        found: dict[int, list] = {}
        for chunk in _chunks(updated):
            rows = (
                spec.model.objects.filter(**{f"{user_field}__in": chunk})
                .filter(
                    Q(**{f"{day}__lt": F(f"{user_field}__joined_on")})
                    | Q(**{f"{day}__gt": F(f"{user_field}__left_on")})
                )
                .values_list(user_field, *_key_paths(spec))
                .order_by(*_key_paths(spec))
            )
            for user_id, *key in rows:
                found.setdefault(user_id, []).append(key)
        for user_id, keys in found.items():
            ctx.error(
                ctx.files["users"],
                updated[user_id],
                "joined_on",
                _(
                    "%(n)s %(file)s row(s) already in the database fall outside the employment: "
                    "%(sample)s"
                )
                % {
                    "n": len(keys),
                    "file": spec.file_name,
                    "sample": ", ".join(_describe_key(k) for k in keys[:SAMPLE]),
                },
            )


@dataclass(frozen=True)
class OneToOne(Check):
    """Each referenced row is named by at most one row (in the bundle and the database)."""

    column: str

    def validate(self, ctx, fd):
        from kam.exchange.schema import entity_model_and_key

        spec = fd.spec
        i = spec.position[self.column]
        col = spec.col(self.column)
        first: dict[str, int] = {}
        for pos, row in enumerate(fd.rows):
            value = row[i]
            if value is None or value is INVALID:
                continue
            if value in first:
                ctx.error(
                    fd,
                    pos,
                    self.column,
                    _("%(value)s is already named on line %(line)s (at most one row each)")
                    % {"value": value, "line": fd.lines[first[value]]},
                )
            else:
                first[value] = pos
        if not first or not ctx.table_has_rows(spec):
            return
        _model, target_key = entity_model_and_key(col.ref)
        own_key = _key_paths(spec)[0]
        path = f"{col.field_name}__{target_key}"
        for chunk in _chunks(first):
            for value, owner in spec.model.objects.filter(**{f"{path}__in": chunk}).values_list(
                path, own_key
            ):
                if owner in fd.index:
                    continue  # the bundle row decides
                ctx.error(
                    fd,
                    first[value],
                    self.column,
                    _("%(value)s is already named by %(owner)s in the database")
                    % {"value": value, "owner": owner},
                )
