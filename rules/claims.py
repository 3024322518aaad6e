"""What a reported death (JKM) or work accident (JKK) entitles the family to, which documents to bring, the stage-I
deadline, and whether the worker was covered on the day. Every figure comes from rules/benefits.py."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from rules.benefits import (
    JKK,
    JKM,
    JkkBenefits,
    JkmBenefits,
    jkk_death_benefit,
    jkk_disability_benefit,
    stmb_monthly_benefit,
)
from rules.coverage import covered_months, membership_on
from rules.membership_status import ACTIVE, IN_ARREARS
from rules.membership_status import LAPSED as MEMBERSHIP_LAPSED
from rules.timezones import zone_for_village, zone_label

# -- heirs, in the order the law pays them (docs/domain.md) ------------------------------------------------------------

SPOUSE = "spouse"
CHILD = "child"
PARENT = "parent"
GRANDCHILD = "grandchild"
GRANDPARENT = "grandparent"
SIBLING = "sibling"
PARENT_IN_LAW = "parent_in_law"
OTHER = "other"

# Stable codes in heir order, with the Indonesian word people use for each.
HEIR_RELATIONS: tuple[tuple[str, str], ...] = (
    (SPOUSE, "suami/istri"),
    (CHILD, "anak"),
    (PARENT, "orang tua"),
    (GRANDCHILD, "cucu"),
    (GRANDPARENT, "kakek/nenek"),
    (SIBLING, "saudara"),
    (PARENT_IN_LAW, "mertua"),
    (OTHER, "lainnya"),
)
RELATION_CODES: tuple[str, ...] = tuple(code for code, _ in HEIR_RELATIONS)

# -- entitlements -----------------------------------------------------------------------------------------------------

LUMP_SUM = "lump_sum"
PERIODIC = "periodic"
FUNERAL = "funeral"
INCOME_MULTIPLE = "income_multiple"

# Why a scholarship is or is not possible, as a stable code the flow words.
SCHOLARSHIP_MIN_PERIOD = "min_period"  # JKM: only with at least 3 years (36 months) of contributions
SCHOLARSHIP_TOO_SHORT = "too_short"  # JKM with fewer months: no scholarship
SCHOLARSHIP_NO_MINIMUM = "no_minimum"  # JKK death: no minimum contribution period


@dataclass(frozen=True)
class EntitlementPart:
    """One part of a cash entitlement: its key (LUMP_SUM, PERIODIC, FUNERAL, INCOME_MULTIPLE) and Rupiah amount."""

    key: str
    amount: int


@dataclass(frozen=True)
class Entitlement:
    """A death entitlement: the total, its parts, whether the children's scholarship is possible, and why (code)."""

    total: int
    parts: tuple[EntitlementPart, ...]
    scholarship_possible: bool
    scholarship_rule: str


def scholarship_min_months(figures: JkmBenefits = JKM) -> int:
    """The contribution months a JKM death needs before the scholarship is possible (36)."""
    return figures.scholarship.min_contribution_years * 12


def death_entitlement(
    *,
    work_accident: bool,
    declared_income: int,
    contribution_months: int,
    jkm: JkmBenefits = JKM,
    jkk: JkkBenefits = JKK,
) -> Entitlement:
    """The cash benefit of a death: JKM (20 + 12 + 10 jt), or for a work accident 48 × income + funeral + periodic."""
    if contribution_months < 0:
        raise ValueError("contribution months cannot be negative")
    if work_accident:
        parts = (
            EntitlementPart(INCOME_MULTIPLE, jkk.death_multiplier * declared_income),
            EntitlementPart(FUNERAL, jkk.death_funeral),
            EntitlementPart(PERIODIC, jkk.death_periodic),
        )
        total = jkk_death_benefit(declared_income, figures=jkk)
        possible = contribution_months >= jkk.scholarship_min_contribution_years * 12
        return Entitlement(total, parts, possible, SCHOLARSHIP_NO_MINIMUM)
    parts = (
        EntitlementPart(LUMP_SUM, jkm.lump_sum),
        EntitlementPart(PERIODIC, jkm.periodic),
        EntitlementPart(FUNERAL, jkm.funeral),
    )
    possible = contribution_months >= scholarship_min_months(jkm)
    return Entitlement(jkm.total, parts, possible, SCHOLARSHIP_MIN_PERIOD if possible else SCHOLARSHIP_TOO_SHORT)


@dataclass(frozen=True)
class AccidentCover:
    """What JKK pays after a work accident, in Rupiah from the declared income (treatment itself has no cap)."""

    transport_land: int
    transport_sea: int
    transport_air: int
    stmb_full_months: int
    stmb_full_monthly: int  # each month of the first stmb_full_months
    stmb_later_monthly: int  # each month after that, until recovery
    disability: int
    death: int  # 48 × income + funeral + periodic


