"""Death and accident claims: every figure from DOMAIN.md as a table, the documents each heir brings, the 2 × 24 h
stage-I deadline across WIB/WITA/WIT, and coverage on the day at every status boundary."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rules.benefits import JKK, JKM
from rules.claims import (
    ARREARS,
    HEIR_RELATIONS,
    LAPSED,
    NOT_STARTED,
    PROTECTED,
    RELATION_CODES,
    SCHOLARSHIP_MIN_PERIOD,
    SCHOLARSHIP_NO_MINIMUM,
    SCHOLARSHIP_TOO_SHORT,
    EntitlementPart,
    accident_cover,
    accident_documents,
    contribution_months,
    coverage_on,
    death_documents,
    death_entitlement,
    in_village_time,
    right_lapses_on,
    stage_one_deadline,
    time_left,
)
from rules.timezones import JAKARTA, JAYAPURA, MAKASSAR

# -- entitlements -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("work_accident", "income", "months", "total", "parts", "scholarship", "rule"),
    [
        # JKM: Rp42.000.000 = 20 jt lump sum + 12 jt periodic + 10 jt funeral, whatever the income.
        (
            False,
            1_000_000,
            36,
            42_000_000,
            (("lump_sum", 20_000_000), ("periodic", 12_000_000), ("funeral", 10_000_000)),
            True,
            SCHOLARSHIP_MIN_PERIOD,
        ),
        (
            False,
            5_000_000,
            35,
            42_000_000,
            (("lump_sum", 20_000_000), ("periodic", 12_000_000), ("funeral", 10_000_000)),
            False,
            SCHOLARSHIP_TOO_SHORT,
        ),
        (False, 1_000_000, 0, 42_000_000, None, False, SCHOLARSHIP_TOO_SHORT),
        (False, 1_000_000, 120, 42_000_000, None, True, SCHOLARSHIP_MIN_PERIOD),
        # JKK death: 48 × Rp1.000.000 + 10 jt funeral + 12 jt periodic = Rp70.000.000, scholarship with no minimum.
        (
            True,
            1_000_000,
            0,
            70_000_000,
            (("income_multiple", 48_000_000), ("funeral", 10_000_000), ("periodic", 12_000_000)),
            True,
            SCHOLARSHIP_NO_MINIMUM,
        ),
        (True, 2_500_000, 1, 142_000_000, None, True, SCHOLARSHIP_NO_MINIMUM),
        (True, 20_700_000, 50, 48 * 20_700_000 + 22_000_000, None, True, SCHOLARSHIP_NO_MINIMUM),
    ],
)
def test_death_entitlement_table(work_accident, income, months, total, parts, scholarship, rule):
    entitlement = death_entitlement(work_accident=work_accident, declared_income=income, contribution_months=months)
    assert entitlement.total == total
    assert sum(part.amount for part in entitlement.parts) == total
    if parts is not None:
        assert entitlement.parts == tuple(EntitlementPart(key, amount) for key, amount in parts)
    assert (entitlement.scholarship_possible, entitlement.scholarship_rule) == (scholarship, rule)


def test_scholarship_needs_three_years_exactly():
    just_short = death_entitlement(work_accident=False, declared_income=1_000_000, contribution_months=35)
    three_years = death_entitlement(work_accident=False, declared_income=1_000_000, contribution_months=36)
    assert not just_short.scholarship_possible
    assert three_years.scholarship_possible


def test_figures_come_from_the_benefit_tables_not_literals():
    richer_jkm = replace(JKM, lump_sum=21_000_000, total=43_000_000)
    entitlement = death_entitlement(
        work_accident=False, declared_income=1_000_000, contribution_months=0, jkm=richer_jkm
    )
    assert entitlement.total == 43_000_000
    assert entitlement.parts[0] == EntitlementPart("lump_sum", 21_000_000)
    other_jkk = replace(JKK, death_multiplier=60)
    accident = death_entitlement(work_accident=True, declared_income=1_000_000, contribution_months=0, jkk=other_jkk)
    assert accident.parts[0] == EntitlementPart("income_multiple", 60_000_000)


def test_negative_months_are_refused():
    with pytest.raises(ValueError):
        death_entitlement(work_accident=False, declared_income=1_000_000, contribution_months=-1)


@pytest.mark.parametrize(
    ("income", "stmb_full", "stmb_later", "disability", "death"),
    [
        (1_000_000, 1_000_000, 500_000, 56_000_000, 70_000_000),
        (2_500_000, 2_500_000, 1_250_000, 140_000_000, 142_000_000),
        (1_100_000, 1_100_000, 550_000, 61_600_000, 74_800_000),
    ],
)
def test_accident_cover_table(income, stmb_full, stmb_later, disability, death):
    cover = accident_cover(income)
    assert (cover.transport_land, cover.transport_sea, cover.transport_air) == (5_000_000, 2_000_000, 10_000_000)
    assert cover.stmb_full_months == 12
    assert (cover.stmb_full_monthly, cover.stmb_later_monthly) == (stmb_full, stmb_later)
    assert (cover.disability, cover.death) == (disability, death)


# -- heirs and documents ----------------------------------------------------------------------------------------------


def test_heir_relations_are_in_the_order_the_law_pays():
    assert RELATION_CODES == (
        "spouse",
        "child",
        "parent",
        "grandchild",
        "grandparent",
        "sibling",
        "parent_in_law",
        "other",
    )
    assert dict(HEIR_RELATIONS)["spouse"] == "suami/istri"
    assert dict(HEIR_RELATIONS)["parent_in_law"] == "mertua"


COMMON_DEATH = ("kpj_card", "ektp_participant", "ektp_heir", "akta_kematian", "kartu_keluarga", "ahli_waris_letter")


@pytest.mark.parametrize(
    ("relation", "documents"),
    [
        ("spouse", (*COMMON_DEATH, "buku_nikah", "savings_book")),
        ("child", (*COMMON_DEATH, "savings_book")),
        ("parent", (*COMMON_DEATH, "savings_book")),
        ("sibling", (*COMMON_DEATH, "savings_book")),
        ("other", (*COMMON_DEATH, "savings_book")),
    ],
)
def test_death_documents_fit_the_relation(relation, documents):
    assert death_documents(relation) == documents


def test_an_unknown_relation_is_refused():
    with pytest.raises(ValueError):
        death_documents("istri")


def test_accident_documents_ask_a_police_report_only_for_road_accidents():
    road = accident_documents(road=True)
    field = accident_documents(road=False)
    assert road[-1] == "police_report"
    assert "police_report" not in field
    assert field == ("kpj_card", "ektp_participant", "kartu_keluarga", "chronology", "doctor_certificate", "receipts")


# -- the stage-I deadline across time zones ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("village", "zone", "label"),
    [
        ("16.12.05.2001", JAKARTA, "WIB"),  # PALI, Sumatera Selatan
        ("63.10.02.2003", MAKASSAR, "WITA"),  # Tanah Bumbu, Kalimantan Selatan
        ("91.03.02.2001", JAYAPURA, "WIT"),  # Sentani Timur, Kabupaten Jayapura, Papua
    ],
)
def test_the_deadline_is_two_days_after_the_accident_in_the_village_time(village, zone, label):
    # Ten past eleven at night, local time: the deadline is the same local clock time two days on.
    accident = datetime(2026, 11, 27, 23, 10, tzinfo=ZoneInfo(zone))
    deadline = stage_one_deadline(accident)
    local, shown = in_village_time(deadline, village)
    assert shown == label
    assert (local.date(), local.hour, local.minute) == (date(2026, 11, 29), 23, 10)
    # The same deadline seen from UTC: the local offset (7, 8 or 9 hours) earlier.
    offset = {"WIB": 7, "WITA": 8, "WIT": 9}[label]
    assert deadline.astimezone(UTC) == datetime(2026, 11, 29, 23 - offset, 10, tzinfo=UTC)
    # Time left, counted across the zones from a UTC clock.
    one_hour_before = deadline.astimezone(UTC) - timedelta(hours=1)
    assert time_left(deadline, one_hour_before) == timedelta(hours=1)
    assert time_left(deadline, accident) == timedelta(hours=48)


def test_time_left_is_none_once_the_deadline_has_passed():
    accident = datetime(2026, 11, 27, 8, 0, tzinfo=ZoneInfo(MAKASSAR))
    deadline = stage_one_deadline(accident)
    assert time_left(deadline, deadline) is None
    assert time_left(deadline, deadline + timedelta(seconds=1)) is None
    assert time_left(deadline, deadline - timedelta(seconds=1)) == timedelta(seconds=1)


def test_a_time_without_a_zone_is_refused():
    with pytest.raises(ValueError):
        stage_one_deadline(datetime(2026, 11, 27, 8, 0))


def test_the_right_lapses_five_years_after_the_accident():
    assert right_lapses_on(date(2026, 11, 27)) == date(2031, 11, 27)
    assert right_lapses_on(date(2028, 2, 29)) == date(2033, 2, 28)


# -- coverage on the day ----------------------------------------------------------------------------------------------

REGISTERED = date(2026, 1, 10)
PAID = [(date(2026, 1, 1), 6)]  # January to June 2026


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 1, 9), NOT_STARTED),  # the day before registration
        (date(2026, 1, 10), PROTECTED),  # registration day, first paid month
        (date(2026, 6, 30), PROTECTED),  # the last day of the last paid month
        (date(2026, 7, 1), ARREARS),  # the first unpaid month: not protected [L]
        (date(2026, 9, 30), ARREARS),  # three months in arrears, the last day they can still be paid
        (date(2026, 10, 1), LAPSED),  # the day after: lapsed
        (date(2027, 3, 1), LAPSED),
    ],
)
def test_coverage_at_every_status_boundary(day, expected):
    assert coverage_on(day, registered_on=REGISTERED, paid_months=PAID) == expected


def test_registered_but_never_paid_has_not_started():
    assert coverage_on(date(2026, 3, 1), registered_on=REGISTERED, paid_months=[]) == NOT_STARTED


def test_paid_from_a_later_month_is_not_started_before_it():
    paid = [(date(2026, 3, 1), 3)]
    assert coverage_on(date(2026, 2, 15), registered_on=REGISTERED, paid_months=paid) == NOT_STARTED
    assert coverage_on(date(2026, 3, 1), registered_on=REGISTERED, paid_months=paid) == PROTECTED


def test_months_paid_after_a_gap_protect_again():
    paid = [(date(2026, 1, 1), 2), (date(2026, 4, 1), 1)]
    assert coverage_on(date(2026, 3, 31), registered_on=REGISTERED, paid_months=paid) == ARREARS
    assert coverage_on(date(2026, 4, 2), registered_on=REGISTERED, paid_months=paid) == PROTECTED


def test_contribution_months_count_paid_months_up_to_the_day():
    paid = [(date(2023, 1, 1), 12), (date(2024, 1, 1), 12), (date(2025, 1, 1), 12), (date(2026, 1, 1), 12)]
    assert contribution_months(paid, until=date(2025, 12, 31)) == 36
    assert contribution_months(paid, until=date(2025, 11, 30)) == 35
    assert contribution_months([(date(2026, 1, 1), 12), (date(2026, 6, 1), 3)], until=date(2026, 12, 1)) == 12
