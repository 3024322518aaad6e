"""A worker's rights over their data (UU 27/2022 PDP): everything stored about them, and forgetting them.

Forgetting keeps the anonymous counts the programme reports on and erases the person:

- the worker row stays, so that village, segment, programmes, payer, occupation group, sex, registration time and
  cadre still count; its NIK and name become `anon-<id>` (unique, never a NIK: a NIK is 16 digits, and
  `anon-2147483647` still fits the 16 characters of the column on PostgreSQL), the birth date 1 January 1900, the
  declared income the programme's minimum, phone, heir, sponsor, KPJ and other occupation are emptied, a death date
  keeps only its month;
- payments stay (months, amounts, source, reference: no personal data), a reference holding a personal value
  becomes `anon-<payment id>`;
- the worker's own contacts (verified phone, or WhatsApp or console address, equal to the worker's phone, used by no
  other worker and no cadre or admin) are deleted with their conversation and messages: on WhatsApp and the console
  the address *is* the phone, so keeping the contact would keep the phone. Audit events they caused keep their
  action, time and subject (the actor becomes unknown), received message ids stay (so a redelivery still does
  nothing). A contact whose phone another worker or a cadre also uses is kept as it is: that phone is theirs too;
- every other conversation holding one of the values is cleared (it starts again at the menu);
- every other message about the worker (keyed `registration:<worker id>:…`, or `status_checked:<event id>:…` for a
  check of the worker's status, or whose body, variables or reason hold a value) keeps its kind, status and times
  but loses its body and variables; one not sent yet is skipped;
- audit events keep action, time and actor; each string of their details (and the note) holding a value is replaced
  by "[forgotten]", and so are the old and new values of personal fields in the worker's edit and correction
  events (storage/worker_edits.py); a subject that is the worker stays (the id of an anonymous row), a subject that
  is a pseudonym of the NIK (the keyed hash the status-check limits count by, given by the caller) is emptied;
- cases (deaths, accidents) about the worker keep what the office counts and lose what they say of people, their
  documents stay as rows without path and checksum, and cases the worker reported or that mention them lose those
  values (storage/claim_traces.py says which cases are the worker's and how each is scrubbed); forget() returns the
  files no other case refers to, for the caller to delete. Their messages (keyed `claim:<case id>:…`) are blanked,
  their audit events lose reasons, notes and checksums. Death dates the worker's `worker.deceased` events carry keep
  only the month.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from rules.contribution import DEFAULT_RATES
from rules.nik import compact
from storage.claim_traces import (
    BY_REPORTER,
    CASE,
    CLAIM_FREE_TEXT,
    DEATH_ACTIONS,
    DEATH_DATE,
    MENTIONED,
    ClaimTrace,
    claims_linked,
    is_full_date,
    scrub_claims,
)
from storage.claims import CLOSED_STATUSES
from storage.claims import SUBJECT as CLAIM_SUBJECT
from storage.models import (
    AuditEvent,
    Claim,
    Contact,
    Conversation,
    OutboundMessage,
    Payment,
    Person,
    ReceivedMessage,
    Village,
    Worker,
)
from storage.personal_traces import SCRUBBED, PersonalValues
from storage.types import utcnow
from storage.worker_contacts import BATCH, contacts_of, stream_rows
from storage.worker_edits import edited_fields, scrub_edit
from storage.workers import ANONYMOUS_PREFIX

ANONYMOUS_BIRTH_DATE = date(1900, 1, 1)
FORGOTTEN_REASON = "forgotten: the worker's data was erased"
NOT_SENT = ("pending", "sending")
PSEUDONYM = "nik_pseudonym"  # what a trace holds when its subject is a pseudonym (keyed hash) of the NIK
KEYS_BY_WORKER = ("registration",)  # outbox keys <kind>:<worker id>:<contact id>
KEYS_BY_EVENT = ("status_checked",)  # outbox keys <kind>:<audit event id>:<contact id>, the event about the worker
KEYS_BY_CLAIM = ("claim",)  # outbox keys <kind>:<case id>:…, about a case about the worker
_ANONYMOUS = re.compile(rf"{ANONYMOUS_PREFIX}\d+")


def anonymous_label(worker_id: int) -> str:
    """What stands for a forgotten worker's NIK and name: anon-<id>."""
    return f"{ANONYMOUS_PREFIX}{worker_id}"


