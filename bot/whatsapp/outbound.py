"""Messages that do not go back as TwiML: proactive messages (window, template, opt-out) and late or long replies."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.settings import Settings
from bot.whatsapp.client import OUTSIDE_WINDOW, UNSUBSCRIBED, Recent, SendError, SentMessage, TwilioSender
from bot.whatsapp.group_commit import GroupCommit
from bot.whatsapp.inbound import CHANNEL, PREFIX
from bot.whatsapp.kept_replies import KeptReply, already_sent, kept_ids
from bot.whatsapp.render import MAX_BODY, reply_parts
from bot.whatsapp.window import FREE_FORM, SKIP, TEMPLATE, Decision, decide, template_for, template_setting
from flows.failures import failure_trace
from flows.turn import Reply, reply_from_document
from storage import contacts, outbox
from storage.database import Database
from storage.models import OutboundMessage

log = logging.getLogger("kader.whatsapp.outbound")

REPLY = "reply"
STATUS_PATH = "/whatsapp/status"
RETRY_FIRST = timedelta(minutes=1)
RETRY_MAX = timedelta(hours=1)
MAX_REPLY_ATTEMPTS = 10  # a reply Twilio keeps refusing for a while (rate limit, server error) is then failed


@dataclass(frozen=True)
class Delivery:
    """What became of one outbound message: its row, state, reason, Twilio MessageSid and error code."""

    message_id: int
    status: str
    reason: str | None = None
    external_id: str | None = None
    error_code: str | None = None


def _delivery(message: OutboundMessage) -> Delivery:
    return Delivery(message.id, message.status, message.reason, message.external_id, message.error_code)


def whatsapp_address(phone: str) -> str:
    """The Twilio address of a contact's phone: whatsapp:+62…."""
    return phone if phone.startswith(PREFIX) else PREFIX + phone


def retry_delay(attempts: int) -> timedelta:
    """How long a message waits after its n-th failed attempt: 1, 2, 4 … minutes, at most an hour."""
    return min(RETRY_FIRST * 2 ** max(0, attempts - 1), RETRY_MAX)


