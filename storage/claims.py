"""Cases for reported deaths (JKM) and work accidents (JKK): opening one, who stands behind it, who is told, the
stage-I reminders, the documents received, and who may see it. Decisions on a case: storage/claim_decisions.py."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from rules.claims import REMINDER_OFFSETS, STAGE_ONE_WINDOW
from storage import audit, outbox
from storage.models import Claim, ClaimDocument, Contact, OutboundMessage, Person, Role, Worker
from storage.people import ADMIN, CADRE
from storage.types import utcnow
from storage.upsert import insert_ignoring_conflict

DEATH = "death"
ACCIDENT = "accident"

NEW = "baru"
PROCESSING = "diproses"
MISSING_DOCUMENTS = "dokumen-kurang"
PAID = "dibayar"
REFUSED = "ditolak"
WITHDRAWN = "ditarik"
CLOSED_STATUSES = (PAID, REFUSED, WITHDRAWN)

CONFIRMED = "confirmed"
PENDING = "pending"
REJECTED = "rejected"

OUTBOX_KIND = "claim"
SUBJECT = "claim"
REFERENCE_PREFIX = "KLM"
# A death report nobody has confirmed or rejected this many days after it was made is listed as overdue.
PENDING_DEATH_OVERDUE_DAYS = 3
# Keys in Claim.details that storage keeps for itself (the flow's own answers use other keys).
MARKED_DECEASED = "marked_deceased"
PREVIOUS_DECEASED_ON = "previous_deceased_on"


class ClaimNotFoundError(LookupError):
    """No case has this reference."""


class ClaimStateError(ValueError):
    """The decision does not fit where the case stands (a closed case, a report already confirmed, ...)."""


@dataclass(frozen=True)
class NewClaim:
    """What a report knows when the case is opened; the worker by id, or by name and village when not found.

    reporter_phone is the phone the channel verified (never a typed one): it is what recognises the registered heir.
    """

    kind: str
    event_date: date
    reporter_name: str
    worker_id: int | None = None
    village_code: str | None = None
    named_worker: str | None = None
    event_at: datetime | None = None
    cause: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    reporter_contact_id: int | None = None
    reporter_person_id: int | None = None
    reporter_relation: str | None = None
    reporter_phone: str | None = None


@dataclass(frozen=True)
class OpenedClaim:
    """The opened case: id, reference, match; existing=True when an open death report for the worker was returned."""

    id: int
    reference: str
    match: str
    existing: bool = False
    worker_marked_deceased: bool = False


def claim_reference(year: int, claim_id: int) -> str:
    """The reference a family quotes: KLM-<year>-<id, six digits>, e.g. KLM-2026-000042."""
    return f"{REFERENCE_PREFIX}-{year}-{claim_id:06d}"


def normalise_reference(text: str) -> str:
    """A typed reference made comparable: trimmed, upper case ("klm-2026-000042 " → "KLM-2026-000042")."""
    return text.strip().upper()


def is_closed(claim: Claim) -> bool:
    """Whether the case is over (paid, refused or withdrawn)."""
    return claim.status in CLOSED_STATUSES


async def is_staff_of(session: AsyncSession, person_id: int | None, village_code: str | None) -> bool:
    """Whether the person is an admin, or a cadre of the village."""
    if person_id is None:
        return False
    role_matches = Role.role == ADMIN
    if village_code is not None:
        role_matches = or_(role_matches, (Role.role == CADRE) & (Role.village_code == village_code))
    query = select(Role.id).where(Role.person_id == person_id, role_matches).limit(1)
    return await session.scalar(query) is not None


def _stands_behind(new: NewClaim, worker: Worker | None, staff: bool) -> bool:
    if staff:
        return True
    if worker is None or not new.reporter_phone:
        return False
    if worker.heir_phone and new.reporter_phone == worker.heir_phone:
        return True
    # The worker reporting their own accident from their registered phone.
    return new.kind == ACCIDENT and worker.phone is not None and new.reporter_phone == worker.phone


async def open_death_report(session: AsyncSession, worker_id: int) -> Claim | None:
    """The worker's death report still open (not closed, not rejected), if any."""
    query = (
        select(Claim)
        .where(
            Claim.worker_id == worker_id,
            Claim.kind == DEATH,
            Claim.status.not_in(CLOSED_STATUSES),
            Claim.match != REJECTED,
        )
        .order_by(Claim.id)
        .limit(1)
    )
    return await session.scalar(query)


