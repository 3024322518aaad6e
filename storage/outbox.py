"""Outbound messages: recorded in the transaction that decides them, sent later, their delivery tracked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Contact, OutboundMessage
from storage.types import utcnow
from storage.upsert import insert_returning_id

PENDING = "pending"
SENDING = "sending"
QUEUED = "queued"
SENT = "sent"
DELIVERED = "delivered"
READ = "read"
FAILED = "failed"
UNDELIVERED = "undelivered"
SKIPPED = "skipped"

MAX_REASON = 200  # the reason column's length
DELIVERY_STATES = (QUEUED, SENT, DELIVERED, READ, FAILED, UNDELIVERED)
_PROGRESS = {PENDING: 0, SENDING: 1, QUEUED: 2, SENT: 3, DELIVERED: 4, READ: 5}


async def enqueue(
    session: AsyncSession,
    contact: Contact,
    kind: str,
    body: str,
    *,
    key: str | None = None,
    template: str | None = None,
    variables: dict[str, Any] | None = None,
    not_before: datetime | None = None,
) -> int | None:
    """Records a message for the contact and returns its id; with a key already used, nothing (None)."""
    now = utcnow()
    return await insert_returning_id(
        session,
        OutboundMessage,
        {
            "contact_id": contact.id,
            "channel": contact.channel,
            "kind": kind,
            "key": key,
            "body": body,
            "template": template,
            "variables": variables or {},
            "status": PENDING,
            "attempts": 0,
            "not_before": not_before or now,
            "created_at": now,
            "updated_at": now,
        },
    )


REPLY = "reply"  # an answer to the person who just wrote, kept until its channel confirms it sent


async def keep_replies(
    session: AsyncSession, contact: Contact, replies: Sequence[tuple[str, dict[str, Any]]]
) -> list[int]:
    """Keeps a turn's replies (text, JSON document) as pending REPLY rows, in the turn's transaction, with one
    INSERT; their ids, in the replies' order."""
    if not replies:
        return []
    now = utcnow()
    rows = [
        {
            "contact_id": contact.id,
            "channel": contact.channel,
            "kind": REPLY,
            "body": text,
            "variables": document,
            "status": PENDING,
            "attempts": 0,
            "not_before": now,
            "created_at": now,
            "updated_at": now,
        }
        for text, document in replies
    ]
    # One multi-row INSERT: ids are given in the order the rows are inserted, whatever order RETURNING lists them.
    return sorted((await session.scalars(insert(OutboundMessage).values(rows).returning(OutboundMessage.id))).all())


async def replies_sent(session: AsyncSession, ids: Sequence[int]) -> int:
    """Lets go of replies their channel confirmed sent (or gave up on): nothing will send them again; how many."""
    if not ids:
        return 0
    result = await session.execute(
        delete(OutboundMessage)
        .where(OutboundMessage.id.in_(list(ids)), OutboundMessage.kind == REPLY)
        .execution_options(synchronize_session=False)  # the rows are not loaded: no session to synchronise
    )
    assert isinstance(result, CursorResult)
    return result.rowcount


async def pending_replies(
    session: AsyncSession, channel: str, *, created_before: datetime | None = None, limit: int = 500
) -> list[tuple[OutboundMessage, Contact]]:
    """The channel's replies kept and not confirmed sent (a crash came between the commit and the send), oldest
    first, with their contacts."""
    query = (
        select(OutboundMessage, Contact)
        .join(Contact, Contact.id == OutboundMessage.contact_id)
        .where(OutboundMessage.channel == channel, OutboundMessage.kind == REPLY, OutboundMessage.status == PENDING)
    )
    if created_before is not None:
        query = query.where(OutboundMessage.created_at < created_before)
    rows = await session.execute(query.order_by(OutboundMessage.id).limit(limit))
    return [(row.OutboundMessage, row.Contact) for row in rows]


