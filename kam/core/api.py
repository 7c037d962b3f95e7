"""API building blocks: every resource reads through ``visible_to`` and writes through services.

``resource(model, ...)`` builds the serializer and viewset of one resource, so no endpoint can
forget visibility, auditing or version checks.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response

from kam.core import audit, services
from kam.core.filters import filterset_for
from kam.core.visibility import Everyone

ADMINS = frozenset({"admin"})


class KamSerializer(serializers.ModelSerializer):
    """Related choices are limited to what the caller may see; writes go through services."""

    display = serializers.SerializerMethodField()

    def get_display(self, obj) -> str:
        return str(obj)

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        for field in fields.values():
            relation = getattr(field, "child_relation", field)
            queryset = getattr(relation, "queryset", None)
            if queryset is not None and hasattr(queryset, "visible_to"):
                relation.queryset = queryset.visible_to(user)
        return fields

    def create(self, validated_data):
        return services.create_record(
            self.Meta.model, data=validated_data, actor=self.context["request"].user
        )

    def update(self, instance, validated_data):
        return services.update_record(
            instance,
            data=validated_data,
            actor=self.context["request"].user,
            expected_version=self.context["expected_version"],
        )


class WriteAccess(permissions.BasePermission):
    """Reference data and the org chart are written by admins (``write_roles``); other records
    by those who can see them — the services refuse a write that would leave the writer's
    scope."""

    message = gettext_lazy("Your role may not change this.")

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        if view.read_only:
            return False
        if view.write_roles is None:
            return True
        return request.user.is_superuser or request.user.role in view.write_roles


def _expected_version(request) -> int:
    raw = request.data.get("version") if hasattr(request.data, "get") else None
    if raw in (None, ""):
        raise DRFValidationError(
            {
                "version": [
                    _("Required: the version you read, so that concurrent edits are detected.")
                ]
            }
        )
    try:
        return int(raw)
    except (TypeError, ValueError) as exc:
        raise DRFValidationError({"version": [_("A whole number is required.")]}) from exc


class KamViewSet(viewsets.ModelViewSet):
    permission_classes = [permissions.IsAuthenticated, WriteAccess]
    read_only = False
    write_roles: frozenset[str] | None = None
    select: tuple[str, ...] = ()
    prefetch: tuple[str, ...] = ()

    def get_queryset(self):
        model = self.serializer_class.Meta.model
        queryset = model.objects.visible_to(self.request.user)
        if self.select:
            queryset = queryset.select_related(*self.select)
        if self.prefetch:
            queryset = queryset.prefetch_related(*self.prefetch)
        if not queryset.ordered:
            queryset = queryset.order_by("pk")
        return queryset

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.request is not None and self.request.method in ("PUT", "PATCH"):
            context["expected_version"] = _expected_version(self.request)
        return context

    def perform_destroy(self, instance):
        raw = self.request.query_params.get("version")
        services.delete_record(
            instance, actor=self.request.user, expected_version=int(raw) if raw else None
        )

    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        """The audit trail of this record: who changed what, when."""
        entries = audit.history(self.get_object())[:500]
        return Response(
            [
                {
                    "at": e.at,
                    "actor": e.actor.username if e.actor else None,
                    "action": e.action,
                    "version": e.record_version,
                    "changes": e.changes,
                }
                for e in entries
            ]
        )


def _forward_relations(model: type[models.Model]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    select = tuple(f.name for f in model._meta.concrete_fields if f.is_relation)
    prefetch = tuple(f.name for f in model._meta.many_to_many)
    return select, prefetch


def resource(
    model: type[models.Model],
    *,
    filterset=None,
    search: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
    read_only: bool = False,
    write_roles: frozenset[str] | None = None,
    serializer_base: type[KamSerializer] = KamSerializer,
) -> type[KamViewSet]:
    """The viewset of one API resource (serializer, filters, visibility, services)."""
    meta_attrs = {"model": model, "read_only_fields": ("version", "created_at", "updated_at")}
    if exclude:
        meta_attrs["exclude"] = exclude
    else:
        meta_attrs["fields"] = "__all__"
    serializer = type(
        f"{model.__name__}Serializer",
        (serializer_base,),
        {"Meta": type("Meta", (), meta_attrs)},
    )
    select, prefetch = _forward_relations(model)
    if write_roles is None and any(isinstance(rule, Everyone) for rule in model.visibility):
        write_roles = ADMINS
    return type(
        f"{model.__name__}ViewSet",
        (KamViewSet,),
        {
            "serializer_class": serializer,
            "filterset_class": filterset or filterset_for(model, search=search),
            "read_only": read_only,
            "write_roles": write_roles,
            "select": select,
            "prefetch": prefetch,
            "__doc__": (model.__doc__ or model.__name__).strip(),
        },
    )