def mark_deceased(claim: Claim, worker: Worker, day: date) -> bool:
    """Records the worker's death on the day unless one is recorded; notes on the case that it did (for an undo)."""
    if worker.deceased_on is not None:
        return False
    claim.details = {**claim.details, MARKED_DECEASED: True, PREVIOUS_DECEASED_ON: None}
    worker.deceased_on = day
    return True


async def open_claim(session: AsyncSession, new: NewClaim, *, now: datetime | None = None) -> OpenedClaim:
    """Opens a case with its reference and decides whether it is trusted (see the module notes); audited.

    Confirmed (the reporter is an admin, a cadre of the worker's village, or has the registered heir's verified
    phone): a death marks the worker deceased on the event date at once. Pending: nothing about the worker changes,
    but workers_reported_dead() lists them so no reminder goes out. A second open death report for the same worker
    returns the first one (existing=True) and opens nothing.
    """
    if new.kind not in (DEATH, ACCIDENT):
        raise ValueError(f"unknown claim kind {new.kind!r}")
    moment = now or utcnow()
    worker: Worker | None = None
    if new.worker_id is not None:
        worker = await session.scalar(select(Worker).where(Worker.id == new.worker_id).with_for_update())
        if worker is None:
            raise ValueError(f"no worker {new.worker_id}")
        if new.kind == DEATH:
            earlier = await open_death_report(session, worker.id)
            if earlier is not None and earlier.reference is not None:
                return OpenedClaim(earlier.id, earlier.reference, earlier.match, existing=True)
    elif new.village_code is None:
        raise ValueError("a claim needs a worker or a village")
    village_code = worker.village_code if worker is not None else new.village_code
    staff = await is_staff_of(session, new.reporter_person_id, village_code)
    match = CONFIRMED if _stands_behind(new, worker, staff) else PENDING
    claim = Claim(
        kind=new.kind,
        status=NEW,
        match=match,
        worker_id=new.worker_id,
        village_code=village_code,
        named_worker=new.named_worker,
        event_date=new.event_date,
        event_at=new.event_at,
        cause=new.cause,
        details=dict(new.details),
        reporter_contact_id=new.reporter_contact_id,
        reporter_person_id=new.reporter_person_id,
        reporter_name=new.reporter_name,
        reporter_relation=new.reporter_relation,
        reporter_phone=new.reporter_phone,
        created_at=moment,
        updated_at=moment,
    )
    session.add(claim)
    await session.flush()
    claim.reference = claim_reference(moment.year, claim.id)
    marked = False
    if new.kind == DEATH and match == CONFIRMED and worker is not None:
        marked = mark_deceased(claim, worker, new.event_date)
    await session.flush()
    await audit.record_event(
        session,
        "claim.opened",
        contact_id=new.reporter_contact_id,
        person_id=new.reporter_person_id,
        subject_type=SUBJECT,
        subject_id=claim.reference,
        details={"kind": new.kind, "match": match, "worker_id": new.worker_id, "village": village_code},
        at=moment,
    )
    if marked and worker is not None:
        await audit.record_event(
            session,
            "worker.deceased",
            contact_id=new.reporter_contact_id,
            person_id=new.reporter_person_id,
            subject_type="worker",
            subject_id=str(worker.id),
            details={"claim": claim.reference, "deceased_on": new.event_date.isoformat()},
            at=moment,
        )
    return OpenedClaim(claim.id, claim.reference, match, worker_marked_deceased=marked)


def reported_dead_condition() -> ColumnElement[bool]:
    """SQL condition on Worker: an open death report nobody has confirmed or rejected yet ("dilaporkan meninggal").

    The reminder planner adds `~reported_dead_condition()` (and `Worker.deceased_on IS NULL`) to pause reminders.
    """
    return exists(
        select(Claim.id).where(
            Claim.worker_id == Worker.id,
            Claim.kind == DEATH,
            Claim.match == PENDING,
            Claim.status.not_in(CLOSED_STATUSES),
        )
    )


async def workers_reported_dead(session: AsyncSession) -> set[int]:
    """The ids of workers reported dead by someone nobody has vouched for yet: their reminders pause."""
    return set(await session.scalars(select(Worker.id).where(reported_dead_condition())))


