"""Where each contact's conversation stands: loaded under a lock, saved as flow, step and JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Insert, bindparam, update
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


_TABLE = Conversation.__table__
# Both statements run on every turn: built once (per dialect) as Core statements, so that SQLAlchemy neither
# rebuilds them, nor recomputes their cache keys, nor goes through the ORM's bulk DML path.
_SAVE = (
    update(_TABLE)
    .where(_TABLE.c.contact_id == bindparam("conversation_id"))
    .values(
        flow=bindparam("new_flow", type_=_TABLE.c.flow.type),
        step=bindparam("new_step", type_=_TABLE.c.step.type),
        state=bindparam("new_state", type_=_TABLE.c.state.type),
        updated_at=bindparam("new_updated_at", type_=_TABLE.c.updated_at.type),
    )
)


@cache
def _upsert(dialect_name: str) -> Insert:
    """INSERT … ON CONFLICT DO UPDATE … RETURNING of a contact's conversation, for the dialect."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(_TABLE).values(
        contact_id=bindparam("conversation_id", type_=_TABLE.c.contact_id.type),
        state=bindparam("empty_state", type_=_TABLE.c.state.type),
        updated_at=bindparam("created_at", type_=_TABLE.c.updated_at.type),
    )
    return statement.on_conflict_do_update(
        index_elements=[_TABLE.c.contact_id], set_={"contact_id": statement.excluded.contact_id}
    ).returning(_TABLE.c.flow, _TABLE.c.step, _TABLE.c.state, _TABLE.c.updated_at)


async def load_for_update(session: AsyncSession, contact_id: int) -> ConversationState:
    """The contact's conversation (created empty on first contact), row-locked until the transaction ends on
    PostgreSQL: one INSERT … ON CONFLICT DO UPDATE … RETURNING, which locks the row it returns."""
    await session.flush()  # pending changes first, as the ORM's autoflush did before any statement
    statement = _upsert(session.get_bind().dialect.name)
    params = {"conversation_id": contact_id, "empty_state": {}, "created_at": utcnow()}
    row = (await session.execute(statement, params)).one()
    # The state is decoded afresh from the row's JSON: already a detached copy, no deep copy needed.
    return ConversationState(flow=row.flow, step=row.step, data=row.state or {}, updated_at=row.updated_at)


async def save(session: AsyncSession, contact_id: int, state: ConversationState, *, at: datetime | None = None) -> None:
    """Stores the conversation as it now stands, last active at `at` (now by default); one UPDATE."""
    await session.flush()  # pending changes first, as the ORM's autoflush did before any statement
    # The state is serialised to JSON as the statement runs: later changes to it cannot reach the stored row.
    params = {
        "conversation_id": contact_id,
        "new_flow": state.flow,
        "new_step": state.step,
        "new_state": state.data,
        "new_updated_at": at or utcnow(),
    }
    await session.execute(_SAVE, params)
