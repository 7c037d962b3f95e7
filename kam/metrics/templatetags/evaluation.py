"""Formatting of metric values and statuses on the evaluation pages."""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

STATUS_LABELS = {
    "improved": _("improved"),
    "declined": _("declined"),
    "flat": _("flat"),
    "on_target": _("on target"),
    "off_target": _("off target"),
    "n/a": _("n/a"),
}


@register.filter
def metric_value(value, key: str) -> str:
    """ROI as a multiple (12.34×), shares and rates as percentages, other numbers to 0.1."""
    if value is None or value == "":
        return "—"
    if any(word in key for word in ("share", "rate", "_ut")):
        return f"{value * 100:.1f}%"
    if "roi" in key:
        return f"{value:,.2f}×"
    return f"{value:,.1f}"


@register.filter
def metric_status(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))
