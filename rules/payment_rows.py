"""Validating the rows of a branch office's payment file: NIK, first month, months or end, amount, reference; then
checking them against the register (registration, months ahead, months paid, the contribution)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as _field
from datetime import date, datetime
from functools import cache
from itertools import groupby
from typing import NamedTuple
from zoneinfo import ZoneInfo

from rules.contribution import monthly_amount
from rules.dates import InvalidDateError, month_words, parse_date
from rules.months import add_months
from rules.nik import InvalidNikError, mask_nik, parse_nik
from rules.timezones import zone_for_village

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


# -- checks against the register: the worker, their registration, months ahead, months paid, the amount -------------

DEFAULT_MAX_MONTHS_AHEAD = 12


class PayingWorker(NamedTuple):
    """A registered worker as the checks see them: id, NIK, what prices a month, and their registration month."""

    id: int
    nik: str
    segment: str
    declared_income: int
    programmes: str
    occupation: str
    payer: str
    registered_month: date


class RecordedPayment(NamedTuple):
    """A payment already recorded for a worker: first month, months, amount, source and reference."""

    first_month: date
    months: int
    amount: int
    source: str
    reference: str


@dataclass
class RowChecks:
    """The rows that passed (in line order), those of them to record, the errors, and the rows not priced (PU)."""

    valid: list[PaymentRow] = _field(default_factory=list)
    new: list[PaymentRow] = _field(default_factory=list)
    errors: list[RowError] = _field(default_factory=list)
    unpriced: int = 0


def registration_month(registered_at: datetime, village_code: str) -> date:
    """The first day of the month a worker was registered in, in their village's time zone."""
    local = registered_at.astimezone(_zone(village_code))
    return date(local.year, local.month, 1)


@cache
def _zone(village_code: str) -> ZoneInfo:
    return ZoneInfo(zone_for_village(village_code))


def rupiah_text(amount: int) -> str:
    """Whole Rupiah as the branch office writes them: Rp50.400."""
    return f"Rp{amount:,}".replace(",", ".")


def _index(month: date) -> int:
    return month.year * 12 + month.month - 1


def _month_text(index: int) -> str:
    year, month = divmod(index, 12)
    return f"{year:04d}-{month + 1:02d}"


def _span(indexes: list[int]) -> str:
    first, last = min(indexes), max(indexes)
    return _month_text(first) if first == last else f"{_month_text(first)} to {_month_text(last)}"


def _months_word(count: int) -> str:
    return f"{count} month" + ("" if count == 1 else "s")


class _Prices:
    """Each period's contribution (sum of monthly_amount, each month at its own rate), computed once per terms."""

    def __init__(self) -> None:
        self.totals: dict[tuple[object, ...], tuple[int | None, str]] = {}

    def expected(self, worker: PayingWorker, first: date, months: int) -> tuple[int | None, str]:
        """The total (None for PU) and, when the months differ in price, how it adds up."""
        key = (
            worker.segment,
            worker.declared_income,
            worker.programmes,
            worker.occupation,
            worker.payer,
            first,
            months,
        )
        found = self.totals.get(key)
        if found is None:
            found = self.totals[key] = _price(worker, first, months)
        return found


def _price(worker: PayingWorker, first: date, months: int) -> tuple[int | None, str]:
    monthly = [monthly_amount(worker, add_months(first, n)) for n in range(months)]
    if any(amount is None for amount in monthly):
        return None, ""
    amounts = [amount for amount in monthly if amount is not None]
    runs = [(amount, len(list(run))) for amount, run in groupby(amounts)]
    parts = " + ".join(f"{count} × {rupiah_text(amount)}" for amount, count in runs)
    return sum(amounts), f" ({parts})" if len(runs) > 1 else ""


