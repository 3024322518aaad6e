"""The Telegram channel: a python-telegram-bot Application fed by the webhook route or by long polling.

Every update goes through one handler: update → Inbound → engine → replies rendered → per-chat send queue.
A button press also queues, ahead of its replies, the edit that takes the pressed keyboard off its message.
No flow logic lives here.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import CallbackQuery, Update
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.media_store import MediaStore
from bot.settings import Settings
from bot.telegram.botapi import (
    SECRET_HEADER,
    WEBHOOK_PATH,
    TelegramSetupError,
    explain,
    make_bot,
    set_command_menu,
)
from bot.telegram.inbound import ALLOWED_UPDATES, CHANNEL, chat_id_of, to_inbound
from bot.telegram.media import fetch_media
from bot.telegram.render import Edit, Outgoing, press_edit, render_replies
from bot.telegram.sender import SendLimits, TelegramSender
from bot.web import BodyTooLargeError, declared_too_large, read_body, too_large
from flows.engine import Engine
from flows.failures import failure_trace
from flows.locks import KeyedLocks
from storage import contacts
from storage.database import Database

log = logging.getLogger("kader.telegram")

CONCURRENT_UPDATES = 64
SEND_DRAIN_SECONDS = 15.0


def build_application(settings: Settings, *, polling: bool) -> Application:
    """The PTB Application for the settings: with an Updater for polling, without one for the webhook."""
    builder = Application.builder().bot(make_bot(settings)).concurrent_updates(CONCURRENT_UPDATES).job_queue(None)
    if not polling:
        builder = builder.updater(None)
    return builder.build()


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
        self.application = build_application(settings, polling=polling)
        # Replies go out at once; TELEGRAM_MAX_PER_SECOND and TELEGRAM_PROACTIVE_PER_SECOND pace the rest.
        self.sender = TelegramSender(
            self.application.bot, limits or SendLimits.from_settings(settings), on_blocked=self._mark_unreachable
        )
        self._chats = KeyedLocks()
        self.application.add_handler(TypeHandler(Update, self._on_update))
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

    async def stop(self) -> None:
        """Finishes queued and in-flight updates, sends what they answered, then closes the client."""
        if self.application.running:
            await self.application.stop()
        await self.sender.close(SEND_DRAIN_SECONDS)
        await self.application.shutdown()

    # -- long polling -------------------------------------------------------------------

    async def poll(
        self,
        stop: asyncio.Event,
        *,
        drop_pending: bool = False,
        on_ready: Callable[[str], None] | None = None,
    ) -> None:
        """Long-polls until `stop` is set (any webhook is deleted first; pending updates kept unless asked)."""
        updater = self.application.updater
        if updater is None:
            raise RuntimeError("this channel was built for the webhook: pass polling=True")
        await self.start()
        try:
            await updater.start_polling(
                allowed_updates=list(ALLOWED_UPDATES),
                drop_pending_updates=drop_pending,
                error_callback=_polling_error,
            )
            if on_ready is not None:
                on_ready(self.application.bot.username)
            await stop.wait()
        finally:
            if updater.running:
                await updater.stop()
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
            update = Update.de_json(json.loads(body), self.application.bot)
        except Exception as error:  # noqa: BLE001 - any unreadable body is the sender's problem
            log.warning("telegram webhook: unreadable update error=%s", type(error).__name__)
            return PlainTextResponse("unreadable update", status_code=400)
        # Queued, not awaited: the Application processes it concurrently and stop() finishes it.
        await self.application.update_queue.put(update)
        return Response(status_code=200)

    # -- one update -----------------------------------------------------------------------

    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is not None:
            await _answer(query, update.update_id)
        chat_id = chat_id_of(update)
        inbound = to_inbound(update)
        if chat_id is None or inbound is None:
            log.info("telegram update ignored update=%s", update.update_id)
            return
        # Held from the engine until the replies are queued, so one chat's turns reach the queue in order.
        async with self._chats.hold(chat_id):
            # Photos and documents are downloaded into the media store first (in turn, so order is kept).
            inbound = await fetch_media(self.application.bot, self.media, update, inbound)
            replies = await self.engine.handle(inbound)
            if not replies:
                return  # a redelivered update: its first delivery answered it and took its keyboard off
            items: list[Outgoing | Edit] = []
            if query is not None:
                # A press on a question no longer asked changed nothing: its keyboard goes, without the ✓ echo.
                edit = press_edit(query, echo=not any(reply.refused_press for reply in replies))
                if edit is not None:
                    items.append(edit)
            items += render_replies(replies)
            self.sender.enqueue(chat_id, items)

    async def _mark_unreachable(self, chat_id: int) -> None:
        """Remembers that the user blocked the bot (writing to it again makes the contact reachable)."""
        try:
            async with self.database.transaction() as session:
                await contacts.mark_unreachable(session, CHANNEL, str(chat_id))
        except Exception as error:  # noqa: BLE001 - the sender keeps serving the other chats
            log.error("could not mark chat unreachable chat=%s error=%s", chat_id, type(error).__name__)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("telegram update failed update=%s error=%s", update_id, failure_trace(error))


async def _answer(query: CallbackQuery, update_id: int) -> None:
    """Stops the button's spinner; a failure here must not keep the press from being handled."""
    try:
        await query.answer()
    except TelegramError as error:
        log.warning("telegram callback not answered update=%s error=%s", update_id, type(error).__name__)


def _polling_error(error: TelegramError) -> None:
    log.warning("telegram polling error=%s", type(error).__name__)
