"""Query runners: scorecard, breakdown, trend and records, for a viewer (METRICS.md §1, §4, §5).

Every door (CLI, API, page, cockpit) calls these, so all show the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import get_language

from kam.core.periods import Period, comparison, parse_period
from kam.metrics import registry
from kam.metrics.calendar import WorkingCalendar
from kam.metrics.config import MetricsSettings, metrics_settings
from kam.metrics.engine import ALL, Families, Window
from kam.metrics.scope import MetricScope, check_allowed, default_scope, parse_scope

FIELDS = (
    "key", "name", "dimension", "stage", "direction", "unit",
    "current", "previous", "delta", "rate", "status",
)  # fmt: skip


def status_of(metric: registry.Metric, current, previous, rate, cfg: MetricsSettings) -> str:
    if metric.direction == "stable":
        if rate is None:
            return "n/a"
        return "on_target" if abs(rate) <= cfg.stability_tolerance else "off_target"
    if current is None or previous is None:
        return "n/a"
    delta = current - previous
    better = delta > 0 if metric.direction == "up" else delta < 0
    if rate is None:
        if delta == 0:
            return "flat"
        return "improved" if better else "declined"
    if abs(rate) <= cfg.noise_band:
        return "flat"
    return "improved" if better else "declined"


def _rounded(metric: registry.Metric, value):
    if value is None:
        return None
    return round(value, 2) if metric.unit == "amount" else value


class Evaluator:
    """Computes metric values for one scope, grouped by one dimension, caching families."""

    def __init__(
        self, scope: MetricScope, *, by: str = "org", cfg: MetricsSettings | None = None,
        families: Families | None = None, facts: bool = True,
    ):  # fmt: skip
        self.cfg = cfg or metrics_settings()
        self.scope = scope
        self.by = by
        # ``facts=False`` reads the raw records only: the reference the facts are checked by.
        self.families = families or Families(self.cfg, scope, by, facts=facts)
        self._cache: dict[tuple, dict] = {}

    def _family(self, name: str, window: Window) -> dict:
        key = (name, window.period.start, window.period.end, window.comparison.start)
        if key not in self._cache:
            if name == "statutory_hours":
                self._cache[key] = self._statutory_hours(window)
            else:
                self._cache[key] = getattr(self.families, name)(window)
        return self._cache[key]

    def _statutory_hours(self, window: Window) -> dict:
        period = window.period
        calendar = WorkingCalendar(period.start, period.end)
        result: dict[object, dict[str, float]] = {}
        for group, joined, left in self.families.presales_staff(window):
            first = max(period.start, joined) if joined else period.start
            last = min(period.last_day, left) if left else period.last_day
            hours = calendar.count(first, last) * self.cfg.hours_per_day
            bucket = result.setdefault(ALL if self.by == "org" else group, {"hours": 0.0})
            bucket["hours"] += hours
        return result

    def values(self, metric: registry.Metric, window: Window) -> dict[object, float | None]:
        """The metric's value per group for one window."""
        per_family = {name: self._family(name, window) for name in metric.families}
        groups = set().union(*(set(rows) for rows in per_family.values())) or {ALL}
        if self.by == "org":
            groups = {ALL}
        return {
            group: metric.compute({name: rows.get(group) for name, rows in per_family.items()})
            for group in groups
            if group is not None
        }


def window_for(period: Period, mode: str) -> Window:
    return Window(period, comparison(period, mode))


@dataclass(frozen=True)
class Request:
    """A validated metrics question: period, comparison, scope, as a viewer may ask it."""

    period: Period
    compare: str
    scope: MetricScope

    @classmethod
    def build(cls, user, *, period: str, compare: str = "yoy", scope: str | None = None):
        from kam.core.errors import ValidationFailed

        try:
            parsed = parse_period(period)
            comparison(parsed, compare)
        except ValueError as exc:
            field = "compare" if "comparison" in str(exc) else "period"
            raise ValidationFailed(str(exc), {field: [str(exc)]}) from exc
        resolved = parse_scope(scope or (default_scope(user) if user is not None else "org"))
        check_allowed(resolved, user)
        return cls(parsed, compare, resolved)


def _row(metric, current, previous, cfg, language) -> dict:
    delta = None if current is None or previous is None else current - previous
    rate = None if delta is None or not previous else delta / abs(previous)
    return {
        "key": metric.key,
        "name": metric.name(language),
        "dimension": metric.dimension,
        "stage": metric.stage,
        "direction": metric.direction,
        "unit": metric.unit,
        "current": _rounded(metric, current),
        "previous": _rounded(metric, previous),
        "delta": _rounded(metric, delta),
        "rate": rate,
        "status": status_of(metric, current, previous, rate, cfg),
    }


