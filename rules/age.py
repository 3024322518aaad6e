"""Age in completed years."""

from __future__ import annotations

from datetime import date


def age_on(birth: date, day: date) -> int:
    """Completed years on ``day``; a 29 February birthday falls on 1 March in other years."""
    if day < birth:
        raise ValueError("day is before the birth date")
    before_birthday = (day.month, day.day) < (birth.month, birth.day)
    return day.year - birth.year - int(before_birthday)
