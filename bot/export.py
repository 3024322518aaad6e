"""`kader export workers`: one row per worker, as CSV or XLSX, for the branch office and the village."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator, Sequence
from datetime import date
from pathlib import Path
from typing import TextIO

from openpyxl import Workbook

from rules.contribution import monthly_amount
from rules.coverage import covered_months, membership_on
from rules.occupations import OTHER
from storage import payments
from storage.database import Database
from storage.models import Person, Village, Worker
from storage.workers import stream_for_export

COLUMNS: Sequence[str] = (
    "nik",
    "name",
    "birth_date",
    "sex",
    "phone",
    "occupation",
    "segment",
    "declared_income",
    "programmes",
    "monthly_contribution",
    "village_code",
    "village_name",
    "payer",
    "sponsor",
    "registration_number",
    "registered_by",
    "registered_at",
    "status",
)


_CHUNK = 1_000


def _row(
    worker: Worker, village: Village, person: Person | None, paid: list[tuple[date, int]], today: date
) -> list[object]:
    amount = monthly_amount(worker, today)
    contribution: int | str = "" if amount is None else amount
    occupation = worker.occupation_other if worker.occupation == OTHER else worker.occupation
    membership = membership_on(today, covered_months(paid), worker.deceased_on)
    return [
        worker.nik,
        worker.name,
        worker.birth_date.isoformat(),
        worker.sex,
        worker.phone or "",
        occupation or "",
        worker.segment,
        worker.declared_income,
        worker.programmes.replace(",", "+"),
        contribution,
        village.code,
        village.name,
        worker.payer,
        worker.sponsor or "",
        worker.registration_number or "",
        person.name if person else "",
        worker.registered_at.isoformat(timespec="seconds"),
        membership.status,
    ]


async def worker_rows(database: Database, today: date, village_code: str | None = None) -> AsyncIterator[list[object]]:
    """Every worker as a row of COLUMNS; the contribution is this month's, blank for PU (set by the branch)."""
    async with database.transaction() as session:
        chunk: list[tuple[Worker, Village, Person | None]] = []

        async def flush() -> AsyncIterator[list[object]]:
            paid = await payments.paid_months_of(session, (w.id for w, _, _ in chunk))
            for worker, village, person in chunk:
                yield _row(worker, village, person, paid.get(worker.id, []), today)
            chunk.clear()

        async for found in stream_for_export(session, village_code):
            chunk.append(found)
            if len(chunk) >= _CHUNK:
                async for row in flush():
                    yield row
        async for row in flush():
            yield row


async def export_csv(database: Database, output: TextIO, today: date, village_code: str | None = None) -> int:
    """Writes the workers as CSV with a header row; returns how many rows."""
    writer = csv.writer(output)
    writer.writerow(COLUMNS)
    count = 0
    async for row in worker_rows(database, today, village_code):
        writer.writerow(row)
        count += 1
    return count


async def export_xlsx(database: Database, path: Path, today: date, village_code: str | None = None) -> int:
    """Writes the workers as an XLSX sheet (streamed, write-only); returns how many rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("workers")
    sheet.append(list(COLUMNS))
    count = 0
    async for row in worker_rows(database, today, village_code):
        sheet.append(row)
        count += 1
    book.save(path)
    return count
