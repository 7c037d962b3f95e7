"""The navigation a signed-in user sees: only what their role may use."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

SALES_ROLES = {"sales", "kam", "manager", "executive", "admin"}
# Which roles use each page (a page still only shows the records the user may see).
_ITEMS = (
    ("home", _("Home"), "web:home", "home", None),
    ("customers", _("Customers"), "web:customer_list", "building", None),
    ("contacts", _("Contacts"), "web:contact_list", "users", None),
    ("leads", _("Leads"), "web:lead_list", "target", SALES_ROLES),
    (
        "opportunities",
        _("Opportunities"),
        "web:opportunity_list",
        "trending",
        SALES_ROLES | {"presales"},
    ),
    ("contracts", _("Contracts"), "web:contract_list", "file", SALES_ROLES | {"delivery"}),
    ("evaluation", _("Value evaluation"), "web:evaluation", "activity", SALES_ROLES | {"presales"}),
    ("exchange", _("Import / export"), "web:exchange", "layers", {"admin"}),
)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    path = request.path
    role = "admin" if user.is_superuser else user.role
    items = []
    for key, label, url_name, icon, roles in _ITEMS:
        if roles is not None and role not in roles:
            continue
        url = reverse(url_name)
        active = path == url if url == "/" else path.startswith(url)
        items.append({"key": key, "label": label, "url": url, "icon": icon, "active": active})
    extra = [{"key": "api", "label": _("API"), "url": reverse("api-docs"), "icon": "code"}]
    if user.is_staff:
        extra.insert(
            0,
            {
                "key": "admin",
                "label": _("Administration"),
                "url": reverse("admin:index"),
                "icon": "sliders",
            },
        )
    from kam.core.models import Notification

    unread = Notification.objects.visible_to(user).filter(read_at__isnull=True).count()
    return {"nav_items": items, "nav_extra": extra, "unread_notifications": unread}
