"""`kader payments import FILE`: the branch office's payment file (CSV or XLSX), every row checked as the chat checks a
payment, all or nothing, idempotent."""

from __future__ import annotations

import csv
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from rich.progress import Progress
from sqlalchemy.ext.asyncio import AsyncSession

from rules.payment_rows import (
    DEFAULT_MAX_MONTHS_AHEAD,
    PaymentRow,
    RowError,
    check_rows,
    column_map,
    missing_columns,
    parse_row,
)
from storage import audit, payment_checks, payments
from storage.database import Database
from storage.payments import NewPayment

PROGRESS_STEP = 1_000


class ImportFileError(ValueError):
    """The file cannot be read as a payment file at all (format, header)."""


@dataclass
class ImportReport:
    """What an import found and did."""

    rows: int = 0
    valid: list[PaymentRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    inserted: int = 0
    imported: bool = False
    unpriced: int = 0

    @property
    def already_recorded(self) -> int:
        """Valid rows that were recorded by an earlier import."""
        return len(self.valid) - self.inserted if self.imported else 0


def read_rows(path: Path) -> Iterator[list[object]]:
    """The rows of a CSV (comma or semicolon) or XLSX file, header first."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            for row in book.worksheets[0].iter_rows(values_only=True):
                yield list(row)
        finally:
            book.close()
        return
    if suffix not in (".csv", ".txt"):
        raise ImportFileError(f"{path.name}: use a .csv or .xlsx file")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        sample = handle.read(4096)
        handle.seek(0)
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        yield from csv.reader(handle, delimiter=delimiter)


def validate_file(path: Path, today: date) -> ImportReport:
    """Reads and checks every row (NIK, months, amount, reference), without touching the database."""
    report = ImportReport()
    rows = read_rows(path)
    header = next(rows, None)
    if header is None:
        raise ImportFileError(f"{path.name} is empty")
    columns = column_map([str(h or "") for h in header])
    if missing := missing_columns(columns):
        raise ImportFileError(f"{path.name}: the header lacks {', '.join(missing)}")
    for line, values in enumerate(rows, start=2):
        if not any(str(v or "").strip() for v in values):
            continue
        report.rows += 1
        parsed = parse_row(line, values, columns, today)
        if isinstance(parsed, RowError):
            report.errors.append(parsed)
        else:
            report.valid.append(parsed)
    return report


async def import_payments(
    database: Database,
    path: Path,
    today: date,
    *,
    skip_invalid: bool = False,
    show_progress: bool = True,
    max_months_ahead: int = DEFAULT_MAX_MONTHS_AHEAD,
    _checks: bool = True,
) -> ImportReport:
    """Validates the file, checks every row against the register, then records it in one transaction (or nothing)."""
    # _checks=False is the benchmark's baseline only: the import before the checks (registered NIKs, nothing more).
    report = validate_file(path, today)
    async with database.transaction() as session:
        if _checks:
            new = await _checked(session, report, today, max_months_ahead)
        else:
            new = await _registered_only(session, report)
        report.errors.sort(key=lambda error: error.line)
        if report.errors and not skip_invalid:
            return report
        with Progress(disable=not show_progress, transient=True) as progress:
            task = progress.add_task(f"Importing {path.name}", total=len(new))
            for start in range(0, len(new), PROGRESS_STEP):
                chunk = new[start : start + PROGRESS_STEP]
                report.inserted += await payments.add_payments(session, chunk)
                progress.advance(task, len(chunk))
        await audit.record_event(
            session,
            "payments.imported",
            subject_type="file",
            subject_id=path.name[:40],
            details={"rows": report.rows, "new": report.inserted, "invalid": len(report.errors)},
        )
        report.imported = True
    return report


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pauses Python's cyclic garbage collector while the register is loaded and the rows checked: the 100,000
    workers and rows built then all live until the import ends, so its passes over them free nothing and cost a
    third of the loading (bench/)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


async def _checked(session: AsyncSession, report: ImportReport, today: date, max_months_ahead: int) -> list[NewPayment]:
    """Checks the parsed rows in bulk (one query per 10,000 NIKs); the payments to record (not those recorded)."""
    with _collector_paused():
        workers, recorded = await payment_checks.register_of(session, (row.nik for row in report.valid))
        checks = check_rows(
            report.valid, workers, recorded, today, source=payments.IMPORT, max_months_ahead=max_months_ahead
        )
    report.valid = checks.valid
    report.errors.extend(checks.errors)
    report.unpriced = checks.unpriced
    return [
        NewPayment(workers[r.nik].id, r.first_month, r.months, r.amount, payments.IMPORT, r.reference)
        for r in checks.new
    ]


async def _registered_only(session: AsyncSession, report: ImportReport) -> list[NewPayment]:
    """The import before the checks: registered NIKs only, every valid row sent to the insert (the baseline)."""
    ids = await payments.worker_ids_by_nik(session, (row.nik for row in report.valid))
    known: list[PaymentRow] = []
    for row in report.valid:
        if row.nik in ids:
            known.append(row)
        else:
            report.errors.append(RowError(row.line, f"NIK {row.nik} is not registered"))
    report.valid = known
    return [NewPayment(ids[r.nik], r.first_month, r.months, r.amount, payments.IMPORT, r.reference) for r in known]
