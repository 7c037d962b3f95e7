"""The evaluation pages: scorecard, breakdown, records behind a figure (METRICS.md §5)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from kam.core.errors import DomainError
from kam.core.visibility import scope_of
from kam.metrics import registry, runner
from kam.metrics.records import records as records_of
from kam.metrics.scope import default_scope
from kam.org.models import Region, Team, User

LINES = (
    ("ESP+", gettext_lazy("ESP+ customer line"), (("1", "stage1"), ("2", "stage2"), ("3", "stage3"),
                                       ("4", "stage4"))),
    ("TAS+", gettext_lazy("TAS+ deal line"), (("deal", "deal"),)),
    ("MCI", gettext_lazy("MCI support line"), (("support", "support"),)),
)  # fmt: skip
STAGE_TITLES = {
    "1": gettext_lazy("Stage 1 · choosing key accounts"),
    "2": gettext_lazy("Stage 2 · who owns them"),
    "3": gettext_lazy("Stage 3 · strategy by resource class"),
    "4": gettext_lazy("Stage 4 · account operations"),
    "deal": gettext_lazy("Deal process"),
    "support": gettext_lazy("Sales support"),
}
DIMENSION_LABELS = {
    "region": gettext_lazy("Region"),
    "team": gettext_lazy("Team"),
    "owner": gettext_lazy("Owner"),
    "tier": gettext_lazy("Tier"),
    "class": gettext_lazy("Resource class"),
    "industry": gettext_lazy("Industry"),
    "origin": gettext_lazy("Origin"),
}


def scope_choices(user) -> list[tuple[str, str]]:
    """The scopes a viewer may pick, from widest to narrowest."""
    access = scope_of(user)
    region_word, team_word, person_word = _("Region"), _("Team"), _("Person")
    choices: list[tuple[str, str]] = []
    if access.sees_everything:
        choices.append(("org", _("Whole company")))
        choices += [(f"region:{r.code}", f"{region_word} · {r.name}") for r in Region.objects.all()]
        teams = Team.objects.all()
        users = User.objects.filter(role__in=["sales", "kam", "manager", "presales"])
    elif user.role == "manager" and user.team_id:
        teams = Team.objects.filter(pk__in=access.team_ids)
        users = User.objects.filter(pk__in=access.principals)
    else:
        teams, users = Team.objects.none(), User.objects.filter(pk=user.pk)
    choices += [(f"team:{t.code}", f"{team_word} · {t.name}") for t in teams]
    choices += [(f"user:{u.username}", f"{person_word} · {u}") for u in users.order_by("name")]
    return choices


class EvaluationMixin(LoginRequiredMixin):
    def params(self) -> dict:
        query = self.request.GET
        return {
            "period": query.get("period") or str(dt.date.today().year),
            "compare": query.get("compare") or "yoy",
            "scope": query.get("scope") or default_scope(self.request.user),
        }

    def base_context(self, params: dict) -> dict:
        return {
            "params": params,
            "scope_choices": scope_choices(self.request.user),
            "query": "&".join(f"{k}={v}" for k, v in params.items()),
        }


class ScorecardView(EvaluationMixin, TemplateView):
    template_name = "metrics/scorecard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.params()
        context.update(self.base_context(params))
        try:
            rows = runner.scorecard(self.request.user, **params, language=get_language())
        except DomainError as exc:
            context["error"] = exc.message
            return context
        by_key = {r["key"]: r for r in rows}
        lines = []
        for dimension, title, stages in LINES:
            groups = []
            for stage, _slug in stages:
                metrics = [
                    m for m in registry.METRICS if m.dimension == dimension and m.stage == stage
                ]
                groups.append({
                    "title": STAGE_TITLES[stage],
                    "rows": [
                        {**by_key[m.key], "definition": m.definition(get_language())}
                        for m in metrics
                    ],
                })  # fmt: skip
            lines.append({"dimension": dimension, "title": title, "groups": groups})
        context["lines"] = lines
        return context


class TrendsView(EvaluationMixin, View):
    """All metrics over the last 8 periods, for the sparklines and the paired chart."""

    def get(self, request):
        try:
            data = runner.trends(request.user, list(registry.BY_KEY), **self.params())
        except DomainError as exc:
            return JsonResponse(exc.as_dict(), status=exc.status)
        return JsonResponse(data)


class BreakdownView(EvaluationMixin, TemplateView):
    template_name = "metrics/breakdown.html"

    def get_context_data(self, key, **kwargs):
        context = super().get_context_data(**kwargs)
        if key not in registry.BY_KEY:
            raise Http404
        metric = registry.get(key)
        params = self.params()
        by = self.request.GET.get("by") or (metric.breakdowns[0] if metric.breakdowns else "")
        context.update(self.base_context(params))
        context.update({
            "metric": metric, "name": metric.name(get_language()),
            "definition": metric.definition(get_language()), "by": by,
            "dimensions": [(d, DIMENSION_LABELS[d]) for d in metric.breakdowns],
        })  # fmt: skip
        try:
            context["rows"] = runner.breakdown(
                self.request.user, key, by=by, **params, language=get_language()
            )
        except DomainError as exc:
            context["error"] = exc.message
        return context


def _record_url(record) -> str | None:
    name = f"web:{record._meta.model_name}_detail"
    try:
        return reverse(name, args=[record.pk])
    except NoReverseMatch:
        return None


RECORD_COLUMNS = {
    "contracts": ("code", "customer", "owner", "signed_on", "amount", "status"),
    "customers": ("code", "name", "owner", "tier_at", "class_at", "expected_annual_spend"),
    "opportunities": ("code", "name", "customer", "owner", "origin", "amount", "status",
                      "established_on", "closed_on"),
    "leads": ("code", "title", "owner", "disqualified_on", "estimated_presales_cost"),
    "time_entries": ("user", "opportunity", "worked_on", "hours", "confirmed"),
    "ratings": ("opportunity", "rated_user", "rater", "rated_on", "score"),
    "deliveries": ("code", "contract", "completed_on", "result"),
}  # fmt: skip


class RecordsView(EvaluationMixin, TemplateView):
    template_name = "metrics/records.html"

    def get_context_data(self, key, **kwargs):
        context = super().get_context_data(**kwargs)
        if key not in registry.BY_KEY:
            raise Http404
        metric = registry.get(key)
        params = self.params()
        context.update(self.base_context(params))
        context.update({"metric": metric, "name": metric.name(get_language())})
        try:
            request = runner.Request.build(self.request.user, **params)
        except DomainError as exc:
            context["error"] = exc.message
            return context
        window = runner.window_for(request.period, request.compare)
        kind, rows = records_of(
            metric.families[0], window, request.scope, runner.metrics_settings()
        )
        rows = rows.visible_to(self.request.user).order_by("pk")
        page = Paginator(rows, 50).get_page(self.request.GET.get("page"))
        columns = RECORD_COLUMNS[kind]
        model = rows.model
        context.update({
            "kind": kind, "page": page, "period_label": request.period.label,
            "headers": [
                str(model._meta.get_field(c).verbose_name) if c not in ("tier_at", "class_at")
                else (_("Tier") if c == "tier_at" else _("Resource class"))
                for c in columns
            ],
            "table": [
                {"url": _record_url(r), "cells": [getattr(r, c) for c in columns]}
                for r in page.object_list
            ],
        })  # fmt: skip
        return context
