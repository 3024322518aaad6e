"""What a cadre or admin decides on a case: confirm or reject a death report, withdraw a mistaken report, move the
status, record the doctor's verdict. Each is audited and says whom to tell; the caller renders and records the
message with storage.claims.notify_contact(decision.notify_contact_id, decision.notice_key, render)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage.claims import (
    ACCIDENT,
    CLOSED_STATUSES,
    CONFIRMED,
    DEATH,
    MARKED_DECEASED,
    MISSING_DOCUMENTS,
    PAID,
    PENDING,
    PREVIOUS_DECEASED_ON,
    PROCESSING,
    REFUSED,
    REJECTED,
    SUBJECT,
    WITHDRAWN,
    ClaimNotFoundError,
    ClaimStateError,
    cancel_reminders,
    claim_by_reference,
    mark_deceased,
)
from storage.models import Claim, Worker
from storage.types import utcnow

# The statuses an update may set (withdrawal has its own decision).
UPDATE_STATUSES = (PROCESSING, MISSING_DOCUMENTS, PAID, REFUSED)
RECOVERED = "recovered"
DISABLED = "disabled"
DIED = "died"
OUTCOMES = (RECOVERED, DISABLED, DIED)


@dataclass(frozen=True)
class Actor:
    """Who decides: the admin or cadre (person) and/or the contact they wrote from; both None for the CLI operator."""

    person_id: int | None = None
    contact_id: int | None = None


CLI = Actor()


@dataclass(frozen=True)
class Decision:
    """What a decision did: the case, whether anything changed, and whom to tell under which outbox key."""

    claim: Claim
    action: str
    changed: bool
    notify_contact_id: int | None
    notice_key: str
    worker_status_changed: bool = False


async def _claim(session: AsyncSession, reference: str) -> Claim:
    claim = await claim_by_reference(session, reference)
    if claim is None:
        raise ClaimNotFoundError(reference)
    return claim


async def _decided(
    session: AsyncSession,
    claim: Claim,
    action: str,
    actor: Actor,
    details: dict[str, Any],
    *,
    changed: bool = True,
    worker_changed: bool = False,
) -> Decision:
    """Audits the decision and says whom to tell (the reporter's contact, when there is one and anything changed)."""
    now = utcnow()
    claim.updated_at = now
    event = await audit.record_event(
        session,
        f"claim.{action}",
        contact_id=actor.contact_id,
        person_id=actor.person_id,
        subject_type=SUBJECT,
        subject_id=claim.reference,
        details=details,
        at=now,
    )
    key = f"claim:{claim.id}:{action}:{event.id}"
    notify = claim.reporter_contact_id if changed and claim.reporter_contact_id != actor.contact_id else None
    return Decision(claim, action, changed, notify, key, worker_changed)


async def _worker_event(session: AsyncSession, action: str, worker: Worker, claim: Claim, actor: Actor) -> None:
    await audit.record_event(
        session,
        action,
        contact_id=actor.contact_id,
        person_id=actor.person_id,
        subject_type="worker",
        subject_id=str(worker.id),
        details={"claim": claim.reference, "deceased_on": worker.deceased_on and worker.deceased_on.isoformat()},
    )


def _open(claim: Claim) -> None:
    if claim.status in CLOSED_STATUSES:
        raise ClaimStateError(f"{claim.reference} is closed ({claim.status})")


async def confirm_death_report(
    session: AsyncSession, reference: str, *, actor: Actor = CLI, worker_id: int | None = None
) -> Decision:
    """A cadre or admin vouches for a pending report (naming the worker when the report only had a name): a death
    marks the worker deceased on the event date. ClaimStateError when the case is closed or not pending."""
    claim = await _claim(session, reference)
    _open(claim)
    if claim.match != PENDING:
        raise ClaimStateError(f"{claim.reference} is {claim.match}, not pending")
    if worker_id is not None and claim.worker_id not in (None, worker_id):
        raise ClaimStateError(f"{claim.reference} is about another worker")
    if worker_id is not None:
        claim.worker_id = worker_id
    if claim.kind == DEATH and claim.worker_id is None:
        raise ClaimStateError(f"{claim.reference} names no registered worker yet")
    claim.match = CONFIRMED
    worker_changed = False
    worker = None if claim.worker_id is None else await session.get(Worker, claim.worker_id)
    if worker is not None:
        claim.village_code = worker.village_code
        if claim.kind == DEATH:
            worker_changed = mark_deceased(claim, worker, claim.event_date)
    details = {"worker_id": claim.worker_id, "marked_deceased": worker_changed}
    decision = await _decided(session, claim, "confirmed", actor, details, worker_changed=worker_changed)
    if worker_changed and worker is not None:
        await _worker_event(session, "worker.deceased", worker, claim, actor)
    return decision


async def reject_death_report(session: AsyncSession, reference: str, reason: str, *, actor: Actor = CLI) -> Decision:
    """A cadre or admin finds a pending report false: the case is refused and closed; the worker never changed."""
    claim = await _claim(session, reference)
    _open(claim)
    if claim.match != PENDING:
        raise ClaimStateError(f"{claim.reference} is {claim.match}, not pending")
    claim.match = REJECTED
    claim.status = REFUSED
    claim.closed_at = utcnow()
    await cancel_reminders(session, claim.id, "claim rejected")
    return await _decided(session, claim, "rejected", actor, {"reason": reason})


async def _restore_worker(session: AsyncSession, claim: Claim) -> Worker | None:
    """Undoes the death the case recorded (if it did, and nothing changed it since); the worker when restored."""
    if not claim.details.get(MARKED_DECEASED) or claim.worker_id is None:
        return None
    worker = await session.get(Worker, claim.worker_id)
    if worker is None:
        return None
    previous = claim.details.get(PREVIOUS_DECEASED_ON)
    worker.deceased_on = date.fromisoformat(previous) if previous else None
    claim.details = {**claim.details, MARKED_DECEASED: False}
    return worker


async def withdraw_claim(session: AsyncSession, reference: str, reason: str, *, actor: Actor = CLI) -> Decision:
    """Withdraws a mistaken report: status "ditarik", reminders cancelled, and the worker's status as it was before
    (a death the report recorded is undone). ClaimStateError when already withdrawn or paid."""
    claim = await _claim(session, reference)
    if claim.status in (WITHDRAWN, PAID):
        raise ClaimStateError(f"{claim.reference} is {claim.status}")
    previous_status = claim.status
    claim.status = WITHDRAWN
    claim.closed_at = utcnow()
    await cancel_reminders(session, claim.id, "claim withdrawn")
    worker = await _restore_worker(session, claim)
    details = {"reason": reason, "previous_status": previous_status, "worker_restored": worker is not None}
    decision = await _decided(session, claim, "withdrawn", actor, details, worker_changed=worker is not None)
    if worker is not None:
        await _worker_event(session, "worker.deceased_undone", worker, claim, actor)
    return decision


async def update_status(
    session: AsyncSession, reference: str, status: str, note: str | None = None, *, actor: Actor = CLI
) -> Decision:
    """Moves the case to diproses, dokumen-kurang, dibayar or ditolak (the last two close it); any of them cancels
    the stage-I reminders. The same status again changes nothing and tells no one. A withdrawn case cannot move."""
    if status not in UPDATE_STATUSES:
        raise ValueError(f"status must be one of {', '.join(UPDATE_STATUSES)}")
    claim = await _claim(session, reference)
    if claim.status == WITHDRAWN:
        raise ClaimStateError(f"{claim.reference} was withdrawn")
    previous = claim.status
    changed = previous != status
    claim.status = status
    # Any status but "baru" means the office has the case: the stage-I reminders have done their work.
    await cancel_reminders(session, claim.id, f"claim {status}")
    claim.closed_at = (claim.closed_at or utcnow()) if status in CLOSED_STATUSES else None
    details = {"from": previous, "to": status, "note": note}
    return await _decided(session, claim, "status", actor, details, changed=changed)


async def record_outcome(
    session: AsyncSession, reference: str, outcome: str, *, actor: Actor = CLI, on: date | None = None
) -> Decision:
    """Records the doctor's verdict on an accident (recovered, disabled, died) for stage II; "died" marks the
    worker deceased on the given day (today by default) unless a death is recorded."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
    claim = await _claim(session, reference)
    if claim.kind != ACCIDENT:
        raise ClaimStateError(f"{claim.reference} is not an accident report")
    _open(claim)
    now = utcnow()
    changed = claim.outcome != outcome
    claim.outcome = outcome
    claim.outcome_at = now
    worker_changed = False
    worker = None if claim.worker_id is None else await session.get(Worker, claim.worker_id)
    if outcome == DIED and worker is not None:
        worker_changed = mark_deceased(claim, worker, on or now.date())
    details = {"outcome": outcome, "marked_deceased": worker_changed}
    decision = await _decided(session, claim, "outcome", actor, details, changed=changed, worker_changed=worker_changed)
    if worker_changed and worker is not None:
        await _worker_event(session, "worker.deceased", worker, claim, actor)
    return decision
