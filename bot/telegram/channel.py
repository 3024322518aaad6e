"""The Telegram channel: a python-telegram-bot Application fed by the webhook route or by long polling.

Every update goes through one handler: update → Inbound → engine → replies rendered → per-chat send queue.
A button press also queues, ahead of its replies, the edit that takes the pressed keyboard off its message.
No flow logic lives here.

Durability (bot/telegram/inbox.py): an update is kept in the inbox before the webhook answers 200 or polling
confirms it; the turn marks it handled. Replies come back with their outbox rows, marked sent once Telegram
accepted the message carrying them. At start-up and every 30 s, kept updates not handled and replies not sent
are taken up again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hmac
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import CallbackQuery, Update
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.media_store import MediaStore
from bot.settings import Settings
from bot.telegram import inbox as telegram_inbox
from bot.telegram.botapi import (
    SECRET_HEADER,
    WEBHOOK_PATH,
    TelegramSetupError,
    explain,
    make_bot,
    set_command_menu,
)
from bot.telegram.inbound import CHANNEL, chat_id_of, to_inbound
from bot.telegram.inbox import SWEEP_AGE, Received
from bot.telegram.media import fetch_media
from bot.telegram.render import Edit, Outgoing, carried_ids, press_edit, render_replies
from bot.telegram.sender import SendLimits, TelegramSender
from bot.web import BodyTooLargeError, declared_too_large, read_body, too_large
from flows.engine import Engine
from flows.failures import failure_trace
from flows.locks import KeyedLocks
from flows.turn import Reply, reply_from_document
from storage import contacts, inbox, outbox
from storage.database import Database
from storage.types import utcnow

log = logging.getLogger("kader.telegram")

CONCURRENT_UPDATES = 64
SEND_DRAIN_SECONDS = 15.0


def build_application(settings: Settings) -> Application:
    """The PTB Application for the settings, without an Updater: polling is ours (bot/telegram/inbox.py)."""
    builder = Application.builder().bot(make_bot(settings)).concurrent_updates(CONCURRENT_UPDATES).job_queue(None)
    return builder.updater(None).build()


class TelegramChannel:
    """The Telegram adapter: `POST /telegram/webhook` in `kader serve`, or `poll()` for `kader poll`."""

    name = CHANNEL

    def __init__(
        self,
        settings: Settings,
        database: Database,
        engine: Engine,
        *,
        polling: bool = False,
        limits: SendLimits | None = None,
    ) -> None:
        self.settings = settings
        self.database = database
        self.engine = engine
        self.media = MediaStore.from_settings(settings)
        self.polling = polling
        self.application = build_application(settings)
        # Replies go out at once; TELEGRAM_MAX_PER_SECOND and TELEGRAM_PROACTIVE_PER_SECOND pace the rest.
        self.sender = TelegramSender(
            self.application.bot,
            limits or SendLimits.from_settings(settings),
            on_blocked=self._mark_unreachable,
            on_settled=self._settled,
        )
        self._chats = KeyedLocks()
        self._handling: set[int] = set()  # inbox rows queued or being handled here: the sweep leaves them
        self._sending: set[int] = set()  # outbox rows queued or being sent here: the sweep leaves them
        self._stop_sweep = asyncio.Event()
        self._sweeper: asyncio.Task[None] | None = None
        self.sweep_every = telegram_inbox.SWEEP_EVERY
        self.sweep_age = SWEEP_AGE
        self.application.add_handler(TypeHandler(Received, self._on_update))
        self.application.add_error_handler(self._on_error)

    # -- the Channel protocol -------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        """`POST /telegram/webhook`, checked against TELEGRAM_WEBHOOK_SECRET."""
        return [Route(WEBHOOK_PATH, self._webhook, methods=["POST"])]

    async def start(self) -> None:
        """Connects to the Bot API (getMe), sets the command menu, starts processing; TelegramSetupError if it can't."""
        if not self.polling and not self.settings.telegram_webhook_secret:
            log.error(
                "telegram webhook refused: TELEGRAM_WEBHOOK_SECRET is not set, so every POST %s gets 403;"
                " set it and run `kader telegram set-webhook`, or run `kader poll` instead",
                WEBHOOK_PATH,
            )
        try:
            await self.application.initialize()
        except TelegramError as error:
            raise TelegramSetupError(explain(error, self.settings)) from error
        await set_command_menu(self.application.bot)
        await self.application.start()
        log.info("telegram started bot=%s mode=%s", self.application.bot.id, "polling" if self.polling else "webhook")
        try:
            await self.recover(older_than=None)
        except Exception as error:  # noqa: BLE001 - the sweep tries again; new updates are served meanwhile
            log.error("telegram recovery at start failed error=%s", type(error).__name__)
        self._stop_sweep.clear()
        self._sweeper = asyncio.create_task(
            telegram_inbox.sweep_every(self._stop_sweep, self._sweep, self.sweep_every), name="telegram-inbox-sweep"
        )

    async def stop(self) -> None:
        """Finishes queued and in-flight updates, sends what they answered, then closes the client.

        Whatever is not sent within SEND_DRAIN_SECONDS stays pending in the outbox and goes out after the restart.
        """
        self._stop_sweep.set()
        if self._sweeper is not None:
            await self._sweeper
            self._sweeper = None
        if self.application.running:
            await self.application.stop()
        await self.sender.close(SEND_DRAIN_SECONDS)
        await self.application.shutdown()

    # -- the durable inbox and outbox -----------------------------------------------------------

    async def recover(self, older_than: timedelta | None) -> None:
        """Sends the replies not confirmed as sent, then handles the updates kept but not handled (per chat in order).

        `older_than` None takes everything (at start-up); the sweep takes only what is older, and nothing that
        is queued or in flight in this process.
        """
        before = None if older_than is None else utcnow() - older_than
        # What is on its way here now, or was when the reading began (it may be done by the time the rows are in).
        sending, handling = set(self._sending), set(self._handling)
        async with self.database.transaction() as session:
            replies = await outbox.pending_replies(session, CHANNEL, created_before=before)
            rows = await inbox.pending(session, CHANNEL, received_before=before)
        # Per chat, per turn (a turn's replies are kept at one moment): rendered as that turn rendered them.
        unsent: dict[int, dict[datetime, list[Reply]]] = defaultdict(lambda: defaultdict(list))
        unsendable: list[int] = []
        for message, contact in replies:
            if message.id in sending or message.id in self._sending:
                continue
            try:
                reply = reply_from_document(message.variables, message.id)
                unsent[int(contact.address)][message.created_at].append(reply)
            except (TypeError, ValueError):  # not a chat id, or a document this version cannot read
                unsendable.append(message.id)
        if unsendable:
            log.error("telegram kept replies cannot be sent, let go count=%d", len(unsendable))
            async with self.database.transaction() as session:
                await outbox.replies_sent(session, unsendable)
        for chat_id, turns in unsent.items():
            for turn_replies in turns.values():
                await self._send_replies(chat_id, turn_replies, [])
        bot = self.application.bot
        waiting: list[Received] = []
        for row in rows:
            if row.id in handling or row.id in self._handling:
                continue
            try:
                waiting.append(Received(Update.de_json(row.payload, bot), row.id))
            except Exception as error:  # noqa: BLE001 - a payload this client cannot read again stays for a look
                log.error("telegram kept update unreadable inbox=%s error=%s", row.id, type(error).__name__)
        if unsent or waiting:
            count = sum(len(turn) for turns in unsent.values() for turn in turns.values())
            log.info("telegram recovered replies=%d updates=%d", count, len(waiting))
        await self._queue(waiting)

    async def _sweep(self) -> None:
        await self.recover(older_than=timedelta(seconds=self.sweep_age))

    async def _keep(self, updates: Sequence[Update]) -> list[Received]:
        """Keeps a fetched batch in the inbox (polling); raises when the database does."""
        return await telegram_inbox.keep(self.database, [(update, update.to_dict()) for update in updates])

    async def _queue(self, received: list[Received]) -> None:
        """Hands kept updates to the Application, which handles them concurrently (one chat at a time, in order)."""
        for item in received:
            if item.inbox_id is not None:
                if item.inbox_id in self._handling:
                    continue  # already on its way (recovered at start, then fetched again): once is enough
                self._handling.add(item.inbox_id)
            await self.application.update_queue.put(item)

    async def _settled(self, chat_id: int, outbox_ids: tuple[int, ...], sent: bool) -> None:
        """Lets go of replies Telegram accepted, and of those it never will (blocked, refused): none is sent again."""
        try:
            async with self.database.transaction() as session:
                await outbox.replies_sent(session, list(outbox_ids))
        finally:
            self._sending.difference_update(outbox_ids)
        if not sent:
            log.warning("telegram replies given up chat=%s count=%d", chat_id, len(outbox_ids))

    async def _send_replies(self, chat_id: int, replies: list[Reply], leading: list[Outgoing | Edit]) -> None:
        """Queues the replies for the chat (after `leading`); a reply with nothing to show is marked sent at once."""
        items: list[Outgoing | Edit] = list(leading)
        items += render_replies(replies)
        kept = {reply.outbox_id for reply in replies if reply.outbox_id is not None}
        carried = carried_ids(items)
        self._sending.update(carried)
        if kept - carried:
            await self._settled(chat_id, tuple(sorted(kept - carried)), True)
        self.sender.enqueue(chat_id, items)

    # -- long polling -------------------------------------------------------------------

    async def poll(
        self,
        stop: asyncio.Event,
        *,
        drop_pending: bool = False,
        on_ready: Callable[[str], None] | None = None,
    ) -> None:
        """Long-polls until `stop` is set (any webhook is deleted first; pending updates kept unless asked).

        Each batch is kept in the inbox before the next getUpdates confirms it (bot/telegram/inbox.py).
        """
        if not self.polling:
            raise RuntimeError("this channel was built for the webhook: pass polling=True")
        await self.start()
        bot = self.application.bot
        offset: int | None = None
        try:
            await bot.delete_webhook(drop_pending_updates=drop_pending)
            if on_ready is not None:
                on_ready(bot.username)
            offset = await telegram_inbox.poll(bot, stop, keep_batch=self._keep, handle=self._queue)
        finally:
            await telegram_inbox.confirm(bot, offset)
            await self.stop()

    # -- the webhook ----------------------------------------------------------------------

    async def _webhook(self, request: Request) -> Response:
        # The size first, from the headers: a body over the cap is refused before anything reads it.
        limit = self.settings.max_request_bytes
        if declared_too_large(request, limit):
            return too_large(WEBHOOK_PATH, limit)
        secret = self.settings.telegram_webhook_secret
        given = request.headers.get(SECRET_HEADER)
        if not secret or given is None or not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("telegram webhook refused: %s", "no secret configured" if not secret else "wrong secret")
            return PlainTextResponse("forbidden", status_code=403)
        if not self.application.running:
            return PlainTextResponse("not running", status_code=503)  # Telegram delivers it again later
        try:
            body = await read_body(request, limit)
        except BodyTooLargeError:
            return too_large(WEBHOOK_PATH, limit)
        try:
            payload = json.loads(body)
            update = Update.de_json(payload, self.application.bot)
        except Exception as error:  # noqa: BLE001 - any unreadable body is the sender's problem
            log.warning("telegram webhook: unreadable update error=%s", type(error).__name__)
            return PlainTextResponse("unreadable update", status_code=400)
        try:
            received = await telegram_inbox.keep(self.database, [(update, payload)])
        except Exception as error:  # noqa: BLE001 - not kept, so not acknowledged: Telegram delivers it again
            log.error("telegram webhook: update not kept update=%s error=%s", update.update_id, type(error).__name__)
            return PlainTextResponse("database unavailable", status_code=503)
        # Queued, not awaited: the Application processes it concurrently and stop() finishes it.
        await self._queue(received)
        return Response(status_code=200)

    # -- one update -----------------------------------------------------------------------

    async def _on_update(self, received: Received, _context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await self._handle(received.update, received.inbox_id)
        finally:
            if received.inbox_id is not None:
                self._handling.discard(received.inbox_id)

    async def _handle(self, update: Update, inbox_id: int | None) -> None:
        query = update.callback_query
        chat_id = chat_id_of(update)
        inbound = to_inbound(update)
        if chat_id is None or inbound is None:
            if query is not None:
                await _answer(query, update.update_id)
            log.info("telegram update ignored update=%s", update.update_id)
            return
        inbound = dataclasses.replace(inbound, inbox_id=inbox_id)
        # Held from the engine until the replies are queued, so one chat's turns reach the queue in order.
        async with self._chats.hold(chat_id):
            if query is not None:
                await _answer(query, update.update_id)
            # Photos and documents are downloaded into the media store first (in turn, so order is kept).
            inbound = await fetch_media(self.application.bot, self.media, update, inbound)
            replies = await self.engine.handle(inbound)
            if not replies:
                return  # a redelivered update: its first delivery answered it and took its keyboard off
            leading: list[Outgoing | Edit] = []
            if query is not None:
                # A press on a question no longer asked changed nothing: its keyboard goes, without the ✓ echo.
                edit = press_edit(query, echo=not any(reply.refused_press for reply in replies))
                if edit is not None:
                    leading.append(edit)
            await self._send_replies(chat_id, replies, leading)

    async def _mark_unreachable(self, chat_id: int) -> None:
        """Remembers that the user blocked the bot (writing to it again makes the contact reachable)."""
        try:
            async with self.database.transaction() as session:
                await contacts.mark_unreachable(session, CHANNEL, str(chat_id))
        except Exception as error:  # noqa: BLE001 - the sender keeps serving the other chats
            log.error("could not mark chat unreachable chat=%s error=%s", chat_id, type(error).__name__)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        update_id = update.update.update_id if isinstance(update, Received) else None
        log.error("telegram update failed update=%s error=%s", update_id, failure_trace(error))


async def _answer(query: CallbackQuery, update_id: int) -> None:
    """Stops the button's spinner; a failure here must not keep the press from being handled."""
    try:
        await query.answer()
    except TelegramError as error:
        log.warning("telegram callback not answered update=%s error=%s", update_id, type(error).__name__)
