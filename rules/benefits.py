"""JKM and JKK benefit figures (docs/domain.md, marked [H]) and the income-based JKK amounts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class ScholarshipLevel:
    """One school level of the scholarship: amount per child per year and number of years."""

    level: str
    per_year: int
    years: int

    @property
    def total(self) -> int:
        """Most one child can receive at this level."""
        return self.per_year * self.years


@dataclass(frozen=True)
class Scholarship:
    """Education benefit for a deceased participant's children."""

    max_children: int
    max_total: int
    min_contribution_years: int
    max_age: int
    levels: tuple[ScholarshipLevel, ...]


@dataclass(frozen=True)
class JkmBenefits:
    """JKM (death not caused by work) benefits."""

    total: int
    lump_sum: int
    periodic: int
    periodic_monthly: int
    periodic_months: int
    funeral: int
    scholarship: Scholarship


@dataclass(frozen=True)
class JkkBenefits:
    """JKK (work accident) benefits and multipliers of the declared monthly income."""

    transport_land: int
    transport_sea: int
    transport_air: int
    stmb_full_months: int
    stmb_full_rate: Decimal
    stmb_later_rate: Decimal
    disability_multiplier: int
    death_multiplier: int
    death_funeral: int
    death_periodic: int
    scholarship_min_contribution_years: int


SCHOLARSHIP_LEVELS: tuple[ScholarshipLevel, ...] = (
    ScholarshipLevel("TK", 1_500_000, 2),
    ScholarshipLevel("SD", 1_500_000, 6),
    ScholarshipLevel("SMP", 2_000_000, 3),
    ScholarshipLevel("SMA", 3_000_000, 3),
    ScholarshipLevel("PT", 12_000_000, 5),
)

SCHOLARSHIP = Scholarship(
    max_children=2,
    max_total=174_000_000,
    min_contribution_years=3,
    max_age=23,
    levels=SCHOLARSHIP_LEVELS,
)

JKM = JkmBenefits(
    total=42_000_000,
    lump_sum=20_000_000,
    periodic=12_000_000,
    periodic_monthly=500_000,
    periodic_months=24,
    funeral=10_000_000,
    scholarship=SCHOLARSHIP,
)

JKK = JkkBenefits(
    transport_land=5_000_000,
    transport_sea=2_000_000,
    transport_air=10_000_000,
    stmb_full_months=12,
    stmb_full_rate=Decimal(1),
    stmb_later_rate=Decimal("0.5"),
    disability_multiplier=56,
    death_multiplier=48,
    death_funeral=10_000_000,
    death_periodic=12_000_000,
    scholarship_min_contribution_years=0,
)


def _check_income(income: int) -> None:
    if isinstance(income, bool) or not isinstance(income, int):
        raise TypeError(f"income must be an int, not {type(income).__name__}")
    if income <= 0:
        raise ValueError("income must be positive")


def jkk_death_benefit(income: int, *, figures: JkkBenefits = JKK) -> int:
    """Cash benefit for death from a work accident: 48 × income + funeral + periodic."""
    _check_income(income)
    return figures.death_multiplier * income + figures.death_funeral + figures.death_periodic


def jkk_disability_benefit(income: int, *, figures: JkkBenefits = JKK) -> int:
    """Lump sum for total permanent disability after a work accident: 56 × income."""
    _check_income(income)
    return figures.disability_multiplier * income


def stmb_monthly_benefit(income: int, month: int, *, figures: JkkBenefits = JKK) -> int:
    """Temporary-incapacity (STMB) payment for the given month of incapacity, counted from 1."""
    _check_income(income)
    if month < 1:
        raise ValueError("incapacity months are counted from 1")
    rate = figures.stmb_full_rate if month <= figures.stmb_full_months else figures.stmb_later_rate
    return int((income * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))