def is_forgotten(worker: Worker) -> bool:
    """Whether a worker's personal data was erased (a NIK is always 16 digits; anon-<id> is not)."""
    return not worker.nik.isdigit()


def values_of(worker: Worker) -> PersonalValues:
    """The values that identify a worker in stored text."""
    return PersonalValues(worker.nik, worker.name, worker.phone, worker.birth_date, worker.kpj)


async def find_worker(session: AsyncSession, text: str, *, lock: bool = False) -> Worker | None:
    """The worker with this NIK (separators allowed), or the forgotten worker anon-<id>; with its village."""
    wanted = text.strip()
    if not _ANONYMOUS.fullmatch(wanted):
        wanted = compact(wanted)
    query = select(Worker).where(Worker.nik == wanted).options(selectinload(Worker.village))
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


@dataclass(frozen=True)
class Trace:
    """One row that holds personal values of the worker (or is about them), and which values."""

    id: int
    found: tuple[str, ...]


async def conversations_holding(session: AsyncSession, values: PersonalValues) -> list[Trace]:
    """The conversations (by contact id) whose stored answers hold one of the values."""
    traces = []
    async for contact_id, state in stream_rows(session, select(Conversation.contact_id, Conversation.state)):
        found = values.found_in(state)
        if found:
            traces.append(Trace(contact_id, found))
    return traces


async def messages_about(
    session: AsyncSession,
    worker: Worker,
    values: PersonalValues,
    event_ids: Sequence[int] = (),
    claim_ids: Sequence[int] = (),
) -> list[Trace]:
    """Messages keyed to the worker, to an event about them (event_ids) or to a case about them (claim_ids), or whose
    text holds one of the values."""
    keys = tuple(f"{kind}:{worker.id}:" for kind in KEYS_BY_WORKER)
    keys += tuple(f"{kind}:{event_id}:" for kind in KEYS_BY_EVENT for event_id in event_ids)
    keys += tuple(f"{kind}:{claim_id}:" for kind in KEYS_BY_CLAIM for claim_id in claim_ids)
    query = select(
        OutboundMessage.id, OutboundMessage.key, OutboundMessage.body, OutboundMessage.variables, OutboundMessage.reason
    ).order_by(OutboundMessage.id)
    traces = []
    async for message_id, message_key, body, variables, reason in stream_rows(session, query):
        found = tuple(dict.fromkeys(values.found_in(body) + values.found_in(variables) + values.found_in(reason)))
        if found or (message_key or "").startswith(keys):
            traces.append(Trace(message_id, found))
    return traces


async def audit_events_about(
    session: AsyncSession,
    worker: Worker,
    values: PersonalValues,
    pseudonyms: Sequence[tuple[str, str]] = (),
    claim_references: Collection[str] = (),
) -> list[Trace]:
    """Events about the worker, or about a case about them (then holding CASE), or about a pseudonym of their NIK
    (then holding PSEUDONYM), or holding a value; an edit of the worker also holds the personal fields it changed
    (old values included: a former phone, NIK, KPJ), a death recorded for them its date (DEATH_DATE)."""
    query = select(
        AuditEvent.id,
        AuditEvent.action,
        AuditEvent.subject_type,
        AuditEvent.subject_id,
        AuditEvent.details,
        AuditEvent.note,
    ).order_by(AuditEvent.id)
    traces = []
    async for event_id, action, subject_type, subject_id, details, note in stream_rows(session, query):
        about_worker = subject_type == "worker" and subject_id == str(worker.id)
        about_case = subject_type == CLAIM_SUBJECT and subject_id in claim_references
        edited = edited_fields(action, details) if about_worker else ()
        found = tuple(dict.fromkeys(values.found_in(details) + values.found_in(note) + edited))
        if (subject_type, subject_id) in pseudonyms:
            found += (PSEUDONYM,)
        if about_worker and action in DEATH_ACTIONS and is_full_date((details or {}).get("deceased_on")):
            found += (DEATH_DATE,)
        if about_case:
            found += (CASE,)
        if found or about_worker:
            traces.append(Trace(event_id, found))
    return traces


