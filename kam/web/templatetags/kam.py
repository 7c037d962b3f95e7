"""Template helpers: amounts in CNY by language, sortable headers, icons, small formatting."""

from __future__ import annotations

import decimal

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()

_TEN_THOUSAND = decimal.Decimal(10000)
_CENT = decimal.Decimal("0.01")


def _decimal(value) -> decimal.Decimal | None:
    if value is None or value == "":
        return None
    try:
        return decimal.Decimal(str(value))
    except decimal.InvalidOperation:
        return None


@register.filter
def money(value) -> str:
    """An amount in CNY: ``123.46 万元`` in Chinese, ``¥1,234,567.00`` in English."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    if (get_language() or "").startswith("zh"):
        wan = (amount / _TEN_THOUSAND).quantize(_CENT, rounding=decimal.ROUND_HALF_UP)
        return f"{wan:,.2f} 万元"
    amount = amount.quantize(_CENT, rounding=decimal.ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


@register.filter
def percent(value, digits: int = 1) -> str:
    """A ratio (0.25) as ``25.0%``."""
    number = _decimal(value)
    if number is None:
        return "—"
    return f"{number * 100:.{int(digits)}f}%"


def gross_margin(amount, cost) -> decimal.Decimal | None:
    amount, cost = _decimal(amount), _decimal(cost)
    if amount is None or cost is None or amount == 0:
        return None
    return (amount - cost) / amount


@register.simple_tag
def margin(amount, cost) -> str:
    """Gross margin ``(amount − cost) / amount`` as a percentage, coloured when thin or negative."""
    ratio = gross_margin(amount, cost)
    if ratio is None:
        return "—"
    css = "bad" if ratio < 0 else "warn" if ratio < decimal.Decimal("0.15") else "good"
    return format_html('<span class="margin {}">{}</span>', css, percent(ratio))


@register.filter
def hours(value) -> str:
    number = _decimal(value)
    if number is None:
        return "—"
    return f"{number.normalize():f} h" if number == number.to_integral() else f"{number:.1f} h"


@register.filter
def yes_no_unknown(value) -> str:
    """A nullable answer: yes / no / not answered."""
    if value is None:
        return _("Not answered")
    return _("Yes") if value else _("No")


@register.filter
def dash(value):
    """The value, or an em dash when empty."""
    return "—" if value is None or value == "" else value


@register.filter
def initials(name) -> str:
    text = str(name or "").strip()
    if not text:
        return "?"
    if text.isascii():
        parts = text.split()
        return "".join(p[0] for p in parts[:2]).upper()
    return text[-2:] if len(text) >= 2 else text


@register.simple_tag(takes_context=True)
def sort_header(context, key: str | None, label: str, css: str = "") -> str:
    """A table header; when ``key`` is set, a link that sorts by it (asc, then desc)."""
    if not key:
        return format_html('<th class="{}">{}</th>', css, label)
    request = context["request"]
    current = request.GET.get("ordering", "")
    params = request.GET.copy()
    params.pop("page", None)
    if current == key:
        params["ordering"], state, aria = f"-{key}", "asc", "ascending"
    elif current == f"-{key}":
        params["ordering"], state, aria = key, "desc", "descending"
    else:
        params["ordering"], state, aria = key, "", "none"
    url = f"{request.path}?{params.urlencode()}"
    return format_html(
        '<th class="sortable {css} {state}" aria-sort="{aria}"><a href="{url}" hx-get="{url}" '
        'hx-target="#results" hx-push-url="true">{label}<span class="sort-mark"></span></a></th>',
        css=css,
        state=state,
        aria=aria,
        url=url,
        label=label,
    )


@register.simple_tag(takes_context=True)
def page_url(context, page: int) -> str:
    request = context["request"]
    params = request.GET.copy()
    params["page"] = page
    return f"{request.path}?{params.urlencode()}"


# Feather icons (MIT licence, feathericons.com), inlined so no icon font or CDN is needed.
_ICONS = {
    "home": '<path d="M3 9l9-7 9 7v11a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z"/>'
    '<polyline points="9 22 9 12 15 12 15 22"/>',
    "building": '<rect x="4" y="2" width="16" height="20" rx="2"/><path d="M9 22v-4h6v4"/>'
    '<path d="M8 6h.01M12 6h.01M16 6h.01M8 10h.01M12 10h.01M16 10h.01M8 14h.01M12 14h.01'
    'M16 14h.01"/>',
    "users": '<path d="M17 21v-2a4 4 0 0 0-4-4H5a4 4 0 0 0-4 4v2"/><circle cx="9" cy="7" r="4"/>'
    '<path d="M23 21v-2a4 4 0 0 0-3-3.87"/><path d="M16 3.13a4 4 0 0 1 0 7.75"/>',
    "user": '<path d="M20 21v-2a4 4 0 0 0-4-4H8a4 4 0 0 0-4 4v2"/><circle cx="12" cy="7" r="4"/>',
    "target": '<circle cx="12" cy="12" r="10"/><circle cx="12" cy="12" r="6"/>'
    '<circle cx="12" cy="12" r="2"/>',
    "trending": '<polyline points="23 6 13.5 15.5 8.5 10.5 1 18"/>'
    '<polyline points="17 6 23 6 23 12"/>',
    "file": '<path d="M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8z"/>'
    '<polyline points="14 2 14 8 20 8"/><line x1="16" y1="13" x2="8" y2="13"/>'
    '<line x1="16" y1="17" x2="8" y2="17"/>',
    "sliders": '<line x1="4" y1="21" x2="4" y2="14"/><line x1="4" y1="10" x2="4" y2="3"/>'
    '<line x1="12" y1="21" x2="12" y2="12"/><line x1="12" y1="8" x2="12" y2="3"/>'
    '<line x1="20" y1="21" x2="20" y2="16"/><line x1="20" y1="12" x2="20" y2="3"/>'
    '<line x1="1" y1="14" x2="7" y2="14"/><line x1="9" y1="8" x2="15" y2="8"/>'
    '<line x1="17" y1="16" x2="23" y2="16"/>',
    "code": '<polyline points="16 18 22 12 16 6"/><polyline points="8 6 2 12 8 18"/>',
    "logout": '<path d="M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4"/>'
    '<polyline points="16 17 21 12 16 7"/><line x1="21" y1="12" x2="9" y2="12"/>',
    "menu": '<line x1="3" y1="12" x2="21" y2="12"/><line x1="3" y1="6" x2="21" y2="6"/>'
    '<line x1="3" y1="18" x2="21" y2="18"/>',
    "search": '<circle cx="11" cy="11" r="8"/><line x1="21" y1="21" x2="16.65" y2="16.65"/>',
    "plus": '<line x1="12" y1="5" x2="12" y2="19"/><line x1="5" y1="12" x2="19" y2="12"/>',
    "edit": '<path d="M11 4H4a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2v-7"/>'
    '<path d="M18.5 2.5a2.121 2.121 0 0 1 3 3L12 15l-4 1 1-4 9.5-9.5z"/>',
    "trash": '<polyline points="3 6 5 6 21 6"/><path d="M19 6v14a2 2 0 0 1-2 2H7a2 2 0 0 1-2-2V6'
    'm3 0V4a2 2 0 0 1 2-2h4a2 2 0 0 1 2 2v2"/>',
    "globe": '<circle cx="12" cy="12" r="10"/><line x1="2" y1="12" x2="22" y2="12"/>'
    '<path d="M12 2a15.3 15.3 0 0 1 4 10 15.3 15.3 0 0 1-4 10 15.3 15.3 0 0 1-4-10 15.3 15.3 0 0 '
    '1 4-10z"/>',
    "check": '<polyline points="9 11 12 14 22 4"/>'
    '<path d="M21 12v7a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h11"/>',
    "activity": '<polyline points="22 12 18 12 15 21 9 3 6 12 2 12"/>',
    "clock": '<circle cx="12" cy="12" r="10"/><polyline points="12 6 12 12 16 14"/>',
    "inbox": '<polyline points="22 12 16 12 14 15 10 15 8 12 2 12"/><path d="M5.45 5.11L2 12v6a2 '
    '2 0 0 0 2 2h16a2 2 0 0 0 2-2v-6l-3.45-6.89A2 2 0 0 0 16.76 4H7.24a2 2 0 0 0-1.79 1.11z"/>',
    "x": '<line x1="18" y1="6" x2="6" y2="18"/><line x1="6" y1="6" x2="18" y2="18"/>',
    "alert": '<path d="M10.29 3.86L1.82 18a2 2 0 0 0 1.71 3h16.94a2 2 0 0 0 1.71-3L13.71 3.86a2 '
    '2 0 0 0-3.42 0z"/><line x1="12" y1="9" x2="12" y2="13"/><line x1="12" y1="17" x2="12.01" '
    'y2="17"/>',
    "arrow-left": '<line x1="19" y1="12" x2="5" y2="12"/><polyline points="12 19 5 12 12 5"/>',
    "chevron-right": '<polyline points="9 18 15 12 9 6"/>',
    "layers": '<polygon points="12 2 2 7 12 12 22 7 12 2"/><polyline points="2 17 12 22 22 17"/>'
    '<polyline points="2 12 12 17 22 12"/>',
    "dollar": '<line x1="12" y1="1" x2="12" y2="23"/><path d="M17 5H9.5a3.5 3.5 0 0 0 0 7h5a3.5 '
    '3.5 0 0 1 0 7H6"/>',
    "bell": '<path d="M18 8A6 6 0 0 0 6 8c0 7-3 9-3 9h18s-3-2-3-9"/>'
    '<path d="M13.73 21a2 2 0 0 1-3.46 0"/>',
    "lock": '<rect x="3" y="11" width="18" height="11" rx="2" ry="2"/><path d="M7 11V7a5 5 0 0 1 '
    '10 0v4"/>',
}


@register.simple_tag
def icon(name: str, size: int = 18, css: str = "") -> str:
    return format_html(
        '<svg class="icon {}" width="{}" height="{}" viewBox="0 0 24 24" fill="none" '
        'stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" '
        'aria-hidden="true" focusable="false">{}</svg>',
        css,
        int(size),
        int(size),
        mark_safe(_ICONS.get(name, "")),  # fixed markup from the table above
    )
