"""Whole numbers written in words: Indonesian ("dua puluh satu", "seratus ribu", "sejuta") and English up to 99."""

from __future__ import annotations

import re

INDONESIAN_UNITS = {
    "satu": 1,
    "dua": 2,
    "tiga": 3,
    "empat": 4,
    "lima": 5,
    "enam": 6,
    "tujuh": 7,
    "delapan": 8,
    "sembilan": 9,
}
# The big steps, largest first: the word after a group of up to 999, and the "se-" word that means one of it.
INDONESIAN_SCALES = (
    (("miliar", "milyar"), ("semiliar", "semilyar"), 1_000_000_000),
    (("juta",), ("sejuta",), 1_000_000),
    (("ribu",), ("seribu",), 1_000),
)
# "se" written apart or with a dash before these words means one of them: "se ratus", "se-ribu".
_SE_JOINS = frozenset({"puluh", "belas", "ratus", "ribu", "juta", "miliar", "milyar"})
_MAX_WORDS = 24

ENGLISH_UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
ENGLISH_TEENS = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
ENGLISH_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_WORD_SPLIT = re.compile(r"[\s\-]+")


def indonesian_words(text: str) -> list[str]:
    """The words of a number in lower case, "se" written apart or with a dash joined on: "se-ribu" → ["seribu"]."""
    words: list[str] = []
    for word in _WORD_SPLIT.split(text.strip().lower()):
        if words and words[-1] == "se" and word in _SE_JOINS:
            words[-1] = "se" + word
        elif word:
            words.append(word)
    return words


def _at(words: list[str], index: int) -> str:
    return words[index] if index < len(words) else ""


def _below_thousand(words: list[str], start: int) -> tuple[int, int]:
    """The group of 0–999 read from `start`, and where it ended (`start` when no group is there)."""
    value, index = 0, start
    if _at(words, index) == "seratus":
        value, index = 100, index + 1
    elif _at(words, index) in INDONESIAN_UNITS and _at(words, index + 1) == "ratus":
        value, index = INDONESIAN_UNITS[words[index]] * 100, index + 2
    word = _at(words, index)
    if word == "sepuluh":
        return value + 10, index + 1
    if word == "sebelas":
        return value + 11, index + 1
    if word in INDONESIAN_UNITS:
        unit = INDONESIAN_UNITS[word]
        if _at(words, index + 1) == "belas":
            return value + 10 + unit, index + 2
        if _at(words, index + 1) == "puluh":
            value, index = value + unit * 10, index + 2
            if _at(words, index) in INDONESIAN_UNITS:
                return value + INDONESIAN_UNITS[words[index]], index + 1
            return value, index
        return value + unit, index + 1
    return value, index


def read_indonesian_words(words: list[str]) -> int | None:
    """The number that a list of Indonesian number words spells (see `read_number_words`), or None."""
    if words == ["nol"]:
        return 0
    if not words or len(words) > _MAX_WORDS:
        return None
    total, index = 0, 0
    for names, se_names, size in INDONESIAN_SCALES:
        if _at(words, index) in se_names:
            total, index = total + size, index + 1
            continue
        group, end = _below_thousand(words, index)
        if end > index and _at(words, end) in names:
            total, index = total + group * size, end + 1
    group, end = _below_thousand(words, index)
    if end != len(words):
        return None
    return total + group


def read_number_words(text: str) -> int | None:
    """The whole number written in Indonesian words ("dua ratus lima puluh ribu" → 250000), 0 up to 999 miliar."""
    return read_indonesian_words(indonesian_words(text))


def read_english_number_words(text: str) -> int | None:
    """The whole number 0–99 written in English words ("twenty-one", "twelve"), or None."""
    words = [word for word in _WORD_SPLIT.split(text.strip().lower()) if word]
    if len(words) == 1:
        word = words[0]
        if word == "zero":
            return 0
        return ENGLISH_UNITS.get(word) or ENGLISH_TEENS.get(word) or ENGLISH_TENS.get(word)
    if len(words) == 2 and words[0] in ENGLISH_TENS and words[1] in ENGLISH_UNITS:
        return ENGLISH_TENS[words[0]] + ENGLISH_UNITS[words[1]]
    return None
