"""Reading a cell into a Python value and writing a database value back into a cell.

One canonical text form per type, so export → import → export is byte-identical: dates ISO,
decimals plain without trailing zeros (``8974492``, ``3.5``), booleans ``true``/``false``, empty
cell for no value, lists ``;``-joined in sorted order.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kam.core.periods import parse_period


class Invalid(Exception):
    """A cell that cannot be read; the message is the reason shown to the user."""


class _Invalid:
    """Marks a cell that failed to read, so later checks skip it instead of piling on."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "INVALID"


INVALID = _Invalid()

_DECIMAL = re.compile(r"-?([0-9]+)(?:\.([0-9]+))?")
_INT = re.compile(r"-?[0-9]+")
_PERIOD = re.compile(r"[0-9]{4}(Q[1-4]|-(0[1-9]|1[0-2]))?")
_DATES: dict[str, dt.date] = {}


class _DateText(dict):
    """date → its ISO text (what SQLite stores), remembered; None → None."""

    def __missing__(self, day):
        text = day.isoformat()
        if len(self) < 200_000:
            self[day] = text
        return text


DATE_TEXT = _DateText({None: None})


def parse_date(raw: str) -> dt.date:
    day = _DATES.get(raw)
    if day is not None:
        return day
    if len(raw) == 10 and raw[4] == "-" and raw[7] == "-":
        digits = raw[:4] + raw[5:7] + raw[8:]
        if digits.isascii() and digits.isdigit():
            try:
                day = dt.date.fromisoformat(raw)
            except ValueError:
                day = None
            if day is not None:
                if len(_DATES) < 200_000:
                    _DATES[raw] = day
                return day
    raise Invalid(_("not a date (YYYY-MM-DD): %(value)r") % {"value": raw})


def _describe_range(col) -> str:
    low, high = col.low, col.high
    if low is not None and high is not None:
        if col.low_exclusive:
            return _("must be above %(low)s and at most %(high)s") % {"low": low, "high": high}
        return _("must be between %(low)s and %(high)s") % {"low": low, "high": high}
    if low is not None:
        if col.low_exclusive:
            return _("must be above %(low)s") % {"low": low}
        if low == 0:
            return _("must not be negative")
        return _("must be at least %(low)s") % {"low": low}
    return _("must be at most %(high)s") % {"high": high}


def _range_checker(col):
    low, high, exclusive = col.low, col.high, col.low_exclusive
    if low is None and high is None:
        return None

    def check(value, raw):
        if (low is not None and (value <= low if exclusive else value < low)) or (
            high is not None and value > high
        ):
            raise Invalid(f"{_describe_range(col)}: {raw}")

    return check


