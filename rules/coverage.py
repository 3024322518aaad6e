"""Prepaid protection: which months payments cover, and the status, protection and next due date on a day."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from rules.membership_status import ACTIVE, ARREARS_MONTHS, DECEASED, IN_ARREARS, LAPSED, NOT_ACTIVE
from rules.months import add_months


def month_start(day: date) -> date:
    """The first day of the day's month."""
    return day.replace(day=1)


def month_end(day: date) -> date:
    """The last day of the day's month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def covered_months(payments: Iterable[tuple[date, int]]) -> list[date]:
    """The first days of every month the payments (first month, number of months) cover, sorted, once each."""
    months: set[date] = set()
    for first, count in payments:
        start = month_start(first)
        months.update(add_months(start, n) for n in range(count))
    return sorted(months)


def arrears_end(protected_until: date) -> date:
    """The last day a membership in arrears may still be continued: the end of the third whole unpaid month."""
    return month_end(add_months(month_start(protected_until), ARREARS_MONTHS))


@dataclass(frozen=True)
class Membership:
    """The status word on a day, the last protected day (if any payment), and the next month to pay."""

    status: str
    protected_until: date | None
    next_due: date | None


def _run_end(months: list[date], index: int) -> date:
    """The last day of the unbroken run of covered months that contains months[index]."""
    while index + 1 < len(months) and months[index + 1] == add_months(months[index], 1):
        index += 1
    return month_end(months[index])


def membership_on(day: date, months: list[date], deceased_on: date | None = None) -> Membership:
    """The membership on a day, from the covered months (see covered_months); unpaid months are unprotected."""
    if deceased_on is not None and deceased_on <= day:
        return Membership(DECEASED, None, None)
    if not months:
        return Membership(NOT_ACTIVE, None, None)
    current = month_start(day)
    if current in months:
        until = _run_end(months, months.index(current))
        return Membership(ACTIVE, until, add_months(until.replace(day=1), 1))
    before = [m for m in months if m < current]
    if not before:
        # Paid only for later months (paid in advance of the start): not yet protected.
        return Membership(NOT_ACTIVE, None, months[0])
    last = month_end(before[-1])
    # Protection is paid in whole months, so arrears are whole months too: paid through 28 February, the worker
    # may still pay March to May until 31 May (a day count from 28 February would end it on 28 May).
    status = IN_ARREARS if day <= arrears_end(last) else LAPSED
    return Membership(status, last, add_months(before[-1], 1) if status == IN_ARREARS else None)
