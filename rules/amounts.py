"""Reading one Rupiah amount as people type it ("1jt", "1,5 juta", "1.500.000", "dua juta"), never adding numbers up.

lokal-id's `parse_rupiah` is no longer used: it adds up every number in a text ("2 3" → 5, "05-08-1980" → 1993),
drops minus signs, and reads through floats. Refusing those needs the text split into numbers and words anyway, and
once that is done a single number is a few lines more, read exactly with Decimal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from rules.dates import month_words
from rules.number_words import indonesian_words, read_indonesian_words
from rules.refusals import RefusedInputError

MAX_INPUT = 60
TOO_LARGE = 10**12
THOUSAND, MILLION, BILLION = 1_000, 1_000_000, 1_000_000_000
SCALE_WORDS = {
    "rb": THOUSAND,
    "rbu": THOUSAND,
    "ribu": THOUSAND,
    "rebu": THOUSAND,
    "k": THOUSAND,
    "thousand": THOUSAND,
    "jt": MILLION,
    "juta": MILLION,
    "million": MILLION,
    "m": BILLION,
    "miliar": BILLION,
    "milyar": BILLION,
    "billion": BILLION,
}
_SCALE_NAMES = {THOUSAND: "ribu", MILLION: "juta", BILLION: "miliar"}
_SE_SCALES = {"seribu": THOUSAND, "sejuta": MILLION, "semiliar": BILLION, "semilyar": BILLION}
CURRENCY_WORDS = frozenset({"rp", "idr", "rupiah"})
NEGATIVE_WORDS = frozenset({"minus", "negatif", "negative"})
HALF = "setengah"

# Dates: 05-08-1980, 5/8/80, 05.08.1980, 5 8 1980, 1980-08-05 (a month written in words is found word by word).
_DATE_PATTERNS = (
    re.compile(r"(?<![0-9])[0-9]{1,2} ?([-/.]) ?[0-9]{1,2} ?\1 ?(?:[0-9]{4}|[0-9]{2})(?![0-9])"),
    re.compile(r"(?<![0-9])[0-9]{4}([-/.])[0-9]{1,2}\1[0-9]{1,2}(?![0-9])"),
    re.compile(r"(?<![0-9.,])(?:[1-9]|[0-2][0-9]|3[01]) (?:[1-9]|0[1-9]|1[0-2]) (?:19|20)[0-9]{2}(?![0-9.,])"),
)
# DDMMYYYY with a leading zero ("05081980"): no amount starts with 0, so this can only be a date. "15081980" is read as
# an amount (15,081,980).
_DAY_MONTH_YEAR = re.compile(r"(?<![0-9.,])(0[1-9])(0[1-9]|1[0-2])((?:19|20)[0-9]{2})(?![0-9.,])")
_SIGN = re.compile(r"^(?:(?:rp|idr)\.?\s*)?[-+\u2212\u2013\u2014]|\+")
_RUPIAH_TAIL = re.compile(r"[.,]\s*[-=]+\.?$")
_SE_DASH = re.compile(r"\bse-(?=[a-z])")
_TOKEN = re.compile(r"(?P<number>[0-9]+(?:[.,][0-9]+)*)|(?P<word>[a-z]+)\.?|(?P<gap>[\s\-/]+)|(?P<other>.)", re.ASCII)
_SPACED_THOUSANDS = re.compile(r"(?<![0-9.,])[0-9]{1,3}(?: [0-9]{3})+(?![0-9]|[.,][0-9]{3})")
_LETTERS = re.compile(r"[a-z]+")


class UnreadableAmountError(RefusedInputError):
    """Typed text that is not one amount of money: "format", "several", "sign", "date" or "too_large"."""

    what = "one amount of money"


@dataclass(frozen=True)
class TypedAmount:
    """One amount as typed: the number before any scale word, and the scale word's size (1 when none was typed)."""

    number: Decimal
    scale: int = 1

    @property
    def rupiah(self) -> int | None:
        """The amount in Rupiah when it is a whole number of Rupiah, else None ("1,5" alone has no whole Rupiah)."""
        value = self.number * self.scale
        return int(value) if value == value.to_integral_value() else None


def _looks_like_date(plain: str) -> bool:
    if any(pattern.search(plain) for pattern in _DATE_PATTERNS):
        return True
    for match in _DAY_MONTH_YEAR.finditer(plain):
        try:
            date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        except ValueError:
            continue
        return True
    # A month's name: "5 Agustus 1980", "lima agt 80".
    return any(word in month_words() for word in _LETTERS.findall(plain))


def _number(token: str, text: str) -> Decimal:
    """A number typed with thousands separators and a decimal mark: "1.500.000", "1,500,000", "1,5", "1.500,50"."""
    parts = re.split(r"([.,])", token)
    groups, marks = parts[0::2], parts[1::2]
    decimals = ""
    if marks and len(groups[-1]) in (1, 2):
        decimals = groups.pop()
        decimal_mark = marks.pop()
        if decimal_mark in marks:  # "1.500.50": the same mark cannot group thousands and mark decimals
            raise UnreadableAmountError(text, "format")
    if marks:
        if len(set(marks)) > 1 or not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:]):
            raise UnreadableAmountError(text, "format")
        if groups[0].startswith("0"):
            raise UnreadableAmountError(text, "format")
    whole = "".join(groups)
    if len(whole) > 1 and whole.startswith("0"):  # "0812…" is a phone number, "050000" nothing anyone writes
        raise UnreadableAmountError(text, "format")
    return Decimal(f"{whole}.{decimals}" if decimals else whole)