async def record_sent(
    session: AsyncSession,
    contact: Contact,
    kind: str,
    body: str,
    *,
    template: str | None = None,
    variables: dict[str, Any] | None = None,
) -> OutboundMessage:
    """Records a message handed to the channel just now (a direct reply); the caller marks what became of it."""
    now = utcnow()
    message = OutboundMessage(
        contact_id=contact.id,
        channel=contact.channel,
        kind=kind,
        body=body,
        template=template,
        variables=variables or {},
        status=SENDING,
        attempts=1,
        not_before=now,
        created_at=now,
        updated_at=now,
    )
    session.add(message)
    await session.flush()
    return message


async def messages_for(session: AsyncSession, contact_id: int) -> list[OutboundMessage]:
    """A contact's outbound messages, oldest first."""
    query = select(OutboundMessage).where(OutboundMessage.contact_id == contact_id).order_by(OutboundMessage.id)
    return list(await session.scalars(query))


async def find_by_external_id(session: AsyncSession, channel: str, external_id: str) -> OutboundMessage | None:
    """The message a channel knows by this id (a Twilio MessageSid, a Telegram message id)."""
    return await session.scalar(
        select(OutboundMessage).where(OutboundMessage.channel == channel, OutboundMessage.external_id == external_id)
    )


def apply_delivery_status(message: OutboundMessage, status: str, error_code: str | None = None) -> bool:
    """Moves a message to a delivery state; a late callback never moves it backwards. True if it changed."""
    if status not in DELIVERY_STATES:
        raise ValueError(f"unknown delivery status {status!r}")
    terminal_failure = status in (FAILED, UNDELIVERED)
    if not terminal_failure and _PROGRESS.get(message.status, 99) >= _PROGRESS[status]:
        return False
    message.status = status
    if error_code:
        message.error_code = error_code
    message.updated_at = utcnow()
    return True


def mark(message: OutboundMessage, status: str, *, reason: str | None = None, error_code: str | None = None) -> None:
    """Sets a message's state with the reason (why it was skipped or failed, cut to fit) and error code."""
    message.status = status
    message.reason = reason[:MAX_REASON] if reason else None
    if error_code:
        message.error_code = error_code
    message.updated_at = utcnow()


async def create(
    session: AsyncSession,
    contact: Contact,
    kind: str,
    body: str,
    *,
    key: str | None = None,
    variables: dict[str, Any] | None = None,
    not_before: datetime | None = None,
) -> OutboundMessage | None:
    """Records a pending message and returns its row; None when a message with the same key exists."""
    message_id = await enqueue(session, contact, kind, body, key=key, variables=variables, not_before=not_before)
    return None if message_id is None else await session.get(OutboundMessage, message_id)


async def get_message(session: AsyncSession, message_id: int) -> OutboundMessage | None:
    """An outbound message by id."""
    return await session.get(OutboundMessage, message_id)


async def claim(session: AsyncSession, message_id: int) -> bool:
    """Moves a pending message to sending, atomically; False when it was not pending (someone else has it)."""
    result = await session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == message_id, OutboundMessage.status == PENDING)
        .values(status=SENDING, updated_at=utcnow())
        .execution_options(preserve_rowcount=True)
    )
    return result.rowcount == 1  # a row already in the session is updated in place ("evaluate" synchronisation)


def note_attempt(message: OutboundMessage, template: str | None = None) -> None:
    """Counts one attempt to send the message, and the template (content SID) it goes as, if any."""
    message.attempts += 1
    if template:
        message.template = template
    message.updated_at = utcnow()


def mark_sent(message: OutboundMessage, external_id: str, status: str = QUEUED) -> None:
    """Records the channel's id for a message it accepted, and its first delivery state."""
    message.external_id = external_id
    message.reason = None
    apply_delivery_status(message, status if status in DELIVERY_STATES else QUEUED)


def postpone(message: OutboundMessage, not_before: datetime, *, reason: str, error_code: str | None = None) -> None:
    """Puts a message back to pending until `not_before`, after a failure worth retrying."""
    mark(message, PENDING, reason=reason, error_code=error_code)
    message.not_before = not_before
