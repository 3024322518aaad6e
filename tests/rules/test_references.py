"""Receipt references: ASCII letters, digits and - / . _, 2 to 60 characters."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.references import InvalidReferenceError, read_reference


@pytest.mark.parametrize(
    ("typed", "reference"),
    [
        ("BR-1", "BR-1"),
        ("  KWT/2026/001 \n", "KWT/2026/001"),
        ("TRX_88", "TRX_88"),
        ("inv.2026.04", "inv.2026.04"),
        ("42", "42"),
        ("A" * 60, "A" * 60),
        ("-1", "-1"),
    ],
)
def test_a_reference_is_kept_as_typed_with_its_ends_trimmed(typed: str, reference: str) -> None:
    assert read_reference(typed) == reference


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "length"),
        ("   ", "length"),
        ("A", "length"),
        ("A" * 61, "length"),
        ("x" * 5000, "length"),
        ("BR 1", "characters"),
        ("BR\t1", "characters"),
        ("BR#1", "characters"),
        ("BR,1", "characters"),
        ("ÜBER-1", "characters"),
        ("１２", "characters"),  # full-width digits
        ("BR\u200b1", "characters"),
        ("--", "characters"),
        ("./", "characters"),
        ("__..", "characters"),
        ("😀😀", "characters"),
    ],
)
def test_refused_with_reason(typed: str, reason: str) -> None:
    with pytest.raises(InvalidReferenceError) as caught:
        read_reference(typed)
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError)


@given(st.text(max_size=80))
def test_any_text_is_a_clean_reference_or_refused(text: str) -> None:
    try:
        reference = read_reference(text)
    except InvalidReferenceError as error:
        assert error.reason in {"length", "characters"}
        return
    assert re.fullmatch(r"[A-Za-z0-9\-/._]{2,60}", reference)
    assert re.search(r"[A-Za-z0-9]", reference)
    assert read_reference(reference) == reference


@given(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9\-/._]{1,59}", fullmatch=True))
def test_every_well_formed_reference_is_accepted(reference: str) -> None:
    assert read_reference(f" {reference} ") == reference
