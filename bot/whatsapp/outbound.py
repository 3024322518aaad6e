"""Messages that do not go back as TwiML: proactive messages (window, template, opt-out) and late or long replies."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.settings import Settings
from bot.whatsapp.client import OUTSIDE_WINDOW, UNSUBSCRIBED, SendError, SentMessage, TwilioSender
from bot.whatsapp.inbound import CHANNEL, PREFIX
from bot.whatsapp.render import MAX_BODY
from bot.whatsapp.window import FREE_FORM, SKIP, TEMPLATE, Decision, decide, template_for, template_setting
from storage import contacts, outbox
from storage.database import Database
from storage.models import OutboundMessage

log = logging.getLogger("kader.whatsapp.outbound")

REPLY = "reply"
STATUS_PATH = "/whatsapp/status"
RETRY_FIRST = timedelta(minutes=1)
RETRY_MAX = timedelta(hours=1)


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
