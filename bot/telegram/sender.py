"""Sending to Telegram within its limits: 30 messages in any second overall, 1/s per chat after a short burst.

Each chat has its own FIFO queue and sending task, so one chat's replies keep their order and never hold up another.
Edits of the bot's own messages (a pressed keyboard taken off) go through the same queue and pacing, so an edit never
overtakes the replies queued before it, nor the replies queued after it overtake the edit. A 429 delays only the chat
that got it, by `retry_after`, and sends the same message again; a 403 (the user blocked the bot) marks the contact
unreachable and drops the rest of that chat's queue; network errors are retried a bounded number of times with
backoff. An edit Telegram refuses (the message is too old, deleted, or already so) is logged and skipped: the
replies behind it are sent all the same. Logs carry chat and message ids and counts, never message text.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum

from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.telegram.render import Edit, Outgoing

log = logging.getLogger("kader.telegram.sender")


@dataclass(frozen=True)
class SendLimits:
    """How fast and how stubbornly the sender sends; the defaults follow Telegram's published limits."""

    overall_per_second: int = 30
    chat_rate: float = 1.0
    chat_burst: float = 4.0  # one turn's replies (a long text in three parts and its question) go out together
    max_attempts: int = 4
    max_flood_waits: int = 5
    backoff: float = 0.5
    max_retry_after: float = 300.0


