"""Queries on payments: recording them once, and the months each worker has paid for."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Payment, Worker
from storage.types import utcnow
from storage.upsert import insert_ignoring_conflict

IMPORT = "import"
CADRE = "cadre"
_BATCH = 2_000


@dataclass(frozen=True)
class NewPayment:
    """One payment to record: a worker, whole months from a first month, the amount, its source and reference."""

    worker_id: int
    first_month: date
    months: int
    amount: int
    source: str
    reference: str
    recorded_by: int | None = None

    def values(self) -> dict[str, object]:
        """The row's column values."""
        return {
            "worker_id": self.worker_id,
            "first_month": self.first_month,
            "months": self.months,
            "amount": self.amount,
            "source": self.source,
            "reference": self.reference,
            "recorded_by": self.recorded_by,
            "recorded_at": utcnow(),
        }


async def add_payment(session: AsyncSession, payment: NewPayment) -> bool:
    """Records a payment unless the same one (worker, source, reference, first month) is already there."""
    return await insert_ignoring_conflict(session, Payment, payment.values())


async def add_payments(session: AsyncSession, payments: Sequence[NewPayment]) -> int:
    """Records many payments in batches, skipping those already recorded; how many were new."""
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    table = Payment.__table__
    # One compiled statement run with many parameter sets (SQLAlchemy's insertmanyvalues): far cheaper than a
    # statement built with thousands of VALUES rows.
    statement = module.insert(table).on_conflict_do_nothing().returning(table.c.id)
    connection = await session.connection()
    inserted = 0
    for start in range(0, len(payments), _BATCH):
        batch = [p.values() for p in payments[start : start + _BATCH]]
        inserted += len((await connection.execute(statement, batch)).all())
    return inserted


async def paid_months(session: AsyncSession, worker_id: int) -> list[tuple[date, int]]:
    """A worker's payments as (first month, months), oldest first."""
    query = select(Payment.first_month, Payment.months).where(Payment.worker_id == worker_id)
    return [(row.first_month, row.months) for row in await session.execute(query.order_by(Payment.first_month))]


async def paid_months_of(session: AsyncSession, worker_ids: Iterable[int]) -> dict[int, list[tuple[date, int]]]:
    """The payments of several workers at once, by worker id."""
    ids = list(worker_ids)
    found: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for start in range(0, len(ids), _BATCH):
        query = select(Payment.worker_id, Payment.first_month, Payment.months).where(
            Payment.worker_id.in_(ids[start : start + _BATCH])
        )
        for row in await session.execute(query):
            found[row.worker_id].append((row.first_month, row.months))
    return found


async def worker_ids_by_nik(session: AsyncSession, niks: Iterable[str]) -> dict[str, int]:
    """The ids of the registered workers among these NIKs."""
    wanted = sorted(set(niks))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), _BATCH):
        query = select(Worker.nik, Worker.id).where(Worker.nik.in_(wanted[start : start + _BATCH]))
        found.update({row.nik: row.id for row in await session.execute(query)})
    return found
