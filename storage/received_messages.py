"""External message ids already handled: the de-duplication of redelivered messages."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ReceivedMessage
from storage.types import utcnow
from storage.upsert import insert_ignoring_conflict


async def record_received(session: AsyncSession, channel: str, external_id: str, contact_id: int | None) -> bool:
    """Records a message id; False when it was recorded before (a redelivery)."""
    return await insert_ignoring_conflict(
        session,
        ReceivedMessage,
        {"channel": channel, "external_id": external_id, "contact_id": contact_id, "received_at": utcnow()},
    )
