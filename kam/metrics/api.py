"""/api/v1/metrics/…: the same runners as the CLI and the pages, with the viewer's scope rules."""

from __future__ import annotations

from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from kam.core.errors import ValidationFailed
from kam.core.rest import Pagination
from kam.metrics import registry, runner
from kam.metrics.records import records as records_of

COMMON = [
    OpenApiParameter("period", OpenApiTypes.STR, required=True,
                     description="2025, 2025Q3, 2025-07 or 2025-01-01..2025-04-01"),
    OpenApiParameter("compare", OpenApiTypes.STR, enum=["yoy", "prev"], description="default yoy"),
    OpenApiParameter("scope", OpenApiTypes.STR,
                     description="org, region:CODE, team:CODE or user:USERNAME; "
                     "default: the viewer's own scope"),
]  # fmt: skip


def _params(request) -> dict:
    period = request.query_params.get("period")
    if not period:
        raise ValidationFailed("period is required", {"period": ["This parameter is required."]})
    return {
        "period": period,
        "compare": request.query_params.get("compare", "yoy"),
        "scope": request.query_params.get("scope") or None,
    }


def _metric(key: str) -> registry.Metric:
    if key not in registry.BY_KEY:
        raise NotFound(f"unknown metric {key!r}")
    return registry.get(key)


@extend_schema(parameters=COMMON, responses=OpenApiTypes.OBJECT)
@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated])
def scorecard(request):
    """Every metric for the period and its comparison period."""
    return Response(runner.scorecard(request.user, **_params(request), language=get_language()))


@extend_schema(
    parameters=[*COMMON, OpenApiParameter("by", OpenApiTypes.STR, required=True,
                                          enum=list(registry.DIMENSIONS))],
    responses=OpenApiTypes.OBJECT,
)  # fmt: skip
@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated])
def breakdown(request, key: str):
    """One metric per member of a dimension."""
    _metric(key)
    by = request.query_params.get("by", "")
    return Response(
        runner.breakdown(request.user, key, by=by, **_params(request), language=get_language())
    )


@extend_schema(
    parameters=[*COMMON, OpenApiParameter("count", OpenApiTypes.INT, description="default 8")],
    responses=OpenApiTypes.OBJECT,
)
@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated])
def trend(request, key: str):
    """The metric over the last periods of the same kind, oldest first."""
    _metric(key)
    try:
        count = max(1, min(36, int(request.query_params.get("count", 8))))
    except ValueError as exc:
        raise ValidationFailed(
            "count must be a whole number", {"count": ["Not a number."]}
        ) from exc
    return Response(runner.trend(request.user, key, count=count, **_params(request)))


@extend_schema(parameters=COMMON, responses=OpenApiTypes.OBJECT)
@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated])
def records(request, key: str):
    """The records behind the figure for the period (paginated), only those the viewer sees."""
    metric = _metric(key)
    params = _params(request)
    built = runner.Request.build(request.user, **params)
    window = runner.window_for(built.period, built.compare)
    kind, rows = records_of(metric.families[0], window, built.scope, runner.metrics_settings())
    rows = rows.visible_to(request.user).order_by("pk")
    paginator = Pagination()
    page = paginator.paginate_queryset(rows, request)
    data = [{"id": r.pk, "display": str(r), **_fields(r)} for r in page]
    return paginator.get_paginated_response({"kind": kind, "rows": data})


def _fields(record) -> dict:
    out = {}
    for field in record._meta.concrete_fields:
        if field.name in ("created_at", "updated_at", "version"):
            continue
        value = getattr(record, field.attname)
        out[field.attname] = value if isinstance(value, int | float | str | None) else str(value)
    return out
