"""The WhatsApp channel: Twilio's signed webhooks in, TwiML replies out (REST for slow or long turns).

When a reply goes out how:
- TwiML, in the webhook's answer, when the engine finishes within `reply_budget` seconds (5 by default; Twilio
  gives up after 15) and the turn's text fits in at most MAX_TWIML_PARTS messages of 1600 characters;
- the REST API otherwise: the webhook answers an empty <Response/> at once and the parts follow in order through
  `messages.create_async`, each recorded in outbound_message with its MessageSid and status callback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.media_store import MediaStore
from bot.settings import Settings
from bot.web import BodyTooLargeError, declared_too_large, too_large
from bot.whatsapp.delivery import record_delivery_status
from bot.whatsapp.inbound import CHANNEL, START, STOP, InvalidWebhookError, opt_command, parse_inbound
from bot.whatsapp.media import TwilioMedia
from bot.whatsapp.outbound import STATUS_PATH, WhatsAppOutbound
from bot.whatsapp.render import reply_parts, twiml
from bot.whatsapp.signature import SignatureVerifier
from flows.engine import Engine
from flows.failures import failure_trace
from flows.i18n import DEFAULT_LANGUAGE, Translator
from flows.turn import Inbound
from storage import audit, contacts, received_messages
from storage.database import Database

log = logging.getLogger("kader.whatsapp")

INBOUND_PATH = "/whatsapp/inbound"
REPLY_BUDGET_SECONDS = 5.0
MAX_TWIML_PARTS = 3
STOP_TIMEOUT_SECONDS = 10.0
TWIML_TYPE = "application/xml"


def _twiml_response(parts: list[str]) -> Response:
    return Response(twiml(parts), media_type=TWIML_TYPE)


class WhatsAppChannel:
    """WhatsApp through Twilio: `POST /whatsapp/inbound` and `POST /whatsapp/status`, both signature-checked."""

    name = CHANNEL

    def __init__(
        self,
        settings: Settings,
        database: Database,
        engine: Engine,
        *,
        reply_budget: float = REPLY_BUDGET_SECONDS,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if not settings.whatsapp_enabled:
            raise ValueError("TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_WHATSAPP_FROM must be set")
        self.settings = settings
        self.database = database
        self.engine = engine
        self.reply_budget = reply_budget
        self._clock = clock or (lambda: datetime.now(UTC))
        self.verifier = SignatureVerifier(str(settings.twilio_auth_token), settings.public_url)
        self.outbound = WhatsAppOutbound.from_settings(settings, database, clock=self._clock)
        self.media = TwilioMedia(settings, MediaStore.from_settings(settings))
        self._tasks: set[asyncio.Task[Any]] = set()
        self._warned_no_public_url = False

    # -- the Channel protocol -------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        """The inbound message webhook and the status callback."""
        return [
            Route(INBOUND_PATH, self.inbound, methods=["POST"]),
            Route(STATUS_PATH, self.status, methods=["POST"]),
        ]

    async def start(self) -> None:
        """Says once, clearly, when PUBLIC_URL is missing (every webhook is then refused)."""
        self._warn_no_public_url()

    async def stop(self) -> None:
        """Lets replies still being sent finish (bounded), then closes the Twilio client."""
        if not await self.wait_idle(STOP_TIMEOUT_SECONDS):
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.outbound.close()
        await self.media.close()

    async def wait_idle(self, timeout: float) -> bool:
        """Waits until no reply is being sent in the background, at most `timeout` seconds; True if idle."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._tasks:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            await asyncio.wait(set(self._tasks), timeout=remaining)
        return True

    # -- webhooks -----------------------------------------------------------------------------

    async def inbound(self, request: Request) -> Response:
        """One message from WhatsApp: verified, de-duplicated, answered as TwiML (or by REST when slow or long)."""
        form = await self._verified(request)
        if isinstance(form, Response):
            return form
        try:
            message = parse_inbound(form, self._clock())
        except InvalidWebhookError as error:
            log.warning("unreadable inbound sid=%s problem=%s", form.get("MessageSid"), error)
            return PlainTextResponse("bad request", status_code=400)
        log.info("inbound sid=%s media=%d unsupported=%s", message.message_id, len(message.media), message.unsupported)

        command = opt_command(message)
        if command is not None:
            try:
                opted = await self._opt(message, command)
            except Exception as error:  # noqa: BLE001 - the person gets a polite answer, never a Twilio error
                log.error("opt %s failed sid=%s error=%s", command, message.message_id, failure_trace(error))
                return _twiml_response([Translator(DEFAULT_LANGUAGE)("error.unexpected")])
            if opted is not None:
                return _twiml_response(opted)

        turn = asyncio.create_task(self._converse(message))
        try:
            done, _ = await asyncio.wait({turn}, timeout=self.reply_budget)
        except asyncio.CancelledError:
            self._background(self._reply_late(turn, message))
            raise
        if not done:
            log.info("slow turn, replies follow by rest sid=%s", message.message_id)
            self._background(self._reply_late(turn, message))
            return _twiml_response([])
        try:
            parts = turn.result()
        except Exception as error:  # noqa: BLE001 - the person gets a polite answer, never a Twilio error
            log.error("turn failed sid=%s error=%s", message.message_id, failure_trace(error))
            return _twiml_response([Translator(DEFAULT_LANGUAGE)("error.unexpected")])
        if len(parts) > MAX_TWIML_PARTS:
            log.info("long turn, %d parts by rest sid=%s", len(parts), message.message_id)
            self._background(self.outbound.send_replies(message.address, parts, in_reply_to=message.message_id))
            return _twiml_response([])
        return _twiml_response(parts)

    async def status(self, request: Request) -> Response:
        """A delivery status callback for a message sent through the REST API."""
        form = await self._verified(request)
        if isinstance(form, Response):
            return form
        sid = form.get("MessageSid") or form.get("SmsSid")
        state = form.get("MessageStatus") or form.get("SmsStatus")
        if not isinstance(sid, str) or not isinstance(state, str) or not sid or not state:
            return PlainTextResponse("bad request", status_code=400)
        error_code = form.get("ErrorCode")
        await record_delivery_status(self.database, sid, state, error_code if isinstance(error_code, str) else None)
        return Response(status_code=200)

    # -- inside -------------------------------------------------------------------------------

    async def _verified(self, request: Request) -> FormData | Response:
        """The signed form, or the refusal: 403 unsigned or unverifiable, 413 over MAX_REQUEST_BYTES (unread)."""
        if not self.verifier.public_url:
            self._warn_no_public_url()
            return PlainTextResponse("forbidden", status_code=403)
        limit = self.settings.max_request_bytes
        if declared_too_large(request, limit):
            return too_large(request.url.path, limit)
        try:
            form = await self.verifier.verified_form(request, limit)
        except BodyTooLargeError:
            return too_large(request.url.path, limit)
        if form is None:
            log.warning("refused %s: missing or wrong X-Twilio-Signature", request.url.path)
            return PlainTextResponse("forbidden", status_code=403)
        return form

    def _warn_no_public_url(self) -> None:
        if not self.settings.public_url and not self._warned_no_public_url:
            self._warned_no_public_url = True
            log.error(
                "whatsapp webhooks are refused: PUBLIC_URL is not set, so X-Twilio-Signature cannot be checked; "
                "set PUBLIC_URL to the https address Twilio calls (without /whatsapp/inbound)"
            )

    async def _opt(self, message: Inbound, command: str) -> list[str] | None:
        """STOP words opt out, START words opt back in (when opted out); None hands the message to the engine."""
        assert message.message_id is not None
        async with self.database.transaction() as session:
            contact = await contacts.get_or_create_contact(session, CHANNEL, message.address)
            if command == START and not contact.opted_out:
                return None
            if not await received_messages.record_received(session, CHANNEL, message.message_id, contact.id):
                log.info("duplicate message contact=%s message=%s", contact.id, message.message_id)
                return []
            contacts.note_inbound(contact, message.received_at)
            opted_out = command == STOP
            contacts.set_opted_out(contact, opted_out)
            action = "contact.opted_out" if opted_out else "contact.opted_in"
            await audit.record_event(session, action, contact_id=contact.id, details={"channel": CHANNEL})
            log.info("%s contact=%s message=%s", action, contact.id, message.message_id)
            t = Translator(contact.language)
            return [t("whatsapp.opted_out" if opted_out else "whatsapp.opted_in")]

    async def _converse(self, message: Inbound) -> list[str]:
        # Media is downloaded inside the turn: a slow download sends the replies by REST, the webhook stays on time.
        message = await self.media.fetch(message)
        return reply_parts(await self.engine.handle(message))

    async def _reply_late(self, turn: asyncio.Task[list[str]], message: Inbound) -> None:
        try:
            parts = await turn
        except Exception as error:  # noqa: BLE001 - logged; the webhook has long been answered
            log.error("late turn failed sid=%s error=%s", message.message_id, failure_trace(error))
            return
        if parts:
            await self.outbound.send_replies(message.address, parts, in_reply_to=message.message_id)

    def _background(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background reply failed error=%s", failure_trace(task.exception()))  # type: ignore[arg-type]
