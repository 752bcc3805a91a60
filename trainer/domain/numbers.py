"""Numbers and days as people type them in URLs: only what a database column can hold is used,
so a wild value gets a clear error instead of failing deep in the database."""
from __future__ import annotations

from datetime import date

MAX_INTEGER = 2**31 - 1  # ids are 32-bit integers on PostgreSQL: a larger number names no row
FIRST_YEAR, LAST_YEAR = 1900, 2999  # a day outside them is a typing slip, and would overflow a time zone


def whole_number(text: str) -> int | None:
    """The number written in ASCII digits (no sign), when a database integer holds it; else None."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_INTEGER:
        return None
    return int(text)


def usable_day(day: date) -> bool:
    """True for a day in the years the platform can record and count."""
    return FIRST_YEAR <= day.year <= LAST_YEAR
