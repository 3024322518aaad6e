"""Sending to Telegram: replies at once, proactive messages paced within Telegram's limits.

An interactive reply (an answer to the person who just wrote, and the edit taking a pressed keyboard off) is sent
the moment it is queued: nothing paces it. A proactive message (a notice, a reminder, a broadcast: anything that
is not a reply to the current sender) waits for three things: a slot in the overall rate (every message sent in
the last second counts, replies included, so replies keep their share), a slot in the proactive share of it, and
the chat's own pace (1/s). A reply queued while a proactive message waits for its slot goes first.

Each chat has its own queues and sending task, so one chat's messages keep their order and never hold up another.
A 429 delays only the chat that got it, by `retry_after`, and sends the same message again; a 403 (the user blocked
the bot) marks the contact unreachable and drops the rest of that chat's queues; network errors are retried a
bounded number of times with backoff. An edit Telegram refuses (the message is too old, deleted, or already so) is
logged and skipped: the replies behind it are sent all the same. Logs carry chat and message ids and counts, never
message text.

A message that carries outbox ids (the replies it completes) is reported to `on_settled` once its fate is known:
sent (Telegram accepted it), or not (refused, given up, or dropped because the user blocked the bot). A message
abandoned at shutdown is not reported: its replies stay pending in the outbox and go out after the restart.
"""

from __future__ import annotations

import asyncio
import contextlib
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

from bot.settings import Settings
from bot.telegram.render import Edit, Outgoing

log = logging.getLogger("kader.telegram.sender")

Clock = Callable[[], float]


@dataclass(frozen=True)
class SendLimits:
    """How fast and how stubbornly the sender sends; the defaults follow Telegram's published limits."""

    overall_per_second: int = 30  # every message in any second, replies included: proactive ones wait for it
    proactive_per_second: int = 25  # the proactive share of it, so that replies keep theirs
    chat_rate: float = 1.0  # proactive messages per chat per second
    chat_burst: float = 1.0  # proactive messages to one chat in a row before its pace applies
    max_attempts: int = 4
    max_flood_waits: int = 5
    backoff: float = 0.5
    max_retry_after: float = 300.0
    # Replies paced like proactive messages, as before issue 14; only bench/telegram_replies.py sets it.
    paced_replies: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> SendLimits:
        """The limits for TELEGRAM_MAX_PER_SECOND and TELEGRAM_PROACTIVE_PER_SECOND."""
        return cls(
            overall_per_second=settings.telegram_max_per_second,
            proactive_per_second=min(settings.telegram_proactive_per_second, settings.telegram_max_per_second),
        )


class TokenBucket:
    """A token bucket: `delay()` says how long until a token is there, `take()` takes one."""

    def __init__(self, rate: float, capacity: float, clock: Clock = time.monotonic) -> None:
        self.rate = rate
        self.capacity = capacity
        self._clock = clock
        self._tokens = capacity
        self._updated = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    def reserve(self) -> float:
        """Takes one token and returns the seconds until it is really available (0 when it is now)."""
        self._refill()
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def delay(self) -> float:
        """The seconds until a whole token is there (0 when it is now); takes nothing."""
        self._refill()
        return 0.0 if self._tokens >= 1.0 else (1.0 - self._tokens) / self.rate

    def take(self) -> None:
        """Takes one token if there is one (a reply sent at once spends the chat's pace without owing it)."""
        self._refill()
        self._tokens = max(0.0, self._tokens - 1.0)

    def is_full(self) -> bool:
        """Whether the bucket has refilled completely (its chat has been quiet long enough to forget)."""
        now = self._clock()
        return self._tokens + (now - self._updated) * self.rate >= self.capacity


class SlidingWindow:
    """At most `limit` acquisitions in any `period` seconds; `record()` counts one that did not ask (a reply)."""

    def __init__(self, limit: int, period: float = 1.0, clock: Clock = time.monotonic) -> None:
        self.limit = limit
        self.period = period
        self._clock = clock
        self._times: deque[float] = deque()
        self._lock = asyncio.Lock()

    def delay(self) -> float:
        """The seconds until one more acquisition keeps the window within its limit (0 when it does now)."""
        now = self._forget_aged()
        if len(self._times) < self.limit:
            return 0.0
        return self._times[len(self._times) - self.limit] + self.period - now

    def record(self) -> None:
        """Counts one acquisition now, whether or not the window had room for it."""
        self._times.append(self._forget_aged())

    def _forget_aged(self) -> float:
        """Drops the acquisitions older than the period (so replies alone never grow the window); returns now."""
        now = self._clock()
        while self._times and now - self._times[0] >= self.period:
            self._times.popleft()
        return now

    async def acquire(self) -> None:
        """Waits until one more acquisition fits the window, and records it (first come, first served)."""
        async with self._lock:
            while (wait := self.delay()) > 0:
                await asyncio.sleep(wait)
            self.record()


class Outcome(Enum):
    """What became of one message."""

    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"


Item = Outgoing | Edit


@dataclass
class _Chat:
    """One chat's queues (replies first), its proactive pace, and the task sending them (None while idle)."""

    bucket: TokenBucket
    replies: deque[Item] = field(default_factory=deque)
    proactive: deque[Item] = field(default_factory=deque)
    reply_came: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None


_PRUNE_ABOVE = 1000


