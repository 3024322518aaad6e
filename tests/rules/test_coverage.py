"""Prepaid protection from payments: which months are covered, and the status, protection and next due date on
any day, at every boundary (the last paid day, the day after, three months later, three months and a day)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.coverage import Membership, covered_months, membership_on, month_end, month_start
from rules.membership_status import ACTIVE, DECEASED, IN_ARREARS, LAPSED, NOT_ACTIVE

DAY = timedelta(days=1)
YEAR_2026 = covered_months([(date(2026, 1, 1), 12)])


def months(*firsts: tuple[int, int]) -> list[date]:
    return [date(year, month, 1) for year, month in firsts]


# -- covered months -----------------------------------------------------------------------------


def test_a_payment_covers_whole_months_from_its_first_month():
    assert covered_months([(date(2026, 11, 1), 3)]) == months((2026, 11), (2026, 12), (2027, 1))
    # A first month given as any day of the month still starts at the month's first day.
    assert covered_months([(date(2026, 11, 22), 1)]) == months((2026, 11))
    assert covered_months([]) == []


def test_overlapping_payments_count_each_month_once():
    paid = covered_months([(date(2026, 1, 1), 6), (date(2026, 4, 1), 6), (date(2026, 1, 1), 6)])
    assert paid == months(*((2026, m) for m in range(1, 10)))
    assert membership_on(date(2026, 9, 30), paid) == Membership(ACTIVE, date(2026, 9, 30), date(2026, 10, 1))
    assert membership_on(date(2026, 10, 1), paid).status == IN_ARREARS


def test_payments_come_back_sorted_whatever_their_order():
    assert covered_months([(date(2026, 5, 1), 2), (date(2026, 1, 1), 1)]) == months((2026, 1), (2026, 5), (2026, 6))


# -- the boundaries of a year paid in full ---------------------------------------------------------


def test_the_last_paid_day_is_protected_and_the_next_due_date_is_the_first_of_the_next_month():
    assert membership_on(date(2026, 12, 31), YEAR_2026) == Membership(ACTIVE, date(2026, 12, 31), date(2027, 1, 1))


def test_the_first_paid_day_and_any_day_in_between_are_protected_to_the_end_of_the_run():
    for day in (date(2026, 1, 1), date(2026, 6, 15), date(2026, 11, 22)):
        assert membership_on(day, YEAR_2026) == Membership(ACTIVE, date(2026, 12, 31), date(2027, 1, 1))


def test_the_day_after_the_last_paid_day_is_in_arrears_and_the_first_unpaid_month_is_due():
    assert membership_on(date(2027, 1, 1), YEAR_2026) == Membership(IN_ARREARS, date(2026, 12, 31), date(2027, 1, 1))


def test_exactly_three_months_later_is_still_in_arrears():
    assert membership_on(date(2027, 3, 31), YEAR_2026) == Membership(IN_ARREARS, date(2026, 12, 31), date(2027, 1, 1))


def test_three_months_and_a_day_later_the_membership_has_ended():
    assert membership_on(date(2027, 4, 1), YEAR_2026) == Membership(LAPSED, date(2026, 12, 31), None)
    assert membership_on(date(2030, 1, 1), YEAR_2026).status == LAPSED


@pytest.mark.parametrize(
    ("paid", "last_arrears_day"),
    [
        ((2026, 2), date(2026, 5, 31)),  # paid through 28 February: March, April and May may still be paid
        ((2024, 2), date(2024, 5, 31)),  # a leap year: through 29 February
        ((2026, 4), date(2026, 7, 31)),  # through 30 April: July has 31 days
        ((2026, 9), date(2026, 12, 31)),  # through 30 September: to the end of the year
        ((2026, 11), date(2027, 2, 28)),  # through 30 November: February is short
        ((2026, 10), date(2027, 1, 31)),
    ],
)
def test_arrears_last_three_whole_unpaid_months_whatever_the_lengths_of_the_months(paid, last_arrears_day):
    covered = months(paid)
    paid_through = month_end(covered[0])
    assert membership_on(paid_through, covered).status == ACTIVE
    assert membership_on(paid_through + DAY, covered).status == IN_ARREARS
    assert membership_on(last_arrears_day, covered) == Membership(IN_ARREARS, paid_through, paid_through + DAY)
    assert membership_on(last_arrears_day + DAY, covered) == Membership(LAPSED, paid_through, None)


# -- no payment, gaps, payments ahead, death ---------------------------------------------------------


@pytest.mark.parametrize("day", [date(2000, 1, 1), date(2026, 11, 22), date(2099, 12, 31)])
def test_without_any_payment_a_worker_is_not_active_yet(day):
    assert membership_on(day, []) == Membership(NOT_ACTIVE, None, None)


GAPPED = covered_months([(date(2026, 1, 1), 3), (date(2026, 5, 1), 2)])  # January-March and May-June


def test_an_unpaid_month_between_two_payments_is_in_arrears_protected_only_until_the_end_of_march():
    assert membership_on(date(2026, 3, 31), GAPPED) == Membership(ACTIVE, date(2026, 3, 31), date(2026, 4, 1))
    for day in (date(2026, 4, 1), date(2026, 4, 30)):
        assert membership_on(day, GAPPED) == Membership(IN_ARREARS, date(2026, 3, 31), date(2026, 4, 1))


def test_after_the_gap_the_second_payment_protects_until_the_end_of_june():
    for day in (date(2026, 5, 1), date(2026, 6, 30)):
        assert membership_on(day, GAPPED) == Membership(ACTIVE, date(2026, 6, 30), date(2026, 7, 1))
    assert membership_on(date(2026, 7, 1), GAPPED) == Membership(IN_ARREARS, date(2026, 6, 30), date(2026, 7, 1))
    assert membership_on(date(2026, 10, 1), GAPPED).status == LAPSED


def test_a_payment_for_later_months_only_does_not_protect_yet():
    ahead = months((2026, 12))
    assert membership_on(date(2026, 11, 22), ahead).status == NOT_ACTIVE
    assert membership_on(date(2026, 11, 22), ahead).protected_until is None
    assert membership_on(date(2026, 12, 1), ahead) == Membership(ACTIVE, date(2026, 12, 31), date(2027, 1, 1))


def test_a_new_payment_after_the_membership_ended_makes_it_active_again():
    paid = covered_months([(date(2025, 1, 1), 1), (date(2026, 11, 1), 12)])
    assert membership_on(date(2026, 10, 31), paid).status == LAPSED
    assert membership_on(date(2026, 11, 22), paid) == Membership(ACTIVE, date(2027, 10, 31), date(2027, 11, 1))


def test_a_deceased_worker_is_meninggal_from_the_day_of_death_whatever_was_paid():
    died = date(2026, 6, 10)
    assert membership_on(died, YEAR_2026, deceased_on=died) == Membership(DECEASED, None, None)
    assert membership_on(date(2027, 6, 1), YEAR_2026, deceased_on=died).status == DECEASED
    assert membership_on(died, [], deceased_on=died).status == DECEASED
    assert membership_on(died - DAY, YEAR_2026, deceased_on=died).status == ACTIVE


def test_month_start_and_end():
    assert month_start(date(2026, 2, 17)) == date(2026, 2, 1)
    assert month_end(date(2026, 2, 17)) == date(2026, 2, 28)
    assert month_end(date(2024, 2, 1)) == date(2024, 2, 29)


# -- properties ---------------------------------------------------------------------------------

_months = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 1)).map(month_start)
_payments = st.lists(st.tuples(_months, st.integers(min_value=1, max_value=24)), max_size=6)
_days = st.dates(min_value=date(2019, 1, 1), max_value=date(2033, 12, 31))


@given(_payments, _days)
def test_active_exactly_on_the_paid_months_and_never_protected_beyond_what_was_paid(paid, day):
    covered = covered_months(paid)
    membership = membership_on(day, covered)
    assert (membership.status == ACTIVE) == (month_start(day) in covered)
    if membership.status == ACTIVE:
        assert membership.protected_until is not None and membership.protected_until >= day
        assert month_start(membership.protected_until) in covered
        assert membership.next_due == membership.protected_until + DAY
        assert membership.next_due not in covered
    if membership.status in (IN_ARREARS, LAPSED):
        assert membership.protected_until is not None and membership.protected_until < day
        assert month_start(membership.protected_until) in covered
    if membership.status == IN_ARREARS:
        assert membership.next_due == membership.protected_until + DAY
        assert (month_start(day).year - membership.next_due.year) * 12 + day.month - membership.next_due.month < 3


@given(_payments, _days, _days)
def test_without_new_payments_the_status_only_moves_forward_until_the_next_paid_month(paid, first, second):
    covered = covered_months(paid)
    earlier, later = sorted((first, second))
    if any(month_start(earlier) < m <= later for m in covered):
        return  # a paid month in between may make the worker active again
    order = [NOT_ACTIVE, ACTIVE, IN_ARREARS, LAPSED]
    assert order.index(membership_on(earlier, covered).status) <= order.index(membership_on(later, covered).status)
