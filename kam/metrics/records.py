"""The records behind a metric's figure (drill-down), as visibility-filtered querysets.

Each family names the records it aggregates, filtered exactly as the family's SQL filters them
(period, cancellation, key-account membership, scope) and then by what the viewer may see.
"""

from __future__ import annotations

from django.db.models import OuterRef, Q, Subquery

from kam.customers.models import Customer, TierHistory
from kam.finance.models import Contract, Delivery, Payment
from kam.metrics.config import MetricsSettings
from kam.metrics.engine import Window
from kam.metrics.scope import MetricScope
from kam.org.models import User
from kam.pipeline.models import Lead, Opportunity
from kam.presales.models import Rating, TimeEntry


def _scoped(queryset, owner_path: str, scope: MetricScope):
    if scope.user_ids is None:
        return queryset
    return queryset.filter(**{f"{owner_path}__in": scope.user_ids})


def key_accounts(w: Window, scope: MetricScope, cfg: MetricsSettings):
    latest = TierHistory.objects.filter(
        customer=OuterRef("pk"), effective_on__lte=w.period.last_day
    ).order_by("-effective_on")
    customers = Customer.objects.annotate(
        tier_at=Subquery(latest.values("tier")[:1]),
        class_at=Subquery(latest.values("resource_class")[:1]),
    ).filter(tier_at__in=cfg.key_tiers)
    return _scoped(customers, "owner", scope)


def _in(field: str, w: Window) -> Q:
    return Q(**{f"{field}__gte": w.period.start, f"{field}__lt": w.period.end})


def _output_records(w, scope, cfg, *, customers=None, owners=None):
    if cfg.output_basis == "payment":
        rows = Payment.objects.exclude(contract__status="cancelled").filter(_in("paid_on", w))
        prefix = "contract__"
    else:
        rows = Contract.objects.exclude(status="cancelled").filter(_in("signed_on", w))
        prefix = ""
    if customers is not None:
        rows = rows.filter(**{f"{prefix}customer__in": customers.values("pk")})
    if owners is not None:
        rows = rows.filter(**{f"{prefix}owner__in": owners})
    return rows


def records(family: str, w: Window, scope: MetricScope, cfg: MetricsSettings):
    """(kind, queryset) of the records the family aggregates for this window and scope."""
    if family == "key_accounts":
        return "contracts", _output_records(w, scope, cfg, customers=key_accounts(w, scope, cfg))
    if family == "potential":
        return "customers", key_accounts(w, scope, cfg)
    if family == "key_account_deals":
        return "opportunities", Opportunity.objects.filter(
            customer__in=key_accounts(w, scope, cfg).values("pk")
        ).filter(_in("established_on", w) | (_in("closed_on", w) & Q(status__in=["won", "lost"])))
    if family == "reps":
        reps = User.objects.filter(role__in=["sales", "kam"]).filter(
            Q(joined_on__isnull=True) | Q(joined_on__lte=w.period.last_day),
            Q(left_on__isnull=True) | Q(left_on__gte=w.period.start),
        )
        reps = _scoped(reps, "pk", scope)
        return "contracts", _output_records(w, scope, cfg, owners=reps.values("pk"))
    if family == "deals":
        rows = Opportunity.objects.filter(_in("closed_on", w), status__in=["won", "lost"])
        return "opportunities", _scoped(rows, "owner", scope)
    if family == "leads":
        return "leads", _scoped(Lead.objects.filter(_in("disqualified_on", w)), "owner", scope)
    if family in ("presales_cost", "presales_hours", "statutory_hours"):
        rows = TimeEntry.objects.filter(_in("worked_on", w))
        if family != "presales_cost":
            rows = rows.filter(confirmed=True, user__role="presales")
        return "time_entries", _scoped(rows, "opportunity__owner", scope)
    if family == "solution_acceptance":
        rows = (
            Opportunity.objects.filter(
                review_status="established",
                established_on__lt=w.period.end,
                decision_chain__isnull=False,
            )
            .exclude(status__in=["won", "lost"], closed_on__lt=w.period.start)
            .distinct()
        )
        return "opportunities", _scoped(rows, "owner", scope)
    if family == "ratings":
        return "ratings", _scoped(
            Rating.objects.filter(_in("rated_on", w)), "opportunity__owner", scope
        )
    if family == "deliveries":
        rows = Delivery.objects.exclude(contract__status="cancelled").filter(_in("completed_on", w))
        return "deliveries", _scoped(rows, "contract__owner", scope)
    raise ValueError(f"no records for family {family!r}")