async def payments_of(session: AsyncSession, worker_id: int) -> list[Payment]:
    """A worker's payments, oldest month first."""
    query = select(Payment).where(Payment.worker_id == worker_id).order_by(Payment.first_month, Payment.id)
    return list(await session.scalars(query))


# -- forgetting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasurePlan:
    """What forgetting a worker changes, row by row."""

    worker_id: int
    payments: int
    payment_references: tuple[int, ...]
    own_contacts: tuple[int, ...]
    shared_contacts: tuple[int, ...]
    own_conversations: int
    own_messages: int
    conversations: tuple[int, ...]
    messages: tuple[int, ...]
    audit_events: tuple[int, ...]
    pseudonyms: tuple[tuple[str, str], ...] = ()
    claims: tuple[int, ...] = ()  # about the worker: scrubbed whole
    open_claims: tuple[str, ...] = ()  # the references of those not closed (paid, refused, withdrawn) yet
    claim_documents: int = 0  # the documents of those cases (rows kept, files let go)
    claims_reported: tuple[int, ...] = ()  # reported by the worker: reporter's name and phone erased
    claims_mentioning: tuple[int, ...] = ()  # details holding a value: those strings scrubbed

    def counts(self) -> dict[str, int]:
        """How many rows each change touches, by name."""
        return {
            "workers_anonymised": 1,
            "payments_kept": self.payments,
            "payment_references_replaced": len(self.payment_references),
            "contacts_deleted": len(self.own_contacts),
            "contacts_kept_shared_phone": len(self.shared_contacts),
            "conversations_deleted": self.own_conversations,
            "conversations_cleared": len(self.conversations),
            "messages_deleted": self.own_messages,
            "messages_blanked": len(self.messages),
            "audit_events_scrubbed": len(self.audit_events),
            "claims_scrubbed": len(self.claims),
            "claim_documents_unlinked": self.claim_documents,
            "claims_reporter_erased": len(self.claims_reported),
            "claims_mentions_scrubbed": len(self.claims_mentioning),
        }


async def _count(session: AsyncSession, column: Any, ids: Sequence[int]) -> int:
    if not ids:
        return 0
    return int(await session.scalar(select(func.count()).where(column.in_(ids))) or 0)


async def plan_erasure(
    session: AsyncSession, worker: Worker, pseudonyms: Sequence[tuple[str, str]] = ()
) -> ErasurePlan:
    """What forgetting the worker would change, nothing changed; pseudonyms: (subject type, id) standing for the NIK."""
    values = values_of(worker)
    contacts = await contacts_of(session, worker)
    own = {c.id for c in contacts.own}
    payments = await payments_of(session, worker.id)
    conversations = [t.id for t in await conversations_holding(session, values) if t.id not in own]
    cases = await claims_linked(session, worker, values, contacts)
    about = [t for t in cases if t.about_worker]
    references = {t.claim.reference for t in about if t.claim.reference}
    events = await audit_events_about(session, worker, values, pseudonyms, references)
    message_ids = [
        t.id for t in await messages_about(session, worker, values, [t.id for t in events], [t.claim.id for t in about])
    ]
    kept_messages = await session.scalars(
        select(OutboundMessage.id).where(OutboundMessage.id.in_(message_ids), OutboundMessage.contact_id.not_in(own))
    )
    audit = [t.id for t in events if t.found]
    return ErasurePlan(
        worker_id=worker.id,
        payments=len(payments),
        payment_references=tuple(p.id for p in payments if values.found_in(p.reference)),
        own_contacts=tuple(sorted(own)),
        shared_contacts=tuple(c.id for c in contacts.shared),
        own_conversations=await _count(session, Conversation.contact_id, sorted(own)),
        own_messages=await _count(session, OutboundMessage.contact_id, sorted(own)),
        conversations=tuple(conversations),
        messages=tuple(sorted(kept_messages)),
        audit_events=tuple(audit),
        pseudonyms=tuple(pseudonyms),
        claims=tuple(t.claim.id for t in about),
        open_claims=tuple(t.claim.reference or str(t.claim.id) for t in about if t.claim.status not in CLOSED_STATUSES),
        claim_documents=sum(t.documents for t in about),
        claims_reported=tuple(t.claim.id for t in cases if t.linked_by == BY_REPORTER),
        claims_mentioning=tuple(t.claim.id for t in cases if t.linked_by == MENTIONED),
    )


