"""Reading dates as people type them: 05-08-1980, 5/8/1980, 05081980, 5 Agustus 1980, 5 Agst 1980, lima agustus 1980,
1980-08-05."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import cache

from babel.dates import get_month_names

from rules.number_words import read_english_number_words, read_number_words

# Old spellings and abbreviations Babel does not give; besides these, the first three or more letters of any month's
# full name are read ("agust", "septem", "nopem").
_EXTRA_MONTH_WORDS = {
    "agt": 8,
    "ags": 8,
    "agst": 8,
    "pebruari": 2,
    "nopember": 11,
    "mrt": 3,
    "spt": 9,
}
_SHORTEST_PREFIX = 3
_NUMERIC = re.compile(r"^(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_EIGHT_DIGITS = re.compile(r"^(\d{2})(\d{2})(\d{4})$")
# The day in digits or in words, the month's name, the year: "5 Agustus 1980", "5-Agustus-1980", "5 Agustus, 1980",
# "dua puluh satu agt 80", "twenty-one august 1980".
_WORDS = re.compile(r"^(\d{1,2}|[a-z]+(?:[ -][a-z]+){0,3}?)\s*[-/]?\s*([a-z]+)\.?\s*[-/,]?\s*(\d{4}|\d{2})$")
_MAX_INPUT = 60


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
    full_names = [(name, number) for name, number in words.items() if len(name) > _SHORTEST_PREFIX]
    for name, number in full_names:
        for end in range(_SHORTEST_PREFIX, len(name)):
            prefix = name[:end]
            if all(other == number for known, other in full_names if known.startswith(prefix)):
                words.setdefault(prefix, number)
    return words


def _year(text: str, today: date) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if 2000 + year <= today.year else 1900
    return year


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())


def _day(text: str) -> int:
    """The day of the month in digits or in words (Indonesian "dua puluh satu", English "twenty-one")."""
    if text.isdigit():
        return int(text)
    day = read_number_words(text)
    if day is None:
        day = read_english_number_words(text)
    if day is None:
        raise InvalidDateError(text)
    return day


def parse_date(text: str, today: date) -> date:
    """The date in the text, day first; a two-digit year is the latest year not after this one (in 2026, 26 is 2026
    even for a day later this year, and 27 is 1927), so a paid-through date later this year reads right."""
    if len(text.strip()) > _MAX_INPUT:
        raise InvalidDateError(text[:_MAX_INPUT])
    plain = _plain(text)
    try:
        if match := _ISO.match(plain):
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if match := _NUMERIC.match(plain):
            return date(_year(match.group(3), today), int(match.group(2)), int(match.group(1)))
        if match := _EIGHT_DIGITS.match(plain):
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        if match := _WORDS.match(plain):
            month = month_words().get(match.group(2))
            if month is None:
                raise InvalidDateError(text)
            return date(_year(match.group(3), today), month, _day(match.group(1)))
    except ValueError as error:
        raise InvalidDateError(text) from error
    raise InvalidDateError(text)
