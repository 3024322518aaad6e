"""The audit trail: who did what to which record."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEvent
from storage.types import utcnow


async def record_event(
    session: AsyncSession,
    action: str,
    *,
    contact_id: int | None = None,
    person_id: int | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Writes one audit event in the current transaction (at the given time, or now)."""
    event = AuditEvent(
        at=at or utcnow(),
        action=action,
        actor_contact_id=contact_id,
        actor_person_id=person_id,
        subject_type=subject_type,
        subject_id=subject_id,
        details=details or {},
    )
    session.add(event)
    await session.flush()
    return event


async def events(session: AsyncSession, action: str | None = None) -> list[AuditEvent]:
    """Audit events, oldest first, optionally of one action."""
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return list(await session.scalars(query))


async def count_since(session: AsyncSession, action: str, contact_id: int, since: datetime) -> int:
    """How many events of an action a contact caused since a time (for rate limits)."""
    query = (
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == action, AuditEvent.actor_contact_id == contact_id, AuditEvent.at >= since)
    )
    return int(await session.scalar(query) or 0)


async def oldest_since(session: AsyncSession, action: str, contact_id: int, since: datetime) -> datetime | None:
    """When the oldest event of an action by a contact since a time happened."""
    query = select(func.min(AuditEvent.at)).where(
        AuditEvent.action == action, AuditEvent.actor_contact_id == contact_id, AuditEvent.at >= since
    )
    value = await session.scalar(query)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value
