"""Queries on payments: recording them once, voiding a mistaken one, and the months each worker has paid for."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Payment, Worker
from storage.types import utcnow
from storage.upsert import insert_ignoring_conflict

IMPORT = "import"
CADRE = "cadre"
VOIDED = "payment.voided"  # the audit action of a void
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
    """Records a payment unless the same one (worker, source, reference, first month) is there, not voided."""
    return await insert_ignoring_conflict(session, Payment, payment.values())


async def add_payments(session: AsyncSession, payments: Sequence[NewPayment]) -> int:
    """Records many payments in batches, skipping those already recorded (and not voided); how many were new."""
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
    """A worker's payments as (first month, months), oldest first; voided ones left out."""
    query = select(Payment.first_month, Payment.months).where(Payment.worker_id == worker_id, _not_voided())
    return [(row.first_month, row.months) for row in await session.execute(query.order_by(Payment.first_month))]


async def paid_months_of(session: AsyncSession, worker_ids: Iterable[int]) -> dict[int, list[tuple[date, int]]]:
    """The payments of several workers at once, by worker id; voided ones left out."""
    ids = list(worker_ids)
    found: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for start in range(0, len(ids), _BATCH):
        query = select(Payment.worker_id, Payment.first_month, Payment.months).where(
            Payment.worker_id.in_(ids[start : start + _BATCH]), _not_voided()
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


async def payments_with_reference(
    session: AsyncSession, reference: str, worker_id: int | None = None
) -> list[tuple[Payment, Worker]]:
    """The payments with this reference (of one worker when given), voided ones too, with their workers; locked."""
    query = select(Payment, Worker).join(Worker, Worker.id == Payment.worker_id).where(Payment.reference == reference)
    if worker_id is not None:
        query = query.where(Payment.worker_id == worker_id)
    result = await session.execute(query.order_by(Payment.id).with_for_update(of=Payment))
    return [(row.Payment, row.Worker) for row in result]


async def void_payments(
    session: AsyncSession, payment_ids: Sequence[int], reason: str, voided_by: int | None, at: datetime
) -> int:
    """Marks these payments voided (those not voided already): they cover no month any more; how many were voided."""
    if not payment_ids:
        return 0
    statement = (
        update(Payment)
        .where(Payment.id.in_(list(payment_ids)), _not_voided())
        .values(voided_at=at, void_reason=reason, voided_by=voided_by)
        .execution_options(synchronize_session="fetch")
    )
    result = await session.execute(statement, execution_options={"preserve_rowcount": True})
    return int(result.rowcount)


def _not_voided() -> ColumnElement[bool]:
    """The condition of a payment that counts: not voided."""
    return Payment.voided_at.is_(None)