class TelegramSender:
    """Per-chat queues drained by one task per busy chat: replies at once, proactive messages paced."""

    def __init__(
        self,
        bot: Bot,
        limits: SendLimits | None = None,
        *,
        on_blocked: Callable[[int], Awaitable[None]] | None = None,
        on_settled: Callable[[int, tuple[int, ...], bool], Awaitable[None]] | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.bot = bot
        self.limits = limits or SendLimits()
        self._on_blocked = on_blocked
        self._on_settled = on_settled
        self._clock = clock
        self._overall = SlidingWindow(self.limits.overall_per_second, clock=clock)
        self._proactive = SlidingWindow(self.limits.proactive_per_second, clock=clock)
        self._chats: dict[int, _Chat] = {}
        self.failed = 0
        self.dropped = 0
        self.edits_failed = 0
        self.paced_waits = 0  # messages that waited for a pacing slot (only proactive ones ever do)

    def enqueue(self, chat_id: int, messages: Iterable[Item], *, proactive: bool = False) -> None:
        """Queues a reply (sent at once) or, with proactive=True, a paced message; returns at once (order holds)."""
        chat = self._chats.get(chat_id)
        if chat is None:
            self._prune()
            chat = _Chat(TokenBucket(self.limits.chat_rate, self.limits.chat_burst, self._clock))
            self._chats[chat_id] = chat
        if proactive or self.limits.paced_replies:
            chat.proactive.extend(messages)
        else:
            before = len(chat.replies)
            chat.replies.extend(messages)
            if len(chat.replies) > before:
                chat.reply_came.set()  # a proactive message waiting for its slot lets it pass
        if (chat.replies or chat.proactive) and chat.task is None:
            chat.task = asyncio.create_task(self._drain_chat(chat_id, chat), name=f"telegram-send-{chat_id}")

    def pending(self) -> int:
        """How many messages and edits wait to be sent (including those being sent now)."""
        return sum(len(chat.replies) + len(chat.proactive) for chat in self._chats.values())

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
                count = len(chat.replies) + len(chat.proactive)
                log.error("telegram send abandoned at shutdown chat=%s messages=%d", chat_id, count)
                self.dropped += count
                chat.replies.clear()
                chat.proactive.clear()
                chat.task.cancel()
        await asyncio.gather(*(c.task for c in self._chats.values() if c.task is not None), return_exceptions=True)

    # -- one chat -------------------------------------------------------------------------

    async def _drain_chat(self, chat_id: int, chat: _Chat) -> None:
        try:
            while chat.replies or chat.proactive:
                if chat.replies:
                    queue, paced = chat.replies, False
                elif await self._pace(chat, yield_to_replies=True):
                    queue, paced = chat.proactive, True
                else:
                    continue  # a reply came while the proactive message waited: it goes first
                item = queue[0]
                outcome = await self._deliver(chat_id, chat, item, paced=paced)
                if outcome is Outcome.BLOCKED:
                    dropped = len(chat.replies) + len(chat.proactive)
                    settled = _outbox_ids([*chat.replies, *chat.proactive])
                    chat.replies.clear()
                    chat.proactive.clear()
                    self.dropped += dropped
                    log.warning("telegram chat blocked the bot chat=%s dropped=%d", chat_id, dropped)
                    await self._settle(chat_id, settled, sent=False)
                    if self._on_blocked is not None:
                        await self._on_blocked(chat_id)
                    continue  # whatever was queued meanwhile answers newer messages: it is tried
                if queue:
                    queue.popleft()
                await self._settle(chat_id, _outbox_ids([item]), sent=outcome is Outcome.SENT)
        finally:
            # Reached only with empty queues and no await since the check, so enqueue() starts a new task.
            chat.task = None

    async def _settle(self, chat_id: int, outbox_ids: tuple[int, ...], *, sent: bool) -> None:
        """Reports what became of the replies with these outbox ids (nothing when there are none)."""
        if not outbox_ids or self._on_settled is None:
            return
        try:
            await self._on_settled(chat_id, outbox_ids, sent)
        except Exception as error:  # noqa: BLE001 - the chat's other messages still go out
            log.error("telegram send not recorded chat=%s error=%s", chat_id, type(error).__name__)

    async def _pace(self, chat: _Chat, *, yield_to_replies: bool) -> bool:
        """Waits for a proactive slot and takes it; False, taking nothing, when a reply came to go first."""
        waited = False
        while True:
            if yield_to_replies and chat.replies:
                return False
            wait = max(chat.bucket.delay(), self._overall.delay(), self._proactive.delay())
            if wait <= 0:
                # No await between the check and the taking: no other chat can take the slot meanwhile.
                chat.bucket.take()
                self._overall.record()
                self._proactive.record()
                return True
            if not waited:
                waited = True
                self.paced_waits += 1
            chat.reply_came.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(chat.reply_came.wait(), wait)

    async def _deliver(self, chat_id: int, chat: _Chat, item: Item, *, paced: bool) -> Outcome:
        attempts = 0
        flood_waits = 0
        while True:
            if paced:
                if attempts or flood_waits:  # a retry waits for a slot again, but never gives way to replies
                    await self._pace(chat, yield_to_replies=False)
            else:
                chat.bucket.take()  # a reply is counted in every pace it does not wait for
                self._overall.record()
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
            if chat.task is None and not chat.replies and not chat.proactive and chat.bucket.is_full():
                del self._chats[chat_id]


def _outbox_ids(items: Iterable[Item]) -> tuple[int, ...]:
    """The outbox ids the messages carry, in order."""
    return tuple(outbox_id for item in items if isinstance(item, Outgoing) for outbox_id in item.outbox_ids)


def retry_after_seconds(error: RetryAfter) -> float:
    """The seconds a 429 asks to wait, whether PTB reports them as an int or a timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)
