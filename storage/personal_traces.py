"""Finding one worker's personal values (NIK, name, phone, birth date, KPJ card number) in free text and JSON, and
scrubbing them.

Stored text holds these values as people typed them, so the match is lenient where it is safe: digits are compared
with their separators removed (`0813-5000-1234`, `6310 0545 0880 0001`, `05-08-1980`), a phone in any of its forms
(`+6281350001234`, `6281350001234`, `081350001234`) through its national number, a NIK also masked
(`631005******0001`), a birth date as ISO, as day-month-
year digits or in words in Indonesian or English (`5 Agustus 1980`, `05 agt 1980`), the name as whole words in
any case and spacing (so "Wati" is not found inside "Watini"), and a KPJ by its 11 digits (`170 1234 5678`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rules.dates import month_words

NIK = "nik"
NAME = "name"
PHONE = "phone"
BIRTH_DATE = "birth_date"
KPJ = "kpj"
KINDS = (NIK, NAME, PHONE, BIRTH_DATE, KPJ)

SCRUBBED = "[forgotten]"

_BETWEEN_DIGITS = re.compile(r"(?<=\d)[\s.\-/()]+(?=\d)")


def _digits_joined(text: str) -> str:
    """The text with the separators people put between digits removed: "0813-5000 1234" → "081350001234"."""
    return _BETWEEN_DIGITS.sub("", text)


def as_text(value: Any) -> str:
    """A column value as the text to search: strings as they are, JSON documents as JSON (non-ASCII kept)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _national_number(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return digits[2:] if digits.startswith("62") else digits.lstrip("0")


def _name_pattern(name: str) -> re.Pattern[str] | None:
    words = name.casefold().split()
    if not words:
        return None
    return re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)")


def _date_in_words(day: date) -> re.Pattern[str]:
    words = sorted((w for w, month in month_words().items() if month == day.month), key=len, reverse=True)
    months = "|".join(map(re.escape, words))
    return re.compile(rf"(?<!\d)0?{day.day}\s*[-/]?\s*(?:{months})\.?\s*[-/,]?\s*{day.year}(?!\d)")


@dataclass(frozen=True)
class PersonalValues:
    """The values that identify one worker, and where they occur."""

    nik: str
    name: str
    phone: str | None
    birth_date: date
    kpj: str | None = None
    _name: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    _date_words: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Compiles the name and the birth date in words once."""
        object.__setattr__(self, "_name", _name_pattern(self.name))
        object.__setattr__(self, "_date_words", _date_in_words(self.birth_date))

    def found_in(self, value: Any) -> tuple[str, ...]:
        """Which of the values (nik, name, phone, birth_date, kpj) a text or JSON document holds, in that order."""
        if value is None:
            return ()
        text = as_text(value)
        digits = _digits_joined(text)
        folded = text.casefold()
        found = []
        if self.nik.isdigit() and (self.nik in digits or self.nik[:6] + "******" + self.nik[12:] in text):
            found.append(NIK)
        if self._name is not None and self._name.search(folded):
            found.append(NAME)
        if self.phone and _national_number(self.phone) in digits:
            found.append(PHONE)
        born = self.birth_date
        if born.strftime("%Y%m%d") in digits or born.strftime("%d%m%Y") in digits or self._date_words.search(folded):
            found.append(BIRTH_DATE)
        if self.kpj and self.kpj.isdigit() and re.search(rf"(?<!\d){self.kpj}(?!\d)", digits):
            found.append(KPJ)
        return tuple(found)

    def scrub(self, value: Any) -> Any:
        """A copy of a JSON document whose strings (and keys, and numbers) holding a value are replaced whole."""
        if isinstance(value, dict):
            return {self.scrub(key): self.scrub(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.scrub(item) for item in value]
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return SCRUBBED if self.found_in(str(value)) else value
        return value
