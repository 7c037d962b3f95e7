"""Admin for administrators; it writes through the same audited, version-checked services."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.core import services

# Large tables are picked by id in the admin, not loaded into a dropdown.
_RAW_ID_MODELS = {"customer", "opportunity", "contact", "contract", "user", "lead", "bid"}


class VersionedAdminForm(forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and hasattr(self.instance, "version"):
            self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        expected = cleaned.get("expected_version")
        if self.instance.pk and expected is not None:
            current = (
                type(self.instance)
                .objects.filter(pk=self.instance.pk)
                .values_list("version", flat=True)
                .first()
            )
            if current is not None and current != expected:
                raise forms.ValidationError(
                    _("Someone else saved this record after you opened it; reload the page.")
                )
        return cleaned


class KamAdmin(admin.ModelAdmin):
    form = VersionedAdminForm

    def _field_data(self, form) -> dict:
        names = {f.name for f in self.model._meta.get_fields() if getattr(f, "editable", False)}
        return {k: v for k, v in form.cleaned_data.items() if k in names}

    def save_model(self, request, obj, form, change):
        data = self._field_data(form)
        if change:
            current = self.model.objects.get(pk=obj.pk)
            saved = services.update_record(
                current,
                data={k: v for k, v in data.items() if k in form.changed_data},
                actor=request.user,
                expected_version=form.cleaned_data.get("expected_version"),
            )
        else:
            saved = services.create_record(self.model, data=data, actor=request.user)
        obj.pk = saved.pk
        obj.version = getattr(saved, "version", None)

    def save_related(self, request, form, formsets, change):
        # Many-to-many values were written (and audited) by the service.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        services.delete_record(obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.delete_record(obj, actor=request.user)


def register(*model_classes: type[models.Model]) -> None:
    """Register models with sensible list, search, filter and raw-id settings."""
    for model in model_classes:
        fields = model._meta.concrete_fields
        names = [f.name for f in fields]
        list_display = ["__str__"] + [
            f.name for f in fields if not f.primary_key and not f.is_relation
        ][:5]
        attrs = {
            "list_display": list_display,
            "search_fields": [n for n in ("code", "name", "title", "key") if n in names],
            "list_filter": [f.name for f in fields if f.choices][:4],
            "raw_id_fields": [
                f.name
                for f in fields
                if f.is_relation and f.related_model._meta.model_name in _RAW_ID_MODELS
            ],
            "readonly_fields": [n for n in ("version",) if n in names],
        }
        admin.site.register(model, type(f"{model.__name__}Admin", (KamAdmin,), attrs))
