"""Queries for a village-budget (APBDes) payment: the village-paid workers with their months, one payment each."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rules.contribution import VILLAGE_PAYER
from storage import payments
from storage.models import Payment, Worker
from storage.payments import NewPayment
from storage.workers import ANONYMOUS_PREFIX

# The payment table knows the sources import, cadre and admin: a village payment is recorded by a cadre.
SOURCE = payments.CADRE


async def village_paid_workers(session: AsyncSession, village_code: str) -> list[tuple[Worker, list[tuple[date, int]]]]:
    """The village's workers whose contribution the village pays, by name, each with their payments (first, months)."""
    query = (
        select(Worker)
        .where(
            Worker.village_code == village_code,
            Worker.payer == VILLAGE_PAYER,
            Worker.nik.not_like(f"{ANONYMOUS_PREFIX}%"),
        )
        .order_by(Worker.name, Worker.id)
    )
    found = list(await session.scalars(query))
    paid = await payments.paid_months_of(session, (w.id for w in found))
    return [(worker, sorted(paid.get(worker.id, []))) for worker in found]


async def reference_recorded(session: AsyncSession, village_code: str, reference: str) -> bool:
    """Whether a cadre's payment with this reference is recorded (and not voided) for a worker of the village."""
    query = (
        select(Payment.id)
        .join(Worker, Worker.id == Payment.worker_id)
        .where(Worker.village_code == village_code, Payment.source == SOURCE, Payment.reference == reference)
        .where(Payment.voided_at.is_(None))
        .limit(1)
    )
    return await session.scalar(query) is not None


async def record_village_payment(session: AsyncSession, village_code: str, new: Sequence[NewPayment]) -> int:
    """One payment per worker in the caller's transaction, none when the village has the reference; how many."""
    references = {p.reference for p in new}
    assert len(references) <= 1, "one reference for the whole village payment"
    if not new or await reference_recorded(session, village_code, next(iter(references))):
        return 0
    return await payments.add_payments(session, list(new))