def make_parser(col, field):
    """A function reading one non-empty cell of ``col`` (raises ``Invalid``); None when the
    text is the value."""
    kind = col.kind
    if kind in ("text", "code", "email", "username"):
        max_length = getattr(field, "max_length", None)
        validate = field.run_validators if kind in ("email", "username") else None

        def parse_text(raw: str) -> str:
            if max_length is not None and len(raw) > max_length:
                raise Invalid(
                    _("too long: %(n)s characters, at most %(max)s")
                    % {"n": len(raw), "max": max_length}
                )
            if kind == "code" and (raw != raw.strip() or ";" in raw):
                raise Invalid(_("a code has no surrounding spaces and no ';': %(v)r") % {"v": raw})
            if validate is not None:
                try:
                    validate(raw)
                except ValidationError as exc:
                    raise Invalid(f"{' '.join(exc.messages)} {raw!r}") from None
            return raw

        return parse_text
    if kind == "enum":
        choices = {str(value): str(value) for value, _label in field.flatchoices}
        listed = ", ".join(choices)

        def parse_enum(raw: str) -> str:
            value = choices.get(raw)
            if value is None:
                raise Invalid(
                    _("unknown value %(v)r (one of: %(choices)s)") % {"v": raw, "choices": listed}
                )
            return value

        return parse_enum
    if kind == "date":
        return parse_date
    if kind == "decimal":
        places = field.decimal_places
        whole_digits = field.max_digits - places
        check_range = _range_checker(col)
        match = _DECIMAL.fullmatch

        def parse_decimal(raw: str) -> Decimal:
            found = match(raw)
            if found is None:
                raise Invalid(_("not a plain decimal number: %(v)r") % {"v": raw})
            whole, fraction = found.group(1, 2)
            if fraction and len(fraction) > places and len(fraction.rstrip("0")) > places:
                raise Invalid(_("at most %(n)s decimal places: %(v)r") % {"n": places, "v": raw})
            if len(whole) > whole_digits and len(whole.lstrip("0")) > whole_digits:
                raise Invalid(
                    _("too large: at most %(n)s digits before the decimal point: %(v)r")
                    % {"n": whole_digits, "v": raw}
                )
            value = Decimal(raw)
            if check_range is not None:
                check_range(value, raw)
            return value

        return parse_decimal
    if kind == "int":
        check_range = _range_checker(col)

        def parse_int(raw: str) -> int:
            if not _INT.fullmatch(raw):
                raise Invalid(_("not a whole number: %(v)r") % {"v": raw})
            value = int(raw)
            if check_range:
                check_range(value, raw)
            return value

        return parse_int
    if kind == "bool":

        def parse_bool(raw: str) -> bool:
            lowered = raw.lower()
            if lowered == "true":
                return True
            if lowered == "false":
                return False
            raise Invalid(_("not true or false: %(v)r") % {"v": raw})

        return parse_bool
    if kind == "period":

        def parse_period_cell(raw: str) -> str:
            if not _PERIOD.fullmatch(raw):
                raise Invalid(_("not a period (2025, 2025Q3 or 2025-07): %(v)r") % {"v": raw})
            parse_period(raw)
            return raw

        return parse_period_cell
    if kind in ("ref", "scope_ref"):
        return None  # the cell is the code; whether it exists is checked across files
    if kind == "refs":
        seen: dict[str, tuple[str, ...]] = {}

        def parse_refs(raw: str) -> tuple[str, ...]:
            found = seen.get(raw)
            if found is not None:
                return found
            parts = [part.strip() for part in raw.split(";")]
            codes = [part for part in parts if part]
            if len(set(codes)) != len(codes):
                raise Invalid(_("a code is listed twice: %(v)r") % {"v": raw})
            found = tuple(sorted(codes))
            if len(seen) < 100_000:
                seen[raw] = found
            return found

        return parse_refs
    raise ValueError(f"unknown column kind {kind!r}")


def empty_value(col, field):
    """The value of an empty cell: the model's default, else no value."""
    if col.kind == "refs":
        return ()
    if field is not None and field.has_default() and not callable(field.default):
        default = field.default
        return str(default) if isinstance(default, str) else default
    if col.kind in ("text", "code", "email", "username", "enum", "period"):
        return ""
    return None


# --- writing -------------------------------------------------------------------------------


def format_decimal(value, places: int = 2) -> str:
    """Canonical plain form: no exponent, no trailing zeros (``10``, ``3.5``, ``0``)."""
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # SQLite keeps numeric columns as REAL; the shortest repr is the stored decimal.
        text = repr(value)
        whole, _dot, fraction = text.partition(".")
        if "e" in text or "n" in text or len(fraction) > places:
            value = Decimal(text).quantize(Decimal(1).scaleb(-places))
        else:
            if fraction == "0":
                text = whole
            return "0" if text == "-0" else text
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _format_text(value) -> str:
    return value or ""


def _format_str(value) -> str:
    return "" if value is None else str(value)


def _format_bool(value) -> str:
    if value is None:
        return ""
    return "true" if value else "false"


def _decimal_formatter(places: int):
    quantum = Decimal(1).scaleb(-places)

    def format_cell(value) -> str:
        kind = type(value)
        if kind is float:  # SQLite's REAL: the shortest repr is the stored decimal
            text = repr(value)
            if text.endswith(".0"):
                return "0" if text == "-0.0" else text[:-2]
            dot = text.find(".")
            if "e" not in text and "n" not in text and len(text) - dot - 1 <= places:
                return text
            return format_decimal(Decimal(text).quantize(quantum), places)
        if kind is int:
            return str(value)
        return format_decimal(value, places)

    return format_cell


def make_formatter(col, field=None):
    """A function turning a database value of ``col`` into its cell text."""
    kind = col.kind
    if kind == "decimal":
        return _decimal_formatter(field.decimal_places if field is not None else 2)
    if kind == "bool":
        return _format_bool
    if kind in ("date", "int"):
        return _format_str  # str(date) is ISO; SQLite may already give text
    return _format_text