def scorecard(
    user,
    *,
    period: str,
    compare: str = "yoy",
    scope: str | None = None,
    cfg: MetricsSettings | None = None,
    keys: list[str] | None = None,
    language: str | None = None,
    facts: bool = True,
) -> list[dict]:
    """Every metric (or ``keys``) for P and P': the rows of METRICS.md §5."""
    request = Request.build(user, period=period, compare=compare, scope=scope)
    evaluator = Evaluator(request.scope, cfg=cfg, facts=facts)
    current_w = window_for(request.period, compare)
    previous_w = window_for(current_w.comparison, compare)
    metrics = [registry.get(k) for k in keys] if keys else registry.METRICS
    language = language or get_language()
    return [
        _row(
            m,
            evaluator.values(m, current_w)[ALL],
            evaluator.values(m, previous_w)[ALL],
            evaluator.cfg,
            language,
        )
        for m in metrics
    ]


def breakdown(
    user,
    key: str,
    *,
    by: str,
    period: str,
    compare: str = "yoy",
    scope: str | None = None,
    cfg: MetricsSettings | None = None,
    language: str | None = None,
    facts: bool = True,
) -> list[dict]:
    """One metric per member of a dimension (region, team, owner, tier, class, industry, origin)."""
    from kam.core.errors import ValidationFailed

    metric = registry.get(key)
    if by not in metric.breakdowns:
        message = f"{key} cannot be broken down by {by!r}; it can by: " + ", ".join(
            metric.breakdowns
        )
        raise ValidationFailed(message, {"by": [message]})
    request = Request.build(user, period=period, compare=compare, scope=scope)
    evaluator = Evaluator(request.scope, by=by, cfg=cfg, facts=facts)
    current_w = window_for(request.period, compare)
    previous_w = window_for(current_w.comparison, compare)
    now, before = evaluator.values(metric, current_w), evaluator.values(metric, previous_w)
    labels = member_labels(by, set(now) | set(before))
    rows = []
    for member in sorted(set(now) | set(before), key=lambda m: str(labels.get(m, m))):
        row = _row(metric, now.get(member), before.get(member), evaluator.cfg, language)
        rows.append({"member": member, "label": labels.get(member, member), **row})
    return rows


def member_labels(by: str, members: set) -> dict:
    from kam.org.models import Region, Team, User

    ids = [m for m in members if isinstance(m, int | float)]
    if by == "owner":
        return {u.pk: f"{u} ({u.username})" for u in User.objects.filter(pk__in=ids)}
    if by == "team":
        return {t.pk: t.code for t in Team.objects.filter(pk__in=ids)}
    if by == "region":
        return {r.pk: r.code for r in Region.objects.filter(pk__in=ids)}
    return {m: m for m in members}


def previous_periods(period: Period, count: int) -> list[Period]:
    """``count`` consecutive periods ending with ``period`` (oldest first)."""
    periods = [period]
    while len(periods) < count:
        periods.insert(0, comparison(periods[0], "prev"))
    return periods


def trends(
    user,
    keys: list[str],
    *,
    period: str,
    count: int = 8,
    compare: str = "yoy",
    scope: str | None = None,
    cfg: MetricsSettings | None = None,
) -> dict:
    """Several metrics over the last ``count`` periods, sharing one evaluation per period."""
    metrics = [registry.get(k) for k in keys]
    request = Request.build(user, period=period, compare=compare, scope=scope)
    evaluator = Evaluator(request.scope, cfg=cfg)
    periods = previous_periods(request.period, count)
    windows = [window_for(p, compare) for p in periods]
    return {
        "periods": [p.label for p in periods],
        "series": {
            m.key: [_rounded(m, evaluator.values(m, w)[ALL]) for w in windows] for m in metrics
        },
    }


def trend(
    user,
    key: str,
    *,
    period: str,
    count: int = 8,
    compare: str = "yoy",
    scope: str | None = None,
    cfg: MetricsSettings | None = None,
) -> list[dict]:
    """The metric over the last ``count`` periods of the same kind (oldest first)."""
    data = trends(user, [key], period=period, count=count, compare=compare, scope=scope, cfg=cfg)
    request_periods = previous_periods(parse_period(period), count)
    return [
        {"period": p.label, "start": p.start.isoformat(), "end": p.end.isoformat(), "value": v}
        for p, v in zip(request_periods, data["series"][key], strict=True)
    ]
