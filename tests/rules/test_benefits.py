"""JKM and JKK benefit figures."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.benefits import (
    JKK,
    JKM,
    SCHOLARSHIP,
    jkk_death_benefit,
    jkk_disability_benefit,
    stmb_monthly_benefit,
)


def test_jkm_parts_add_up_to_total() -> None:
    assert JKM.total == 42_000_000
    assert JKM.lump_sum + JKM.periodic + JKM.funeral == JKM.total
    assert (JKM.lump_sum, JKM.periodic, JKM.funeral) == (20_000_000, 12_000_000, 10_000_000)


def test_jkm_periodic_is_24_times_500_000() -> None:
    assert (JKM.periodic_months, JKM.periodic_monthly) == (24, 500_000)
    assert JKM.periodic_months * JKM.periodic_monthly == JKM.periodic


def test_scholarship_levels_add_up_to_the_cap() -> None:
    assert JKM.scholarship is SCHOLARSHIP
    assert (SCHOLARSHIP.max_children, SCHOLARSHIP.min_contribution_years) == (2, 3)
    per_child = sum(level.total for level in SCHOLARSHIP.levels)
    assert per_child == 87_000_000
    assert per_child * SCHOLARSHIP.max_children == SCHOLARSHIP.max_total == 174_000_000
    assert [level.level for level in SCHOLARSHIP.levels] == ["TK", "SD", "SMP", "SMA", "PT"]


def test_jkk_figures() -> None:
    assert (JKK.transport_land, JKK.transport_sea, JKK.transport_air) == (5_000_000, 2_000_000, 10_000_000)
    assert (JKK.disability_multiplier, JKK.death_multiplier) == (56, 48)
    assert JKK.scholarship_min_contribution_years == 0


def test_figures_are_frozen() -> None:
    with pytest.raises(FrozenInstanceError):
        JKM.total = 1  # type: ignore[misc]


def test_jkk_death_benefit() -> None:
    assert jkk_death_benefit(1_000_000) == 48_000_000 + 10_000_000 + 12_000_000
    assert jkk_death_benefit(2_500_000) == 142_000_000


def test_jkk_disability_benefit() -> None:
    assert jkk_disability_benefit(1_000_000) == 56_000_000
    assert jkk_disability_benefit(20_700_000) == 1_159_200_000


@pytest.mark.parametrize("income", [0, -1])
def test_benefits_refuse_non_positive_income(income: int) -> None:
    with pytest.raises(ValueError):
        jkk_death_benefit(income)
    with pytest.raises(ValueError):
        jkk_disability_benefit(income)


@pytest.mark.parametrize(("month", "amount"), [(1, 1_500_001), (12, 1_500_001), (13, 750_001), (40, 750_001)])
def test_stmb_full_for_12_months_then_half(month: int, amount: int) -> None:
    assert JKK.stmb_later_rate == Decimal("0.5")
    assert stmb_monthly_benefit(1_500_001, month) == amount  # 750,000.5 rounds half up


def test_stmb_months_count_from_one() -> None:
    with pytest.raises(ValueError):
        stmb_monthly_benefit(1_000_000, 0)


@given(st.integers(1, 20_700_000))
def test_death_exceeds_jkm_total_only_by_income_terms(income: int) -> None:
    assert jkk_death_benefit(income) - 48 * income == 22_000_000
    assert jkk_disability_benefit(income) == 56 * income