def check_rows(
    rows: Iterable[PaymentRow],
    workers: Mapping[str, PayingWorker],
    recorded: Mapping[int, Sequence[RecordedPayment]],
    today: date,
    *,
    source: str,
    max_months_ahead: int = DEFAULT_MAX_MONTHS_AHEAD,
) -> RowChecks:
    """Checks rows (in line order) as the chat checks a payment: registration, months ahead, months paid, amount."""
    checks = RowChecks()
    prices = _Prices()
    latest = _index(today) + max_months_ahead
    # Per worker, the periods paid so far as (first month index, last month index, by what): recorded payments, then
    # the rows of this file accepted so far. A worker's first accepted row is kept alone (in `only`) until a second
    # row or a recorded payment needs the list: the common file pays each worker once, and 100,000 rows then allocate
    # nothing that outlives them (see bench/).
    periods: dict[int, list[tuple[int, int, RecordedPayment | PaymentRow]]] = {}
    only: dict[int, PaymentRow] = {}
    for row in rows:
        worker = workers.get(row.nik)
        if worker is None:
            checks.errors.append(RowError(row.line, f"NIK {mask_nik(row.nik)} is not registered"))
            continue
        worker_id, first_month, months = worker.id, row.first_month, row.months
        paid = periods.get(worker_id)
        if paid is None and worker_id in recorded and any(_same(row, p, source) for p in recorded[worker_id]):
            checks.valid.append(row)  # the file imported again: found before building the worker's periods
            continue
        if paid is None and (worker_id in recorded or worker_id in only):
            paid = periods[worker_id] = [_period(payment) for payment in recorded.get(worker_id, ())]
            if worker_id in only:
                paid.append(_period(only.pop(worker_id)))
        if paid is not None and any(_same(row, payment, source) for _, _, payment in paid):
            checks.valid.append(row)
            continue
        expected, parts = prices.expected(worker, first_month, months)
        first = first_month.year * 12 + first_month.month - 1
        last = first + months - 1
        fine = paid is None and first >= _index(worker.registered_month) and last <= latest
        if not (fine and (expected is None or expected == row.amount)):
            problem = _problem(row, worker, paid or (), latest, max_months_ahead, expected, parts, source)
            if problem is not None:
                checks.errors.append(RowError(row.line, f"{problem} (NIK {mask_nik(row.nik)})"))
                continue
        if expected is None:
            checks.unpriced += 1
        if paid is None:
            only[worker_id] = row
        else:
            paid.append((first, last, row))
        checks.valid.append(row)
        checks.new.append(row)
    return checks


def _period(payment: RecordedPayment | PaymentRow) -> tuple[int, int, RecordedPayment | PaymentRow]:
    first = _index(payment.first_month)
    return (first, first + payment.months - 1, payment)


def _same(row: PaymentRow, payment: RecordedPayment | PaymentRow, source: str) -> bool:
    """Whether the row is this payment again (a recorded one of the same source, or an earlier row): the same
    reference, first month, months and amount. Importing it again records nothing and checks nothing."""
    if isinstance(payment, RecordedPayment) and payment.source != source:
        return False
    return (payment.reference, payment.first_month, payment.months, payment.amount) == (
        row.reference,
        row.first_month,
        row.months,
        row.amount,
    )


def _paid_by(payment: RecordedPayment | PaymentRow, source: str) -> str:
    if isinstance(payment, PaymentRow):
        return f"line {payment.line}"
    return f"payment {payment.reference}" + ("" if payment.source == source else f" ({payment.source})")


def _problem(
    row: PaymentRow,
    worker: PayingWorker,
    paid: Iterable[tuple[int, int, RecordedPayment | PaymentRow]],
    latest: int,
    max_months_ahead: int,
    expected: int | None,
    parts: str,
    source: str,
) -> str | None:
    """The first check a new row fails, or None: no month before the registration month, none more than
    max_months_ahead after this month, none paid by another payment (recorded, or an earlier row of the file), and
    the amount equal to the sum of the months' contributions (not checked for PU: expected is None)."""
    first = _index(row.first_month)
    last = first + row.months - 1
    registered = _index(worker.registered_month)
    if first < registered:
        return (
            f"paid-from month {_month_text(first)} is before the registration month {_month_text(registered)}; "
            f"pay from {_month_text(registered)} on"
        )
    if last > latest:
        return (
            f"{_months_word(row.months)} from {_month_text(first)} run to {_month_text(last)}, more than "
            f"{_months_word(max_months_ahead)} ahead; the last month that can be paid now is {_month_text(latest)}"
        )
    overlap: list[int] = []
    by: dict[str, None] = {}
    for start, end, payment in paid:
        if start <= last and first <= end:
            overlap.extend(range(max(start, first), min(end, last) + 1))
            by[_paid_by(payment, source)] = None
    if overlap:
        return f"{_span(overlap)} already paid by {' and '.join(by)}"
    if expected is not None and expected != row.amount:
        return (
            f"amount {rupiah_text(row.amount)} does not match the contribution {rupiah_text(expected)}{parts} "
            f"for {_months_word(row.months)} from {_month_text(first)}"
        )
    return None
