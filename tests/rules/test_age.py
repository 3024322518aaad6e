"""Age in completed years."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from rules.age import age_on


@pytest.mark.parametrize(
    ("day", "age"),
    [
        (date(2000, 5, 10), 0),
        (date(2001, 5, 9), 0),
        (date(2001, 5, 10), 1),
        (date(2018, 5, 9), 17),
        (date(2018, 5, 10), 18),
        (date(2065, 5, 9), 64),
        (date(2065, 5, 10), 65),
    ],
)
def test_birthday_boundaries(day: date, age: int) -> None:
    assert age_on(date(2000, 5, 10), day) == age


@pytest.mark.parametrize(
    ("day", "age"),
    [
        (date(2005, 2, 28), 0),
        (date(2005, 3, 1), 1),
        (date(2008, 2, 28), 3),
        (date(2008, 2, 29), 4),
        (date(2022, 2, 28), 17),
        (date(2022, 3, 1), 18),
    ],
)
def test_29_february_birthday(day: date, age: int) -> None:
    assert age_on(date(2004, 2, 29), day) == age


def test_new_year_boundary() -> None:
    assert age_on(date(1990, 1, 1), date(2024, 12, 31)) == 34
    assert age_on(date(1990, 12, 31), date(2025, 1, 1)) == 34


def test_day_before_birth_refused() -> None:
    with pytest.raises(ValueError):
        age_on(date(2000, 5, 10), date(2000, 5, 9))


@given(st.dates(date(1900, 1, 1), date(2100, 12, 31)), st.integers(0, 120))
def test_age_changes_exactly_on_birthday(birth: date, years: int) -> None:
    assume(not (birth.month == 2 and birth.day == 29))
    assume(birth.year + years <= 9999)
    birthday = birth.replace(year=birth.year + years)
    assert age_on(birth, birthday) == years
    if years:
        assert age_on(birth, birthday - timedelta(days=1)) == years - 1


@given(st.dates(date(1900, 1, 1), date(2100, 12, 31)), st.integers(0, 5000), st.integers(0, 5000))
def test_age_never_decreases(birth: date, a: int, b: int) -> None:
    first, second = sorted((a, b))
    assert age_on(birth, birth + timedelta(days=first)) <= age_on(birth, birth + timedelta(days=second))
