"""NIK: 16 digits, a known province, a real birth date (+40 for women), a serial from 0001; and masking."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.nik import FEMALE, MALE, InvalidNikError, Nik, compact, mask_nik, parse_nik

TODAY = date(2026, 11, 22)
FULL_WIDTH = "".join(chr(ord(c) + 0xFEE0) for c in "6310054508800001")


def reason(text: str, today: date = TODAY) -> str:
    with pytest.raises(InvalidNikError) as refused:
        parse_nik(text, today)
    return refused.value.reason


def test_the_example_nik_is_a_woman_born_5_august_1980():
    nik = parse_nik("6310054508800001", TODAY)
    assert nik == Nik(number="6310054508800001", region="631005", birth_date=date(1980, 8, 5), sex=FEMALE)
    assert nik.masked == "631005******0001"


def test_a_man_has_the_plain_day():
    nik = parse_nik("6310050508800002", TODAY)
    assert (nik.birth_date, nik.sex) == (date(1980, 8, 5), MALE)


@pytest.mark.parametrize(
    ("day", "sex", "born"), [("01", MALE, 1), ("31", MALE, 31), ("41", FEMALE, 1), ("71", FEMALE, 31)]
)
def test_the_day_part_says_the_sex_and_the_day(day, sex, born):
    nik = parse_nik(f"631005{day}0180" + "0001", TODAY)
    assert (nik.sex, nik.birth_date) == (sex, date(1980, 1, born))


@pytest.mark.parametrize(
    "typed",
    [
        "6310 0545 0880 0001",
        "6310.0545.0880.0001",
        "6310-0545-0880-0001",
        " 63.10.05 450880-0001 ",
        "6310\t054508800001",
    ],
)
def test_spaces_dots_and_dashes_are_ignored(typed):
    assert compact(typed) == "6310054508800001"
    assert parse_nik(typed, TODAY).number == "6310054508800001"


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("631005450880001", "length"),
        ("63100545088000011", "length"),
        ("", "length"),
        ("   ", "length"),
        ("nik saya hilang", "length"),
        ("63100545088000ab", "digits"),
        ("631005450880OOO1", "digits"),
        ("6310054508800001x", "digits"),  # sixteen digits and a letter: the letter is what is wrong
        (FULL_WIDTH, "digits"),  # full-width digits are not NIK digits
        ("9910054508800001", "region"),
        ("0010054508800001", "region"),
        ("2010054508800001", "region"),
        ("6310053208800001", "date"),  # 32 August
        ("6310057208800001", "date"),  # a woman's 32 August
        ("6310050013800001", "date"),  # month 13
        ("6310050500800001", "date"),  # month 00
        ("6310050008800001", "date"),  # day 00
        ("6310054008800001", "date"),  # day 40: neither a man's nor a woman's day
        ("6310052902010001", "date"),  # 29 February 2001 and 1901
        ("6310054508800000", "serial"),
    ],
)
def test_every_reason_a_nik_cannot_be_right(typed, why):
    assert reason(typed) == why


@pytest.mark.parametrize("province", ["11", "31", "63", "65", "91", "92", "93", "94", "95", "96"])
def test_every_kemendagri_province_is_a_known_region(province):
    """Kalimantan Utara (65) and the Papua provinces (91-96) included, which python-stdnum alone does not know."""
    assert parse_nik(f"{province}01054508800001", TODAY).region == f"{province}0105"


@pytest.mark.parametrize("province", ["10", "20", "37", "66", "97", "99"])
def test_a_province_code_nobody_uses_is_refused(province):
    assert reason(f"{province}01054508800001") == "region"


@pytest.mark.parametrize(
    ("yymmdd", "today", "born"),
    [
        ("050880", TODAY, date(1980, 8, 5)),
        ("050800", TODAY, date(2000, 8, 5)),
        ("050899", TODAY, date(1999, 8, 5)),
        ("050826", TODAY, date(2026, 8, 5)),  # earlier this year
        ("221126", TODAY, date(2026, 11, 22)),  # today
        ("231126", TODAY, date(1926, 11, 23)),  # tomorrow in 2026 is not a birth date: 1926
        ("050830", TODAY, date(1930, 8, 5)),
        ("050830", date(2031, 1, 1), date(2030, 8, 5)),  # the same digits, read in 2031
        ("290200", TODAY, date(2000, 2, 29)),  # 1900 was not a leap year, 2000 was
    ],
)
def test_the_century_is_the_latest_that_is_not_after_today(yymmdd, today, born):
    day, month, year = yymmdd[:2], yymmdd[2:4], yymmdd[4:]
    assert parse_nik(f"631005{day}{month}{year}0001", today).birth_date == born


def test_mask_nik_hides_the_birth_date_part():
    assert mask_nik("6310054508800001") == "631005******0001"
    assert mask_nik("3171011708450001") == "317101******0001"
    assert mask_nik("12345") == "*****"  # not a NIK: nothing of it is shown


@given(st.text(max_size=80))
def test_any_text_is_a_nik_or_refused_with_a_reason(text):
    try:
        nik = parse_nik(text, TODAY)
    except InvalidNikError as refused:
        assert refused.reason in {"length", "digits", "region", "date", "serial"}
    else:
        assert len(nik.number) == 16 and nik.number.isascii() and nik.number.isdigit()
        assert nik.birth_date <= TODAY and nik.sex in {FEMALE, MALE} and nik.number[12:] != "0000"
        assert mask_nik(nik.number) == nik.number[:6] + "******" + nik.number[12:]


@given(st.from_regex(r"[0-9]{16}", fullmatch=True))
def test_any_sixteen_digits_parse_or_fail_on_region_date_or_serial(number):
    try:
        nik = parse_nik(number, TODAY)
    except InvalidNikError as refused:
        assert refused.reason in {"region", "date", "serial"}
    else:
        day = int(number[6:8])
        assert nik.sex == (FEMALE if day > 40 else MALE)
        assert nik.birth_date.day == (day - 40 if day > 40 else day)
        assert nik.birth_date.month == int(number[8:10]) and nik.birth_date.year % 100 == int(number[10:12])
