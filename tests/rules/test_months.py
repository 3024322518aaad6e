"""Adding calendar months: the same day of the month, clamped to the month's last day."""

from __future__ import annotations

import calendar
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.months import add_months


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2000, 1, 31), 1, date(2000, 2, 29)),  # divisible by 400
        (date(2100, 1, 31), 1, date(2100, 2, 28)),  # divisible by 100, not by 400
        (date(2026, 1, 31), 2, date(2026, 3, 31)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 1, 15), 0, date(2026, 1, 15)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),  # across the new year
        (date(2026, 12, 31), 1, date(2027, 1, 31)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2026, 1, 1), 120, date(2036, 1, 1)),
    ],
)
def test_adding_months(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2026, 1, 15), -1, date(2025, 12, 15)),
        (date(2026, 1, 31), -2, date(2025, 11, 30)),
        (date(2026, 5, 31), -3, date(2026, 2, 28)),
        (date(2026, 1, 15), -12, date(2025, 1, 15)),
        (date(2026, 1, 15), -13, date(2024, 12, 15)),
        (date(2025, 2, 28), -12, date(2024, 2, 28)),
    ],
)
def test_subtracting_months(day, months, expected):
    assert add_months(day, months) == expected


days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
shifts = st.integers(min_value=-600, max_value=600)


@given(days, shifts)
def test_the_month_moves_by_exactly_n_and_the_day_is_kept_or_clamped(day, months):
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day == min(day.day, calendar.monthrange(moved.year, moved.month)[1])


@given(days.filter(lambda d: d.day <= 28), shifts)
def test_there_and_back_is_the_same_day_up_to_the_28th(day, months):
    assert add_months(add_months(day, months), -months) == day