async def is_reported_dead(session: AsyncSession, worker_id: int) -> bool:
    """Whether the worker has an unconfirmed open death report ("dilaporkan meninggal")."""
    query = select(Worker.id).where(Worker.id == worker_id, reported_dead_condition())
    return await session.scalar(query) is not None


# -- who is told ------------------------------------------------------------------------------------------------------


async def staff_contacts(
    session: AsyncSession, village_code: str | None, *, cadres: bool = True, admins: bool = True
) -> list[Contact]:
    """The contacts linked to a cadre of the village and/or to any admin, not opted out, by id."""
    wanted = []
    if admins:
        wanted.append(Role.role == ADMIN)
    if cadres and village_code is not None:
        wanted.append((Role.role == CADRE) & (Role.village_code == village_code))
    if not wanted:
        return []
    people = select(Role.person_id).where(or_(*wanted))
    query = select(Contact).where(Contact.person_id.in_(people), Contact.opted_out.is_(False)).order_by(Contact.id)
    return list(await session.scalars(query))


async def get_claim(session: AsyncSession, claim_id: int) -> Claim:
    """The case with this id (LookupError when there is none)."""
    claim = await session.get(Claim, claim_id)
    if claim is None:
        raise ClaimNotFoundError(str(claim_id))
    return claim


def _not_the_reporter(claim: Claim, contact: Contact) -> bool:
    if claim.reporter_contact_id is not None and contact.id == claim.reporter_contact_id:
        return False
    return claim.reporter_person_id is None or contact.person_id != claim.reporter_person_id


async def notify_staff(session: AsyncSession, claim_id: int, render: Callable[[str], str]) -> int:
    """Records a message about a new case to every contact of the village's cadres and of every admin, never to the
    reporter; render(language) gives the text. How many were recorded (a staff member with no contact gets none)."""
    claim = await get_claim(session, claim_id)
    count = 0
    for contact in await staff_contacts(session, claim.village_code):
        if not _not_the_reporter(claim, contact):
            continue
        key = f"claim:{claim.id}:{contact.id}"
        if await outbox.enqueue(session, contact, OUTBOX_KIND, render(contact.language), key=key) is not None:
            count += 1
    return count


def reminder_key_prefix(claim_id: int) -> str:
    """What the keys of a case's stage-I reminders start with."""
    return f"claim:{claim_id}:stage1:"


async def schedule_accident_reminders(
    session: AsyncSession,
    claim_id: int,
    deadline: datetime,
    render: Callable[[str, str], str],
    *,
    now: datetime | None = None,
) -> int:
    """Records reminders to the village's cadres at 24 h and 40 h after the accident (deadline − 48 h); render(language,
    point) with point "24h" or "40h". Points already past, and a closed case, get none. How many were recorded."""
    claim = await get_claim(session, claim_id)
    if is_closed(claim):
        return 0
    moment = now or utcnow()
    accident_at = deadline - STAGE_ONE_WINDOW
    count = 0
    for contact in await staff_contacts(session, claim.village_code, admins=False):
        if not _not_the_reporter(claim, contact):
            continue
        for point, offset in REMINDER_OFFSETS:
            due = accident_at + offset
            if due <= moment:
                continue
            key = f"{reminder_key_prefix(claim.id)}{point}:{contact.id}"
            body = render(contact.language, point)
            if await outbox.enqueue(session, contact, OUTBOX_KIND, body, key=key, not_before=due) is not None:
                count += 1
    return count


async def cancel_reminders(session: AsyncSession, claim_id: int, reason: str = "claim closed") -> int:
    """Marks the case's stage-I reminders not yet sent as skipped; how many."""
    result = await session.execute(
        update(OutboundMessage)
        .where(
            OutboundMessage.key.like(f"{reminder_key_prefix(claim_id)}%"),
            OutboundMessage.status == outbox.PENDING,
        )
        .values(status=outbox.SKIPPED, reason=reason, updated_at=utcnow())
        .execution_options(synchronize_session=False, preserve_rowcount=True)
    )
    return int(result.rowcount or 0)


async def notify_contact(session: AsyncSession, contact_id: int, key: str, render: Callable[[str], str]) -> bool:
    """Records a message about a case to one contact (the reporter) in their language; False when the key was used
    or the contact is gone."""
    contact = await session.get(Contact, contact_id)
    if contact is None:
        return False
    return await outbox.enqueue(session, contact, OUTBOX_KIND, render(contact.language), key=key) is not None


