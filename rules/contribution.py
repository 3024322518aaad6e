"""Monthly BPU contributions (iuran), declared income and dated discounts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from rules.occupations import PU, sector_of

JKK = "JKK"
JKM = "JKM"
JHT = "JHT"
PROGRAMMES: frozenset[str] = frozenset({JKK, JKM, JHT})
REQUIRED_PROGRAMMES: frozenset[str] = frozenset({JKK, JKM})
VILLAGE_PAYER = "village"


def _month_start(day: date) -> date:
    return date(day.year, day.month, 1)


def _rupiah(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Rates:
    """Contribution rates and the declared-income bounds for BPU participants."""

    jkk_rate: Decimal
    jkm_flat: int
    jht_rate: Decimal
    income_min: int
    income_max: int
    income_step: int


DEFAULT_RATES = Rates(Decimal("0.01"), 6800, Decimal("0.02"), 1_000_000, 20_700_000, 100_000)


@dataclass(frozen=True)
class Discount:
    """A dated contribution discount, such as PP 50/2025 for transport workers."""

    name: str
    first_month: date
    last_month: date
    rate: Decimal
    minimum: int
    programmes: frozenset[str]
    sectors: frozenset[str]
    excluded_payers: frozenset[str]
    applies_to_village_budget: bool = False

    def __post_init__(self) -> None:
        """Reject discounts that could never be applied sensibly."""
        if not Decimal(0) <= self.rate <= Decimal(1):
            raise ValueError(f"discount rate must be between 0 and 1: {self.rate}")
        if _month_start(self.first_month) > _month_start(self.last_month):
            raise ValueError("discount first_month is after last_month")
        if self.minimum < 0:
            raise ValueError("discount minimum must not be negative")
        if not self.programmes <= PROGRAMMES:
            raise ValueError(f"unknown programme in discount: {sorted(self.programmes - PROGRAMMES)}")

    def applies(self, month: date, sector: str | None, payer: str | None) -> bool:
        """Whether this discount covers a contribution month for this sector and payer."""
        start = _month_start(month)
        if not _month_start(self.first_month) <= start <= _month_start(self.last_month):
            return False
        if sector is None or sector not in self.sectors:
            return False
        if payer is not None and payer in self.excluded_payers:
            return False
        return not (payer == VILLAGE_PAYER and not self.applies_to_village_budget)


DISCOUNTS: tuple[Discount, ...] = (
    Discount(
        name="PP 50/2025",
        first_month=date(2026, 1, 1),
        last_month=date(2027, 3, 1),
        rate=Decimal("0.5"),
        minimum=8_400,
        programmes=frozenset({JKK, JKM}),
        sectors=frozenset({"transport"}),
        excluded_payers=frozenset({"apbn", "apbd"}),
        applies_to_village_budget=False,
    ),
)


@dataclass(frozen=True)
class Contribution:
    """One month's contribution in whole Rupiah, split by programme."""

    jkk: int
    jkm: int
    jht: int
    discount: int = 0
    discount_name: str | None = None

    @property
    def total(self) -> int:
        """Amount due for the month after any discount."""
        return self.jkk + self.jkm + self.jht - self.discount


@dataclass(frozen=True)
class DeclaredIncome:
    """A declared monthly income accepted for contributions."""

    amount: int
    raised_from: int | None = None


class IncomeAboveMaximumError(ValueError):
    """The typed income is above the highest income that can be declared."""

    def __init__(self, amount: int, maximum: int) -> None:
        """Keep the refused amount and the maximum for the caller's message."""
        super().__init__(f"income {amount} is above the maximum {maximum}")
        self.amount = amount
        self.maximum = maximum


def _check_programmes(programmes: Iterable[str]) -> frozenset[str]:
    chosen = frozenset(programmes)
    unknown = chosen - PROGRAMMES
    if unknown:
        raise ValueError(f"unknown programme codes: {sorted(unknown)}")
    missing = REQUIRED_PROGRAMMES - chosen
    if missing:
        raise ValueError(f"BPU protection always includes JKK and JKM; missing {sorted(missing)}")
    return chosen


def _check_income(income: int, rates: Rates) -> None:
    if isinstance(income, bool) or not isinstance(income, int):
        raise TypeError(f"income must be an int, not {type(income).__name__}")
    if not rates.income_min <= income <= rates.income_max:
        raise ValueError(f"income {income} is outside {rates.income_min}..{rates.income_max}")


def _discount_amount(parts: dict[str, int], discount: Discount) -> int:
    base = sum(amount for code, amount in parts.items() if code in discount.programmes)
    discounted = max(discount.minimum, _rupiah(base * (Decimal(1) - discount.rate)))
    return max(0, base - discounted)


def monthly_contribution(
    income: int,
    programmes: Iterable[str],
    month: date,
    *,
    sector: str | None = None,
    payer: str | None = None,
    rates: Rates = DEFAULT_RATES,
    discounts: Sequence[Discount] = DISCOUNTS,
) -> Contribution:
    """Contribution for one month at a declared income, with the best applicable discount."""
    chosen = _check_programmes(programmes)
    _check_income(income, rates)
    parts = {
        JKK: _rupiah(income * rates.jkk_rate),
        JKM: rates.jkm_flat,
        JHT: _rupiah(income * rates.jht_rate) if JHT in chosen else 0,
    }
    best_amount, best_name = 0, None
    for discount in discounts:
        if discount.applies(month, sector, payer):
            amount = _discount_amount(parts, discount)
            if amount > best_amount:
                best_amount, best_name = amount, discount.name
    return Contribution(parts[JKK], parts[JKM], parts[JHT], best_amount, best_name)


def declare_income(amount: int, rates: Rates = DEFAULT_RATES) -> DeclaredIncome:
    """Turn a typed income into a declarable one: raised to the minimum, rounded up to a step."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"income must be an int, not {type(amount).__name__}")
    if amount <= 0:
        raise ValueError("income must be a positive amount")
    if amount > rates.income_max:
        raise IncomeAboveMaximumError(amount, rates.income_max)
    if amount <= rates.income_min:
        return DeclaredIncome(rates.income_min, amount if amount < rates.income_min else None)
    steps = -(-(amount - rates.income_min) // rates.income_step)
    rounded = min(rates.income_min + steps * rates.income_step, rates.income_max)
    return DeclaredIncome(rounded, amount if rounded != amount else None)


def minimum_monthly(programmes: Iterable[str] = (JKK, JKM), rates: Rates = DEFAULT_RATES) -> int:
    """Contribution at the minimum income with no discount (Rp16,800; Rp36,800 with JHT)."""
    return monthly_contribution(rates.income_min, programmes, date(2000, 1, 1), rates=rates, discounts=()).total


class WorkerTerms(Protocol):
    """What prices a registered worker's month: segment, declared income, programmes, occupation and payer."""

    segment: str
    declared_income: int
    programmes: str
    occupation: str
    payer: str


def monthly_amount(worker: WorkerTerms, month: date) -> int | None:
    """A registered worker's contribution for one month, or None for PU (the branch office sets it)."""
    if worker.segment == PU:
        return None
    return monthly_contribution(
        worker.declared_income,
        worker.programmes.split(","),
        month,
        sector=sector_of(worker.occupation),
        payer=worker.payer,
    ).total
