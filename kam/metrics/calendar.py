"""Working days (METRICS.md §2): Monday–Friday, minus holidays, plus make-up workdays (调休)."""

from __future__ import annotations

import bisect
import datetime as dt

from kam.org.models import WorkingCalendarDay


class WorkingCalendar:
    def __init__(self, start: dt.date, end: dt.date):
        """Working days in ``[start, end)``, loaded once."""
        special = dict(
            WorkingCalendarDay.objects.filter(date__gte=start, date__lt=end).values_list(
                "date", "kind"
            )
        )
        days, day = [], start
        while day < end:
            kind = special.get(day)
            if kind == "workday" or (kind != "holiday" and day.weekday() < 5):
                days.append(day.toordinal())
            day += dt.timedelta(days=1)
        self._days = days

    def count(self, first: dt.date, last: dt.date) -> int:
        """Working days from ``first`` to ``last``, both included."""
        if last < first:
            return 0
        lo = bisect.bisect_left(self._days, first.toordinal())
        hi = bisect.bisect_right(self._days, last.toordinal())
        return hi - lo
