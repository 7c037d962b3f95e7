"""Base views for the web UI: every page reads through ``visible_to`` and writes through services.

- ``VisibleListView``: a FilterSet over the user's visible rows, paginated; an htmx request gets
  only the table partial (one view serves the page and its fragment).
- ``VisibleDetailView``: a record from the visible queryset (outside it: 404, never 403), with its
  audit trail.
- ``ServiceFormView``: create/edit through ``create_record`` / ``update_record`` with optimistic
  locking (a hidden ``version``); domain errors are shown on the form.
- ``ServiceDeleteView``: delete through ``delete_record``; dependency refusals are shown.
"""

from __future__ import annotations

import decimal
import secrets
from collections import defaultdict

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, ListView, TemplateView
from django_htmx.http import HttpResponseClientRedirect

from kam.core import audit, tabular
from kam.core.errors import ConflictError, DependencyError, NotPermitted, ValidationFailed
from kam.core.services import create_record, delete_record, update_record

# ---------------------------------------------------------------------------------------------
# Reading


def visible(model: type[models.Model], user) -> models.QuerySet:
    """The rows of ``model`` that ``user`` may see (the one way views read domain records)."""
    return model.objects.visible_to(user)


def is_htmx_fragment_request(request) -> bool:
    """An htmx request for a fragment (a history restore needs the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request and not htmx.boosted


class KamLoginRequiredMixin(LoginRequiredMixin):
    """Signed-out visitors go to the sign-in page — for an htmx fragment, the whole page does."""

    def handle_no_permission(self):
        response = super().handle_no_permission()
        if getattr(self.request, "htmx", False) and isinstance(response, HttpResponseRedirect):
            return HttpResponseClientRedirect(response["Location"])
        return response


class VisibleQuerysetMixin(KamLoginRequiredMixin):
    model: type[models.Model]
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()

    def get_base_queryset(self) -> models.QuerySet:
        queryset = visible(self.model, self.request.user)
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        return queryset


class VisibleListView(VisibleQuerysetMixin, ListView):
    """A filtered, sortable, paginated list of the records the user may see.

    Subclasses set ``model``, ``filterset_class``, ``template_name`` (the page),
    ``partial_template_name`` (the table), ``columns`` (``(label, ordering key or None, css
    classes)`` per column) and ``filter_fields`` (the FilterSet fields shown in the filter bar).
    """

    filterset_class = None
    partial_template_name: str = ""
    paginate_by = 25
    max_page_size = 200
    columns: tuple[tuple[str, str | None, str], ...] = ()
    filter_fields: tuple[str, ...] = ()
    create_url_name: str = ""
    # ``?export=csv|xlsx``: the current filtered rows, unpaginated, as ``(header, accessor)``
    # columns (see ``kam.core.tabular``); empty = no export.
    export_columns: tuple[tuple[str, object], ...] = ()

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("export")
        if fmt and self.export_columns:
            if fmt not in tabular.FORMATS:
                raise Http404
            return tabular.export_response(
                self.get_queryset(),
                self.export_columns,
                fmt=fmt,
                filename=self.model._meta.model_name,
            )
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        self.filterset = self.filterset_class(
            self.request.GET or None, queryset=self.get_base_queryset(), request=self.request
        )
        return self.filterset.qs

    def get_paginate_by(self, queryset):
        try:
            size = int(self.request.GET.get("page_size", ""))
        except ValueError:
            return self.paginate_by
        return max(1, min(size, self.max_page_size))

    def paginate_queryset(self, queryset, page_size):
        # An out-of-range or malformed page shows the nearest page instead of a 404.
        paginator = Paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get("page"))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_template_names(self):
        if is_htmx_fragment_request(self.request) and self.partial_template_name:
            return [self.partial_template_name]
        return super().get_template_names()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.filterset.form
        ordering = self.request.GET.get("ordering", "")
        shown = [name for name in self.filter_fields if name in form.fields]
        for name in shown:
            field = form.fields[name]
            field.widget.attrs["class"] = "filter-control"
            if isinstance(field, forms.ModelChoiceField):
                field.empty_label = _("All")
            elif isinstance(field, forms.ChoiceField):
                plain = [choice for choice in field.choices if choice[0] != ""]
                if hasattr(field, "empty_label"):  # django-filter's ChoiceField adds it itself
                    field.empty_label = _("All")
                    field.choices = plain
                else:
                    field.choices = [("", _("All")), *plain]
            elif isinstance(field, forms.DateField):
                field.widget.input_type = "date"
        page = context["page_obj"]
        context.update(
            filter=self.filterset,
            filter_form_fields=[form[name] for name in shown],
            page_range=list(
                page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
            ),
            columns=self.columns,
            ordering=ordering,
            total=context["paginator"].count,
            active_filters=any(self.request.GET.get(name) for name in ("q", *self.filter_fields)),
            list_url=self.request.path,
            partial_template_name=self.partial_template_name,
            create_url=reverse(self.create_url_name) if self.create_url_name else "",
            model_meta=self.model._meta,
            export_urls=self.export_urls(),
        )
        return context

    def export_urls(self) -> dict[str, str]:
        """The list's current query with ``export=csv`` / ``export=xlsx`` (no page)."""
        if not self.export_columns:
            return {}
        urls = {}
        for fmt in tabular.FORMATS:
            query = self.request.GET.copy()
            for name in ("page", "page_size", "export"):
                query.pop(name, None)
            query["export"] = fmt
            urls[fmt] = f"{self.request.path}?{query.urlencode()}"
        return urls

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        # The same URL answers with a page or a fragment: caches must keep them apart.
        patch_vary_headers(response, ("HX-Request",))
        return response


