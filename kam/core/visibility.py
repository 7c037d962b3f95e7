"""Data visibility — the one policy module (DOMAIN.md "Data visibility").

A user's *principals* are the users whose records they see as their own: themselves, and for a
manager every user in their team's subtree. Executives and admins see everything.

Each model declares ``visibility``: a tuple of rules, any one of which makes a record visible:

- ``Owner(path)``: the user at ``path`` is a principal (records they own, requests routed to them);
- ``Personal(path)``: the user at ``path`` is the viewer (their own notifications, even for a
  manager);
- ``Served(path)``: the customer at ``path`` is owned by a principal or has one on its account team;
- ``Linked(model, field, user_field)``: a row of ``model`` ties the record (``field``) to a
  principal (``user_field``) — e.g. a presales assignment to a deal;
- ``Via(path, model)``: the related record at ``path`` is itself visible;
- ``Everyone()``: reference data that every signed-in user may read.

A model may also declare ``write_visibility``, stricter rules for who may change its rows (an
account team is changed by those who own the customer, not by its members).

Everything is expressed as subqueries, so a visible set is one SQL query however it is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.apps import apps
from django.db import models
from django.db.models import Q

FULL_ACCESS_ROLES = frozenset({"executive", "admin"})


class Scope:
    """What one user may see; cached on the user object for the request."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def sees_everything(self) -> bool:
        return bool(self.user.is_superuser or self.user.role in FULL_ACCESS_ROLES)

    @cached_property
    def team_ids(self) -> list[int]:
        """The user's team and, for a manager, every team below it."""
        if not self.user.team_id:
            return []
        if self.user.role != "manager":
            return [self.user.team_id]
        Team = apps.get_model("org", "Team")
        children: dict[int | None, list[int]] = {}
        for pk, parent_id in Team.objects.values_list("pk", "parent_id"):
            children.setdefault(parent_id, []).append(pk)
        found, stack = [], [self.user.team_id]
        while stack:
            pk = stack.pop()
            found.append(pk)
            stack.extend(children.get(pk, []))
        return sorted(found)

    @cached_property
    def principals(self):
        """User ids whose records count as this user's own (a subquery or a list)."""
        if self.user.role != "manager" or not self.user.team_id:
            return [self.user.pk]
        User = apps.get_model("org", "User")
        return User.objects.filter(Q(team_id__in=self.team_ids) | Q(pk=self.user.pk)).values("pk")

    @cached_property
    def served_customers(self):
        """Customers owned by a principal or with a principal on their account team."""
        Customer = apps.get_model("customers", "Customer")
        AccountTeamMember = apps.get_model("customers", "AccountTeamMember")
        on_team = AccountTeamMember.objects.filter(user__in=self.principals).values("customer")
        return Customer.objects.filter(Q(owner__in=self.principals) | Q(pk__in=on_team)).values(
            "pk"
        )


def scope_of(user) -> Scope:
    scope = getattr(user, "_kam_scope", None)
    if scope is None:
        scope = Scope(user)
        user._kam_scope = scope
    return scope


@dataclass(frozen=True)
class Owner:
    path: str

    def q(self, scope: Scope) -> Q:
        return Q(**{f"{self.path}__in": scope.principals})


@dataclass(frozen=True)
class Personal:
    """The user at ``path`` is the viewer themselves — not their team (a notification)."""

    path: str

    def q(self, scope: Scope) -> Q:
        return Q(**{self.path: scope.user.pk})


@dataclass(frozen=True)
class Served:
    path: str

    def q(self, scope: Scope) -> Q:
        return Q(**{f"{self.path}__in": scope.served_customers})


@dataclass(frozen=True)
class Linked:
    model: str
    field: str
    user_field: str = "user"
    path: str = "pk"

    def q(self, scope: Scope) -> Q:
        rows = apps.get_model(self.model).objects.filter(
            **{f"{self.user_field}__in": scope.principals}
        )
        return Q(**{f"{self.path}__in": rows.values(self.field)})


@dataclass(frozen=True)
class Via:
    path: str
    model: str

    def q(self, scope: Scope) -> Q:
        related = apps.get_model(self.model).objects.visible_to(scope.user)
        return Q(**{f"{self.path}__in": related.values("pk")})


@dataclass(frozen=True)
class InTeams:
    """The team at ``path`` is the user's team or, for a manager, one below it."""

    path: str

    def q(self, scope: Scope) -> Q:
        return Q(**{f"{self.path}__in": scope.team_ids})


@dataclass(frozen=True)
class Where:
    """A fixed condition, for rows that are public by kind (e.g. company-wide targets)."""

    condition: Q

    def q(self, scope: Scope) -> Q:
        return self.condition


@dataclass(frozen=True)
class Everyone:
    def q(self, scope: Scope) -> Q:
        return Q()


def restrict(queryset: models.QuerySet, user, *, for_write: bool = False) -> models.QuerySet:
    """The rows of ``queryset`` that ``user`` may see (or, ``for_write``, may change: a model's
    ``write_visibility``, where it declares one, is stricter than what it shows)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    scope = scope_of(user)
    rules = getattr(queryset.model, "visibility", None)
    if for_write:
        rules = getattr(queryset.model, "write_visibility", rules)
    if rules is None:
        raise TypeError(f"{queryset.model.__name__} declares no visibility rules")
    if not rules:
        raise TypeError(f"{queryset.model.__name__} declares an empty visibility")
    # Personal records (notifications) are their owner's alone, even for executives.
    if scope.sees_everything and not any(isinstance(rule, Personal) for rule in rules):
        return queryset
    if any(isinstance(rule, Everyone) for rule in rules):
        return queryset
    condition = Q()
    for rule in rules:
        condition |= rule.q(scope)
    return queryset.filter(condition)


class VisibleQuerySet(models.QuerySet):
    def visible_to(self, user) -> VisibleQuerySet:
        return restrict(self, user)

    def writable_by(self, user) -> VisibleQuerySet:
        return restrict(self, user, for_write=True)
