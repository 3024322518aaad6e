"""`kader export workers`: one row per worker, as CSV or XLSX, for the branch office and the village.

NIKs and KPJ card numbers are masked (`631002******0001`, `170*****678`) unless the full NIK is asked for (which
shows both whole), and a full-NIK export is audited ("export.full_nik": the village filter, the format and the
number of rows, never a NIK). Forgotten workers (their personal data erased, `storage/data_rights.py`) are not
exported: nothing about them is a registration any more.
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator, Sequence
from datetime import date
from pathlib import Path
from typing import TextIO

from openpyxl import Workbook

from rules.contribution import monthly_amount
from rules.coverage import covered_months, membership_on
from rules.kpj import mask_kpj
from rules.nik import mask_nik
from rules.occupations import OTHER
from storage import audit, payments
from storage.data_rights import is_forgotten
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
    "kpj",  # last: added after the others, so that sheets reading columns by position still read them
)


_CHUNK = 1_000


def _row(
    worker: Worker, village: Village, person: Person | None, paid: list[tuple[date, int]], today: date, full_nik: bool
) -> list[object]:
    amount = monthly_amount(worker, today)
    contribution: int | str = "" if amount is None else amount
    occupation = worker.occupation_other if worker.occupation == OTHER else worker.occupation
    membership = membership_on(today, covered_months(paid), worker.deceased_on)
    return [
        worker.nik if full_nik else mask_nik(worker.nik),
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
        (worker.kpj if full_nik else mask_kpj(worker.kpj)) if worker.kpj else "",
    ]


async def worker_rows(
    database: Database, today: date, village_code: str | None = None, *, full_nik: bool = False
) -> AsyncIterator[list[object]]:
    """Every worker not forgotten as a row of COLUMNS: NIK masked unless full_nik, contribution blank for PU."""
    async with database.transaction() as session:
        chunk: list[tuple[Worker, Village, Person | None]] = []

        async def flush() -> AsyncIterator[list[object]]:
            paid = await payments.paid_months_of(session, (w.id for w, _, _ in chunk))
            for worker, village, person in chunk:
                yield _row(worker, village, person, paid.get(worker.id, []), today, full_nik)
            chunk.clear()

        async for found in stream_for_export(session, village_code):
            if is_forgotten(found[0]):
                continue
            chunk.append(found)
            if len(chunk) >= _CHUNK:
                async for row in flush():
                    yield row
        async for row in flush():
            yield row


async def _audit_full_nik(
    database: Database, village_code: str | None, file_format: str, rows: int, actor_person_id: int | None
) -> None:
    """Records that full NIKs left the system: which village (or all), the format and how many rows."""
    async with database.transaction() as session:
        await audit.record_event(
            session,
            "export.full_nik",
            person_id=actor_person_id,
            subject_type="export",
            subject_id="workers",
            details={"village": village_code, "format": file_format, "rows": rows},
        )


async def export_csv(
    database: Database,
    output: TextIO,
    today: date,
    village_code: str | None = None,
    *,
    full_nik: bool = False,
    actor_person_id: int | None = None,
) -> int:
    """Writes the workers as CSV with a header row (full NIKs audited); returns how many rows."""
    writer = csv.writer(output)
    writer.writerow(COLUMNS)
    count = 0
    async for row in worker_rows(database, today, village_code, full_nik=full_nik):
        writer.writerow(row)
        count += 1
    if full_nik:
        await _audit_full_nik(database, village_code, "csv", count, actor_person_id)
    return count


async def export_xlsx(
    database: Database,
    path: Path,
    today: date,
    village_code: str | None = None,
    *,
    full_nik: bool = False,
    actor_person_id: int | None = None,
) -> int:
    """Writes the workers as an XLSX sheet (streamed, write-only; full NIKs audited); returns how many rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("workers")
    sheet.append(list(COLUMNS))
    count = 0
    async for row in worker_rows(database, today, village_code, full_nik=full_nik):
        sheet.append(row)
        count += 1
    book.save(path)
    if full_nik:
        await _audit_full_nik(database, village_code, "xlsx", count, actor_person_id)
    return count
