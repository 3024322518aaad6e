"""Where each contact's conversation stands: loaded under a lock, saved as flow, step and JSON."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversation
from storage.types import utcnow


@dataclass
class ConversationState:
    """A detached copy of a conversation: changing it changes nothing until it is saved."""

    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None


async def load_for_update(session: AsyncSession, contact_id: int) -> ConversationState:
    """The contact's conversation (created empty on first contact), row-locked until the transaction ends on
    PostgreSQL: one INSERT … ON CONFLICT DO UPDATE … RETURNING, which locks the row it returns."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(Conversation).values(contact_id=contact_id, state={}, updated_at=utcnow())
    statement = statement.on_conflict_do_update(
        index_elements=[Conversation.contact_id], set_={"contact_id": statement.excluded.contact_id}
    ).returning(Conversation.flow, Conversation.step, Conversation.state, Conversation.updated_at)
    row = (await session.execute(statement)).one()
    return ConversationState(
        flow=row.flow, step=row.step, data=copy.deepcopy(row.state or {}), updated_at=row.updated_at
    )


async def save(session: AsyncSession, contact_id: int, state: ConversationState, *, at: datetime | None = None) -> None:
    """Stores the conversation as it now stands, last active at `at` (now by default); one UPDATE."""
    await session.execute(
        update(Conversation)
        .where(Conversation.contact_id == contact_id)
        .values(flow=state.flow, step=state.step, state=copy.deepcopy(state.data), updated_at=at or utcnow())
        .execution_options(synchronize_session=False)
    )
