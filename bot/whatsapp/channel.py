"""The WhatsApp channel: Twilio's signed webhooks in, TwiML replies out (REST for slow or long turns).

When a reply goes out how:
- TwiML, in the webhook's answer, when the engine finishes within `reply_budget` seconds (5 by default; Twilio
  gives up after 15) and the turn's text fits in at most MAX_TWIML_PARTS messages of 1600 characters;
- the REST API otherwise: the webhook answers an empty <Response/> at once and the parts follow in order through
  `messages.create_async`, each recorded in outbound_message with its MessageSid and status callback.

Nothing is lost: each signed message is written to the inbox before it is handled (bot/whatsapp/inbox.py), or, while
the database is down, to the spool on disk, and answered with an empty TwiML 200 (Twilio does not retry). The engine
keeps the turn's replies in the outbox; TwiML replies are marked sent just before the answer leaves, REST replies
once Twilio gave them a MessageSid. At start-up and every SWEEP_SECONDS the channel replays the spool, handles the
inbox rows no turn finished (older than RECOVER_AFTER; at start-up, all from before the process started) in arrival
order per contact, and sends the replies kept but not sent, by REST.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import replace
from datetime import UTC, datetime, timedelta
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
from bot.whatsapp.inbox import Kept, NotKeptError, WhatsAppInbox
from bot.whatsapp.media import TwilioMedia
from bot.whatsapp.outbound import STATUS_PATH, WhatsAppOutbound
from bot.whatsapp.render import reply_parts, twiml
from bot.whatsapp.signature import SignatureVerifier
from bot.whatsapp.spool import Spool
from flows.engine import Engine
from flows.failures import failure_trace
from flows.i18n import DEFAULT_LANGUAGE, Translator
from flows.turn import Inbound, Reply
from storage import audit, contacts, inbox, received_messages
from storage.database import Database

log = logging.getLogger("kader.whatsapp")

INBOUND_PATH = "/whatsapp/inbound"
REPLY_BUDGET_SECONDS = 5.0
MAX_TWIML_PARTS = 3
STOP_TIMEOUT_SECONDS = 10.0
TWIML_TYPE = "application/xml"
SWEEP_SECONDS = 30.0
RECOVER_AFTER = timedelta(seconds=30)
RECOVER_CONCURRENCY = 8


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
        sweep_seconds: float = SWEEP_SECONDS,
    ) -> None:
        if not settings.whatsapp_enabled:
            raise ValueError("TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_WHATSAPP_FROM must be set")
        self.settings = settings
        self.database = database
        self.engine = engine
        self.reply_budget = reply_budget
        self.sweep_seconds = sweep_seconds
        self._clock = clock or (lambda: datetime.now(UTC))
        self.verifier = SignatureVerifier(str(settings.twilio_auth_token), settings.public_url)
        self.outbound = WhatsAppOutbound.from_settings(settings, database, clock=self._clock)
        self.media = TwilioMedia(settings, MediaStore.from_settings(settings))
        self.inbox = WhatsAppInbox(database, Spool.from_settings(settings))
        self._tasks: set[asyncio.Task[Any]] = set()
        self._handling: set[int] = set()  # inbox rows whose turn runs in this process now
        self._sweeper: asyncio.Task[None] | None = None
        self._started_at: datetime | None = None
        self.sweeps = 0  # recovery passes finished (the first one runs at start-up)
        self._warned_no_public_url = False

    # -- the Channel protocol -------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        """The inbound message webhook and the status callback."""
        return [
            Route(INBOUND_PATH, self.inbound, methods=["POST"]),
            Route(STATUS_PATH, self.status, methods=["POST"]),
        ]

    async def start(self) -> None:
        """Says once when PUBLIC_URL is missing, and starts the recovery: now, then every `sweep_seconds`."""
        self._warn_no_public_url()
        if self._sweeper is None:
            self._started_at = datetime.now(UTC)
            self._sweeper = asyncio.create_task(self._sweep_forever())

    async def stop(self) -> None:
        """Stops the sweep, lets replies still being sent finish (bounded), then closes the Twilio client."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
            self._sweeper = None
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
        """One message from WhatsApp: verified, kept in the inbox (or the spool), handled, answered as TwiML (or by
        REST when slow or long)."""
        form = await self._verified(request)
        if isinstance(form, Response):
            return form
        try:
            message = parse_inbound(form, self._clock())
        except InvalidWebhookError as error:
            log.warning("unreadable inbound sid=%s problem=%s", form.get("MessageSid"), error)
            return PlainTextResponse("bad request", status_code=400)
        log.info("inbound sid=%s media=%d unsupported=%s", message.message_id, len(message.media), message.unsupported)
        assert message.message_id is not None
        try:
            inbox_id = await self.inbox.keep(message.message_id, _form_dict(form), message.received_at)
        except NotKeptError as error:
            log.error("message not kept sid=%s error=%s", message.message_id, failure_trace(error.__cause__))
            return PlainTextResponse("service unavailable", status_code=503)
        if inbox_id is None:  # spooled: the answer follows by REST once the database is back
            return _twiml_response([])
        message = replace(message, inbox_id=inbox_id)

        turn = asyncio.create_task(self._process(message))
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
            replies = turn.result()
        except Exception as error:  # noqa: BLE001 - the person gets a polite answer, never a Twilio error
            log.error("turn failed sid=%s error=%s", message.message_id, failure_trace(error))
            return _twiml_response([Translator(DEFAULT_LANGUAGE)("error.unexpected")])
        parts = reply_parts(replies)
        if len(parts) > MAX_TWIML_PARTS:
            log.info("long turn, %d parts by rest sid=%s", len(parts), message.message_id)
            self._background(self.outbound.send_turn(message.address, replies, in_reply_to=message.message_id))
            return _twiml_response([])
        try:
            await self.outbound.mark_inline(replies)
        except Exception as error:  # noqa: BLE001 - not marked sent: the sweep sends them by REST instead, once
            log.error("replies not marked, left to the sweep sid=%s error=%s", message.message_id, failure_trace(error))
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

    # -- recovery -----------------------------------------------------------------------------

    async def recover(self, before: datetime) -> int:
        """Replays the spool, handles the inbox rows left unhandled that arrived before `before` (in arrival order
        per contact, replies by REST) and sends the replies kept but not sent of turns before `before`.

        Returns how many messages were handled; what fails (the database still down) is tried again next sweep.
        """
        handled = 0
        for kept in await self.inbox.replay():
            handled += await self._recover_one(kept)
        left = [kept for kept in await self.inbox.pending(before) if kept.inbox_id not in self._handling]
        by_sender: dict[str, list[Kept]] = {}
        for kept in left:
            by_sender.setdefault(kept.form.get("From", ""), []).append(kept)
        gate = asyncio.Semaphore(RECOVER_CONCURRENCY)

        async def in_order(rows: list[Kept]) -> int:
            done = 0
            async with gate:
                for kept in rows:
                    try:
                        done += await self._recover_one(kept)
                    except Exception as error:  # noqa: BLE001 - this sender's later rows wait for the next sweep
                        log.warning("recovery failed inbox=%s error=%s", kept.inbox_id, failure_trace(error))
                        break
            return done

        handled += sum(await asyncio.gather(*(in_order(rows) for rows in by_sender.values())))
        await self.outbound.send_pending_replies(before)
        return handled

    async def _sweep_forever(self) -> None:
        """The recovery at start-up (everything from before this process), then every `sweep_seconds`."""
        assert self._started_at is not None
        before = self._started_at
        while True:
            try:
                handled = await self.recover(before)
                if handled:
                    log.info("recovered messages count=%d", handled)
            except Exception as error:  # noqa: BLE001 - the database is still down: tried again next sweep
                log.warning("recovery sweep failed error=%s", failure_trace(error))
            self.sweeps += 1
            await asyncio.sleep(self.sweep_seconds)
            before = datetime.now(UTC) - RECOVER_AFTER

    async def _recover_one(self, kept: Kept) -> int:
        """Handles one kept message and sends its replies by REST; 1 if its turn committed."""
        try:
            message = parse_inbound(kept.form, kept.received_at)
        except InvalidWebhookError as error:
            log.error("kept message unreadable, dropped inbox=%s problem=%s", kept.inbox_id, error)
            await self.inbox.mark_handled(kept.inbox_id)
            return 0
        message = replace(message, inbox_id=kept.inbox_id)
        replies = await self._process(message)
        if not await self.inbox.is_handled(kept.inbox_id):
            # The database failed around the turn: nothing was committed, the failure notice is not sent.
            await self.inbox.note_failure(kept.inbox_id, "turn not committed")
            return 0
        if replies:
            await self.outbound.send_turn(message.address, replies, in_reply_to=message.message_id)
        return 1

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

    async def _process(self, message: Inbound) -> list[Reply]:
        """The turn of one kept message: STOP / START words, else the engine (media downloaded first)."""
        assert message.inbox_id is not None
        self._handling.add(message.inbox_id)
        try:
            command = opt_command(message)
            if command is not None:
                try:
                    opted = await self._opt(message, command)
                except Exception as error:  # noqa: BLE001 - the person gets a polite answer, never a Twilio error
                    log.error("opt %s failed sid=%s error=%s", command, message.message_id, failure_trace(error))
                    return [Reply(Translator(DEFAULT_LANGUAGE)("error.unexpected"))]
                if opted is not None:
                    return opted
            # Media is downloaded inside the turn: a slow download sends the replies by REST, the webhook stays on time.
            message = await self.media.fetch(message)
            return await self.engine.handle(message)
        finally:
            self._handling.discard(message.inbox_id)

    async def _opt(self, message: Inbound, command: str) -> list[Reply] | None:
        """STOP words opt out, START words opt back in (when opted out); None hands the message to the engine."""
        assert message.message_id is not None and message.inbox_id is not None
        async with self.database.transaction() as session:
            contact = await contacts.get_or_create_contact(session, CHANNEL, message.address)
            if command == START and not contact.opted_out:
                return None
            await inbox.mark_handled(session, message.inbox_id)
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
            return [Reply(t("whatsapp.opted_out" if opted_out else "whatsapp.opted_in"), language=contact.language)]

    async def _reply_late(self, turn: asyncio.Task[list[Reply]], message: Inbound) -> None:
        try:
            replies = await turn
        except Exception as error:  # noqa: BLE001 - logged; the webhook has long been answered
            log.error("late turn failed sid=%s error=%s", message.message_id, failure_trace(error))
            return
        if replies:
            await self.outbound.send_turn(message.address, replies, in_reply_to=message.message_id)

    def _background(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background reply failed error=%s", failure_trace(task.exception()))  # type: ignore[arg-type]


def _form_dict(form: FormData | dict[str, str]) -> dict[str, str]:
    """The signed form as the inbox keeps it (the last value of a repeated field; all of Twilio's are single)."""
    return {str(key): str(value) for key, value in form.items()}
