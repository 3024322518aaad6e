"""Plain-text rendering of replies, and money, dates and languages formatted with Babel."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.i18n import DEFAULT_LANGUAGE, MissingMessageError, Translator, long_date, money, month_year, supported
from flows.render import numbered, reply_hint, split_text
from flows.turn import Option, Reply

ID = Translator("id")
EN = Translator("en")


def _reply(count: int, t: Translator = ID) -> Reply:
    options = tuple(Option(f"v{n}", f"Pilihan {n}") for n in range(1, count + 1))
    return Reply("Pilih:", options, language=t.language)


# -- numbered -------------------------------------------------------------------------


def test_numbered_lists_each_option_with_its_number_then_the_hint():
    text = numbered(_reply(2))
    lines = text.split("\n")
    assert lines[0] == "Pilih:"
    assert "1. Pilihan 1" in lines and "2. Pilihan 2" in lines
    assert lines.index("1. Pilihan 1") < lines.index("2. Pilihan 2")
    assert lines[-1] == "Balas 1 atau 2."


def test_numbered_hint_in_english():
    assert numbered(_reply(2, EN)).split("\n")[-1] == "Reply 1 or 2."
    assert numbered(_reply(3, EN)).split("\n")[-1] == "Reply 1, 2, or 3."


def test_numbered_hint_for_many_choices_gives_the_range():
    text = numbered(_reply(8))
    assert "8. Pilihan 8" in text
    assert text.split("\n")[-1] == ID("common.reply_hint.many", last=8)
    assert "1 sampai 8" in text
    assert numbered(_reply(8, EN)).split("\n")[-1] == "Reply with a number from 1 to 8."


def test_reply_hint_switches_from_listing_to_a_range_after_three():
    assert reply_hint(3, ID) == "Balas 1, 2, atau 3."
    assert reply_hint(4, ID) == "Balas dengan angka 1 sampai 4."


def test_numbered_without_options_is_just_the_text():
    assert numbered(Reply("Halo")) == "Halo"


# -- split_text -------------------------------------------------------------------------


def test_split_text_keeps_short_text_whole():
    assert split_text("satu dua tiga", 100) == ["satu dua tiga"]


def test_split_text_cuts_at_word_ends_within_the_limit():
    text = " ".join(f"kata{n}" for n in range(200))
    parts = split_text(text, 50)
    assert len(parts) > 1
    assert all(len(part) <= 50 for part in parts)
    assert " ".join(parts).split() == text.split()


def test_split_text_cuts_a_word_longer_than_the_limit_without_losing_characters():
    text = "a" * 25 + " " + "b" * 3
    parts = split_text(text, 10)
    assert all(len(part) <= 10 for part in parts)
    assert "".join(parts).replace(" ", "") == text.replace(" ", "")


_words = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyzRp.,0123456789", min_size=1, max_size=12), max_size=80)
_separators = st.lists(st.sampled_from([" ", "\n", "\n\n", "  "]), min_size=80, max_size=80)


@given(_words, _separators, st.integers(min_value=12, max_value=200))
def test_split_text_parts_fit_and_no_word_is_lost(words, separators, limit):
    text = "".join(word + separator for word, separator in zip(words, separators, strict=False)).strip()
    parts = split_text(text, limit)
    assert all(0 < len(part) <= limit for part in parts)
    assert "\n".join(parts).split() == text.split()


@given(st.text(max_size=300), st.integers(min_value=1, max_value=60))
def test_split_text_never_exceeds_the_limit_nor_drops_characters(text, limit):
    parts = split_text(text, limit)
    assert all(len(part) <= limit and part.strip() for part in parts)
    assert "".join("".join(parts).split()) == "".join(text.split())


def test_split_text_makes_no_blank_part_from_leading_or_only_blanks():
    assert split_text("  " + "a" * 20, 10) == ["a" * 10, "a" * 10]
    assert split_text("   ", 10) == []


# -- money, dates, languages ------------------------------------------------------------


def test_money_groups_digits_the_way_each_language_writes_them():
    assert money(16_800, "id") == "Rp16.800"
    assert money(16_800, "en") == "Rp16,800"
    assert money(42_000_000, "id") == "Rp42.000.000"
    assert money(42_000_000, "en") == "Rp42,000,000"
    assert money(0, "id") == "Rp0"
    assert ID.money(36_800) == "Rp36.800" and EN.money(36_800) == "Rp36,800"


def test_dates_are_written_with_the_month_in_words():
    assert long_date(date(2026, 8, 5), "id") == "5 Agustus 2026"
    assert long_date(date(2026, 8, 5), "en") == "5 August 2026"
    assert ID.date(date(2027, 3, 1)) == "1 Maret 2027"
    assert month_year(date(2027, 3, 1), "id") == "Maret 2027"
    assert EN.month(date(2027, 3, 1)) == "March 2027"


@pytest.mark.parametrize(
    ("hint", "language"),
    [
        ("en-US", "en"),
        ("en_GB", "en"),
        ("EN", "en"),
        ("id", "id"),
        ("id-ID", "id"),
        ("in", DEFAULT_LANGUAGE),
        ("fr", DEFAULT_LANGUAGE),
        ("", DEFAULT_LANGUAGE),
        (None, DEFAULT_LANGUAGE),
    ],
)
def test_supported_maps_a_language_hint_to_one_we_speak(hint, language):
    assert supported(hint) == language


def test_translator_falls_back_to_the_default_language_and_fills_placeholders():
    assert Translator("fr").language == DEFAULT_LANGUAGE
    assert Translator("en-US")("common.reply_hint.many", last=4) == "Reply with a number from 1 to 4."
    assert ID.has("common.help") and not ID.has("common.no_such_key")


def test_translator_raises_a_named_error_for_a_missing_key():
    with pytest.raises(MissingMessageError):
        ID("common.no_such_key")