class VisibleDetailView(VisibleQuerysetMixin, DetailView):
    """One record from the user's visible rows; anything else is a 404."""

    history_limit = 50

    def get_queryset(self):
        return self.get_base_queryset()

    def http_method_not_allowed(self, request, *args, **kwargs):
        # A record outside the user's visibility is a 404 whatever the method.
        if request.user.is_authenticated:
            self.get_object()
        return super().http_method_not_allowed(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["history"] = history_rows(self.object, self.request.user, limit=self.history_limit)
        return context


def _related_model(field):
    return field.related_model if getattr(field, "is_relation", False) else None


def _display_value(field, value, names: dict) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if field is None:
        return str(value)
    related = _related_model(field)
    if related is not None:
        lookup = names.get(related, {})
        if isinstance(value, list):
            return ", ".join(lookup.get(v, f"#{v}") for v in value)
        return lookup.get(value, f"#{value}")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return _("Yes") if value else _("No")
    if isinstance(field, models.DateTimeField):
        parsed = parse_datetime(str(value))
        return date_format(parsed, "Y-m-d H:i") if parsed else str(value)
    if isinstance(field, models.DateField):
        parsed = parse_date(str(value))
        return parsed.isoformat() if parsed else str(value)
    if isinstance(field, models.DecimalField):
        try:
            return f"{decimal.Decimal(value):,.2f}"
        except decimal.InvalidOperation:
            return str(value)
    return str(value)


def history_rows(instance: models.Model, user, *, limit: int = 50) -> list[dict]:
    """The audit trail of ``instance`` for display: when, who, action, field: old → new.

    References are shown by name when the user may see the referenced record (one query per
    referenced model), else by id — the trail never reveals a hidden record's name.
    """
    entries = list(audit.history(instance)[:limit])
    meta = instance._meta
    wanted: dict[type[models.Model], set] = defaultdict(set)
    for entry in entries:
        for name, pair in entry.changes.items():
            try:
                field = meta.get_field(name)
            except FieldDoesNotExist:
                continue
            related = _related_model(field)
            if related is None:
                continue
            for value in pair:
                if isinstance(value, list):
                    wanted[related].update(value)
                elif value is not None:
                    wanted[related].add(value)
    names: dict[type[models.Model], dict] = {}
    for related, ids in wanted.items():
        rows = related.objects.filter(pk__in=ids)
        if hasattr(rows, "visible_to"):
            rows = rows.visible_to(user)
        names[related] = {obj.pk: str(obj) for obj in rows}
    result = []
    for entry in entries:
        changes = []
        for name, pair in entry.changes.items():
            try:
                field = meta.get_field(name)
                label = str(field.verbose_name)
            except FieldDoesNotExist:
                field, label = None, name
            old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            changes.append(
                {
                    "field": label,
                    "old": _display_value(field, old, names),
                    "new": _display_value(field, new, names),
                }
            )
        result.append({"entry": entry, "changes": changes})
    return result


def section(queryset: models.QuerySet, limit: int = 20) -> dict:
    """The first ``limit`` rows of a related list and how many there are in all."""
    rows = list(queryset[: limit + 1])
    more = len(rows) > limit
    return {
        "rows": rows[:limit],
        "total": queryset.count() if more else len(rows),
        "more": more,
    }


# ---------------------------------------------------------------------------------------------
# Writing


class ServiceModelForm(forms.ModelForm):
    """A ModelForm that only cleans input: the service validates the record and writes it.

    It carries the record's ``version`` (optimistic locking) and limits every reference to the
    records the user may see.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.pk and not self.is_bound:
            self.fields["version"].initial = self.instance.version
        for name, field in list(self.fields.items()):
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = self.limit_choices(field.queryset)
                current = getattr(self.instance, f"{name}_id", None) if self.instance.pk else None
                if current is not None and not field.queryset.filter(pk=current).exists():
                    # The record refers to something this user may not see: leave the
                    # reference untouched (and unnamed) rather than clear it on save.
                    del self.fields[name]
                    continue
            if isinstance(field, forms.ModelChoiceField) and field.empty_label is not None:
                field.empty_label = "—"
            if isinstance(field, forms.DecimalField) and self._is_money(name):
                field.help_text = field.help_text or _("In yuan (CNY).")
            if isinstance(field, forms.DateField) and not isinstance(field, forms.DateTimeField):
                field.widget = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
            elif isinstance(field.widget, forms.Textarea):
                field.widget.attrs.setdefault("rows", 3)

    def _is_money(self, name: str) -> bool:
        try:
            field = self._meta.model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        return isinstance(field, models.DecimalField) and (
            field.max_digits,
            field.decimal_places,
        ) == (
            18,
            2,
        )

    def limit_choices(self, queryset: models.QuerySet) -> models.QuerySet:
        model = queryset.model
        limited = model.objects.visible_to(self.user)
        if model is type(self.user):
            limited = limited.filter(is_active=True)
        return limited

    def _post_clean(self):
        # No construct_instance / full_clean here: create_record and update_record validate the
        # whole record in the transaction that writes it, and report through ValidationFailed.
        pass

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        for name, value in data.items():
            # Store decimals at the field's scale, so the record and its audit trail agree.
            if isinstance(value, decimal.Decimal):
                try:
                    places = self._meta.model._meta.get_field(name).decimal_places
                except (FieldDoesNotExist, AttributeError):
                    continue
                if places is not None and value.is_finite():
                    data[name] = value.quantize(decimal.Decimal(1).scaleb(-places))
        return data


class ServiceFormView(KamLoginRequiredMixin, FormView):
    """Create (no ``pk`` in the URL) or edit a record through the generic services."""

    model: type[models.Model]
    form_class = ServiceModelForm
    template_name = "web/form.html"
    detail_url_name = ""
    cancel_url_name = ""
    select_related: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        self.object = None
        if "pk" in kwargs and request.user.is_authenticated:
            queryset = visible(self.model, request.user).select_related(*self.select_related)
            try:
                self.object = queryset.get(pk=kwargs["pk"])
            except self.model.DoesNotExist as exc:
                raise Http404 from exc
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        kwargs["instance"] = self.object
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meta = self.model._meta
        context.update(
            object=self.object,
            model_meta=meta,
            is_create=self.object is None,
            title=(
                _("New %(model)s") % {"model": meta.verbose_name}
                if self.object is None
                else _("Edit %(model)s: %(record)s")
                % {"model": meta.verbose_name, "record": self.object}
            ),
            cancel_url=self.get_cancel_url(),
        )
        return context

    def get_cancel_url(self) -> str:
        if self.object is not None and self.detail_url_name:
            return reverse(self.detail_url_name, args=[self.object.pk])
        return reverse(self.cancel_url_name) if self.cancel_url_name else "/"

    def form_valid(self, form):
        data = form.service_data()
        version = form.cleaned_data.get("version")
        user = self.request.user
        try:
            if self.object is None:
                saved = create_record(self.model, data=data, actor=user)
            else:
                saved = update_record(self.object, data=data, actor=user, expected_version=version)
        except ConflictError as exc:
            return self.conflict(form, exc)
        except ValidationFailed as exc:
            add_domain_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        except NotPermitted as exc:
            form.add_error(None, exc.message)
            return self.render_to_response(self.get_context_data(form=form), status=403)
        messages.success(
            self.request,
            (_("%(model)s “%(record)s” created.") if self.object is None else _("Changes saved."))
            % {"model": str(self.model._meta.verbose_name).capitalize(), "record": saved},
        )
        return HttpResponseRedirect(reverse(self.detail_url_name, args=[saved.pk]))

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def conflict(self, form, exc: ConflictError):
        """409: keep everything the user typed, show what the other person changed.

        The hidden version moves to the current one, so saving again is a deliberate choice to
        apply this input over the other change.
        """
        current = visible(self.model, self.request.user).filter(pk=self.object.pk).first()
        theirs = []
        for name in exc.fields:
            field_name = name if name in form.fields else None
            try:
                model_field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                model_field = None
            if current is not None and model_field is not None and model_field.concrete:
                value = audit.snapshot(current).get(name)
                shown = history_value(model_field, value, self.request.user)
            else:
                shown = "—"
            label = model_field.verbose_name if model_field is not None else name
            theirs.append({"name": name, "label": label, "value": shown})
            if field_name:
                form.add_error(
                    field_name, _("Changed by someone else; now: %(value)s") % {"value": shown}
                )
        data = form.data.copy()
        data[form.add_prefix("version")] = str(exc.current_version)
        form.data = data
        form.add_error(None, exc.message)
        context = self.get_context_data(form=form)
        context.update(conflict=exc, conflict_fields=theirs)
        return self.render_to_response(context, status=409)


def history_value(field, value, user) -> str:
    """One stored audit value shown like the history section shows it."""
    related = _related_model(field)
    names = {}
    if related is not None and value not in (None, "", []):
        ids = value if isinstance(value, list) else [value]
        rows = related.objects.filter(pk__in=ids)
        if hasattr(rows, "visible_to"):
            rows = rows.visible_to(user)
        names[related] = {obj.pk: str(obj) for obj in rows}
    return _display_value(field, value, names)


def add_domain_errors(form: forms.Form, exc: ValidationFailed) -> None:
    """Put a service's ``errors`` on the form: per field where the form has it, else on top."""
    if not exc.errors:
        form.add_error(None, exc.message)
        return
    for name, messages_ in exc.errors.items():
        target = name if name in form.fields else None
        for message in messages_ if isinstance(messages_, list | tuple) else [messages_]:
            if target is None and name != "__all__":
                label = _field_label(form, name)
                message = f"{label}: {message}"
            form.add_error(target, message)


def _field_label(form, name: str) -> str:
    model = getattr(getattr(form, "_meta", None), "model", None)
    if model is not None:
        try:
            return str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            pass
    return name


class ServiceDeleteView(KamLoginRequiredMixin, TemplateView):
    """Confirm, then delete through ``delete_record``; a refusal is shown with its reason."""

    model: type[models.Model]
    template_name = "web/confirm_delete.html"
    detail_url_name = ""
    success_url_name = ""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            try:
                self.object = visible(self.model, request.user).get(pk=kwargs["pk"])
            except self.model.DoesNotExist as exc:
                raise Http404 from exc
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            object=self.object,
            model_meta=self.model._meta,
            cancel_url=reverse(self.detail_url_name, args=[self.object.pk]),
        )
        return context

    def post(self, request, *args, **kwargs):
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = None
        try:
            delete_record(self.object, actor=request.user, expected_version=version)
        except (DependencyError, ConflictError, NotPermitted) as exc:
            context = self.get_context_data(error=exc.message)
            return self.render_to_response(context, status=exc.status)
        messages.success(
            request,
            _("%(model)s “%(record)s” deleted.")
            % {"model": str(self.model._meta.verbose_name).capitalize(), "record": self.object},
        )
        return HttpResponseRedirect(reverse(self.success_url_name))


def suggest_code(prefix: str) -> str:
    """A fresh record code to offer on a create form, e.g. ``CUS-250612-4F1A``."""
    return f"{prefix}-{timezone.localdate():%y%m%d}-{secrets.token_hex(2).upper()}"