class WhatsAppOutbound:
    """Sends WhatsApp messages through Twilio's REST API and records each one in outbound_message."""

    def __init__(
        self,
        database: Database,
        sender: TwilioSender,
        templates: Mapping[str, str],
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.database = database
        self.sender = sender
        self.templates = dict(templates)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._in_flight: set[int] = set()
        self._confirmations = GroupCommit(database)

    @classmethod
    def from_settings(
        cls, settings: Settings, database: Database, *, clock: Callable[[], datetime] | None = None
    ) -> WhatsAppOutbound:
        """The outbound sender of a process whose Twilio settings are complete (the web app, the dispatcher)."""
        if not settings.whatsapp_enabled:
            raise ValueError("TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_WHATSAPP_FROM must be set")
        callback = settings.public_url + STATUS_PATH if settings.public_url else None
        sender = TwilioSender(
            str(settings.twilio_account_sid),
            str(settings.twilio_auth_token),
            str(settings.twilio_whatsapp_from),
            api_url=settings.twilio_api_url,
            status_callback=callback,
        )
        return cls(database, sender, settings.twilio_templates, clock=clock)

    async def close(self) -> None:
        """Closes the Twilio client's HTTP session."""
        await self.sender.close()

    # -- proactive messages ---------------------------------------------------------------

    async def send_proactive(
        self,
        contact_id: int,
        kind: str,
        body: str,
        variables: Mapping[str, Any] | None = None,
        *,
        key: str | None = None,
    ) -> Delivery | None:
        """Records a proactive message for the contact and delivers it now; None if its key was already used."""
        async with self.database.transaction() as session:
            contact = await contacts.get_contact(session, contact_id)
            if contact is None:
                raise LookupError(f"no contact {contact_id}")
            message = await outbox.create(session, contact, kind, body, key=key, variables=dict(variables or {}))
            if message is None:
                log.info("proactive message already recorded contact=%s kind=%s", contact_id, kind)
                return None
            message_id = message.id
        return await self.deliver(message_id)

    async def deliver(self, message_id: int) -> Delivery:
        """Sends or skips one pending outbound_message row (free-form inside 24 h, template outside), and records it.

        The row is claimed first (pending → sending), so a row is never sent twice; a row that is not pending is
        returned untouched. Opted-out and unreachable contacts, and kinds with no template outside the window, are
        `skipped` with the reason. Twilio's 21610 opts the contact out; rate limits and server errors put the row
        back to pending with a later `not_before`; a request whose outcome is unknown is `failed`, never retried.
        """
        now = self._clock()
        async with self.database.transaction() as session:
            message = await outbox.get_message(session, message_id)
            if message is None:
                raise LookupError(f"no outbound message {message_id}")
            if message.channel != CHANNEL:
                raise ValueError(f"outbound message {message_id} is for {message.channel}, not {CHANNEL}")
            if not await outbox.claim(session, message_id):
                log.info("not pending, left alone message=%s status=%s", message_id, message.status)
                return _delivery(message)
            contact = await contacts.get_contact(session, message.contact_id)
            assert contact is not None
            decision = decide(contact, message.kind, message.variables, self.templates, now)
            if decision.how == SKIP:
                outbox.mark(message, outbox.SKIPPED, reason=decision.reason)
                log.info("proactive skipped message=%s contact=%s kind=%s", message_id, contact.id, message.kind)
                return _delivery(message)
            if decision.how == FREE_FORM and len(message.body) > MAX_BODY:
                outbox.mark(message, outbox.FAILED, reason=f"too_long: more than {MAX_BODY} characters")
                return _delivery(message)
            to, body, kind, language = whatsapp_address(contact.address), message.body, message.kind, contact.language

        sent, error, decision = await self._send(to, body, template_for(self.templates, kind, language), decision)

        async with self.database.transaction() as session:
            message = await outbox.get_message(session, message_id)
            assert message is not None
            outbox.note_attempt(message, decision.content_sid)
            if sent is not None:
                outbox.mark_sent(message, sent.sid, sent.status)
                log.info(
                    "proactive sent message=%s contact=%s sid=%s how=%s",
                    message_id,
                    message.contact_id,
                    sent.sid,
                    decision.how,
                )
            else:
                assert error is not None
                await self._failed(session, message, error, kind, now)
            return _delivery(message)

    async def _send(
        self, to: str, body: str, content_sid: str | None, decision: Decision
    ) -> tuple[SentMessage | None, SendError | None, Decision]:
        try:
            return await self._send_as(to, body, decision), None, decision
        except SendError as error:
            if error.code != OUTSIDE_WINDOW or decision.how != FREE_FORM or not content_sid:
                return None, error, decision
        # Twilio says the window has closed after all (clock skew, a queue): the template is the only way left.
        fallback = Decision(TEMPLATE, content_sid=content_sid, variables=decision.variables)
        try:
            return await self._send_as(to, body, fallback), None, fallback
        except SendError as error:
            return None, error, fallback

    async def _send_as(self, to: str, body: str, decision: Decision) -> SentMessage:
        if decision.how == TEMPLATE:
            return await self.sender.send(to, content_sid=decision.content_sid, variables=decision.variables)
        return await self.sender.send(to, body=body)

    async def _failed(self, session: Any, message: OutboundMessage, error: SendError, kind: str, now: datetime) -> None:
        code = error.error_code
        if error.code == UNSUBSCRIBED:
            await contacts.opt_out(session, message.contact_id)
            outbox.mark(message, outbox.FAILED, reason="unsubscribed: twilio 21610, contact opted out", error_code=code)
        elif error.code == OUTSIDE_WINDOW:
            reason = f"outside_window: twilio 63016 and {template_setting(kind)} is not set"
            outbox.mark(message, outbox.FAILED, reason=reason, error_code=code)
        elif error.retryable:
            outbox.postpone(
                message, now + retry_delay(message.attempts), reason=f"retry: {error.reason}", error_code=code
            )
        elif error.outcome_unknown:
            outbox.mark(message, outbox.FAILED, reason=f"unknown: {error.reason}; not retried", error_code=code)
        else:
            outbox.mark(message, outbox.FAILED, reason=f"refused: twilio error {code}", error_code=code)
        log.warning(
            "send failed message=%s contact=%s code=%s status=%s", message.id, message.contact_id, code, message.status
        )

    # -- the turn's replies, kept in the outbox by the engine --------------------------------

    async def mark_inline(self, replies: Sequence[Reply]) -> None:
        """Lets go of the kept replies going back as TwiML (they leave with the webhook's answer, right after this;
        TwiML gives no MessageSid to track, so their rows are not kept)."""
        ids = kept_ids(replies)
        if ids:
            await self._confirmations.confirm(ids)

    async def send_turn(self, phone: str, replies: Sequence[Reply], *, in_reply_to: str | None = None) -> None:
        """Sends a turn's replies by REST, in order, and settles their outbox rows once Twilio answered.

        Accepted: each row is marked with a MessageSid (queued; kept for the status callbacks). Refused for good
        (21610 opted out, 63016 outside the window, any other refusal, an unknown outcome): failed, never resent.
        A rate limit or server error leaves the rows pending for the next sweep (at most MAX_REPLY_ATTEMPTS tries).
        Replies the engine did not keep (a failure notice, an opt-in answer) are recorded as they go, as before.
        """
        parts = reply_parts(replies)
        ids = kept_ids(replies)
        if not ids:
            await self.send_replies(phone, parts, in_reply_to=in_reply_to)
            return
        self._in_flight.update(ids)
        try:
            sids, error = await self._send_parts(whatsapp_address(phone), parts)
            async with self.database.transaction() as session:
                await self._settle(session, ids, sids, error)
            log.info(
                "replies by rest in_reply_to=%s rows=%d parts=%d/%d failed=%s",
                in_reply_to,
                len(ids),
                len(sids),
                len(parts),
                error.code if error is not None else None,
            )
        finally:
            self._in_flight.difference_update(ids)

    async def send_pending_replies(self, created_before: datetime, *, concurrency: int = 8) -> int:
        """Sends the replies kept but not sent (a crash, a failed send) of turns before `created_before`, by REST,
        in order per contact; returns how many rows were tried."""
        async with self.database.transaction() as session:
            rows = await outbox.pending_replies(session, CHANNEL, created_before=created_before)
            waiting: dict[int, list[KeptReply]] = {}
            for message, contact in rows:
                if message.id in self._in_flight:
                    continue
                document = dict(message.variables or {})
                entry = KeptReply(
                    message.id, message.body, document, message.created_at, contact.opted_out, contact.address
                )
                waiting.setdefault(contact.id, []).append(entry)
        gate = asyncio.Semaphore(concurrency)

        async def one_contact(entries: list[KeptReply]) -> None:
            async with gate:
                recent: list[Recent] | None = None
                for kept in entries:
                    if kept.opted_out:
                        await self._skip_opted_out(kept.outbox_id)
                        continue
                    try:
                        reply = reply_from_document(kept.document, kept.outbox_id)
                    except (TypeError, ValueError):
                        reply = Reply(kept.body, outbox_id=kept.outbox_id)
                    if recent is None:
                        recent = await self._recent(whatsapp_address(kept.address))
                    found = already_sent(recent, reply_parts([reply]), kept.created_at)
                    if found is not None:  # taken by Twilio just before a crash: recorded, not sent again
                        async with self.database.transaction() as session:
                            await self._settle(session, [kept.outbox_id], [SentMessage(found.sid, "queued")], None)
                        log.info("reply found at twilio, not resent outbox=%s sid=%s", kept.outbox_id, found.sid)
                        continue
                    await self.send_turn(kept.address, [reply], in_reply_to=f"outbox:{kept.outbox_id}")

        results = await asyncio.gather(*(one_contact(e) for e in waiting.values()), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                log.error("pending replies of a contact not sent error=%s", failure_trace(result))
        return sum(len(entries) for entries in waiting.values())

    async def _recent(self, to: str) -> list[Recent]:
        """What Twilio sent to the number lately; nothing when it cannot say (the reply then goes, at least once)."""
        try:
            return await self.sender.recent(to)
        except SendError as error:
            log.warning("recent messages unknown, pending replies sent anyway reason=%s", error.reason)
            return []

    async def _send_parts(self, to: str, parts: Sequence[str]) -> tuple[list[SentMessage], SendError | None]:
        sent: list[SentMessage] = []
        for part in parts:
            try:
                sent.append(await self.sender.send(to, body=part))
            except SendError as error:
                return sent, error
        return sent, None

    async def _settle(
        self, session: Any, ids: Sequence[int], sent: Sequence[SentMessage], error: SendError | None
    ) -> None:
        """Records what became of a turn's reply rows: sent (row k carries the SID of part k, or the last)."""
        for index, outbox_id in enumerate(ids):
            message = await outbox.get_message(session, outbox_id)
            if message is None or message.status != outbox.PENDING:
                continue
            outbox.note_attempt(message)
            if error is None:
                if sent:
                    chosen = sent[min(index, len(sent) - 1)]
                    outbox.mark_sent(message, chosen.sid, chosen.status)
                else:  # nothing to send (an empty text): nothing to keep
                    await outbox.replies_sent(session, [outbox_id])
            elif error.code == UNSUBSCRIBED:
                await contacts.opt_out(session, message.contact_id)
                outbox.mark(message, outbox.FAILED, reason="unsubscribed: twilio 21610", error_code=error.error_code)
            elif error.retryable and message.attempts < MAX_REPLY_ATTEMPTS:
                outbox.mark(message, outbox.PENDING, reason=f"retry: {error.reason}", error_code=error.error_code)
            else:
                reason = f"reply not sent: {error.reason}"
                outbox.mark(message, outbox.FAILED, reason=reason, error_code=error.error_code)

    async def _skip_opted_out(self, outbox_id: int) -> None:
        async with self.database.transaction() as session:
            message = await outbox.get_message(session, outbox_id)
            if message is not None and message.status == outbox.PENDING:
                outbox.mark(message, outbox.SKIPPED, reason="opted_out")

    # -- replies that do not fit in TwiML ---------------------------------------------------

    async def send_replies(self, phone: str, parts: Sequence[str], *, in_reply_to: str | None = None) -> None:
        """Sends a turn's reply parts in order through the REST API, recording each; stops at the first failure."""
        to = whatsapp_address(phone)
        async with self.database.transaction() as session:
            contact = await contacts.get_or_create_contact(session, CHANNEL, phone)
        for part in parts:
            try:
                sent: SentMessage | None = await self.sender.send(to, body=part)
                error = None
            except SendError as refused:
                sent, error = None, refused
            async with self.database.transaction() as session:
                row = await outbox.record_sent(session, contact, REPLY, part)
                if sent is not None:
                    outbox.mark_sent(row, sent.sid, sent.status)
                else:
                    assert error is not None
                    outbox.mark(
                        row, outbox.FAILED, reason=f"reply not sent: {error.reason}", error_code=error.error_code
                    )
                    if error.code == UNSUBSCRIBED:
                        await contacts.opt_out(session, contact.id)
                log.info(
                    "reply by rest contact=%s in_reply_to=%s sid=%s status=%s",
                    contact.id,
                    in_reply_to,
                    row.external_id,
                    row.status,
                )
            if sent is None:
                break
