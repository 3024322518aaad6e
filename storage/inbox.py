"""The durable inbox: a channel writes each message here before acknowledging it, the turn marks it handled.

A row not handled (the process died, the database failed mid-turn) is handled again at start-up and by the
inbox's sweep; the engine's received-id check keeps a row handled twice from having a second effect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InboxMessage
from storage.received_messages import MAX_EXTERNAL_ID
from storage.types import utcnow
from storage.upsert import insert_returning_id

MAX_ERROR = 200  # the last_error column's length


@dataclass(frozen=True)
class Stored:
    """The inbox row of a message, and whether this delivery wrote it (False: delivered before)."""

    id: int
    new: bool


async def store(session: AsyncSession, channel: str, external_id: str, address: str, payload: dict[str, Any]) -> Stored:
    """Writes the message unless its (channel, external id) is there already; the row's id either way."""
    if len(external_id) > MAX_EXTERNAL_ID:
        raise ValueError(f"external id of {len(external_id)} characters, the column holds {MAX_EXTERNAL_ID}")
    new_id = await insert_returning_id(
        session,
        InboxMessage,
        {
            "channel": channel,
            "external_id": external_id,
            "address": address,
            "payload": payload,
            "received_at": utcnow(),
            "attempts": 0,
        },
    )
    if new_id is not None:
        return Stored(new_id, True)
    existing = await session.scalar(
        select(InboxMessage.id).where(InboxMessage.channel == channel, InboxMessage.external_id == external_id)
    )
    assert existing is not None
    return Stored(existing, False)


async def mark_handled(session: AsyncSession, inbox_id: int, at: datetime | None = None) -> None:
    """Marks the row handled, in the transaction of the turn that handled it."""
    await session.execute(
        update(InboxMessage)
        .where(InboxMessage.id == inbox_id, InboxMessage.handled_at.is_(None))
        .values(handled_at=at or utcnow(), attempts=InboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)  # no loaded row to refresh: one UPDATE on the hot path
    )


async def note_failure(session: AsyncSession, inbox_id: int, error: str) -> None:
    """Counts a failed attempt at the row and keeps why (an exception's type, never message text)."""
    await session.execute(
        update(InboxMessage)
        .where(InboxMessage.id == inbox_id)
        .values(attempts=InboxMessage.attempts + 1, last_error=error[:MAX_ERROR])
    )


async def pending(
    session: AsyncSession, channel: str, *, limit: int = 500, received_before: datetime | None = None
) -> list[InboxMessage]:
    """The channel's rows not handled yet, in arrival order (received before the moment given, if any)."""
    query = select(InboxMessage).where(InboxMessage.channel == channel, InboxMessage.handled_at.is_(None))
    if received_before is not None:
        query = query.where(InboxMessage.received_at < received_before)
    return list(await session.scalars(query.order_by(InboxMessage.id).limit(limit)))


async def is_handled(session: AsyncSession, inbox_ids: Sequence[int]) -> dict[int, bool]:
    """Whether each row is handled."""
    rows = await session.execute(
        select(InboxMessage.id, InboxMessage.handled_at).where(InboxMessage.id.in_(list(inbox_ids)))
    )
    return {row.id: row.handled_at is not None for row in rows}


async def prune_handled(session: AsyncSession, older_than: datetime) -> int:
    """Deletes rows handled before `older_than`; returns how many."""
    result = await session.execute(
        delete(InboxMessage).where(InboxMessage.handled_at.is_not(None), InboxMessage.handled_at < older_than)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount
