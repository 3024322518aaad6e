"""Reading dates as people type them: 05-08-1980, 5/8/1980, 5 Agustus 1980, 5 Agt 1980, 1980-08-05."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import cache

from babel.dates import get_month_names

_EXTRA_MONTH_WORDS = {
    "agt": 8,
    "agus": 8,
    "ags": 8,
    "peb": 2,
    "pebruari": 2,
    "nop": 11,
    "nopember": 11,
    "sept": 9,
    "mrt": 3,
    "jul": 7,
    "juni": 6,
    "juli": 7,
}
_NUMERIC = re.compile(r"^(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_WORDS = re.compile(r"^(\d{1,2})\s*([a-z]+)\.?\s*(\d{2}|\d{4})$")
_MAX_INPUT = 40


class InvalidDateError(ValueError):
    """Text that is not a date we can read, or names a day that does not exist."""


@cache
def month_words() -> dict[str, int]:
    """Month names and abbreviations in Indonesian and English, lower case, to month numbers."""
    words: dict[str, int] = dict(_EXTRA_MONTH_WORDS)
    for locale in ("id", "en"):
        for width in ("wide", "abbreviated"):
            for number, name in get_month_names(width, locale=locale).items():
                words[name.lower().rstrip(".")] = number
    return words


def _year(text: str, today: date) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if 2000 + year <= today.year else 1900
    return year


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text[:_MAX_INPUT])
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())


def parse_date(text: str, today: date) -> date:
    """The date in the text, day first; a two-digit year is the latest year not after this one (in 2026, 26 is 2026
    even for a day later this year, and 27 is 1927), so a paid-through date later this year reads right."""
    plain = _plain(text)
    try:
        if match := _ISO.match(plain):
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if match := _NUMERIC.match(plain):
            return date(_year(match.group(3), today), int(match.group(2)), int(match.group(1)))
        if match := _WORDS.match(plain):
            month = month_words().get(match.group(2))
            if month is None:
                raise InvalidDateError(text)
            return date(_year(match.group(3), today), month, int(match.group(1)))
    except ValueError as error:
        raise InvalidDateError(text) from error
    raise InvalidDateError(text)
