"""Reading the audit trail: who looked at or changed what, newest first, with the actors and worker subjects."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEvent, Contact, Person, Worker


@dataclass(frozen=True)
class Actors:
    """Whoever uses one phone: the cadre or admin with it, and the contacts verified with it (or addressed by it)."""

    person: Person | None
    contact_ids: tuple[int, ...]

    @property
    def known(self) -> bool:
        """Whether anyone uses the phone."""
        return self.person is not None or bool(self.contact_ids)


async def actors_with_phone(session: AsyncSession, phone: str) -> Actors:
    """The person and contacts behind an E.164 phone."""
    person = await session.scalar(select(Person).where(Person.phone == phone))
    contact_ids = await session.scalars(
        select(Contact.id).where(or_(Contact.phone == phone, Contact.address == phone)).order_by(Contact.id)
    )
    return Actors(person, tuple(contact_ids))


@dataclass(frozen=True)
class LoggedEvent:
    """One audit event with the person and contact who caused it (when known)."""

    event: AuditEvent
    person: Person | None
    contact: Contact | None


async def list_events(
    session: AsyncSession,
    *,
    subjects: Sequence[tuple[str, str]] | None = None,
    actors: Actors | None = None,
    since: datetime | None = None,
    limit: int = 50,
) -> list[LoggedEvent]:
    """Audit events, newest first: about these (subject type, id), caused by one phone's actors, since a time."""
    query = (
        select(AuditEvent, Person, Contact)
        .outerjoin(Person, Person.id == AuditEvent.actor_person_id)
        .outerjoin(Contact, Contact.id == AuditEvent.actor_contact_id)
    )
    if subjects is not None:
        about = [and_(AuditEvent.subject_type == kind, AuditEvent.subject_id == key) for kind, key in subjects]
        query = query.where(or_(*about)) if about else query.where(AuditEvent.id.is_(None))
    if actors is not None:
        conditions = []
        if actors.person is not None:
            conditions.append(AuditEvent.actor_person_id == actors.person.id)
        if actors.contact_ids:
            conditions.append(AuditEvent.actor_contact_id.in_(actors.contact_ids))
        query = query.where(or_(*conditions)) if conditions else query.where(AuditEvent.id.is_(None))
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    rows = await session.execute(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
    return [LoggedEvent(event, person, contact) for event, person, contact in rows]


async def workers_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, Worker]:
    """The workers with these ids, by id."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {w.id: w for w in await session.scalars(select(Worker).where(Worker.id.in_(wanted)))}
