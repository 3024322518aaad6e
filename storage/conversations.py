"""Where each contact's conversation stands: loaded under a lock, saved as flow, step and JSON."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversation
from storage.types import utcnow
from storage.upsert import insert_ignoring_conflict


@dataclass
class ConversationState:
    """A detached copy of a conversation: changing it changes nothing until it is saved."""

    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None


async def load_for_update(session: AsyncSession, contact_id: int) -> ConversationState:
    """The contact's conversation, row-locked until the transaction ends (on PostgreSQL)."""
    await insert_ignoring_conflict(
        session, Conversation, {"contact_id": contact_id, "state": {}, "updated_at": utcnow()}
    )
    row = await session.scalar(select(Conversation).where(Conversation.contact_id == contact_id).with_for_update())
    assert row is not None
    return ConversationState(
        flow=row.flow, step=row.step, data=copy.deepcopy(row.state or {}), updated_at=row.updated_at
    )


async def save(session: AsyncSession, contact_id: int, state: ConversationState, *, at: datetime | None = None) -> None:
    """Stores the conversation as it now stands, last active at `at` (now by default)."""
    row = await session.get(Conversation, contact_id)
    assert row is not None
    row.flow = state.flow
    row.step = state.step
    row.state = copy.deepcopy(state.data)
    row.updated_at = at or utcnow()
