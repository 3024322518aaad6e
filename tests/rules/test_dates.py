"""Dates as cadres type them: day first, numbers or month names in Bahasa Indonesia or English."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from rules.dates import InvalidDateError, month_words, parse_date

TODAY = date(2026, 11, 22)
BORN = date(1980, 8, 5)

INDONESIAN = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober"]
INDONESIAN += ["November", "Desember"]
ENGLISH = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October"]
ENGLISH += ["November", "December"]


@pytest.mark.parametrize("typed", ["05-08-1980", "5/8/1980", "5 Agustus 1980", "5 Agt 1980", "1980-08-05"])
def test_every_form_the_issue_names(typed):
    assert parse_date(typed, TODAY) == BORN


@pytest.mark.parametrize(
    "typed",
    [
        "5-8-1980",
        "05/08/1980",
        "05.08.1980",
        "5 8 1980",
        "1980/08/05",
        "1980.8.5",
        "5 agustus 1980",
        "5 AGUSTUS 1980",
        "  5   Agustus   1980  ",
        "5 Agt. 1980",
        "5 Ags 1980",
        "5 Agu 1980",
        "5Agt1980",
        "5 August 1980",
        "5 Aug 1980",
        "5 Aug. 1980",
        "5 Agústus 1980",  # an accent typed by mistake
    ],
)
def test_the_other_usual_forms(typed):
    assert parse_date(typed, TODAY) == BORN


@pytest.mark.parametrize("month", range(1, 13))
def test_every_month_by_its_name_in_both_languages(month):
    for names in (INDONESIAN, ENGLISH):
        assert parse_date(f"17 {names[month - 1]} 1990", TODAY) == date(1990, month, 17)
        assert parse_date(f"17 {names[month - 1][:3]} 1990", TODAY) == date(1990, month, 17)


@pytest.mark.parametrize(
    ("word", "month"),
    [
        ("Peb", 2),
        ("Pebruari", 2),
        ("Febr", 2),
        ("Mrt", 3),
        ("Nop", 11),
        ("Nopember", 11),
        ("Nopem", 11),
        ("Okt", 10),
        ("Agust", 8),
        ("Agst", 8),
        ("Agus", 8),
        ("Sept", 9),
        ("Spt", 9),
        ("Septem", 9),
        ("Janu", 1),
        ("Des", 12),
        ("Desem", 12),
    ],
)
def test_old_indonesian_spellings_and_abbreviations(word, month):
    assert parse_date(f"1 {word} 1975", TODAY) == date(1975, month, 1)


@pytest.mark.parametrize(
    "typed",
    [
        "05081980",
        "5 agust 1980",
        "5 agst 1980",
        "5 Agust. 1980",
        "lima agustus 1980",
        "Lima Agustus 1980",
        "5 Agustus, 1980",
        "5 agt, 1980",
        "5-Agustus-1980",
        "5-agt-80",
        "5/Agustus/1980",
        "lima-agustus-1980",
        "five august 1980",
        "Five August, 1980",
    ],
)
def test_the_forms_added_later(typed):
    assert parse_date(typed, TODAY) == BORN


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("satu januari 1990", date(1990, 1, 1)),
        ("sepuluh mei 1990", date(1990, 5, 10)),
        ("sebelas mei 1990", date(1990, 5, 11)),
        ("dua belas mei 1990", date(1990, 5, 12)),
        ("sembilan belas mei 1990", date(1990, 5, 19)),
        ("dua puluh mei 1990", date(1990, 5, 20)),
        ("dua puluh satu mei 1990", date(1990, 5, 21)),
        ("tiga puluh satu desember 1990", date(1990, 12, 31)),
        ("twenty-one may 1990", date(1990, 5, 21)),
        ("thirty one december 1990", date(1990, 12, 31)),
        ("31121990", date(1990, 12, 31)),
        ("29022000", date(2000, 2, 29)),
    ],
)
def test_days_in_words_and_eight_digits(typed, expected):
    assert parse_date(typed, TODAY) == expected


def test_the_month_words_hold_both_languages():
    words = month_words()
    assert words["agustus"] == words["august"] == words["agt"] == 8
    assert words["mei"] == words["may"] == 5
    assert words["desember"] == words["december"] == words["des"] == words["dec"] == 12
    assert words["agust"] == words["agst"] == 8
    assert "ju" not in words and "ma" not in words  # too short to tell June from July, March from May


INDONESIAN_DAYS = ["satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"]


def indonesian_day(day: int) -> str:
    tens, units = divmod(day, 10)
    if day == 10:
        return "sepuluh"
    if day == 11:
        return "sebelas"
    if tens == 1:
        return f"{INDONESIAN_DAYS[units - 1]} belas"
    words = [INDONESIAN_DAYS[tens - 1], "puluh"] if tens else []
    return " ".join(words + ([INDONESIAN_DAYS[units - 1]] if units else []))


@given(st.dates(min_value=date(1901, 1, 1), max_value=date(2099, 12, 31)), st.sampled_from([" ", "-", ", "]))
def test_any_date_with_its_day_in_words_or_eight_digits_reads_back(day, gap):
    assert parse_date(day.strftime("%d%m%Y"), TODAY) == day
    month = INDONESIAN[day.month - 1]
    separator = " " if gap == ", " else gap
    assert parse_date(f"{indonesian_day(day.day)}{separator}{month}{gap}{day.year}", TODAY) == day


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("5-8-80", date(1980, 8, 5)),
        ("5 Agt 80", date(1980, 8, 5)),
        ("5-8-00", date(2000, 8, 5)),
        ("5-8-26", date(2026, 8, 5)),  # earlier this year
        ("22-11-26", date(2026, 11, 22)),  # today
        ("30-12-26", date(2026, 12, 30)),  # later this year (a paid-through date), still this year
        ("5-8-27", date(1927, 8, 5)),  # next year has not come: a century ago
        ("29-02-00", date(2000, 2, 29)),
    ],
)
def test_a_two_digit_year_is_the_latest_year_not_after_this_one(typed, expected):
    assert parse_date(typed, TODAY) == expected


def test_a_two_digit_year_depends_on_today():
    assert parse_date("5-8-30", TODAY) == date(1930, 8, 5)
    assert parse_date("5-8-30", date(2030, 1, 1)) == date(2030, 8, 5)
    assert parse_date("5-8-30", date(2029, 12, 31)) == date(1930, 8, 5)


@pytest.mark.parametrize(
    "typed",
    [
        "31-02-1980",
        "31021980",
        "29022001",
        "tiga puluh satu februari 1980",
        "29-02-2001",
        "29 Februari 2001",
        "2001-02-29",
        "31-04-1980",
        "00-08-1980",
        "32-01-1980",
        "5-13-1980",
        "5-0-1980",
        "0000-01-01",
        "29-02-01",
    ],
)
def test_a_day_that_does_not_exist_is_refused(typed):
    with pytest.raises(InvalidDateError):
        parse_date(typed, TODAY)


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "kemarin",
        "5 Foo 1980",
        "5-8",
        "1980",
        "5 Agustus",
        "Agustus 5, 1980",
        "5-8-198",
        "5/8/19800",
        "0508198",
        "050819800",
        "05081980x",
        "5 Agustus,, 1980",
        "5 Agustus 1980 1980",
        "lima puluh agustus 1980",
        "x agustus 1980",
        "dua dua agustus 1980",
        "5 Ag 1980",  # two letters could be Agustus or nothing
        "5 Ju 1980",  # Juni or Juli
        "5 Agustus 1980" + " " * 60 + "x",
    ],
)
def test_text_that_is_not_a_date_is_refused(typed):
    with pytest.raises(InvalidDateError):
        parse_date(typed, TODAY)


@given(st.text(max_size=60))
@example("٥-٨-١٩٨٠")
@example("𝟓/𝟖/𝟏𝟗𝟖𝟎")
@example("99999-99-99")
@example("5 " + "a" * 5000 + " 1980")
def test_any_text_is_a_date_or_invalid_date_error(text):
    try:
        parsed = parse_date(text, TODAY)
    except InvalidDateError:
        return
    assert isinstance(parsed, date)


@given(st.dates(min_value=date(1901, 1, 1), max_value=date(2099, 12, 31)), st.sampled_from(["%d-%m-%Y", "%Y-%m-%d"]))
def test_any_date_written_in_full_reads_back(day, form):
    assert parse_date(day.strftime(form), TODAY) == day
    assert parse_date(f"{day.day} {INDONESIAN[day.month - 1]} {day.year}", TODAY) == day
    assert parse_date(f"{day.day} {ENGLISH[day.month - 1]} {day.year}", TODAY) == day
