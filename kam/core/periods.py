"""Periods: half-open date ranges named `2025`, `2025Q3`, `2025-07`, or custom (METRICS.md §1)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # exclusive
    kind: str  # year | quarter | month | custom
    label: str

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day < self.end


def _shift_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _month_start(year: int, month: int) -> dt.date:
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    return dt.date(year, month, 1)


def parse_period(text: str) -> Period:
    """Parse `2025`, `2025Q3`, `2025-07` or `2025-01-01..2025-03-01` (end exclusive)."""
    text = (text or "").strip()
    if m := _YEAR.match(text):
        y = int(m[1])
        return Period(dt.date(y, 1, 1), dt.date(y + 1, 1, 1), "year", text)
    if m := _QUARTER.match(text):
        y, q = int(m[1]), int(m[2])
        return Period(_month_start(y, 3 * q - 2), _month_start(y, 3 * q + 1), "quarter", text)
    if m := _MONTH.match(text):
        y, mo = int(m[1]), int(m[2])
        return Period(_month_start(y, mo), _month_start(y, mo + 1), "month", text)
    if m := _RANGE.match(text):
        start, end = dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2])
        if end <= start:
            raise ValueError(f"period {text!r}: the end must come after the start")
        return Period(start, end, "custom", text)
    raise ValueError(
        f"period {text!r} is not a year (2025), quarter (2025Q3), month (2025-07) "
        "or range (2025-01-01..2025-04-01)"
    )


def comparison(period: Period, mode: str = "yoy") -> Period:
    """The comparison period P': `yoy` (one year earlier) or `prev` (the period before)."""
    if mode == "yoy":
        start, end = _shift_years(period.start, -1), _shift_years(period.end, -1)
        label = _label(period.kind, start) or f"{start}..{end}"
        return Period(start, end, period.kind, label)
    if mode != "prev":
        raise ValueError(f"comparison {mode!r} must be 'yoy' or 'prev'")
    if period.kind == "year":
        start = dt.date(period.start.year - 1, 1, 1)
        return Period(start, period.start, "year", _label("year", start))
    if period.kind == "quarter":
        start = _month_start(period.start.year, period.start.month - 3)
        return Period(start, period.start, "quarter", _label("quarter", start))
    if period.kind == "month":
        start = _month_start(period.start.year, period.start.month - 1)
        return Period(start, period.start, "month", _label("month", start))
    length = period.end - period.start
    start = period.start - length
    return Period(start, period.start, "custom", f"{start}..{period.start}")


def _label(kind: str, start: dt.date) -> str | None:
    if kind == "year":
        return f"{start.year}"
    if kind == "quarter":
        return f"{start.year}Q{(start.month - 1) // 3 + 1}"
    if kind == "month":
        return f"{start.year}-{start.month:02d}"
    return None
