"""The contacts on a worker's phone (their own, or shared with another worker or staff), and reading a table in
batches while looking for a worker's traces (storage/data_rights.py, storage/claim_traces.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Contact, Person, Worker

BATCH = 1_000  # rows read (or changed) at a time


@dataclass
class ContactsOfWorker:
    """The contacts on the worker's phone: their own, and those whose phone another worker or staff also uses."""

    own: list[Contact] = field(default_factory=list)
    shared: list[Contact] = field(default_factory=list)

    @property
    def ids(self) -> list[int]:
        """Every contact's id."""
        return [c.id for c in self.own + self.shared]


async def contacts_of(session: AsyncSession, worker: Worker) -> ContactsOfWorker:
    """The contacts whose verified phone, or address, is the worker's phone."""
    if not worker.phone:
        return ContactsOfWorker()
    phone = worker.phone
    found = list(
        await session.scalars(
            select(Contact).where(or_(Contact.phone == phone, Contact.address == phone)).order_by(Contact.id)
        )
    )
    other_worker = await session.scalar(select(Worker.id).where(Worker.phone == phone, Worker.id != worker.id))
    staff = await session.scalar(select(Person.id).where(Person.phone == phone))
    if other_worker is not None or staff is not None:
        return ContactsOfWorker(shared=found)
    return ContactsOfWorker(own=found)


async def stream_rows(session: AsyncSession, query: Any) -> AsyncIterator[Any]:
    """The rows of a query, read BATCH at a time (a whole table is searched for a worker's values)."""
    result = await session.stream(query.execution_options(yield_per=BATCH))
    async for row in result:
        yield row
