"""Typed phone numbers to E.164 Indonesian mobiles, and masking."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.phones import InvalidPhoneError, mask_phone, normalise_mobile

E164 = "+6281234567890"


@pytest.mark.parametrize(
    "typed",
    [
        "081234567890",
        "0812 3456 7890",
        "0812-3456-7890",
        "0812.3456.7890",
        "(0812) 3456-7890",
        "+6281234567890",
        "+62 812 3456 7890",
        "+62-812-3456-7890",
        "+62 (812) 3456.7890",
        "6281234567890",
        "62 812 3456 7890",
        "62-812-3456-7890",
        "81234567890",
        "812 3456 7890",
        "whatsapp:+6281234567890",
        "WhatsApp:+62 812 3456 7890",
        "  0812 3456 7890\n",
        "0812\u00a03456\u00a07890",
        "0062 812 3456 7890",
        "(0812)3456 7890",
        "(0812) 3456 7890",
        "+62(812)3456-7890",
        "0062 (812) 3456 7890",
        "0812  3456  7890",
    ],
)
def test_every_typed_form_gives_the_same_e164(typed: str) -> None:
    assert normalise_mobile(typed) == E164


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("0811234567", "+62811234567"),
        ("62811234567", "+62811234567"),
        ("0852 1234 5678", "+6285212345678"),
        ("0896-1234-5678", "+6289612345678"),
    ],
)
def test_other_operators_and_lengths(typed: str, e164: str) -> None:
    assert normalise_mobile(typed) == e164


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("021 555 1234", "not_mobile"),
        ("+62 21 5551234", "not_mobile"),
        ("(0511) 123456", "not_mobile"),
        ("+1 415 555 2671", "not_indonesian"),
        ("+44 7911 123456", "not_indonesian"),
        ("whatsapp:+6591234567", "not_indonesian"),
        ("", "format"),
        ("   ", "format"),
        ("abc", "format"),
        ("0812-ABCD-7890", "format"),
        ("0812", "format"),
        ("+62", "format"),
        ("08123456789012345", "format"),
        ("+62 812 3456 7890 ext 5", "format"),
        ("0812\uff13456 7890", "format"),  # a full-width digit
        ("9" * 200, "format"),
        (".81.01//--. 19033/2.72", "format"),  # once stored as +62810119033272
        ("0812/3456/7890", "format"),
        ("++6281234567890", "format"),
        ("+62 812 3456+7890", "format"),
        ("0812+34567890", "format"),
        ("-0812 3456 7890", "format"),
        (".0812 3456 7890", "format"),
        ("0812--3456-7890", "format"),
        ("0812 -3456 7890", "format"),
        ("0812.-3456.7890", "format"),
        ("0812 3456 7890-", "format"),
        ("0812 (3456) 7890", "format"),
        ("+62812(3456)7890", "format"),
        ("((0812)) 3456 7890", "format"),
        ("(0812 3456 7890", "format"),
        ("0812 3456 789O", "format"),  # a letter O
        ("whatsapp:whatsapp:+6281234567890", "format"),
    ],
)
def test_refused_with_reason(typed: str, reason: str) -> None:
    with pytest.raises(InvalidPhoneError) as caught:
        normalise_mobile(typed)
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError)


@given(st.text(max_size=40))
def test_arbitrary_text_gives_a_mobile_or_invalid_phone_error(text: str) -> None:
    try:
        result = normalise_mobile(text)
    except InvalidPhoneError as error:
        assert error.reason in {"format", "not_indonesian", "not_mobile"}
    else:
        assert result.startswith("+628")
        assert result[1:].isdigit()


@given(st.text(alphabet="0123456789 -.", max_size=25), st.sampled_from(["/", "--", "..", "-.", "++", "+"]))
def test_a_slash_a_doubled_or_mixed_separator_or_an_inner_plus_is_refused(text: str, odd: str) -> None:
    middle = len(text) // 2
    with pytest.raises(InvalidPhoneError) as caught:
        normalise_mobile("0812" + text[:middle] + odd + text[middle:] + "7890")
    assert caught.value.reason == "format"


@given(st.text(alphabet="0123456789+ -.()", max_size=25))
def test_phone_like_text_is_idempotent(text: str) -> None:
    try:
        result = normalise_mobile(text)
    except InvalidPhoneError:
        return
    assert normalise_mobile(result) == result
    assert normalise_mobile("0" + result[3:]) == result


@given(st.from_regex(r"8[1-35-9][0-9]{8,9}", fullmatch=True), st.sampled_from(["0", "+62", "62", "", "+62 "]))
def test_prefix_forms_agree(national: str, prefix: str) -> None:
    try:
        expected = normalise_mobile("0" + national)
    except InvalidPhoneError:
        return
    assert expected == "+62" + national
    assert normalise_mobile(prefix + national) == expected


def test_mask_phone() -> None:
    assert mask_phone(E164) == "+62812****7890"
    assert mask_phone("+62811234567") == "+62811**4567"


@given(st.from_regex(r"\+628[0-9]{8,11}", fullmatch=True))
def test_mask_keeps_length_and_ends(e164: str) -> None:
    masked = mask_phone(e164)
    assert len(masked) == len(e164)
    assert masked[:6] == e164[:6]
    assert masked[-4:] == e164[-4:]
    assert set(masked[6:-4]) == {"*"}


@pytest.mark.parametrize("bad", ["081234567890", "+62812", "", "+62 812 3456 7890"])
def test_mask_refuses_non_e164(bad: str) -> None:
    with pytest.raises(ValueError):
        mask_phone(bad)
