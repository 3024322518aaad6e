"""Validating the rows of a branch office's payment file: NIK, first month, months or end, amount, reference."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from rules.dates import InvalidDateError, month_words, parse_date
from rules.nik import InvalidNikError, parse_nik

MAX_MONTHS = 24
HEADERS = {
    "nik": ("nik",),
    "paid_from": ("paid_from", "paid from", "first_month", "bulan_mulai", "bulan mulai", "mulai", "dari"),
    "months": ("months", "bulan", "jumlah_bulan", "jumlah bulan", "lama"),
    "paid_through": ("paid_through", "paid through", "sampai", "hingga", "sampai_tanggal"),
    "amount": ("amount", "jumlah", "nominal", "iuran", "jumlah_iuran"),
    "reference": ("reference", "referensi", "ref", "no_referensi", "nomor_referensi", "kwitansi"),
}
_YEAR_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})[-/.](\d{4})$")
_WORD_MONTH_YEAR = re.compile(r"^([a-z]+)\.?\s+(\d{4})$")
_AMOUNT = re.compile(r"^(?:rp\.?\s*)?(\d{1,3}(?:[.,]\d{3})+|\d+)(?:[.,]00)?$")


@dataclass(frozen=True)
class PaymentRow:
    """A valid row: the worker's NIK, the first month paid, how many months, the amount and the reference."""

    line: int
    nik: str
    first_month: date
    months: int
    amount: int
    reference: str


@dataclass(frozen=True)
class RowError:
    """Why a row of the file was refused, with its line number."""

    line: int
    message: str


def column_map(header: list[str]) -> dict[str, int]:
    """Which column holds each field, from a header in English or Indonesian; missing fields are absent."""
    found: dict[str, int] = {}
    for index, name in enumerate(header):
        key = " ".join(str(name or "").strip().lower().replace("-", "_").split())
        for field, names in HEADERS.items():
            if key in names or key.replace(" ", "_") in names:
                found.setdefault(field, index)
    return found


def missing_columns(columns: dict[str, int]) -> list[str]:
    """The required fields the header lacks (months or paid_through: one of them)."""
    missing = [f for f in ("nik", "paid_from", "amount", "reference") if f not in columns]
    if "months" not in columns and "paid_through" not in columns:
        missing.append("months or paid_through")
    return missing


def parse_month(text: str) -> date:
    """A month as 2026-01, 2026-01-15, 01/2026 or Januari 2026: its first day."""
    plain = " ".join(str(text).strip().lower().split())
    if match := _YEAR_MONTH.match(plain):
        return date(int(match.group(1)), int(match.group(2)), 1)
    if match := _MONTH_YEAR.match(plain):
        return date(int(match.group(2)), int(match.group(1)), 1)
    if (match := _WORD_MONTH_YEAR.match(plain)) and match.group(1) in month_words():
        return date(int(match.group(2)), month_words()[match.group(1)], 1)
    raise ValueError(text)


def _months_between(first: date, through: date) -> int:
    return (through.year - first.year) * 12 + through.month - first.month + 1


def _amount(text: str) -> int:
    plain = str(text).strip().lower().replace(" ", "")
    match = _AMOUNT.match(plain)
    if not match:
        raise ValueError(text)
    return int(re.sub(r"[.,]", "", match.group(1)))


def _cell(values: list[object], columns: dict[str, int], field: str) -> str:
    index = columns.get(field)
    if index is None or index >= len(values) or values[index] is None:
        return ""
    value = values[index]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, date):
        return value.isoformat()[:10]
    return str(value).strip()


def parse_row(line: int, values: list[object], columns: dict[str, int], today: date) -> PaymentRow | RowError:
    """One data row checked field by field; the first problem found is reported."""
    nik_text = _cell(values, columns, "nik")
    try:
        nik = parse_nik(nik_text, today).number
    except InvalidNikError as error:
        return RowError(line, f"NIK {nik_text!r} is not valid ({error.reason})")
    try:
        first = parse_month(_cell(values, columns, "paid_from"))
    except ValueError:
        return RowError(line, f"paid-from month {_cell(values, columns, 'paid_from')!r} is not a month like 2026-01")
    months_text = _cell(values, columns, "months")
    if months_text:
        # isdigit() alone lets "²" through, which int() cannot read.
        if not (months_text.isascii() and months_text.isdigit()) or not 1 <= int(months_text) <= MAX_MONTHS:
            return RowError(line, f"months {months_text!r} must be a whole number from 1 to {MAX_MONTHS}")
        months = int(months_text)
    else:
        through_text = _cell(values, columns, "paid_through")
        if not through_text:
            return RowError(line, "give the number of months or a paid-through date")
        try:
            through = parse_date(through_text, today)
        except InvalidDateError:
            return RowError(line, f"paid-through {through_text!r} is not a date like 2026-12-31")
        months = _months_between(first, through)
        if not 1 <= months <= MAX_MONTHS:
            return RowError(line, f"paid-through {through_text!r} must be 1 to {MAX_MONTHS} months after paid-from")
    try:
        amount = _amount(_cell(values, columns, "amount"))
    except ValueError:
        return RowError(line, f"amount {_cell(values, columns, 'amount')!r} is not a whole Rupiah amount")
    reference = _cell(values, columns, "reference")
    if not reference or len(reference) > 60:
        return RowError(line, "reference is missing or longer than 60 characters")
    return PaymentRow(line, nik, first, months, amount, reference)
