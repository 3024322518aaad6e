"""External message ids already handled: the de-duplication of redelivered messages, and its pruning."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ReceivedMessage
from storage.types import utcnow
from storage.upsert import insert_ignoring_conflict

# The width of `received_message.external_id`: a channel's key must fit it.
MAX_EXTERNAL_ID = 100


async def record_received(session: AsyncSession, channel: str, external_id: str, contact_id: int | None) -> bool:
    """Records a message id; False when it was recorded before (a redelivery)."""
    if len(external_id) > MAX_EXTERNAL_ID:
        raise ValueError(f"external id of {len(external_id)} characters, the column holds {MAX_EXTERNAL_ID}")
    return await insert_ignoring_conflict(
        session,
        ReceivedMessage,
        {"channel": channel, "external_id": external_id, "contact_id": contact_id, "received_at": utcnow()},
    )


async def prune_received(session: AsyncSession, older_than: datetime) -> int:
    """Forgets the ids received before `older_than` (no redelivery comes that late); returns how many."""
    result = await session.execute(delete(ReceivedMessage).where(ReceivedMessage.received_at < older_than))
    assert isinstance(result, CursorResult)
    return result.rowcount
