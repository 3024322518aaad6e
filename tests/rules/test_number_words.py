"""Whole numbers in Indonesian words, and in English words up to 99."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.number_words import indonesian_words, read_english_number_words, read_number_words

UNITS = ["", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"]


def below_thousand(n: int) -> list[str]:
    """How n (1–999) is said, written independently of the code under test."""
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words += ["seratus"] if hundreds == 1 else [UNITS[hundreds], "ratus"]
    tens, units = divmod(rest, 10)
    if rest == 10:
        words.append("sepuluh")
    elif rest == 11:
        words.append("sebelas")
    elif tens == 1:
        words += [UNITS[units], "belas"]
    else:
        if tens:
            words += [UNITS[tens], "puluh"]
        if units:
            words.append(UNITS[units])
    return words


def spoken(n: int) -> str:
    """n (0–999,999,999) in Indonesian words: "seribu", "dua juta lima ratus ribu"."""
    if n == 0:
        return "nol"
    words: list[str] = []
    for size, name, se_name in ((1_000_000, "juta", "sejuta"), (1_000, "ribu", "seribu")):
        group, n = divmod(n, size)
        if group == 1:
            words.append(se_name)
        elif group:
            words += [*below_thousand(group), name]
    if n:
        words += below_thousand(n)
    return " ".join(words)


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("nol", 0),
        ("satu", 1),
        ("sembilan", 9),
        ("sepuluh", 10),
        ("sebelas", 11),
        ("dua belas", 12),
        ("sembilan belas", 19),
        ("dua puluh", 20),
        ("dua puluh satu", 21),
        ("tiga puluh satu", 31),
        ("seratus", 100),
        ("seratus satu", 101),
        ("lima ratus", 500),
        ("seribu", 1_000),
        ("seribu lima ratus", 1_500),
        ("dua ribu", 2_000),
        ("lima ratus ribu", 500_000),
        ("dua ratus lima puluh ribu", 250_000),
        ("sejuta", 1_000_000),
        ("satu juta", 1_000_000),
        ("dua juta lima ratus ribu", 2_500_000),
        (
            "sembilan ratus sembilan puluh sembilan juta sembilan ratus sembilan puluh sembilan ribu "
            "sembilan ratus sembilan puluh sembilan",
            999_999_999,
        ),
        ("dua miliar", 2_000_000_000),
        ("se ratus", 100),
        ("se-ribu", 1_000),
        ("Dua  Puluh-Satu", 21),
    ],
)
def test_indonesian_number_words(typed: str, value: int) -> None:
    assert read_number_words(typed) == value


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "ribu",
        "juta",
        "nol nol",
        "nol ribu",
        "dua ribu ribu",
        "puluh",
        "dua dua",
        "satu setengah",
        "seribu seribu",
        "ribu dua",
        "dua puluh ratus",
        "abc",
        "2",
        "dua 2",
        "sebelas belas",
        " ".join(["satu"] * 30),
    ],
)
def test_not_a_number_in_words(typed: str) -> None:
    assert read_number_words(typed) is None


def test_se_joins_only_number_words() -> None:
    assert indonesian_words("se-ribu se ratus") == ["seribu", "seratus"]
    assert indonesian_words("se bulan") == ["se", "bulan"]


@given(st.integers(0, 999_999_999))
def test_every_number_reads_back_from_its_words(n: int) -> None:
    assert read_number_words(spoken(n)) == n


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("zero", 0),
        ("one", 1),
        ("twelve", 12),
        ("twenty", 20),
        ("twenty-one", 21),
        ("thirty one", 31),
        ("Ninety-Nine", 99),
    ],
)
def test_english_number_words(typed: str, value: int) -> None:
    assert read_english_number_words(typed) == value


@pytest.mark.parametrize("typed", ["", "hundred", "one one", "twenty twelve", "satu", "twenty-one-one", "a"])
def test_not_an_english_number(typed: str) -> None:
    assert read_english_number_words(typed) is None
