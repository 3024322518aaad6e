"""A village's workers with the months each has paid, in one query, for listings that compute every status."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Payment, Worker
from storage.workers import ANONYMOUS_PREFIX


@dataclass
class ListedWorker:
    """A worker of the village and their payments as (first month, months)."""

    worker: Worker
    paid: list[tuple[date, int]] = field(default_factory=list)


async def village_workers_with_payments(session: AsyncSession, village_code: str) -> list[ListedWorker]:
    """Every listed worker of the village (forgotten ones left out) with their payments, by name, in one query."""
    query = (
        select(Worker, Payment.first_month, Payment.months)  # a voided payment pays nothing (outer join)
        .outerjoin(Payment, (Payment.worker_id == Worker.id) & Payment.voided_at.is_(None))
        .where(Worker.village_code == village_code, Worker.nik.not_like(f"{ANONYMOUS_PREFIX}%"))
        .order_by(Worker.name, Worker.id, Payment.first_month)
    )
    found: dict[int, ListedWorker] = {}
    for worker, first_month, months in await session.execute(query):
        listed = found.setdefault(worker.id, ListedWorker(worker))
        if first_month is not None:
            listed.paid.append((first_month, int(months)))
    return list(found.values())
