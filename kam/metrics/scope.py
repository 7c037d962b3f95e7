"""Metric scopes (METRICS.md §4): org-wide, a region or team subtree, or one user — as the set
of owners whose records count, and the check that a viewer may ask for it."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from kam.core.errors import NotPermitted, ValidationFailed
from kam.core.visibility import scope_of
from kam.org.models import Region, Team, User


@dataclass(frozen=True)
class MetricScope:
    kind: str  # org | region | team | user
    code: str
    user_ids: frozenset[int] | None  # None: org-wide, every record counts

    @property
    def label(self) -> str:
        return "org" if self.kind == "org" else f"{self.kind}:{self.code}"


def _subtree(model, root_id: int) -> list[int]:
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in model.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, stack = [], [root_id]
    while stack:
        pk = stack.pop()
        found.append(pk)
        stack.extend(children.get(pk, []))
    return found


def parse_scope(text: str | None) -> MetricScope:
    """`org`, `region:CODE`, `team:CODE` or `user:USERNAME`."""
    text = (text or "org").strip()
    if text == "org":
        return MetricScope("org", "", None)
    kind, _sep, code = text.partition(":")
    if kind == "region":
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise ValidationFailed(
                _("Unknown region %s.") % code, {"scope": [_("Unknown region.")]}
            )
        teams = Team.objects.filter(region_id__in=_subtree(Region, region.pk))
        ids = User.objects.filter(team__in=teams).values_list("pk", flat=True)
    elif kind == "team":
        team = Team.objects.filter(code=code).first()
        if team is None:
            raise ValidationFailed(_("Unknown team %s.") % code, {"scope": [_("Unknown team.")]})
        ids = User.objects.filter(team_id__in=_subtree(Team, team.pk)).values_list("pk", flat=True)
    elif kind == "user":
        ids = User.objects.filter(username=code).values_list("pk", flat=True)
        if not ids:
            raise ValidationFailed(_("Unknown user %s.") % code, {"scope": [_("Unknown user.")]})
    else:
        raise ValidationFailed(
            _("Scope must be org, region:CODE, team:CODE or user:USERNAME."),
            {"scope": [_("Scope must be org, region:CODE, team:CODE or user:USERNAME.")]},
        )
    return MetricScope(kind, code, frozenset(ids))


def default_scope(user) -> str:
    """Where a viewer's evaluation opens: the company, their team subtree, or themselves."""
    if scope_of(user).sees_everything:
        return "org"
    if user.role == "manager" and user.team_id:
        return f"team:{user.team.code}"
    return f"user:{user.username}"


def check_allowed(scope: MetricScope, user) -> None:
    """A viewer may ask only for scopes whose people all lie inside their own visibility."""
    if user is None or scope_of(user).sees_everything:
        return
    if scope.user_ids is None:
        raise NotPermitted(_("Only executives and administrators may see company-wide figures."))
    visible = scope_of(user)
    allowed = (
        set(User.objects.filter(pk__in=visible.principals).values_list("pk", flat=True))
        if not isinstance(visible.principals, list)
        else set(visible.principals)
    )
    if not scope.user_ids <= allowed:
        raise NotPermitted(_("That scope lies outside what you may see."))
