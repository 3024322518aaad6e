"""Receipt references as typed when a payment is recorded: "BR-2026/001", "KWT.0042", "TRX_88"."""

from __future__ import annotations

import re

from rules.refusals import RefusedInputError

MIN_LENGTH, MAX_LENGTH = 2, 60
_ALLOWED = re.compile(r"[A-Za-z0-9\-/._]+")
_LETTER_OR_DIGIT = re.compile(r"[A-Za-z0-9]")


class InvalidReferenceError(RefusedInputError):
    """A typed receipt reference refused, with the reason: "length" or "characters"."""

    what = "a receipt reference"


def read_reference(text: str) -> str:
    """The reference with its ends trimmed: 2–60 ASCII letters, digits and - / . _, at least one letter or digit."""
    reference = text.strip()
    if not MIN_LENGTH <= len(reference) <= MAX_LENGTH:
        raise InvalidReferenceError(text, "length")
    if not _ALLOWED.fullmatch(reference) or not _LETTER_OR_DIGIT.search(reference):
        raise InvalidReferenceError(text, "characters")
    return reference
