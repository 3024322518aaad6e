"""Message catalogues by language, and money and dates formatted for the user's language with Babel."""

from __future__ import annotations

import string
import tomllib
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"


class MissingMessageError(KeyError):
    """A message key that the catalogue does not have."""


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{full}."))
        else:
            flat[full] = str(value)
    return flat


@cache
def catalogue(language: str) -> dict[str, str]:
    """Every message of a language, keyed by its stable dotted id."""
    raw = resources.files("locales").joinpath(f"{language}.toml").read_text(encoding="utf-8")
    return _flatten(tomllib.loads(raw))


def babel_locale(language: str | None) -> Locale:
    """Babel's Locale of the language (the default if we do not speak it), parsed once per language: Babel would
    parse a locale name again on every call."""
    return _parsed_locale(supported(language))


@cache
def _parsed_locale(language: str) -> Locale:
    return Locale.parse(language)


def placeholders(template: str) -> set[str]:
    """The named placeholders of a message template."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def supported(language: str | None) -> str:
    """The language if it is one we speak, else the default (Bahasa Indonesia)."""
    if language:
        short = language.lower().split("-")[0].split("_")[0]
        if short in LANGUAGES:
            return short
    return DEFAULT_LANGUAGE


class Translator:
    """Renders message keys in one language."""

    def __init__(self, language: str) -> None:
        self.language = supported(language)
        self._messages = catalogue(self.language)

    def __call__(self, key: str, **params: Any) -> str:
        """The message for a key with its placeholders filled."""
        try:
            template = self._messages[key]
        except KeyError as error:
            raise MissingMessageError(key) from error
        return template.format_map(params) if params else template

    def has(self, key: str) -> bool:
        """Whether the catalogue has this key."""
        return key in self._messages

    def money(self, amount: int) -> str:
        """Whole Rupiah as users write them: Rp16.800 (id) or Rp16,800 (en)."""
        return money(amount, self.language)

    def number(self, value: int) -> str:
        """A whole number with the language's digit grouping: 1.000 (id) or 1,000 (en)."""
        return format_decimal(value, format="#,##0", locale=babel_locale(self.language))

    def decimal(self, value: Any) -> str:
        """A number with up to two decimals in the language's way: 1,5 (id) or 1.5 (en)."""
        return format_decimal(value, format="#,##0.##", locale=babel_locale(self.language))

    def date(self, day: date) -> str:
        """A date in words: 5 Agustus 2026 (id) or 5 August 2026 (en)."""
        return long_date(day, self.language)

    def month(self, day: date) -> str:
        """The month of a date with its year: Maret 2027 (id) or March 2027 (en)."""
        return month_year(day, self.language)


def money(amount: int, language: str) -> str:
    """Whole Rupiah with the language's digit grouping, prefixed Rp."""
    return "Rp" + format_decimal(amount, format="#,##0", locale=babel_locale(language))


def long_date(day: date, language: str) -> str:
    """A date with the month in words in the language."""
    return format_date(day, format="d MMMM y", locale=babel_locale(language))


def month_year(day: date, language: str) -> str:
    """A month with its year in words: Maret 2027 (id) or March 2027 (en)."""
    return format_date(day, format="LLLL y", locale=babel_locale(language))


def percent(rate: Any, language: str) -> str:
    """A rate as a percentage in the language: 0.01 → 1%, 0.0054 → 0,54% (id)."""
    return format_percent(rate, format="#,##0.##%", locale=babel_locale(language))
