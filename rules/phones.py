"""Indonesian mobile numbers: normalising typed input to E.164 and masking for display."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from rules.refusals import RefusedInputError

INDONESIA = 62
_MAX_INPUT = 64
# The usual ways to write a number: digit groups apart by spaces, or by one dot or one dash each; one leading "+";
# brackets around the area code, after the country code if one is given: "+62 (812) 3456-7890", "(0812) 3456 7890".
_SEPARATOR = r"(?:\s+|[.\-])"
_GROUPS = rf"[0-9]+(?:{_SEPARATOR}[0-9]+)*"
_COUNTRY = r"(?:\+[0-9]{1,3}|62|0062)"
_USUAL_FORM = re.compile(rf"\+?{_GROUPS}|(?:{_COUNTRY}{_SEPARATOR}?|\+)?\([0-9]+\)(?:{_SEPARATOR}?{_GROUPS})?")
_SEPARATORS = re.compile(r"[\s.\-()]+")
_E164 = re.compile(r"\+[0-9]{10,15}", re.ASCII)
_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


class InvalidPhoneError(RefusedInputError):
    """A typed phone number that is not an Indonesian mobile number: "format", "not_indonesian" or "not_mobile"."""

    what = "an Indonesian mobile number"


def _compact(text: str) -> str | None:
    """The digits (and a leading "+") of a number written in a usual form, or None when it is not."""
    value = text.strip()
    if value.lower().startswith("whatsapp:"):
        value = value[len("whatsapp:") :]
    if not _USUAL_FORM.fullmatch(value):
        return None
    value = _SEPARATORS.sub("", value)
    if value.startswith("0062"):
        return "+" + value[2:]
    if value.startswith("62"):
        return "+" + value
    return value


def normalise_mobile(text: str) -> str:
    """E.164 form ("+6281234567890") of an Indonesian mobile number typed in any usual way."""
    if len(text) > _MAX_INPUT:
        raise InvalidPhoneError(text[:_MAX_INPUT], "format")
    compact = _compact(text)
    if compact is None:
        raise InvalidPhoneError(text, "format")
    try:
        number = phonenumbers.parse(compact, "ID")
    except NumberParseException:
        raise InvalidPhoneError(text, "format") from None
    if number.country_code != INDONESIA:
        raise InvalidPhoneError(text, "not_indonesian")
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneError(text, "format")
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise InvalidPhoneError(text, "not_mobile")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    """Hide the middle digits of an E.164 number: "+6281234567890" → "+62812****7890"."""
    if not _E164.fullmatch(e164):
        raise ValueError(f"not an E.164 number: {e164!r}")
    head, tail = e164[:6], e164[-4:]
    return head + "*" * (len(e164) - 10) + tail


def readable_phone(e164: str) -> str:
    """A phone as people read and dial it at home: "+6281234567890" → "0812-3456-7890"."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
