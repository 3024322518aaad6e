"""Rupiah amounts read whole, never added up: "1jt", "1,5 juta", "1.500.000", "dua juta"; what is not one amount is
refused with the reason."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from rules.amounts import TypedAmount, UnreadableAmountError, likely_meant, read_amount
from rules.refusals import MAX_KEPT

INDONESIAN_MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September"]
INDONESIAN_MONTHS += ["Oktober", "November", "Desember"]


@pytest.mark.parametrize(
    ("typed", "number", "scale", "rupiah"),
    [
        ("1500000", "1500000", 1, 1_500_000),
        ("1.500.000", "1500000", 1, 1_500_000),
        ("1,500,000", "1500000", 1, 1_500_000),
        ("1 500 000", "1500000", 1, 1_500_000),
        ("Rp 1.500.000", "1500000", 1, 1_500_000),
        ("Rp1.500.000,-", "1500000", 1, 1_500_000),
        ("rp. 1.500.000,00", "1500000", 1, 1_500_000),
        ("IDR 1.500.000", "1500000", 1, 1_500_000),
        ("1.500.000 rupiah", "1500000", 1, 1_500_000),
        ("1,5 juta", "1.5", 1_000_000, 1_500_000),
        ("1.5 juta", "1.5", 1_000_000, 1_500_000),
        ("1,5jt", "1.5", 1_000_000, 1_500_000),
        ("1.5 million", "1.5", 1_000_000, 1_500_000),
        ("1jt", "1", 1_000_000, 1_000_000),
        ("1 jt", "1", 1_000_000, 1_000_000),
        ("1 JT", "1", 1_000_000, 1_000_000),
        ("20rb", "20", 1_000, 20_000),
        ("20 ribu", "20", 1_000, 20_000),
        ("20 rebu", "20", 1_000, 20_000),
        ("20k", "20", 1_000, 20_000),
        ("20 thousand", "20", 1_000, 20_000),
        ("2 m", "2", 1_000_000_000, 2_000_000_000),
        ("2 miliar", "2", 1_000_000_000, 2_000_000_000),
        ("2 billion", "2", 1_000_000_000, 2_000_000_000),
        ("16.800", "16800", 1, 16_800),
        ("16,8 rb", "16.8", 1_000, 16_800),
        ("1.500,50", "1500.50", 1, None),
        ("1,500.50", "1500.50", 1, None),
        ("1,5", "1.5", 1, None),
        ("1.5", "1.5", 1, None),
        ("2", "2", 1, 2),
        ("150", "150", 1, 150),
        ("0", "0", 1, 0),
        ("1jt 500rb", "1.5", 1_000_000, 1_500_000),
        ("1 juta 500 ribu", "1.5", 1_000_000, 1_500_000),
        ("dua juta", "2", 1_000_000, 2_000_000),
        ("satu setengah juta", "1.5", 1_000_000, 1_500_000),
        ("setengah juta", "0.5", 1_000_000, 500_000),
        ("sejuta setengah", "1.5", 1_000_000, 1_500_000),
        ("dua juta setengah", "2.5", 1_000_000, 2_500_000),
        ("lima ratus ribu", "500", 1_000, 500_000),
        ("seratus ribu", "100", 1_000, 100_000),
        ("se-ribu", "1", 1_000, 1_000),
        ("seribu", "1", 1_000, 1_000),
        ("sejuta", "1", 1_000_000, 1_000_000),
        ("sepuluh ribu", "10", 1_000, 10_000),
        ("sebelas ribu", "11", 1_000, 11_000),
        ("enam belas ribu delapan ratus", "16.8", 1_000, 16_800),
        ("dua juta lima ratus ribu", "2.5", 1_000_000, 2_500_000),
        ("dua puluh jt", "20", 1_000_000, 20_000_000),
        ("lima puluh", "50", 1, 50),
        ("Rp 2 juta", "2", 1_000_000, 2_000_000),
        ("1.500.000.", "1500000", 1, 1_500_000),
        ("999.999.999.999", "999999999999", 1, 999_999_999_999),
        ("15081980", "15081980", 1, 15_081_980),  # eight digits without a leading zero: an amount, not a date
    ],
)
def test_one_amount_is_read_whole(typed: str, number: str, scale: int, rupiah: int | None) -> None:
    amount = read_amount(typed)
    assert amount == TypedAmount(Decimal(number), scale)
    assert amount.rupiah == rupiah


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("05-08-1980", "date"),
        ("5/8/1980", "date"),
        ("1980-08-05", "date"),
        ("5 Agustus 1980", "date"),
        ("05.08.1980", "date"),
        ("5-8-80", "date"),
        ("5 8 1980", "date"),
        ("05081980", "date"),
        ("lahir 5 agt 1980", "date"),
        ("Rp 05-08-1980", "date"),
        ("2 3", "several"),
        ("16000 800", "several"),
        ("1.500 2.000", "several"),
        ("2-3 juta", "several"),
        ("1 juta 2 juta", "several"),
        ("1 jt 500", "several"),
        ("500 rb 1 jt", "several"),
        ("1 jt 1500 rb", "several"),
        ("-5 juta", "sign"),
        ("minus 5 juta", "sign"),
        ("negatif 5000", "sign"),
        ("+5", "sign"),
        ("Rp -5.000", "sign"),
        ("5+5", "sign"),
        ("\u22125000", "sign"),
        ("abc", "format"),
        ("", "format"),
        ("   ", "format"),
        ("😀", "format"),
        ("a" * 5000, "format"),
        ("1" * 5000, "format"),
        ("Rp", "format"),
        ("-", "format"),
        ("+", "format"),
        ("..", "format"),
        ("jt", "format"),
        ("1.5000", "format"),
        ("1.500.50", "format"),
        ("1.50.000", "format"),
        ("1500.000", "format"),
        ("1.500,000.00", "format"),
        ("0812 3456 7890", "format"),
        ("050000", "format"),
        ("１５００", "format"),  # full-width digits
        ("sekitar 2 juta", "format"),
        ("2 setengah juta", "format"),
        ("setengah", "format"),
        ("dua puluh ratus", "format"),
        ("2 jt rb", "format"),
        ("1.000.000.000.000", "too_large"),
        ("1000 miliar", "too_large"),
        ("1000000000000", "too_large"),
    ],
)
def test_what_is_not_one_amount_is_refused_with_the_reason(typed: str, reason: str) -> None:
    with pytest.raises(UnreadableAmountError) as caught:
        read_amount(typed)
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError)


def test_the_error_keeps_only_the_start_of_a_long_text_and_names_none_of_it() -> None:
    with pytest.raises(UnreadableAmountError) as caught:
        read_amount("x" * 5000)
    assert caught.value.text == "x" * MAX_KEPT
    assert "x" not in str(caught.value)  # a logged error carries nothing the person typed


@pytest.mark.parametrize(
    ("typed", "minimum", "meant"),
    [
        ("2", 100_000, 2_000_000),
        ("1,5", 100_000, 1_500_000),
        ("150", 100_000, 150_000),
        ("100", 100_000, 100_000),
        ("99", 100_000, 99_000_000),
        ("1.500.000", 100_000, None),
        ("2 juta", 100_000, None),
        ("dua", 100_000, 2_000_000),
        ("20", 1_000, 20_000),
        ("16,8", 1_000, 16_800),
        ("16.800", 1_000, None),
        ("1000", 1_000, None),
        ("20rb", 1_000, None),
        ("0", 1_000, None),
        ("0,5", 1_000, 500_000),
    ],
)
def test_likely_meant(typed: str, minimum: int, meant: int | None) -> None:
    assert likely_meant(read_amount(typed), minimum) == meant


positive = st.integers(min_value=1, max_value=10**15)


@given(positive, positive, st.sampled_from([" ", "  ", " - ", "-", "/", " / "]))
@example(1, 500, " ")
@example(16000, 800, " ")
@example(2, 3, " ")
def test_two_numbers_are_never_added_up(a: int, b: int, gap: str) -> None:
    text = f"{a}{gap}{b}"
    grouping = gap.strip(" ") == "" and len(str(a)) <= 3 and len(str(b)) == 3
    if grouping:
        assert read_amount(text) == TypedAmount(Decimal(f"{a}{b}"), 1)
        return
    with pytest.raises(UnreadableAmountError) as caught:
        read_amount(text)
    assert caught.value.reason in {"several", "format"}
    if len(text.strip()) <= 60:
        assert caught.value.reason == "several"


@given(positive, positive, st.sampled_from(["jt", "rb", "juta", "ribu", "k"]))
def test_two_numbers_with_the_same_scale_word_are_never_added_up(a: int, b: int, scale: str) -> None:
    with pytest.raises(UnreadableAmountError) as caught:
        read_amount(f"{a} {scale} {b} {scale}")
    assert caught.value.reason in {"several", "format"}


date_forms = st.sampled_from(
    [
        "%d-%m-%Y",
        "%d/%m/%Y",
        "%d.%m.%Y",
        "%Y-%m-%d",
        "%Y/%m/%d",
        "%d-%m-%y",
        "%d/%m/%y",
        "%-d/%-m/%Y",
        "words",
        "abbreviated",
        "digits",
    ]
)
no_digits = st.text(alphabet=st.characters(exclude_categories=["Nd", "No", "Nl", "Cs"]), max_size=10)


@given(st.dates(date(1900, 1, 1), date(2099, 12, 31)), date_forms, no_digits, no_digits)
@example(date(1980, 8, 5), "digits", "", "")
def test_any_text_holding_a_date_is_refused_as_a_date(day: date, form: str, before: str, after: str) -> None:
    if form == "words":
        written = f"{day.day} {INDONESIAN_MONTHS[day.month - 1]} {day.year}"
    elif form == "abbreviated":
        written = f"{day.day} {INDONESIAN_MONTHS[day.month - 1][:3]} {day.year}"
    elif form == "digits":
        written = day.strftime("%d%m%Y") if day.day < 10 else day.strftime("%d-%m-%Y")
    else:
        written = day.strftime(form)
    with pytest.raises(UnreadableAmountError) as caught:
        read_amount(f"{before} {written} {after}")
    assert caught.value.reason == "date" or len(f"{before} {written} {after}".strip()) > 60


@given(
    st.integers(min_value=1, max_value=10**12 - 1),
    st.sampled_from(["", "Rp ", "Rp", "rp. "]),
    st.sampled_from(["", ",-", ",00"]),
)
def test_any_grouped_amount_reads_back(n: int, prefix: str, suffix: str) -> None:
    for written in (f"{n:,}".replace(",", "."), f"{n:,}".replace(",", " "), str(n)):
        assert read_amount(prefix + written + suffix).rupiah == n
    assert read_amount(f"{n:,}").rupiah == n  # English grouping


@given(st.integers(0, 999), st.integers(0, 99), st.sampled_from([("jt", 10**6), ("rb", 10**3), ("juta", 10**6)]))
def test_a_decimal_before_a_scale_word(whole: int, fraction: int, scale: tuple[str, int]) -> None:
    word, size = scale
    amount = read_amount(f"{whole},{fraction:02d} {word}")
    assert amount == TypedAmount(Decimal(f"{whole}.{fraction:02d}"), size)
    assert amount.rupiah == whole * size + fraction * size // 100


@given(st.text(max_size=80))
@example("١٥٠٠")
@example("1" * 61)
@example("Rp ,-")
@example("se-")
def test_any_text_is_an_amount_or_a_refusal_with_a_known_reason(text: str) -> None:
    try:
        amount = read_amount(text)
    except UnreadableAmountError as error:
        assert error.reason in {"format", "several", "sign", "date", "too_large"}
        return
    assert amount.number >= 0
    assert amount.scale in {1, 10**3, 10**6, 10**9}
    assert amount.number * amount.scale < 10**12
    assert len(text.strip()) <= 60


@given(st.decimals(min_value=0, max_value=10**9, places=2), st.integers(1, 10**9))
def test_likely_meant_only_raises_a_bare_number_below_the_minimum(number: Decimal, minimum: int) -> None:
    meant = likely_meant(TypedAmount(number, 1), minimum)
    if number >= minimum or number == 0:
        assert meant is None
    elif meant is not None:
        assert meant in {number * 1_000, number * 1_000_000}
        assert meant == number * 1_000 or number * 1_000 < minimum
    assert likely_meant(TypedAmount(number, 1_000), minimum) is None