async def _delete_contacts(session: AsyncSession, ids: Sequence[int]) -> None:
    """Deletes contacts with their conversations and messages; what referred to them forgets who it was."""
    if not ids:
        return
    await session.execute(delete(OutboundMessage).where(OutboundMessage.contact_id.in_(ids)))
    await session.execute(delete(Conversation).where(Conversation.contact_id.in_(ids)))
    await session.execute(update(ReceivedMessage).where(ReceivedMessage.contact_id.in_(ids)).values(contact_id=None))
    await session.execute(update(AuditEvent).where(AuditEvent.actor_contact_id.in_(ids)).values(actor_contact_id=None))
    await session.execute(update(Claim).where(Claim.reporter_contact_id.in_(ids)).values(reporter_contact_id=None))
    await session.execute(delete(Contact).where(Contact.id.in_(ids)))


async def _clear_conversations(session: AsyncSession, contact_ids: Sequence[int]) -> None:
    if not contact_ids:
        return
    query = select(Conversation).where(Conversation.contact_id.in_(contact_ids)).with_for_update()
    for row in await session.scalars(query):
        row.flow, row.step, row.state, row.updated_at = None, None, {}, utcnow()


async def _blank_messages(session: AsyncSession, message_ids: Sequence[int]) -> None:
    if not message_ids:
        return
    now = utcnow()
    for message in await session.scalars(select(OutboundMessage).where(OutboundMessage.id.in_(message_ids))):
        message.body, message.variables, message.updated_at = "", {}, now
        if message.status in NOT_SENT:
            message.status, message.reason = "skipped", FORGOTTEN_REASON
        elif message.reason:
            message.reason = None


async def _scrub_audit(
    session: AsyncSession,
    worker_id: int,
    values: PersonalValues,
    event_ids: Sequence[int],
    pseudonyms: Sequence[tuple[str, str]],
    claim_references: Collection[str] = (),
) -> None:
    for start in range(0, len(event_ids), BATCH):
        chunk = event_ids[start : start + BATCH]
        for event in await session.scalars(select(AuditEvent).where(AuditEvent.id.in_(chunk))):
            details = event.details or {}
            if event.subject_type == "worker" and event.subject_id == str(worker_id):
                details = scrub_edit(event.action, details)
                if event.action in DEATH_ACTIONS and is_full_date(details.get("deceased_on")):
                    details = {**details, "deceased_on": details["deceased_on"][:7]}
            about_case = event.subject_type == CLAIM_SUBJECT and event.subject_id in claim_references
            if about_case:
                details = {k: (SCRUBBED if k in CLAIM_FREE_TEXT and v is not None else v) for k, v in details.items()}
            details = values.scrub(details)
            event.details = details if not values.found_in(details) else {"scrubbed": SCRUBBED}
            if values.found_in(event.note) or (about_case and event.note):
                event.note = SCRUBBED
            if (event.subject_type, event.subject_id) in pseudonyms:
                event.subject_type, event.subject_id = None, None


def _anonymise(worker: Worker) -> None:
    label = anonymous_label(worker.id)
    worker.nik = label
    worker.name = label
    worker.birth_date = ANONYMOUS_BIRTH_DATE
    worker.phone = None
    worker.occupation_other = None
    worker.declared_income = DEFAULT_RATES.income_min
    worker.sponsor = None
    worker.heir_name = None
    worker.heir_relation = None
    worker.heir_phone = None
    worker.kpj = None
    if worker.deceased_on is not None:
        worker.deceased_on = worker.deceased_on.replace(day=1)