class TokenBucket:
    """A token bucket that hands out reservations: each caller learns how long to wait for its token."""

    def __init__(self, rate: float, capacity: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.capacity = capacity
        self._clock = clock
        self._tokens = capacity
        self._updated = clock()

    def reserve(self) -> float:
        """Takes one token and returns the seconds until it is really available (0 when it is now)."""
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def is_full(self) -> bool:
        """Whether the bucket has refilled completely (its chat has been quiet long enough to forget)."""
        now = self._clock()
        return self._tokens + (now - self._updated) * self.rate >= self.capacity


class SlidingWindow:
    """At most `limit` acquisitions in any `period` seconds, granted first come, first served."""

    def __init__(self, limit: int, period: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.period = period
        self._clock = clock
        self._times: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Waits until one more acquisition keeps the window within its limit, and records it."""
        async with self._lock:
            while True:
                now = self._clock()
                while self._times and now - self._times[0] >= self.period:
                    self._times.popleft()
                if len(self._times) < self.limit:
                    self._times.append(now)
                    return
                await asyncio.sleep(self._times[0] + self.period - now)


class Outcome(Enum):
    """What became of one message."""

    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"


Item = Outgoing | Edit


@dataclass
class _Chat:
    """One chat's queue, its pacing, and the task sending it (None while idle)."""

    bucket: TokenBucket
    queue: deque[Item] = field(default_factory=deque)
    task: asyncio.Task[None] | None = None


_PRUNE_ABOVE = 1000


class TelegramSender:
    """Per-chat FIFO queues drained by one task per busy chat, paced by a per-chat and an overall bucket."""

    def __init__(
        self,
        bot: Bot,
        limits: SendLimits | None = None,
        *,
        on_blocked: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        self.bot = bot
        self.limits = limits or SendLimits()
        self._on_blocked = on_blocked
        self._overall = SlidingWindow(self.limits.overall_per_second)
        self._chats: dict[int, _Chat] = {}
        self.failed = 0
        self.dropped = 0
        self.edits_failed = 0

    def enqueue(self, chat_id: int, messages: Iterable[Item]) -> None:
        """Queues messages and edits for a chat behind those already queued; returns at once (no await: order holds)."""
        chat = self._chats.get(chat_id)
        if chat is None:
            self._prune()
            chat = _Chat(TokenBucket(self.limits.chat_rate, self.limits.chat_burst))
            self._chats[chat_id] = chat
        chat.queue.extend(messages)
        if chat.queue and chat.task is None:
            chat.task = asyncio.create_task(self._drain_chat(chat_id, chat), name=f"telegram-send-{chat_id}")

    def pending(self) -> int:
        """How many messages and edits wait to be sent (including those being sent now)."""
        return sum(len(chat.queue) for chat in self._chats.values())

    async def join(self, timeout: float | None = None) -> bool:
        """Waits until every queue is empty; False when the timeout passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            tasks = [chat.task for chat in self._chats.values() if chat.task is not None]
            if not tasks:
                return True
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return False
            await asyncio.wait(tasks, timeout=remaining)

    async def close(self, timeout: float = 10.0) -> None:
        """Sends what is queued within the timeout, then gives up on the rest (logged by chat id and count)."""
        if await self.join(timeout):
            return
        for chat_id, chat in list(self._chats.items()):
            if chat.task is not None:
                log.error("telegram send abandoned at shutdown chat=%s messages=%d", chat_id, len(chat.queue))
                self.dropped += len(chat.queue)
                chat.queue.clear()
                chat.task.cancel()
        await asyncio.gather(*(c.task for c in self._chats.values() if c.task is not None), return_exceptions=True)

    # -- one chat -------------------------------------------------------------------------

    async def _drain_chat(self, chat_id: int, chat: _Chat) -> None:
        try:
            while chat.queue:
                outcome = await self._deliver(chat_id, chat, chat.queue[0])
                if outcome is Outcome.BLOCKED:
                    dropped = len(chat.queue)
                    chat.queue.clear()
                    self.dropped += dropped
                    log.warning("telegram chat blocked the bot chat=%s dropped=%d", chat_id, dropped)
                    if self._on_blocked is not None:
                        await self._on_blocked(chat_id)
                    continue  # whatever was queued meanwhile answers newer messages: it is tried
                if chat.queue:
                    chat.queue.popleft()
        finally:
            # Reached only with an empty queue and no await since the check, so enqueue() starts a new task.
            chat.task = None

    async def _deliver(self, chat_id: int, chat: _Chat, item: Item) -> Outcome:
        attempts = 0
        flood_waits = 0
        while True:
            await self._wait(chat.bucket.reserve())
            await self._overall.acquire()
            try:
                await self._call(chat_id, item)
            except RetryAfter as error:
                flood_waits += 1
                delay = min(retry_after_seconds(error), self.limits.max_retry_after)
                if flood_waits > self.limits.max_flood_waits:
                    return self._failed(chat_id, item, "flood control", flood_waits)
                log.warning("telegram flood control chat=%s retry_after=%.1fs", chat_id, delay)
                await self._wait(delay)
            except Forbidden:
                return Outcome.BLOCKED
            except BadRequest as error:
                # The Bot API's description names the problem ("chat not found"); it never quotes the text.
                if isinstance(item, Edit):
                    log.warning(
                        "telegram edit refused chat=%s message=%s error=%s", chat_id, item.message_id, error.message
                    )
                    self.edits_failed += 1
                    return Outcome.FAILED
                log.error("telegram refused a message chat=%s error=%s", chat_id, error.message)
                self.failed += 1
                return Outcome.FAILED
            except TelegramError as error:
                attempts += 1
                if attempts >= self.limits.max_attempts:
                    return self._failed(chat_id, item, type(error).__name__, attempts)
                delay = self.limits.backoff * 2 ** (attempts - 1)
                log.warning("telegram send retry chat=%s attempt=%d error=%s", chat_id, attempts, type(error).__name__)
                await self._wait(delay)
            except Exception as error:  # noqa: BLE001 - a message the client cannot even build is dropped, not retried
                return self._failed(chat_id, item, type(error).__name__, attempts + 1)
            else:
                return Outcome.SENT

    async def _call(self, chat_id: int, item: Item) -> None:
        """One Bot API call: sendMessage, editMessageText (which drops the keyboard too) or editMessageReplyMarkup."""
        if isinstance(item, Outgoing):
            await self.bot.send_message(chat_id=chat_id, text=item.text, reply_markup=item.markup)
        elif item.text is not None:
            await self.bot.edit_message_text(text=item.text, chat_id=chat_id, message_id=item.message_id)
        else:
            await self.bot.edit_message_reply_markup(chat_id=chat_id, message_id=item.message_id)

    def _failed(self, chat_id: int, item: Item, reason: str, tries: int) -> Outcome:
        if isinstance(item, Edit):
            log.warning(
                "telegram edit given up chat=%s message=%s reason=%s tries=%d", chat_id, item.message_id, reason, tries
            )
            self.edits_failed += 1
            return Outcome.FAILED
        log.error("telegram message given up chat=%s reason=%s tries=%d", chat_id, reason, tries)
        self.failed += 1
        return Outcome.FAILED

    async def _wait(self, seconds: float) -> None:
        if seconds > 0:
            await asyncio.sleep(seconds)

    def _prune(self) -> None:
        """Forgets idle chats whose bucket has refilled, so the table does not grow without bound."""
        if len(self._chats) < _PRUNE_ABOVE:
            return
        for chat_id, chat in list(self._chats.items()):
            if chat.task is None and not chat.queue and chat.bucket.is_full():
                del self._chats[chat_id]


def retry_after_seconds(error: RetryAfter) -> float:
    """The seconds a 429 asks to wait, whether PTB reports them as an int or a timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)