# -- documents --------------------------------------------------------------------------------------------------------


async def attach_document(
    session: AsyncSession,
    claim_id: int,
    *,
    kind: str,
    path: str,
    content_type: str,
    size_bytes: int,
    sha256: str,
    contact_id: int | None = None,
) -> bool:
    """Keeps a stored file with the case; False when a file with the same checksum is already there. Audited."""
    added = await insert_ignoring_conflict(
        session,
        ClaimDocument,
        {
            "claim_id": claim_id,
            "kind": kind,
            "path": path,
            "content_type": content_type,
            "size_bytes": size_bytes,
            "sha256": sha256,
            "received_at": utcnow(),
        },
    )
    if added:
        claim = await get_claim(session, claim_id)
        claim.updated_at = utcnow()
        await audit.record_event(
            session,
            "claim.document",
            contact_id=contact_id,
            subject_type=SUBJECT,
            subject_id=claim.reference,
            details={"kind": kind, "sha256": sha256, "size_bytes": size_bytes},
        )
    return added


async def documents_of(session: AsyncSession, claim_id: int) -> list[ClaimDocument]:
    """The files kept with a case, oldest first."""
    query = select(ClaimDocument).where(ClaimDocument.claim_id == claim_id).order_by(ClaimDocument.id)
    return list(await session.scalars(query))


# -- finding and seeing cases -----------------------------------------------------------------------------------------


async def claim_by_reference(session: AsyncSession, reference: str) -> Claim | None:
    """The case with this reference (case and surrounding spaces do not matter)."""
    return await session.scalar(select(Claim).where(Claim.reference == normalise_reference(reference)))


async def may_view(session: AsyncSession, claim: Claim, *, contact_id: int | None, person_id: int | None) -> bool:
    """Whether this contact/person may see the case: its reporter, a cadre of its village, or an admin."""
    if contact_id is not None and contact_id == claim.reporter_contact_id:
        return True
    if person_id is not None and person_id == claim.reporter_person_id:
        return True
    return await is_staff_of(session, person_id, claim.village_code)


async def claims_of_reporter(session: AsyncSession, contact_id: int) -> list[Claim]:
    """The cases this contact reported, newest first."""
    query = select(Claim).where(Claim.reporter_contact_id == contact_id).order_by(Claim.id.desc())
    return list(await session.scalars(query))


async def worker_of(session: AsyncSession, claim: Claim) -> Worker | None:
    """The registered worker a case is about, if known."""
    return None if claim.worker_id is None else await session.get(Worker, claim.worker_id)


async def reporter_person(session: AsyncSession, claim: Claim) -> Person | None:
    """The admin or cadre who reported the case, if one did."""
    return None if claim.reporter_person_id is None else await session.get(Person, claim.reporter_person_id)


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    """Overdue: an accident still "baru" whose stage-I deadline (event_at + 48 h) has passed, or a death report still
    unconfirmed (match pending, not closed) made more than PENDING_DEATH_OVERDUE_DAYS days ago."""
    accident = (Claim.kind == ACCIDENT) & (Claim.status == NEW) & (Claim.event_at < now - STAGE_ONE_WINDOW)
    death = (
        (Claim.kind == DEATH)
        & (Claim.match == PENDING)
        & Claim.status.not_in(CLOSED_STATUSES)
        & (Claim.created_at < now - timedelta(days=PENDING_DEATH_OVERDUE_DAYS))
    )
    return or_(accident, death)


async def list_claims(
    session: AsyncSession,
    *,
    status: str | None = None,
    village: str | None = None,
    overdue: bool = False,
    now: datetime | None = None,
) -> list[Claim]:
    """Cases, newest first: of one status, of one village, and/or only the overdue ones (see overdue_condition)."""
    query = select(Claim).order_by(Claim.id.desc())
    if status is not None:
        query = query.where(Claim.status == status)
    if village is not None:
        query = query.where(Claim.village_code == village)
    if overdue:
        query = query.where(overdue_condition(now or utcnow()))
    return list(await session.scalars(query))


async def claims_of_villages(session: AsyncSession, village_codes: Sequence[str]) -> list[Claim]:
    """The open cases of these villages (a cadre's), newest first."""
    query = (
        select(Claim)
        .where(Claim.village_code.in_(village_codes), Claim.status.not_in(CLOSED_STATUSES))
        .order_by(Claim.id.desc())
    )
    return list(await session.scalars(query))
