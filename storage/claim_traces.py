"""A worker's traces in cases (deaths, accidents): which cases are theirs, and how forgetting the worker scrubs them
(storage/data_rights.py plans and runs the whole erasure).

A case is *about* the worker when it is theirs by worker id, or was opened by name and village with no worker found
and the match is certain: the NIK the reporter typed is the worker's, or the name is the worker's, in the worker's
village, and no other worker there has that name and no other NIK was typed. Forgetting keeps such a case's kind,
cause, status, match, outcome, village, reporter relation and administrative times: the reporter's name and phone
and the name given are erased, the free text of the details (place, story, injuries, witnesses, typed phone, NIK)
becomes "[forgotten]" (flags such as a road accident stay), the event date keeps only its month and the event time
goes. Its documents stay as rows (kind, type, size, time received: what the office counts) without path and
checksum; the files no other case refers to are let go, for the caller to delete. A case the worker reported about
someone else loses the reporter's name and phone; any other case whose details hold a value has those strings
scrubbed.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from rules.nik import compact
from storage.claims import PREVIOUS_DECEASED_ON
from storage.models import Claim, ClaimDocument, Worker
from storage.personal_traces import SCRUBBED, PersonalValues
from storage.worker_contacts import ContactsOfWorker, contacts_of, stream_rows
from storage.workers import ANONYMOUS_PREFIX

# How a case is linked to the worker: the first three are *about* the worker (scrubbed whole).
BY_WORKER = "worker"  # claim.worker_id
BY_NIK = "nik"  # no worker found; the NIK the reporter typed is the worker's
BY_NAME = "name_in_village"  # no worker found; the worker's name in the worker's village, nobody else's there
BY_REPORTER = "reporter"  # the worker reported it (from their own contact, or their phone nobody shares)
MENTIONED = "mentioned"  # its details hold one of the worker's values
ABOUT_WORKER = (BY_WORKER, BY_NIK, BY_NAME)
CASE = "case"  # what an audit event about a case about the worker holds
DEATH_DATE = "death_date"  # what a worker.deceased event of the worker holds
DEATH_ACTIONS = ("worker.deceased", "worker.deceased_undone")
CLAIM_FREE_TEXT = ("reason", "note", "sha256")  # details of case events that may say anything, or fingerprint a file
KEPT_DETAILS = ("who",)  # a case's details that are codes, kept with the flags (true/false)


def is_full_date(value: Any) -> bool:
    """Whether a value is an ISO date with its day (2026-10-17), not only a month (2026-10)."""
    return isinstance(value, str) and len(value) == 10


def same_name(first: str | None, second: str | None) -> bool:
    """Whether two names are the same, whatever their case and spacing ("siti  AMINAH" is "Siti Aminah")."""
    if not first or not second:
        return False
    return first.casefold().split() == second.casefold().split()


@dataclass(frozen=True)
class ClaimTrace:
    """A case about the worker, reported by them, or mentioning them; how it is linked (BY_WORKER, BY_NIK, BY_NAME,
    BY_REPORTER, MENTIONED), how many documents it keeps, and which values it holds."""

    claim: Claim
    linked_by: str
    documents: int
    found: tuple[str, ...]

    @property
    def about_worker(self) -> bool:
        """Whether the case is about the worker (their death or accident), not only reported by or mentioning them."""
        return self.linked_by in ABOUT_WORKER


@dataclass(frozen=True)
class _Whom:
    """What tells whether a case is the worker's: the worker, their own contacts, a namesake in their village, and
    whether their phone is shared."""

    worker: Worker
    own_contacts: Collection[int]
    namesake: bool
    shared_phone: bool

    def link(self, row: Any) -> str | None:
        """How a case (a row of claim columns) is linked to the worker, if it is (see ClaimTrace)."""
        worker = self.worker
        typed = row.details.get("nik") if isinstance(row.details, dict) else None
        typed_nik = compact(str(typed)) if typed else None
        if row.worker_id == worker.id:
            return BY_WORKER
        if row.worker_id is None and typed_nik == worker.nik:
            return BY_NIK
        if (
            row.worker_id is None
            and row.village_code == worker.village_code
            and typed_nik is None
            and not self.namesake
            and same_name(row.named_worker, worker.name)
        ):
            return BY_NAME
        if row.reporter_contact_id is not None and row.reporter_contact_id in self.own_contacts:
            return BY_REPORTER
        if worker.phone and row.reporter_phone == worker.phone and not self.shared_phone:
            return BY_REPORTER
        return None


async def claims_linked(
    session: AsyncSession, worker: Worker, values: PersonalValues, contacts: ContactsOfWorker | None = None
) -> list[ClaimTrace]:
    """The cases about the worker (their own, or opened by name with a certain match: see the module's notes), those
    they reported, and those whose details hold one of their values; oldest first."""
    contacts = contacts if contacts is not None else await contacts_of(session, worker)
    own = {c.id for c in contacts.own}
    namesakes = await session.scalars(
        select(Worker.name).where(Worker.village_code == worker.village_code, Worker.id != worker.id)
    )
    whom = _Whom(worker, own, any(same_name(name, worker.name) for name in namesakes), bool(contacts.shared))
    query = select(
        Claim.id,
        Claim.worker_id,
        Claim.village_code,
        Claim.named_worker,
        Claim.details,
        Claim.reporter_contact_id,
        Claim.reporter_phone,
        Claim.reporter_name,
    ).order_by(Claim.id)
    links: dict[int, tuple[str, tuple[str, ...]]] = {}
    async for row in stream_rows(session, query):
        linked_by = whom.link(row)
        found = tuple(
            dict.fromkeys(
                values.found_in(row.details)
                + values.found_in(row.named_worker)
                + values.found_in(row.reporter_name)
                + values.found_in(row.reporter_phone)
            )
        )
        if linked_by is None and values.found_in(row.details):
            linked_by = MENTIONED
        if linked_by is not None:
            links[row.id] = (linked_by, found)
    if not links:
        return []
    counted = await session.execute(
        select(ClaimDocument.claim_id, func.count())
        .where(ClaimDocument.claim_id.in_(list(links)))
        .group_by(ClaimDocument.claim_id)
    )
    documents = {claim_id: int(count) for claim_id, count in counted}
    rows = await session.scalars(select(Claim).where(Claim.id.in_(list(links))).order_by(Claim.id))
    return [ClaimTrace(c, links[c.id][0], documents.get(c.id, 0), links[c.id][1]) for c in rows]


def _kept_details(details: dict[str, Any]) -> dict[str, Any]:
    """A case's details with only flags (true/false), codes (KEPT_DETAILS) and a death date's month left."""
    kept: dict[str, Any] = {}
    for key, value in (details or {}).items():
        if value is None or isinstance(value, bool) or (key in KEPT_DETAILS and isinstance(value, str)):
            kept[key] = value
        elif key == PREVIOUS_DECEASED_ON and is_full_date(value):
            kept[key] = value[:7]
        else:
            kept[key] = SCRUBBED
    return kept


def _scrub_case(claim: Claim) -> None:
    """Erases what a case about the worker says of people, keeping what it counts as (see the module's notes)."""
    claim.reporter_name = SCRUBBED
    claim.reporter_phone = None
    if claim.named_worker is not None:
        claim.named_worker = SCRUBBED
    claim.details = _kept_details(claim.details)
    claim.event_date = claim.event_date.replace(day=1)
    claim.event_at = None


async def scrub_claims(
    session: AsyncSession,
    values: PersonalValues,
    *,
    about: Sequence[int],
    reported: Sequence[int],
    mentioning: Sequence[int],
) -> tuple[str, ...]:
    """Scrubs the cases about the worker whole, those they reported and those mentioning them (ids, as claims_linked
    links them); the stored files of the cases about the worker that no other case refers to."""
    for claim in await session.scalars(select(Claim).where(Claim.id.in_(reported))):
        claim.reporter_name, claim.reporter_phone = SCRUBBED, None
        claim.details = values.scrub(claim.details)
    for claim in await session.scalars(select(Claim).where(Claim.id.in_(mentioning))):
        claim.details = values.scrub(claim.details)
    for claim in await session.scalars(select(Claim).where(Claim.id.in_(about))):
        _scrub_case(claim)
    stored: dict[str, str] = {}
    for document in await session.scalars(select(ClaimDocument).where(ClaimDocument.claim_id.in_(about))):
        if document.path != SCRUBBED:
            stored[document.path] = document.sha256
        document.path, document.sha256 = SCRUBBED, f"{ANONYMOUS_PREFIX}{document.id}"
    await session.flush()
    let_go = []
    for path, sha256 in stored.items():
        elsewhere = select(ClaimDocument.id).where(or_(ClaimDocument.sha256 == sha256, ClaimDocument.path == path))
        if await session.scalar(elsewhere.limit(1)) is None:
            let_go.append(path)
    return tuple(let_go)
