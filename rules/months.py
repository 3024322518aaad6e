"""Calendar months: adding whole months to a date (the day clamped to the month's end), and reading a typed number
of months ("3 bulan", "setahun")."""

from __future__ import annotations

import calendar
import re
from datetime import date

from rules.number_words import read_english_number_words, read_number_words

MAX_MONTH_COUNT = 12
_MAX_INPUT = 40
_UNITS = {
    "bulan": 1,
    "bln": 1,
    "bl": 1,
    "month": 1,
    "months": 1,
    "tahun": 12,
    "thn": 12,
    "th": 12,
    "year": 12,
    "years": 12,
    "yr": 12,
}
_WHOLE_WORDS = {"sebulan": 1, "setahun": 12}
_ONE_WORDS = frozenset({"a", "an", "one", "se"})
_HALF_WORDS = frozenset({"setengah", "half a", "half"})
_SE_DASH = re.compile(r"\bse[- ](?=bulan\b|tahun\b)")
_UNIT_WORDS = "|".join(sorted(_UNITS, key=len, reverse=True))
_COUNT = re.compile(r"(?P<count>[0-9]{1,2}|[a-z]+(?:[ -][a-z]+)*?)\s*(?:(?P<unit>" + _UNIT_WORDS + r")\.?)?")


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier); 31 January + 1 month is 28 or 29 February."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def read_month_count(text: str) -> int | None:
    """Months from 1 to 12 as typed ("3", "3 bln", "tiga bulan", "setahun", "6 months", "a year"), else None."""
    plain = " ".join(text.strip().lower().split())
    if not plain or len(plain) > _MAX_INPUT:
        return None
    plain = _SE_DASH.sub("se", plain)
    if plain in _WHOLE_WORDS:
        return _WHOLE_WORDS[plain]
    match = _COUNT.fullmatch(plain)
    if match is None:
        return None
    count_text, unit = match.group("count"), _UNITS[match.group("unit")] if match.group("unit") else 1
    if count_text.isascii() and count_text.isdigit():
        count: int | None = int(count_text)
    elif unit > 1 and count_text in _HALF_WORDS:
        return unit // 2
    elif match.group("unit") and count_text in _ONE_WORDS:
        count = 1
    else:
        count = read_number_words(count_text)
        if count is None:
            count = read_english_number_words(count_text)
    if count is None or not 1 <= count * unit <= MAX_MONTH_COUNT:
        return None
    return count * unit
