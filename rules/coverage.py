"""Prepaid protection: which months payments cover, and the status, protection and next due date on a day."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
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


# -- paying whole months, late in the month, arrears owed and re-activation ------------------------------------------

LATE_IN_MONTH_DAYS = 5  # this many days left in a month (today included) or fewer: a new start may wait a month


def whole_months(amounts: Sequence[int], paid: int) -> int:
    """How many months, from the first, an amount pays in full, each month at its own amount."""
    count, total = 0, 0
    for amount in amounts:
        if total + amount > paid:
            break
        total += amount
        count += 1
    return count


def days_left_in_month(day: date) -> int:
    """The days left in the day's month, the day itself included (30 November: 1)."""
    return (month_end(day) - day).days + 1


def is_late_in_month(day: date) -> bool:
    """Whether so few days of the month are left that protection could start next month instead."""
    return days_left_in_month(day) <= LATE_IN_MONTH_DAYS


def first_unpaid_from(months: Sequence[date], start: date) -> date:
    """The first month from `start` on that the covered months do not include."""
    paid = set(months)
    month = month_start(start)
    while month in paid:
        month = add_months(month, 1)
    return month


def months_owed(membership: Membership, day: date) -> list[date]:
    """In arrears, the unpaid months from the first unpaid one up to the day's month; otherwise none."""
    if membership.status != IN_ARREARS or membership.next_due is None:
        return []
    owed, month = [], month_start(membership.next_due)
    while month <= month_start(day):
        owed.append(month)
        month = add_months(month, 1)
    return owed


def reactivated_from(day: date, months: Sequence[date]) -> date | None:
    """The first month of the paid run holding (or after) the day's month if it began after a lapse, else None."""
    ordered = sorted(set(months))
    later = [index for index, month in enumerate(ordered) if month >= month_start(day)]
    if not later:
        return None
    start = later[0]
    while start > 0 and ordered[start - 1] == add_months(ordered[start], -1):
        start -= 1
    if start == 0:
        return None
    return ordered[start] if ordered[start] > arrears_end(month_end(ordered[start - 1])) else None
