"""Receipt references as typed when a payment is recorded: "BR-2026/001", "KWT.0042", "TRX_88"."""

from __future__ import annotations

import re

MIN_LENGTH, MAX_LENGTH = 2, 60
_ALLOWED = re.compile(r"[A-Za-z0-9\-/._]+")
_LETTER_OR_DIGIT = re.compile(r"[A-Za-z0-9]")


class InvalidReferenceError(ValueError):
    """A typed receipt reference refused, with the reason."""

    def __init__(self, text: str, reason: str) -> None:
        """Keep the reason: "length" or "characters"."""
        super().__init__(f"not a receipt reference ({reason}): {text[:MAX_LENGTH]!r}")
        self.text = text[:MAX_LENGTH]
        self.reason = reason


def read_reference(text: str) -> str:
    """The reference with its ends trimmed: 2–60 ASCII letters, digits and - / . _, at least one letter or digit."""
    reference = text.strip()
    if not MIN_LENGTH <= len(reference) <= MAX_LENGTH:
        raise InvalidReferenceError(text, "length")
    if not _ALLOWED.fullmatch(reference) or not _LETTER_OR_DIGIT.search(reference):
        raise InvalidReferenceError(text, "characters")
    return reference
