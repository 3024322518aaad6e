"""Voiding a payment recorded by mistake from chat: the payments a worker may still void, and the void with its audit
row, written exactly as `kader payments void` writes it (action payment.voided, the same details)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit, payments
from storage.models import Payment


async def voidable_payments(
    session: AsyncSession, worker_id: int, since: datetime, sources: Sequence[str] | None = None
) -> list[Payment]:
    """The worker's payments not voided and recorded since `since` (of these sources when given), newest first."""
    query = select(Payment).where(
        Payment.worker_id == worker_id, Payment.voided_at.is_(None), Payment.recorded_at >= since
    )
    if sources is not None:
        query = query.where(Payment.source.in_(list(sources)))
    return list(await session.scalars(query.order_by(Payment.recorded_at.desc(), Payment.id.desc())))


async def other_voidable_count(session: AsyncSession, worker_id: int, since: datetime, sources: Sequence[str]) -> int:
    """How many of the worker's recent payments not voided come from other sources (an import, for a cadre)."""
    found = await voidable_payments(session, worker_id, since)
    return sum(1 for payment in found if payment.source not in sources)


async def live_payment(session: AsyncSession, payment_id: int, worker_id: int) -> Payment | None:
    """The worker's payment with this id if it is not voided, locked until the transaction ends."""
    query = select(Payment).where(Payment.id == payment_id, Payment.worker_id == worker_id, Payment.voided_at.is_(None))
    return await session.scalar(query.with_for_update())


def void_details(payment: Payment, reason: str, actor: int | None) -> dict[str, Any]:
    """The audit details of a void: the payment, the reason and who voided it (never the NIK or a name)."""
    return {
        "payment_id": payment.id,
        "worker_id": payment.worker_id,
        "reason": reason,
        "actor": actor,
        "reference": payment.reference,
        "source": payment.source,
        "first_month": payment.first_month.isoformat(),
        "months": payment.months,
        "amount": payment.amount,
    }


async def void_audited(
    session: AsyncSession,
    live: Sequence[Payment],
    reason: str,
    actor: int | None,
    at: datetime,
    contact_id: int | None = None,
) -> int:
    """Voids these payments (payments.void_payments) and audits each as payment.voided; how many were voided."""
    voided = await payments.void_payments(session, [p.id for p in live], reason, actor, at)
    for payment in live:
        await audit.record_event(
            session,
            payments.VOIDED,
            contact_id=contact_id,
            person_id=actor,
            subject_type="worker",
            subject_id=str(payment.worker_id),
            details=void_details(payment, reason, actor),
            at=at,
        )
    return voided