async def forget(session: AsyncSession, worker: Worker, plan: ErasurePlan) -> tuple[str, ...]:
    """Erases the worker's personal data as planned (see the module's docstring), in the caller's transaction; the
    paths of the stored documents no case refers to any more, which the caller deletes once this is committed."""
    values = values_of(worker)
    for payment in await session.scalars(select(Payment).where(Payment.id.in_(plan.payment_references))):
        payment.reference = anonymous_label(payment.id)
    references = set(await session.scalars(select(Claim.reference).where(Claim.id.in_(plan.claims))))
    await _delete_contacts(session, plan.own_contacts)
    await _clear_conversations(session, plan.conversations)
    await _blank_messages(session, plan.messages)
    await _scrub_audit(session, plan.worker_id, values, plan.audit_events, plan.pseudonyms, references)
    files = await scrub_claims(
        session, values, about=plan.claims, reported=plan.claims_reported, mentioning=plan.claims_mentioning
    )
    _anonymise(worker)
    await session.flush()
    return files


# -- the access request ------------------------------------------------------------------------


@dataclass(frozen=True)
class ConversationTrace:
    """A conversation that holds some of the worker's values."""

    conversation: Conversation
    contact: Contact | None
    found: tuple[str, ...]


@dataclass(frozen=True)
class MessageTrace:
    """A message to one of the worker's contacts, or about the worker."""

    message: OutboundMessage
    found: tuple[str, ...]


@dataclass(frozen=True)
class EventTrace:
    """An audit event about the worker, with whoever caused it."""

    event: AuditEvent
    person: Person | None
    contact: Contact | None
    found: tuple[str, ...]


@dataclass(frozen=True)
class AccessReport:
    """Everything stored about one worker."""

    worker: Worker
    village: Village
    registered_by: Person | None
    payments: list[Payment]
    contacts: list[Contact]
    shared_phone: bool
    messages: list[MessageTrace]
    conversations: list[ConversationTrace]
    events: list[EventTrace]
    claims: list[ClaimTrace] = field(default_factory=list)


async def access_report(
    session: AsyncSession, worker: Worker, pseudonyms: Sequence[tuple[str, str]] = ()
) -> AccessReport:
    """Everything stored about the worker: row, payments, contacts, cases, messages, conversations and audit events."""
    values = values_of(worker)
    contacts = await contacts_of(session, worker)
    contact_ids = contacts.ids
    cases = await claims_linked(session, worker, values, contacts)
    own_cases = [t.claim for t in cases if t.about_worker]
    references = {c.reference for c in own_cases if c.reference}
    events = {t.id: t.found for t in await audit_events_about(session, worker, values, pseudonyms, references)}
    about = {
        t.id: t.found for t in await messages_about(session, worker, values, list(events), [c.id for c in own_cases])
    }
    message_query = select(OutboundMessage).where(
        or_(OutboundMessage.id.in_(list(about)), OutboundMessage.contact_id.in_(contact_ids))
    )
    messages = [
        MessageTrace(m, about.get(m.id, ())) for m in await session.scalars(message_query.order_by(OutboundMessage.id))
    ]
    held = {t.id: t.found for t in await conversations_holding(session, values)}
    conversation_rows = await session.execute(
        select(Conversation, Contact)
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(Conversation.contact_id.in_(list(held)))
        .order_by(Conversation.contact_id)
    )
    conversations = [ConversationTrace(row, contact, held[row.contact_id]) for row, contact in conversation_rows]
    event_rows = await session.execute(
        select(AuditEvent, Person, Contact)
        .outerjoin(Person, Person.id == AuditEvent.actor_person_id)
        .outerjoin(Contact, Contact.id == AuditEvent.actor_contact_id)
        .where(AuditEvent.id.in_(list(events)))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    registered_by = await session.get(Person, worker.registered_by) if worker.registered_by else None
    return AccessReport(
        worker=worker,
        village=worker.village,
        registered_by=registered_by,
        payments=await payments_of(session, worker.id),
        contacts=contacts.own + contacts.shared,
        shared_phone=bool(contacts.shared),
        messages=messages,
        conversations=conversations,
        events=[EventTrace(e, p, c, events[e.id]) for e, p, c in event_rows],
        claims=cases,
    )