def accident_cover(declared_income: int, *, figures: JkkBenefits = JKK) -> AccidentCover:
    """JKK cover for a declared monthly income: transport caps, STMB per month, disability 56 ×, death 48 × (+)."""
    return AccidentCover(
        transport_land=figures.transport_land,
        transport_sea=figures.transport_sea,
        transport_air=figures.transport_air,
        stmb_full_months=figures.stmb_full_months,
        stmb_full_monthly=stmb_monthly_benefit(declared_income, 1, figures=figures),
        stmb_later_monthly=stmb_monthly_benefit(declared_income, figures.stmb_full_months + 1, figures=figures),
        disability=jkk_disability_benefit(declared_income, figures=figures),
        death=jkk_death_benefit(declared_income, figures=figures),
    )


# -- documents (keys; the flows word them) ----------------------------------------------------------------------------

KPJ_CARD = "kpj_card"
EKTP_PARTICIPANT = "ektp_participant"
EKTP_HEIR = "ektp_heir"
AKTA_KEMATIAN = "akta_kematian"
KARTU_KELUARGA = "kartu_keluarga"
AHLI_WARIS_LETTER = "ahli_waris_letter"
BUKU_NIKAH = "buku_nikah"
SAVINGS_BOOK = "savings_book"
CHRONOLOGY = "chronology"
DOCTOR_CERTIFICATE = "doctor_certificate"
RECEIPTS = "receipts"
POLICE_REPORT = "police_report"


def death_documents(relation: str) -> tuple[str, ...]:
    """The documents an heir of this relation (a RELATION_CODES code) brings for a death claim, in order."""
    if relation not in RELATION_CODES:
        raise ValueError(f"unknown relation {relation!r}")
    keys = [KPJ_CARD, EKTP_PARTICIPANT, EKTP_HEIR, AKTA_KEMATIAN, KARTU_KELUARGA, AHLI_WARIS_LETTER]
    if relation == SPOUSE:
        keys.append(BUKU_NIKAH)
    keys.append(SAVINGS_BOOK)
    return tuple(keys)


def accident_documents(road: bool) -> tuple[str, ...]:
    """The documents for a work-accident claim; a police report only for a road accident."""
    keys = (KPJ_CARD, EKTP_PARTICIPANT, KARTU_KELUARGA, CHRONOLOGY, DOCTOR_CERTIFICATE, RECEIPTS)
    return (*keys, POLICE_REPORT) if road else keys


# -- deadlines --------------------------------------------------------------------------------------------------------

STAGE_ONE_WINDOW = timedelta(hours=2 * 24)
RIGHT_LAPSES_AFTER_YEARS = 5
# The cadre is reminded of an open accident report this long after the accident (while stage I is still due).
REMINDER_OFFSETS: tuple[tuple[str, timedelta], ...] = (("24h", timedelta(hours=24)), ("40h", timedelta(hours=40)))


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a timezone-aware time is needed")
    return moment


def stage_one_deadline(accident_at: datetime) -> datetime:
    """When the stage-I report is due: 2 × 24 hours after the (timezone-aware) accident time, in its zone."""
    return _aware(accident_at) + STAGE_ONE_WINDOW


def time_left(deadline: datetime, now: datetime) -> timedelta | None:
    """The time left until the deadline, or None once it has passed (a missed deadline does not void the right)."""
    left = _aware(deadline) - _aware(now)
    return left if left > timedelta(0) else None


def in_village_time(moment: datetime, village_code: str) -> tuple[datetime, str]:
    """The moment in the village's time zone, with the zone's label ("WIB", "WITA" or "WIT")."""
    zone = zone_for_village(village_code)
    return _aware(moment).astimezone(ZoneInfo(zone)), zone_label(zone)


def right_lapses_on(accident_date: date) -> date:
    """The day the right to JKK lapses: 5 years after the accident (29 February → 28 February)."""
    year = accident_date.year + RIGHT_LAPSES_AFTER_YEARS
    try:
        return accident_date.replace(year=year)
    except ValueError:
        return accident_date.replace(year=year, day=28)


# -- coverage on the day of the event ---------------------------------------------------------------------------------

PROTECTED = "protected"
ARREARS = "arrears"
LAPSED = "lapsed"
NOT_STARTED = "not_started"
COVERAGES = (PROTECTED, ARREARS, LAPSED, NOT_STARTED)


def coverage_on(day: date, *, registered_on: date, paid_months: Iterable[tuple[date, int]]) -> str:
    """Whether the worker was protected on a day: PROTECTED, ARREARS, LAPSED or NOT_STARTED.

    Built on membership_on in rules/coverage.py, so it agrees with the membership card: a paid month is protected;
    a month in arrears (up to 3 unpaid months) is **not** protected — docs/domain.md marks that rule [L], so a flow
    says it is to be checked by the cadre; after the arrears window the membership has lapsed. Before the
    registration, or before the first paid month, protection has not started. A recorded death is ignored: this
    asks about the day.
    """
    if day < registered_on:
        return NOT_STARTED
    status = membership_on(day, covered_months(paid_months)).status
    if status == ACTIVE:
        return PROTECTED
    if status == IN_ARREARS:
        return ARREARS
    if status == MEMBERSHIP_LAPSED:
        return LAPSED
    return NOT_STARTED


def contribution_months(paid_months: Iterable[tuple[date, int]], *, until: date) -> int:
    """How many distinct months were paid up to and including the month of `until` (for the 36-month rule)."""
    first_of_month = until.replace(day=1)
    return sum(1 for month in covered_months(paid_months) if month <= first_of_month)
