"""Contributions, declared income and the PP 50/2025 discount."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.contribution import (
    DEFAULT_RATES,
    DISCOUNTS,
    Contribution,
    DeclaredIncome,
    Discount,
    IncomeAboveMaximumError,
    Rates,
    declare_income,
    minimum_monthly,
    monthly_amount,
    monthly_contribution,
)

BASIC = ("JKK", "JKM")
WITH_JHT = ("JKK", "JKM", "JHT")
BEFORE_DISCOUNT = date(2025, 6, 1)
PP50 = DISCOUNTS[0]


def transport(income: int, month: date, **kwargs: object) -> Contribution:
    return monthly_contribution(income, BASIC, month, sector="transport", **kwargs)  # type: ignore[arg-type]


def test_minimum_is_16_800() -> None:
    c = monthly_contribution(1_000_000, BASIC, BEFORE_DISCOUNT)
    assert c == Contribution(jkk=10_000, jkm=6_800, jht=0, discount=0, discount_name=None)
    assert c.total == 16_800


def test_minimum_with_jht_is_36_800() -> None:
    c = monthly_contribution(1_000_000, WITH_JHT, BEFORE_DISCOUNT)
    assert (c.jkk, c.jkm, c.jht, c.total) == (10_000, 6_800, 20_000, 36_800)


def test_two_million_is_26_800() -> None:
    assert monthly_contribution(2_000_000, BASIC, BEFORE_DISCOUNT).total == 26_800


def test_maximum_income_is_accepted() -> None:
    c = monthly_contribution(20_700_000, WITH_JHT, BEFORE_DISCOUNT)
    assert (c.jkk, c.jht, c.total) == (207_000, 414_000, 627_800)


def test_minimum_monthly() -> None:
    assert minimum_monthly() == 16_800
    assert minimum_monthly(WITH_JHT) == 36_800


def test_minimum_monthly_ignores_discounts_and_follows_rates() -> None:
    rates = replace(DEFAULT_RATES, income_min=2_000_000)
    assert minimum_monthly(rates=rates) == 26_800


def test_percentages_round_half_up() -> None:
    c = monthly_contribution(1_000_050, WITH_JHT, BEFORE_DISCOUNT)
    assert c.jkk == 10_001  # 10,000.5 rounds up, not to even
    assert c.jht == 20_001


@pytest.mark.parametrize("income", [999_999, 20_700_001, 0, -1_000_000])
def test_income_outside_bounds_is_refused(income: int) -> None:
    with pytest.raises(ValueError):
        monthly_contribution(income, BASIC, BEFORE_DISCOUNT)


@pytest.mark.parametrize("programmes", [("JKK",), ("JKM",), ("JHT",), ("JKK", "JHT"), ()])
def test_jkk_and_jkm_are_required(programmes: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="JKK and JKM"):
        monthly_contribution(1_000_000, programmes, BEFORE_DISCOUNT)


@pytest.mark.parametrize("code", ["JP", "JKP", "jkk", ""])
def test_unknown_programme_is_refused(code: str) -> None:
    with pytest.raises(ValueError, match="unknown"):
        monthly_contribution(1_000_000, (*BASIC, code), BEFORE_DISCOUNT)


def test_programmes_may_be_any_iterable() -> None:
    assert monthly_contribution(1_000_000, iter(["JHT", "JKM", "JKK"]), BEFORE_DISCOUNT).total == 36_800


def test_pp50_data() -> None:
    assert PP50.name == "PP 50/2025"
    assert (PP50.first_month, PP50.last_month) == (date(2026, 1, 1), date(2027, 3, 1))
    assert PP50.rate == Decimal("0.5")
    assert PP50.minimum == 8_400
    assert PP50.programmes == frozenset({"JKK", "JKM"})
    assert "transport" in PP50.sectors
    assert PP50.excluded_payers == frozenset({"apbn", "apbd"})
    assert PP50.applies_to_village_budget is False


@pytest.mark.parametrize(
    ("month", "discounted"),
    [
        (date(2025, 12, 31), False),
        (date(2026, 1, 1), True),
        (date(2026, 1, 31), True),
        (date(2026, 9, 15), True),
        (date(2027, 3, 31), True),
        (date(2027, 4, 1), False),
    ],
)
def test_pp50_boundary_months(month: date, discounted: bool) -> None:
    c = transport(1_000_000, month)
    if discounted:
        assert (c.discount, c.discount_name, c.total) == (8_400, "PP 50/2025", 8_400)
    else:
        assert (c.discount, c.discount_name, c.total) == (0, None, 16_800)


def test_pp50_halves_jkk_and_jkm_but_not_jht() -> None:
    c = monthly_contribution(2_000_000, WITH_JHT, date(2026, 2, 1), sector="transport")
    assert (c.jkk, c.jkm, c.jht) == (20_000, 6_800, 40_000)
    assert c.discount == 13_400
    assert c.total == 13_400 + 40_000


def test_discount_never_goes_below_its_minimum() -> None:
    steep = replace(PP50, rate=Decimal("0.9"))
    c = transport(1_000_000, date(2026, 1, 1), discounts=[steep])
    assert c.jkk + c.jkm - c.discount == 8_400
    free = replace(PP50, rate=Decimal(1))
    assert transport(5_000_000, date(2026, 1, 1), discounts=[free]).total == 8_400


def test_discount_is_never_negative() -> None:
    high_minimum = replace(PP50, minimum=20_000)
    c = transport(1_000_000, date(2026, 1, 1), discounts=[high_minimum])
    assert (c.discount, c.discount_name, c.total) == (0, None, 16_800)


@pytest.mark.parametrize("payer", ["apbn", "apbd"])
def test_pp50_not_for_state_budgets(payer: str) -> None:
    assert transport(1_000_000, date(2026, 1, 1), payer=payer).discount == 0


@pytest.mark.parametrize("payer", [None, "self", "employer"])
def test_pp50_for_other_payers(payer: str | None) -> None:
    assert transport(1_000_000, date(2026, 1, 1), payer=payer).discount == 8_400


def test_village_budget_only_when_flagged() -> None:
    assert transport(1_000_000, date(2026, 1, 1), payer="village").discount == 0
    flagged = replace(PP50, applies_to_village_budget=True)
    assert transport(1_000_000, date(2026, 1, 1), payer="village", discounts=[flagged]).discount == 8_400


@pytest.mark.parametrize("sector", [None, "agriculture", "fishing", "Transport"])
def test_pp50_not_for_other_sectors(sector: str | None) -> None:
    c = monthly_contribution(1_000_000, BASIC, date(2026, 1, 1), sector=sector)
    assert c.discount == 0
    assert c.total == 16_800


def test_no_discounts_passed_means_none_applied() -> None:
    assert transport(1_000_000, date(2026, 1, 1), discounts=()).total == 16_800


def test_largest_applicable_discount_wins() -> None:
    small = replace(PP50, name="small", rate=Decimal("0.1"), minimum=0)
    c = transport(2_000_000, date(2026, 1, 1), discounts=[small, PP50])
    assert (c.discount_name, c.discount) == ("PP 50/2025", 13_400)


@pytest.mark.parametrize(
    "changes",
    [
        {"rate": Decimal("1.5")},
        {"rate": Decimal("-0.1")},
        {"first_month": date(2027, 4, 1)},
        {"minimum": -1},
        {"programmes": frozenset({"JP"})},
    ],
)
def test_discount_rejects_nonsense(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        replace(PP50, **changes)  # type: ignore[arg-type]


def test_discount_month_bounds_need_not_be_first_days() -> None:
    mid = Discount(
        name="mid",
        first_month=date(2026, 1, 20),
        last_month=date(2026, 1, 5),
        rate=Decimal("0.5"),
        minimum=0,
        programmes=frozenset({"JKK"}),
        sectors=frozenset({"transport"}),
        excluded_payers=frozenset(),
    )
    c = transport(1_000_000, date(2026, 1, 1), discounts=[mid])
    assert c.discount == 5_000  # only JKK is discounted
    assert transport(1_000_000, date(2026, 2, 1), discounts=[mid]).discount == 0


incomes = st.integers(DEFAULT_RATES.income_min, DEFAULT_RATES.income_max)
programme_sets = st.sampled_from([BASIC, WITH_JHT])
months = st.dates(date(2025, 1, 1), date(2028, 12, 31))
sectors = st.sampled_from([None, "transport", "agriculture"])
payers = st.sampled_from([None, "self", "village", "apbd"])


@given(incomes, incomes, programme_sets, months, sectors, payers)
def test_total_is_monotonic_in_income(
    a: int, b: int, programmes: tuple[str, ...], month: date, sector: str | None, payer: str | None
) -> None:
    low, high = sorted((a, b))
    kwargs = {"sector": sector, "payer": payer}
    low_total = monthly_contribution(low, programmes, month, **kwargs).total  # type: ignore[arg-type]
    high_total = monthly_contribution(high, programmes, month, **kwargs).total  # type: ignore[arg-type]
    assert low_total <= high_total


@given(incomes, programme_sets, months, sectors, payers)
def test_discount_bounds(
    income: int, programmes: tuple[str, ...], month: date, sector: str | None, payer: str | None
) -> None:
    c = monthly_contribution(income, programmes, month, sector=sector, payer=payer)
    undiscounted = monthly_contribution(income, programmes, month, discounts=())
    assert 0 <= c.discount <= c.jkk + c.jkm
    assert c.total == undiscounted.total - c.discount
    if c.discount:
        assert c.jkk + c.jkm - c.discount >= PP50.minimum
        assert c.discount_name == "PP 50/2025"
    else:
        assert c.discount_name is None


def test_declare_income_exact_minimum() -> None:
    assert declare_income(1_000_000) == DeclaredIncome(1_000_000, None)


@pytest.mark.parametrize("typed", [999_999, 500_000, 1])
def test_declare_income_raises_to_minimum(typed: int) -> None:
    assert declare_income(typed) == DeclaredIncome(1_000_000, typed)


@pytest.mark.parametrize(
    ("typed", "declared"),
    [(1_050_000, 1_100_000), (1_000_001, 1_100_000), (1_099_999, 1_100_000), (20_600_001, 20_700_000)],
)
def test_declare_income_rounds_up_to_step(typed: int, declared: int) -> None:
    assert declare_income(typed) == DeclaredIncome(declared, typed)


@pytest.mark.parametrize("typed", [1_100_000, 2_500_000, 20_700_000])
def test_declare_income_keeps_whole_steps(typed: int) -> None:
    assert declare_income(typed) == DeclaredIncome(typed, None)


def test_declare_income_above_maximum() -> None:
    with pytest.raises(IncomeAboveMaximumError) as caught:
        declare_income(20_700_001)
    assert caught.value.maximum == 20_700_000
    assert caught.value.amount == 20_700_001
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("typed", [0, -1, -1_000_000])
def test_declare_income_refuses_non_positive(typed: int) -> None:
    with pytest.raises(ValueError) as caught:
        declare_income(typed)
    assert not isinstance(caught.value, IncomeAboveMaximumError)


def test_declare_income_refuses_non_integers() -> None:
    with pytest.raises(TypeError):
        declare_income(1_500_000.0)  # type: ignore[arg-type]


def test_declare_income_follows_rates() -> None:
    rates = Rates(Decimal("0.01"), 6800, Decimal("0.02"), 500_000, 10_000_000, 250_000)
    assert declare_income(600_000, rates) == DeclaredIncome(750_000, 600_000)
    assert declare_income(100_000, rates) == DeclaredIncome(500_000, 100_000)
    with pytest.raises(IncomeAboveMaximumError) as caught:
        declare_income(10_000_001, rates)
    assert caught.value.maximum == 10_000_000


@given(st.integers(1, DEFAULT_RATES.income_max))
def test_declared_income_is_a_valid_step_at_or_above_typed(typed: int) -> None:
    declared = declare_income(typed)
    step = DEFAULT_RATES.income_step
    assert DEFAULT_RATES.income_min <= declared.amount <= DEFAULT_RATES.income_max
    assert (declared.amount - DEFAULT_RATES.income_min) % step == 0
    assert declared.amount >= typed
    assert declared.amount == DEFAULT_RATES.income_min or declared.amount - typed < step
    assert declared.raised_from == (None if declared.amount == typed else typed)
    assert declare_income(declared.amount).raised_from is None
    assert monthly_contribution(declared.amount, BASIC, BEFORE_DISCOUNT).total >= 16_800


@dataclass
class Terms:
    segment: str = "BPU"
    declared_income: int = 1_000_000
    programmes: str = "JKK,JKM"
    occupation: str = "petani"
    payer: str = "worker"


def test_a_workers_month_is_priced_by_their_own_terms() -> None:
    assert monthly_amount(Terms(), BEFORE_DISCOUNT) == 16_800
    assert monthly_amount(Terms(declared_income=2_000_000, programmes="JKK,JKM,JHT"), BEFORE_DISCOUNT) == 66_800
    assert monthly_amount(Terms(segment="PU"), BEFORE_DISCOUNT) is None  # the branch office sets a PU contribution


def test_a_transport_workers_month_gets_the_discount_of_that_month_unless_the_village_pays() -> None:
    driver = Terms(occupation="ojek_sopir")
    assert monthly_amount(driver, date(2026, 3, 1)) == 8_400
    assert monthly_amount(driver, date(2027, 4, 1)) == 16_800
    assert monthly_amount(replace(driver, payer="village"), date(2026, 3, 1)) == 16_800
