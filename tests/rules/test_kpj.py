"""KPJ card numbers: 11 digits as people type them from the card, refused with a reason the flows can word."""

from __future__ import annotations

import pytest

from rules.kpj import InvalidKpjError, is_kpj, read_kpj
from rules.refusals import RefusedInputError


@pytest.mark.parametrize(
    "text",
    [
        "17012345678",
        " 17012345678 ",
        "170 1234 5678",
        "170-1234-5678",
        "17.012.345.678",
        "KPJ 17012345678",
        "kpj: 170 1234 5678",
        "No. KPJ 17012345678",
        "１７０１２３４５６７８",  # full-width digits from a phone keyboard
    ],
)
def test_the_card_number_is_read_as_people_type_it(text):
    assert read_kpj(text) == "17012345678"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1701234567", "length"),  # 10 digits
        ("170123456789", "length"),  # 12 digits
        ("6310054508800001", "length"),  # a NIK
        ("", "digits"),
        ("kpj", "digits"),
        ("belum punya", "digits"),
        ("17O12345678", "digits"),  # the letter O among 11 characters
        ("1701234567a", "digits"),
        ("170/1234/5678", "digits"),
        ("17012345678 😀", "digits"),
        ("1" * 5000, "length"),
    ],
)
def test_what_is_not_a_card_number_is_refused_with_a_reason(text, reason):
    with pytest.raises(InvalidKpjError) as refused:
        read_kpj(text)
    assert refused.value.reason == reason
    assert isinstance(refused.value, RefusedInputError)
    assert len(refused.value.text) <= 64
    assert text[:20] not in str(refused.value) or not text


def test_is_kpj():
    assert is_kpj("170 1234 5678")
    assert not is_kpj("6310054508800001")
