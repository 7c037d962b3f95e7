"""FilterSets: one per list, serving the web page and the API alike.

Every FilterSet understands ``q`` (search across ``search_fields``) and ``ordering``
(any listed field, ``-`` for descending). Choices for related records are limited to what
the requesting user may see, so a filter never reveals a record by its name.
"""

from __future__ import annotations

import django_filters
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def visible_choices(model: type[models.Model]):
    """A queryset callable for ModelChoiceFilter: the records the request's user may see."""

    def queryset(request):
        user = getattr(request, "user", None)
        return model.objects.visible_to(user) if user is not None else model.objects.none()

    return queryset


class KamFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    search_fields: tuple[str, ...] = ("code",)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)


_RANGE_TYPES = (models.DateField, models.DecimalField, models.IntegerField, models.FloatField)


def filterset_for(model: type[models.Model], *, search: tuple[str, ...] = ()) -> type:
    """A FilterSet for any model: exact match on codes, choices, booleans and references,
    ranges on dates and numbers, ordering on every concrete field."""
    exact, ranges, orderable = [], [], []
    for field in model._meta.concrete_fields:
        orderable.append(field.name)
        if field.primary_key:
            continue
        if (
            field.name == "code"
            or field.choices
            or field.is_relation
            or isinstance(field, models.BooleanField)
        ):
            exact.append(field.name)
        elif isinstance(field, _RANGE_TYPES) and field.name != "version":
            ranges.append(field.name)
    meta = type(
        "Meta",
        (),
        {
            "model": model,
            "fields": {
                **{f: ["exact"] for f in exact},
                **{f: ["exact", "gte", "lte"] for f in ranges},
            },
        },
    )
    attrs = {
        "Meta": meta,
        "ordering": django_filters.OrderingFilter(fields=[(f, f) for f in orderable]),
        "search_fields": search or (("code",) if any(f == "code" for f in exact) else ("pk",)),
    }
    filterset = type(f"{model.__name__}FilterSet", (KamFilterSet,), attrs)
    for field in model._meta.concrete_fields:
        if field.is_relation and field.name in filterset.base_filters:
            filterset.base_filters[field.name] = django_filters.ModelChoiceFilter(
                field_name=field.name, queryset=visible_choices(field.related_model)
            )
    return filterset
