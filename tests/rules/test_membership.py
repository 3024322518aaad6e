"""A worker's status on a day: belum aktif before the first payment, aktif through the paid day, menunggak for
three months after it, then berakhir; meninggal from the day of death."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.membership import (
    ACTIVE,
    ARREARS_MONTHS,
    DECEASED,
    IN_ARREARS,
    LAPSED,
    NOT_ACTIVE,
    STATUSES,
    status_on,
)

PAID = date(2026, 3, 31)
DAY = timedelta(days=1)


def test_the_status_words_the_users_expect():
    assert STATUSES == ("belum_aktif", "aktif", "menunggak", "berakhir", "meninggal")
    assert ARREARS_MONTHS == 3


@pytest.mark.parametrize("day", [date(2000, 1, 1), date(2026, 11, 22), date(2099, 12, 31)])
def test_without_a_payment_a_worker_is_not_active_yet(day):
    assert status_on(day, None) == NOT_ACTIVE


@pytest.mark.parametrize(
    ("day", "status"),
    [
        (date(2026, 1, 1), ACTIVE),  # long before the end
        (PAID - DAY, ACTIVE),
        (PAID, ACTIVE),  # the last paid day is protected
        (PAID + DAY, IN_ARREARS),  # the day after
        (date(2026, 5, 31), IN_ARREARS),
        (date(2026, 6, 30), IN_ARREARS),  # exactly 3 months later (31 June does not exist)
        (date(2026, 7, 1), LAPSED),  # 3 months and a day
        (date(2027, 1, 1), LAPSED),
    ],
)
def test_the_status_at_every_boundary_after_the_end_of_march(day, status):
    assert status_on(day, PAID) == status


@pytest.mark.parametrize(
    ("paid", "last_arrears_day"),
    [
        (date(2026, 1, 15), date(2026, 4, 15)),
        (date(2025, 11, 30), date(2026, 2, 28)),
        (date(2023, 11, 30), date(2024, 2, 29)),  # a leap year
        (date(2026, 10, 31), date(2027, 1, 31)),  # across the new year
    ],
)
def test_arrears_last_exactly_three_calendar_months(paid, last_arrears_day):
    assert status_on(paid, paid) == ACTIVE
    assert status_on(paid + DAY, paid) == IN_ARREARS
    assert status_on(last_arrears_day, paid) == IN_ARREARS
    assert status_on(last_arrears_day + DAY, paid) == LAPSED


@pytest.mark.parametrize("paid", [None, PAID, date(2020, 1, 31)])
def test_a_deceased_worker_is_meninggal_from_the_day_of_death(paid):
    died = date(2026, 2, 10)
    assert status_on(died, paid, deceased_on=died) == DECEASED
    assert status_on(died + DAY, paid, deceased_on=died) == DECEASED
    assert status_on(died - DAY, paid, deceased_on=died) == status_on(died - DAY, paid)
    assert status_on(died - DAY, paid, deceased_on=died) != DECEASED


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)),
)
def test_the_status_only_moves_forward(paid, first, second):
    order = [ACTIVE, IN_ARREARS, LAPSED]
    earlier, later = sorted((first, second))
    assert order.index(status_on(earlier, paid)) <= order.index(status_on(later, paid))
