"""The Telegram side of the durable inbox: updates kept before they are acknowledged, and found again after a crash.

The webhook answers 200, and long polling confirms its offset (by asking for the updates after it), only once the
update is written to the inbox (storage/inbox.py); the turn that handles it marks it handled. Long polling runs its
own getUpdates loop for that: python-telegram-bot's Updater confirms a batch before it is handled. While the
database is down, nothing is confirmed: the webhook answers 503 and polling asks for the same batch again.

What was kept but not handled (the process died, the database failed mid-turn), and replies kept but not confirmed
as sent, are taken up at start-up and by a sweep every SWEEP_EVERY seconds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from telegram import Bot, Update
from telegram.error import Conflict, TelegramError

from bot.telegram.inbound import ALLOWED_UPDATES, CHANNEL, bot_id_of, chat_id_of, received_key, to_inbound
from storage import inbox
from storage.database import Database

log = logging.getLogger("kader.telegram.inbox")

POLL_TIMEOUT = 10  # seconds a getUpdates waits for updates before answering with none
SWEEP_EVERY = 30.0  # seconds between two sweeps of what was kept but not handled or sent
SWEEP_AGE = 30.0  # the sweep takes up rows older than this: younger ones may still be on their way
RETRY_FIRST = 0.5  # seconds before polling tries again after a failure, doubling up to RETRY_MAX
RETRY_MAX = 30.0
CONFLICT = (
    "telegram polling refused (409 Conflict): another `kader poll` is running with this bot token, or a webhook is"
    " set (`kader telegram delete-webhook`); retrying"
)

T = TypeVar("T")


@dataclass(frozen=True)
class Received:
    """An update to handle, with its inbox row (None: an update the bot does not answer, not kept)."""

    update: Update
    inbox_id: int | None = None


async def keep(database: Database, updates: Sequence[tuple[Update, dict[str, Any]]]) -> list[Received]:
    """Writes the updates the bot answers to the inbox, in one transaction; returns those still to handle, in order.

    Each is kept under the key the engine records (`received_key`, for the bot whose token fetched it).

    An update kept and handled before (a redelivery) is left out; one kept but not handled yet is handled (again).
    Raises whatever the database raised: then nothing was kept, and nothing must be acknowledged.
    """
    received: list[Received] = []
    async with database.transaction() as session:
        for update, payload in updates:
            chat_id = chat_id_of(update)
            bot_id = bot_id_of(update)
            if chat_id is None or to_inbound(update, bot_id) is None:
                received.append(Received(update))  # nothing to answer: logged as ignored, never kept
                continue
            stored = await inbox.store(session, CHANNEL, received_key(update, bot_id), str(chat_id), payload)
            if not stored.new and (await inbox.is_handled(session, [stored.id])).get(stored.id):
                log.info("telegram update handled before update=%s inbox=%s", update.update_id, stored.id)
                continue
            received.append(Received(update, stored.id))
    return received


async def poll(
    bot: Bot,
    stop: asyncio.Event,
    *,
    keep_batch: Callable[[Sequence[Update]], Awaitable[list[Received]]],
    handle: Callable[[list[Received]], Awaitable[None]],
    timeout: int = POLL_TIMEOUT,
) -> int | None:
    """Long-polls until `stop` is set: fetch a batch, keep it, then confirm it with the next call's offset.

    A batch that could not be kept is fetched again (after a pause), so nothing is confirmed unkept. Returns the
    offset that confirms every batch kept (None when none came).
    """
    offset: int | None = None
    failures = 0
    while not stop.is_set():
        try:
            updates = await until_stopped(
                stop, bot.get_updates(offset=offset, timeout=timeout, allowed_updates=list(ALLOWED_UPDATES))
            )
        except Conflict:
            failures += 1
            log.error(CONFLICT)
            await pause(stop, failures)
            continue
        except TelegramError as error:
            failures += 1
            log.warning("telegram polling error=%s", type(error).__name__)
            await pause(stop, failures)
            continue
        if updates is None:
            break  # stopped while waiting
        if not updates:
            failures = 0
            continue
        try:
            received = await keep_batch(updates)
        except Exception as error:  # noqa: BLE001 - the database is down: keep the offset and try again
            failures += 1
            log.error(
                "telegram updates not kept, offset not advanced count=%d error=%s", len(updates), type(error).__name__
            )
            await pause(stop, failures)
            continue
        failures = 0
        offset = updates[-1].update_id + 1
        await handle(received)
    return offset


async def confirm(bot: Bot, offset: int | None) -> None:
    """Tells Telegram every update before `offset` was received (as the next getUpdates would); failures logged."""
    if offset is None:
        return
    try:
        await bot.get_updates(offset=offset, timeout=0, limit=1, allowed_updates=list(ALLOWED_UPDATES))
    except TelegramError as error:
        # Not fatal: the updates are kept, a redelivery is recognised and not handled twice.
        log.warning("telegram offset not confirmed at stop error=%s", type(error).__name__)


async def sweep_every(stop: asyncio.Event, sweep: Callable[[], Awaitable[None]], every: float = SWEEP_EVERY) -> None:
    """Runs `sweep` every `every` seconds until `stop` is set; a failing sweep is logged and tried next time."""
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), every)
            return
        except TimeoutError:
            pass
        try:
            await sweep()
        except Exception as error:  # noqa: BLE001 - the database may be down: the next sweep tries again
            log.error("telegram inbox sweep failed error=%s", type(error).__name__)


async def until_stopped(stop: asyncio.Event, work: Coroutine[Any, Any, T]) -> T | None:
    """The result of `work`, or None (the work cancelled) when `stop` is set first."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if not task.done():
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return None
    return task.result()


async def pause(stop: asyncio.Event, failures: int) -> None:
    """Waits before the next try (doubling with each failure in a row, at most RETRY_MAX) or until stopped."""
    delay = min(RETRY_FIRST * 2 ** max(failures - 1, 0), RETRY_MAX)
    try:
        await asyncio.wait_for(stop.wait(), delay)
    except TimeoutError:
        pass
