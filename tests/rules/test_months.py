"""Adding calendar months (the same day of the month, clamped to the month's last day), and typed month counts."""

from __future__ import annotations

import calendar
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.months import add_months, read_month_count


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


@pytest.mark.parametrize(
    ("typed", "months"),
    [
        ("1", 1),
        ("2", 2),
        ("12", 12),
        ("2 bulan", 2),
        ("3 bln", 3),
        ("3bln", 3),
        ("3 bln.", 3),
        ("tiga bulan", 3),
        ("enam bulan", 6),
        ("dua belas bulan", 12),
        ("12 bulan", 12),
        ("sebulan", 1),
        ("se-bulan", 1),
        ("se bulan", 1),
        ("setahun", 12),
        ("1 tahun", 12),
        ("1 thn", 12),
        ("satu tahun", 12),
        ("setengah tahun", 6),
        ("6 months", 6),
        ("1 month", 1),
        ("one month", 1),
        ("six months", 6),
        ("twelve months", 12),
        ("a year", 12),
        ("1 year", 12),
        ("a month", 1),
        ("  3  BULAN ", 3),
    ],
)
def test_a_typed_number_of_months(typed, months):
    assert read_month_count(typed) == months


@pytest.mark.parametrize(
    "typed",
    [
        "0",
        "0 bulan",
        "13",
        "13 bulan",
        "24",
        "2 tahun",
        "dua tahun",
        "2 3",
        "2 3 bulan",
        "05-08-1980",
        "5 Agustus 1980",
        "",
        "bulan",
        "tahun",
        "a",
        "abc",
        "1.5",
        "1,5 bulan",
        "-2",
        "+2",
        "tiga belas bulan",
        "١",
        "2" * 100,
        "sejuta",
        "2 juta",
        "1 jt",
    ],
)
def test_what_is_not_a_number_of_months_from_1_to_12(typed):
    assert read_month_count(typed) is None


@given(st.integers(1, 12), st.sampled_from(["", " ", " bulan", " bln", "bln", " months"]))
def test_every_count_reads_back(months, unit):
    assert read_month_count(f"{months}{unit}") == months


@given(st.text(max_size=50))
def test_any_text_is_a_count_from_1_to_12_or_none(text):
    count = read_month_count(text)
    assert count is None or 1 <= count <= 12
