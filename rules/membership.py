"""A worker's membership status on any date, from the end of their paid protection."""

from __future__ import annotations

from datetime import date

from rules.months import add_months

NOT_ACTIVE = "belum_aktif"
ACTIVE = "aktif"
IN_ARREARS = "menunggak"
LAPSED = "berakhir"
DECEASED = "meninggal"

STATUSES = (NOT_ACTIVE, ACTIVE, IN_ARREARS, LAPSED, DECEASED)
ARREARS_MONTHS = 3


def status_on(day: date, paid_through: date | None, deceased_on: date | None = None) -> str:
    """The status word on a day: belum aktif, aktif, menunggak (up to 3 months unpaid), berakhir, meninggal."""
    if deceased_on is not None and deceased_on <= day:
        return DECEASED
    if paid_through is None:
        return NOT_ACTIVE
    if day <= paid_through:
        return ACTIVE
    if day <= add_months(paid_through, ARREARS_MONTHS):
        return IN_ARREARS
    return LAPSED
