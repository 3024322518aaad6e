"""Queries the payments import checks with: the registered workers of a file's NIKs and their recorded payments."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, String, any_, bindparam, func, literal_column, select, type_coerce
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from rules.payment_rows import PayingWorker, RecordedPayment, registration_month
from storage.models import Payment, Worker

_BATCH = 10_000


async def register_of(
    session: AsyncSession, niks: Iterable[str]
) -> tuple[dict[str, PayingWorker], dict[int, list[RecordedPayment]]]:
    """The registered workers among these NIKs (by NIK) and their unvoided payments (by worker id), per 10,000 NIKs."""
    wanted = sorted(set(niks))
    connection = await session.connection()
    # On SQLite the dates come as their text, read here: SQLAlchemy's own parsing costs more than all the checks.
    sqlite = connection.dialect.name == "sqlite"
    registered = type_coerce(Worker.registered_at, String) if sqlite else Worker.registered_at
    first_month = type_coerce(Payment.first_month, String) if sqlite else Payment.first_month
    query = select(
        Worker.id,
        Worker.nik,
        Worker.segment,
        Worker.declared_income,
        Worker.programmes,
        Worker.occupation,
        Worker.payer,
        Worker.village_code,
        registered,
        first_month,
        Payment.months,
        Payment.amount,
        Payment.source,
        Payment.reference,
    ).outerjoin(Payment, (Payment.worker_id == Worker.id) & Payment.voided_at.is_(None))
    # Core rows, not ORM ones: the ORM's result machinery costs more than the checks on a large file.
    workers: dict[str, PayingWorker] = {}
    recorded: dict[int, list[RecordedPayment]] = {}
    for start in range(0, len(wanted), _BATCH):
        batch = wanted[start : start + _BATCH]
        result = await connection.execute(query.where(_among(Worker.nik, batch, sqlite)))
        for row in result.all():
            nik = row[1]
            if nik not in workers:
                registered_at = row[8]
                if sqlite:
                    registered_at = datetime.fromisoformat(registered_at).replace(tzinfo=UTC)
                month = registration_month(registered_at, row[7])
                workers[nik] = PayingWorker(row[0], nik, row[2], row[3], row[4], row[5], row[6], month)
            if row[9] is not None:
                paid_from = date.fromisoformat(row[9]) if sqlite else row[9]
                recorded.setdefault(row[0], []).append(RecordedPayment(paid_from, row[10], row[11], row[12], row[13]))
    return workers, recorded


def _among(column: ColumnElement[str], values: list[str], sqlite: bool) -> ColumnElement[bool]:
    """`column IN values` with the values as one parameter (a JSON array on SQLite, an array on PostgreSQL): an IN
    list of thousands of parameters costs SQLAlchemy more to expand than the query costs the database."""
    if sqlite:
        return column.in_(select(literal_column("value")).select_from(func.json_each(json.dumps(values))))
    return column == any_(bindparam("values", values, type_=ARRAY(String)))
