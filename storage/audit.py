"""The audit trail: who did what to which record."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
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
) -> AuditEvent:
    """Writes one audit event in the current transaction."""
    event = AuditEvent(
        at=utcnow(),
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
