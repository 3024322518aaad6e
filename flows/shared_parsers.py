"""Refusals and parsers that more than one flow uses, so that no flow imports another."""

from __future__ import annotations

from flows.model import Invalid, Parsed, Valid
from flows.text import filler_refusal, free_text
from rules.names import InvalidNameError, is_invisible, read_person_name
from rules.nik import InvalidNikError
from rules.references import InvalidReferenceError, read_reference

# One or two digits where a NIK is asked are most likely a menu choice typed at the wrong moment.
_MENU_NUMBER_DIGITS = 2


def nik_refusal(error: InvalidNikError, text: str) -> Invalid:
    """Why a typed NIK was refused, with how many digits were typed; a menu number says how to reach the menu."""
    digits = "".join(c for c in text if c.isdigit())
    if text.strip() == digits and 0 < len(digits) <= _MENU_NUMBER_DIGITS:
        return Invalid("nik.invalid.menu_number", {"number": digits})
    return Invalid(f"nik.invalid.{error.reason}", {"digits": len(digits)})


def read_name(text: str) -> Parsed:
    """A person's name, tidied, titles and degrees kept; a filler word, digits or a single letter is refused."""
    if any(is_invisible(char) for char in text.strip()):  # a Hangul filler alone looks like one letter
        return Invalid("name.invalid.invisible")
    filler = filler_refusal(text)
    if filler is not None:
        return Invalid(filler)
    try:
        return Valid(read_person_name(text))
    except InvalidNameError as error:
        return Invalid(f"name.invalid.{error.reason}")


def read_free_text(text: str, invalid: str, max_length: int = 100) -> Parsed:
    """Words in the person's own terms (an occupation, a sponsor); filler words, digits alone and a single letter
    are refused with their own reason, anything else unreadable with `invalid`."""
    filler = filler_refusal(text)
    if filler is not None:
        return Invalid(filler)
    value = free_text(text, max_length)
    return Invalid(invalid) if value is None else Valid(value)


def read_receipt_reference(text: str) -> Parsed:
    """A receipt reference (letters, digits and - / . _), or the reason it is refused."""
    try:
        return Valid(read_reference(text))
    except InvalidReferenceError as error:
        return Invalid("payment.reference.characters" if error.reason == "characters" else "payment.reference.invalid")
