"""Reading Rupiah amounts as people type them: "1jt", "1,5 juta", "1.500.000", "1 500 000", "1.5 million"."""

from __future__ import annotations

import re

from lokal.rupiah import parse_rupiah

_MAX_INPUT = 60
_ENGLISH_SCALES = {"million": "juta", "thousand": "ribu"}
_SPACED_THOUSANDS = re.compile(r"(?<=\d) (?=\d{3}(?!\d))", re.ASCII)
_ENGLISH_SCALE = re.compile(r"(?<![^\W\d_])(million|thousand)(?![^\W\d_])", re.IGNORECASE)


def read_rupiah(text: str) -> int | None:
    """The whole-Rupiah amount in the text, or None when there is none (or it is not positive)."""
    # lokal's parser reads Indonesian ("1,5 juta"); English scale words are translated first. It would also add up
    # space-separated thousands ("1 500 000" → 501), so those groups are joined first.
    indonesian = _ENGLISH_SCALE.sub(lambda m: _ENGLISH_SCALES[m.group(1).lower()], text[:_MAX_INPUT])
    indonesian = _SPACED_THOUSANDS.sub("", indonesian)
    try:
        parsed = parse_rupiah(indonesian)
    except ArithmeticError:  # lokal's Decimal rounding fails on numbers of 27 digits and more
        return None
    if parsed is None or parsed.amount <= 0:
        return None
    return int(parsed.amount)
