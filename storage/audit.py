"""The audit trail: who did what to which record."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, select
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


# The three queries below answer "has this limit been reached, and until when?" in one query each: the time of the
# n-th latest matching event within the window, or None when there are fewer than n. Once that event is older than
# the window, fewer than n remain, so the limit frees up at that time plus the window.


def _aware(value: object) -> datetime | None:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value if isinstance(value, datetime) else None


async def _nth_latest(session: AsyncSession, query: Select[tuple[datetime]], n: int) -> datetime | None:
    if n < 1:
        raise ValueError("n counts from 1")
    return _aware(await session.scalar(query.order_by(AuditEvent.at.desc()).offset(n - 1).limit(1)))


async def nth_latest_by_contact(
    session: AsyncSession, actions: Sequence[str], contact_id: int, since: datetime, n: int
) -> datetime | None:
    """When the n-th latest event of these actions by a contact since a time happened; None if fewer than n."""
    query = select(AuditEvent.at).where(
        AuditEvent.action.in_(actions), AuditEvent.actor_contact_id == contact_id, AuditEvent.at >= since
    )
    return await _nth_latest(session, query, n)


async def nth_latest_about(
    session: AsyncSession, action: str, subject_type: str, subject_id: str, since: datetime, n: int
) -> datetime | None:
    """When the n-th latest event of an action about one subject since a time happened, by anyone; None if fewer."""
    query = select(AuditEvent.at).where(
        AuditEvent.subject_type == subject_type,
        AuditEvent.subject_id == subject_id,
        AuditEvent.action == action,
        AuditEvent.at >= since,
    )
    return await _nth_latest(session, query, n)


async def nth_latest(session: AsyncSession, actions: Sequence[str], since: datetime, n: int) -> datetime | None:
    """When the n-th latest event of these actions since a time happened, by anyone about anything; None if fewer."""
    query = select(AuditEvent.at).where(AuditEvent.action.in_(actions), AuditEvent.at >= since)
    return await _nth_latest(session, query, n)
