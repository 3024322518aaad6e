"""KPJ (Kartu Peserta Jamsostek) card numbers: the 11 digits BPJS Ketenagakerjaan gives a registered worker."""

from __future__ import annotations

import re
import unicodedata

from rules.refusals import RefusedInputError

LENGTH = 11
# Marks a KPJ where a NIK could stand too (the status check's first answer, and the keyed hash its limits count by).
TAGGED = "kpj:"
_MAX_INPUT = 64
_SEPARATORS = re.compile(r"[\s.\-]+")
_LABEL = re.compile(r"^\s*(?:no(?:mor)?\.?\s*)?kpj\s*[:.]?\s*", re.IGNORECASE)


class InvalidKpjError(RefusedInputError):
    """A typed KPJ number refused, with the reason: "digits" (something other than digits) or "length" (not 11)."""

    what = "a KPJ number"


def compact_kpj(text: str) -> str:
    """The typed text without a leading "KPJ" label, spaces, dots and dashes (full-width digits read as digits)."""
    plain = unicodedata.normalize("NFKC", text[:_MAX_INPUT])
    return _SEPARATORS.sub("", _LABEL.sub("", plain))


def read_kpj(text: str) -> str:
    """The 11 digits of a typed KPJ number ("170 1234 5678", "17.012.345.678", "KPJ: 17012345678")."""
    number = compact_kpj(text)
    if not (number.isascii() and number.isdigit()):
        digits = sum("0" <= char <= "9" for char in number)
        # Letters among 11 characters (O for 0) are the problem, not the length; a word or a sentence is neither.
        raise InvalidKpjError(text, "digits" if LENGTH in (len(number), digits) or digits == 0 else "length")
    if len(number) != LENGTH:
        raise InvalidKpjError(text, "length")
    return number


def is_kpj(text: str) -> bool:
    """Whether the text reads as a KPJ number."""
    try:
        read_kpj(text)
    except InvalidKpjError:
        return False
    return True


def mask_kpj(number: str) -> str:
    """The KPJ with its middle hidden, as for a NIK: 17012345678 → 170*****678."""
    return number[:3] + "*" * 5 + number[8:] if len(number) == LENGTH else "*" * len(number)
