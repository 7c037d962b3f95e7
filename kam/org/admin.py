from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from kam.core import audit
from kam.core.admin import KamAdmin, register
from kam.org.models import Region, Target, Team, User, WorkingCalendarDay


@admin.register(User)
class KamUserAdmin(UserAdmin, KamAdmin):
    """Passwords go through Django's own forms; every other change through the services."""

    list_display = ("username", "name", "role", "team", "joined_on", "left_on", "is_active")
    list_filter = ("role", "team__region", "is_active")
    search_fields = ("username", "name", "email")
    readonly_fields = ("version",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Profile"), {"fields": ("name", "email", "role", "team", "hourly_cost")}),
        (_("Employment"), {"fields": ("joined_on", "left_on", "is_active")}),
        (_("Access"), {"fields": ("is_staff", "is_superuser", "groups")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "name", "role", "team", "password1", "password2")}),
    )

    def save_model(self, request, obj, form, change):
        if change:
            return KamAdmin.save_model(self, request, obj, form, change)
        # The add form hashes the password itself; the creation is audited like any other.
        UserAdmin.save_model(self, request, obj, form, change)
        audit.record(
            actor=request.user,
            action="create",
            instance=obj,
            changes=audit.diff({}, audit.snapshot(obj)),
        )


register(Region, Team, Target, WorkingCalendarDay)