def _tokens(plain: str, text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for match in _TOKEN.finditer(plain):
        kind = match.lastgroup or "other"
        if kind == "other":
            raise UnreadableAmountError(text, "format")
        if kind != "gap" and match.group(kind) not in CURRENCY_WORDS:
            found.append((kind, match.group(kind)))
    return found


def _scale_of(word: str) -> int:
    return _SE_SCALES.get(word) or (SCALE_WORDS[word] if word in _SCALE_NAMES.values() or word == "milyar" else 1)


def _from_words(typed: list[str], text: str) -> TypedAmount:
    """An amount in Indonesian words: "dua juta", "lima ratus ribu", "satu setengah juta", "sejuta setengah"."""
    words = indonesian_words(" ".join(_SCALE_NAMES.get(SCALE_WORDS.get(word, 0), word) for word in typed))
    if HALF not in words:
        value = read_indonesian_words(words)
        if value is None:
            raise UnreadableAmountError(text, "format")
        scale = max(_scale_of(word) for word in words)
        return TypedAmount(Decimal(value) / scale, scale)
    # A half of the one scale word: before it ("satu setengah juta", "setengah juta") or after it ("sejuta setengah").
    at = words.index(HALF)
    rest = words[:at] + words[at + 1 :]
    steps = [word for word in rest if _scale_of(word) > 1]
    before = at == len(words) - 2
    if len(steps) != 1 or rest[-1] != steps[0] or at < len(words) - 2 or (before and steps[0] in _SE_SCALES):
        raise UnreadableAmountError(text, "format")
    scale = _scale_of(steps[0])
    value = 0 if rest == [steps[0]] and steps[0] not in _SE_SCALES else read_indonesian_words(rest)
    if value is None:
        raise UnreadableAmountError(text, "format")
    return TypedAmount(Decimal(value) / scale + Decimal("0.5"), scale)


def _from_digits(tokens: list[tuple[str, str]], text: str) -> TypedAmount:
    """One number with an optional scale word, or "1 jt 500 rb" (each part smaller than the step before it)."""
    numbers: list[Decimal] = []
    scales: list[int] = []
    for kind, value in tokens:
        if kind == "number":
            numbers.append(_number(value, text))
            scales.append(0)
        elif value in SCALE_WORDS and scales and scales[-1] == 0:
            scales[-1] = SCALE_WORDS[value]
        else:
            raise UnreadableAmountError(text, "format")
    if len(numbers) == 1:
        return TypedAmount(numbers[0], scales[0] or 1)
    if 0 in scales:
        raise UnreadableAmountError(text, "several")
    for index in range(1, len(numbers)):
        if numbers[index] * scales[index] >= scales[index - 1]:
            raise UnreadableAmountError(text, "several")
    total = sum((number * scale for number, scale in zip(numbers, scales, strict=True)), Decimal(0))
    return TypedAmount(total / scales[0], scales[0])


def read_amount(text: str) -> TypedAmount:
    """The one amount in the text, read whole; raises UnreadableAmountError with the reason it is not one amount."""
    stripped = text.strip()
    if not stripped or len(stripped) > MAX_INPUT:
        raise UnreadableAmountError(text, "format")
    plain = " ".join(stripped.lower().split())
    if not any(char.isalnum() for char in plain):  # "-", "+", "😀": nothing to read
        raise UnreadableAmountError(text, "format")
    if _looks_like_date(plain):
        raise UnreadableAmountError(text, "date")
    plain = _RUPIAH_TAIL.sub("", plain).rstrip(".").rstrip()
    if _SIGN.search(plain) or any(word in NEGATIVE_WORDS for word in _LETTERS.findall(plain)):
        raise UnreadableAmountError(text, "sign")
    plain = _SPACED_THOUSANDS.sub(lambda match: match.group().replace(" ", ""), _SE_DASH.sub("se", plain))
    tokens = _tokens(plain, text)
    if not tokens:
        raise UnreadableAmountError(text, "format")
    if all(kind == "word" for kind, _ in tokens):
        amount = _from_words([value for _, value in tokens], text)
    else:
        amount = _from_digits(tokens, text)
    if amount.number * amount.scale >= TOO_LARGE:
        raise UnreadableAmountError(text, "too_large")
    return amount


def likely_meant(amount: TypedAmount, plausible_minimum: int) -> int | None:
    """When a bare number (no scale word) is below what anyone would mean here, the reading a person most likely
    meant: ×1,000 when that reaches plausible_minimum, else ×1,000,000; None when the amount is plausible as typed
    or has a scale word (or is zero, which no scale makes plausible)."""
    if amount.scale != 1 or amount.number <= 0 or amount.number >= plausible_minimum:
        return None
    for scale in (THOUSAND, MILLION):
        meant = amount.number * scale
        if meant >= plausible_minimum or scale == MILLION:
            return int(meant) if meant == meant.to_integral_value() and meant < TOO_LARGE else None
    return None
