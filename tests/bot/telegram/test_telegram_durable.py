"""Nothing lost: every update kept before it is acknowledged, every reply kept until Telegram accepted it.

The crash tests kill a real `kader poll` / `kader serve` with SIGKILL while twenty people are mid-conversation
and Telegram is slow to accept messages, restart it, and count: every update handled exactly once, every answer
sent, and none sent twice except the one send per chat that was in flight at the kill.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.telegram.channel import TelegramChannel
from flows.engine import Engine
from flows.registry import default_registry
from storage.database import Database
from storage.models import InboxMessage, OutboundMessage, ReceivedMessage
from tests.bot.telegram import tg
from tests.bot.telegram.fake_bot_api import FakeBotAPI
from tests.bot.telegram.harness import FAST, SECRET, polling, settings_for, webhook

KADER = Path(sys.executable).with_name("kader")
CHATS = list(range(8101, 8121))  # twenty people
CONTROL = 8100  # one person who talks to the bot alone first: what everyone should get
SCRIPT = ("/start", "Info program", "Berapa iurannya", "/bantuan")


# -- a database that can go down ---------------------------------------------------------------


@dataclass
class FlakyDatabase(Database):
    """The test database, unreachable while `down` (every transaction raises as a lost connection would)."""

    down: bool = False
    failed: int = 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A transaction, or OperationalError while the database is down."""
        if self.down:
            self.failed += 1
            raise OperationalError("BEGIN", {}, ConnectionRefusedError("database is down"))
        async with super().transaction() as session:
            yield session


def flaky(database: Database) -> FlakyDatabase:
    """The same database, able to go down."""
    return FlakyDatabase(url=database.url, engine=database.engine, sessions=database.sessions)


def keeping_engine(database: Database) -> Engine:
    """The engine as `kader poll` and `kader serve` build it: replies kept until the channel confirms them."""
    return Engine(database, default_registry(), keep_replies=True)


async def _count(database: Database, query: Any) -> int:
    async with database.transaction() as session:
        return int(await session.scalar(query) or 0)


async def _unhandled(database: Database) -> int:
    query = select(func.count()).select_from(InboxMessage).where(InboxMessage.handled_at.is_(None))
    return await _count(database, query)


async def _pending_replies(database: Database) -> int:
    query = select(func.count()).select_from(OutboundMessage).where(OutboundMessage.kind == "reply")
    return await _count(database, query)


async def _received(database: Database, chat_ids: list[int]) -> dict[int, int]:
    """How many updates of each chat the engine recorded as received (handled)."""
    async with database.transaction() as session:
        keys = list(await session.scalars(select(ReceivedMessage.external_id)))
    return {chat: sum(f":m:{chat}:" in key for key in keys) for chat in chat_ids}


# -- the database outage -----------------------------------------------------------------------


async def test_the_webhook_answers_503_while_the_database_is_down_and_the_retry_is_answered_once(bot_api, database):
    db = flaky(database)
    async with webhook(bot_api, db, keeping_engine(db)) as hook:
        update = tg.text(8001, "/bantuan") | {"update_id": 501}
        db.down = True
        refused = await hook.post(update)
        assert refused.status_code == 503  # not kept, so not acknowledged: Telegram delivers it again
        await asyncio.sleep(0.2)
        assert bot_api.to(8001) == []
        db.down = False
        assert (await hook.post(update)).status_code == 200  # Telegram's retry
        await bot_api.wait_until(lambda: len(bot_api.to(8001)) == 1, what="the answer")
        assert (await hook.post(update)).status_code == 200  # and once more: kept and handled, nothing to do
        await asyncio.sleep(0.2)
    (answer,) = bot_api.to(8001)
    assert answer.text.startswith("Cara memakai layanan ini:")
    assert await _unhandled(database) == 0 and await _pending_replies(database) == 0


async def test_an_update_kept_before_the_database_failed_mid_turn_is_handled_by_the_sweep(bot_api, database):
    db = flaky(database)
    engine = keeping_engine(db)
    async with webhook(bot_api, db, engine) as hook:
        hook.channel.sweep_age = 0.3  # the sweep's run is called below rather than waited for
        # The database fails right after the update is kept: the turn cannot run, the person is told so.
        real_handle = engine.handle

        async def handle_while_down(inbound):
            db.down = True
            try:
                return await real_handle(inbound)
            finally:
                db.down = False

        engine.handle = handle_while_down  # type: ignore[method-assign]
        assert (await hook.post(tg.text(8002, "/bantuan") | {"update_id": 502})).status_code == 200
        await bot_api.wait_until(lambda: len(bot_api.to(8002)) == 1, what="the apology")
        assert "Maaf" in bot_api.to(8002)[0].text
        assert await _unhandled(database) == 1
        engine.handle = real_handle  # type: ignore[method-assign]
        # The database is back: the sweep finds the update kept but not handled, and handles it.
        await asyncio.sleep(0.4)
        await hook.channel.recover(older_than=timedelta(seconds=hook.channel.sweep_age))
        await bot_api.wait_until(lambda: len(bot_api.to(8002)) == 2, what="the real answer")
    assert bot_api.to(8002)[1].text.startswith("Cara memakai layanan ini:")
    assert await _unhandled(database) == 0
    assert (await _received(database, [8002]))[8002] == 1


async def test_polling_does_not_advance_the_offset_while_updates_cannot_be_kept(bot_api, database):
    db = flaky(database)
    channel = TelegramChannel(settings_for(bot_api), db, keeping_engine(db), polling=True, limits=FAST)
    async with polling(channel):
        db.down = True
        first = bot_api.push(tg.text(8003, "/bantuan"))
        bot_api.push(tg.text(8004, "/bantuan"))
        await bot_api.wait_until(lambda: db.failed >= 2, what="two failed attempts to keep the batch")
        fetched = [call.get("offset") for call in bot_api.called("getUpdates")]
        assert all(offset in (None, 0) for offset in fetched)  # nothing confirmed
        assert [u["update_id"] for u in bot_api.updates][:2] == [first, first + 1]  # Telegram still holds them
        assert bot_api.sent == []
        db.down = False
        await bot_api.wait_until(lambda: len(bot_api.sent) == 2, timeout=10, what="both answers")
        await bot_api.wait_until(
            lambda: any(call.get("offset") == first + 2 for call in bot_api.called("getUpdates")),
            what="the batch confirmed",
        )
    assert len(bot_api.to(8003)) == 1 and len(bot_api.to(8004)) == 1
    assert await _unhandled(database) == 0 and await _pending_replies(database) == 0


async def test_a_reply_confirmed_sent_is_let_go_and_one_to_a_blocked_user_is_not_sent_again(bot_api, database):
    engine = keeping_engine(database)
    bot_api.fail_next(8006, 403)
    async with webhook(bot_api, database, engine) as hook:
        assert (await hook.post(tg.text(8005, "/bantuan") | {"update_id": 505})).status_code == 200
        assert (await hook.post(tg.text(8006, "/bantuan") | {"update_id": 506})).status_code == 200
        await bot_api.wait_until(lambda: len(bot_api.to(8005)) == 1, what="the answer")
        await hook.channel.sender.join(5)
        await hook.channel.recover(older_than=None)  # as a restart would: nothing is left to send
        await asyncio.sleep(0.2)
    assert len(bot_api.to(8005)) == 1
    assert bot_api.to(8006) == []  # blocked: given up, not tried again
    assert await _pending_replies(database) == 0


async def test_replies_kept_but_not_sent_go_out_at_start_in_their_turns(bot_api, database):
    engine = keeping_engine(database)
    from flows.turn import Inbound

    # Two turns handled and committed by a process that died before sending anything.
    for number, text in enumerate(("/start", "/bantuan"), start=1):
        await engine.handle(Inbound(channel="telegram", address="8007", text=text, message_id=f"tg:1:m:8007:{number}"))
    assert await _pending_replies(database) >= 2
    async with webhook(bot_api, database, engine):
        await bot_api.wait_until(lambda: len(bot_api.to(8007)) == 2, what="both turns' answers")
        await asyncio.sleep(0.2)
    menu, help_and_menu = bot_api.to(8007)
    assert "Silakan pilih layanan" in menu.text and menu.buttons
    assert help_and_menu.text.startswith("Cara memakai layanan ini:")
    assert await _pending_replies(database) == 0


# -- the crash tests -------------------------------------------------------------------------------


def _env(api: FakeBotAPI, database_url: str, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "TWILIO_", "PUBLIC_URL", "DATABASE_URL"))
    }
    return (
        env
        | {
            "TELEGRAM_BOT_TOKEN": api.token,
            "TELEGRAM_API_URL": api.base_url,
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "INFO",
        }
        | extra
    )


@asynccontextmanager
async def _kader(args: list[str], env: dict[str, str], ready: str) -> AsyncIterator[asyncio.subprocess.Process]:
    """A `kader` subprocess, once it printed `ready`; stopped with SIGTERM at the end unless already dead."""
    process = await asyncio.create_subprocess_exec(
        str(KADER), *args, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    seen = ""
    try:
        while ready not in seen:
            line = await asyncio.wait_for(process.stderr.readline(), timeout=20)
            assert line, f"kader {args[0]} ended before it was ready; it printed: {seen!r}"
            seen += line.decode()
        drain = asyncio.create_task(process.stderr.read())  # keeps the pipe from filling up
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout=20)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise
        with contextlib.suppress(Exception):
            await asyncio.wait_for(drain, timeout=5)


async def _control(api: FakeBotAPI, deliver: Any) -> list[str]:
    """What one person gets for the script, alone and unhurried: one message for each of their messages."""
    for count, words in enumerate(SCRIPT, start=1):
        await deliver(tg.text(CONTROL, words))
        await api.wait_until(lambda count=count: len(api.to(CONTROL)) >= count, timeout=10, what="the control")
    await asyncio.sleep(0.3)
    texts = [message.text for message in api.to(CONTROL)]
    assert len(texts) == len(SCRIPT) and "Rp16.800" in texts[2]
    return texts


def _tally(api: FakeBotAPI, expected: list[str]) -> tuple[int, int]:
    """(answers missing, answers repeated) over the twenty chats; each chat may repeat one message in a row."""
    missing = repeated = 0
    for chat in CHATS:
        texts = [message.text for message in api.to(chat)]
        assert set(texts) <= set(expected), f"chat {chat} got something unexpected"
        order = [text for index, text in enumerate(texts) if index == 0 or text != texts[index - 1]]
        assert order == expected[: len(order)], f"chat {chat} got its answers out of order"
        missing += len(expected) - len(order)
        repeated += len(texts) - len(order)
        assert len(texts) - len(order) <= 1, f"chat {chat} got more than the send in flight twice"
    return missing, repeated


async def _after_the_kill(database: Database) -> dict[str, int]:
    return {"unhandled": await _unhandled(database), "pending_replies": await _pending_replies(database)}


async def test_kader_poll_killed_mid_conversation_loses_no_update_and_no_answer(bot_api, database, database_url):
    env = _env(bot_api, database_url)
    bot_api.send_delay = 0.15  # a slow Telegram: the kill lands between turns committed and their answers sent

    async def push(update: dict[str, Any]) -> None:
        bot_api.push(update)

    async with _kader(["poll"], env, "polling Telegram as") as process:
        expected = await _control(bot_api, push)
        for words in SCRIPT:  # twenty people write at once, each their next message
            for chat in CHATS:
                bot_api.push(tg.text(chat, words))
        await bot_api.wait_until(lambda: sum(len(bot_api.to(c)) for c in CHATS) >= 12, timeout=20, what="sending")
        process.kill()
        await process.wait()
    at_kill = await _after_the_kill(database)
    sent_at_kill = sum(len(bot_api.to(chat)) for chat in CHATS)
    assert at_kill["unhandled"] + at_kill["pending_replies"] > 0, "the kill came too late to test anything"

    bot_api.send_delay = 0.0
    async with _kader(["poll"], env, "polling Telegram as"):
        await bot_api.wait_until(
            lambda: all(len(bot_api.to(c)) >= len(SCRIPT) for c in CHATS), timeout=30, what="every answer"
        )
        await asyncio.sleep(0.5)  # anything sent twice would arrive now
    missing, repeated = _tally(bot_api, expected)
    received = await _received(database, CHATS)
    print(f"\npoll kill: at kill {at_kill} sent={sent_at_kill}; after restart missing={missing} repeated={repeated}")
    assert missing == 0
    assert received == dict.fromkeys(CHATS, len(SCRIPT))  # every update handled, once (ids are unique)
    assert await _unhandled(database) == 0 and await _pending_replies(database) == 0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_kader_serve_killed_mid_conversation_loses_no_update_and_no_answer(bot_api, database, database_url):
    env = _env(bot_api, database_url, TELEGRAM_WEBHOOK_SECRET=SECRET, PUBLIC_URL="https://kader.example.org")
    bot_api.send_delay = 0.15
    port = _free_port()
    update_ids = iter(range(1, 10_000))
    refused = 0

    async with httpx.AsyncClient(timeout=5) as client:

        async def deliver(update: dict[str, Any]) -> None:
            """Posts as Telegram does: again and again until the bot answers 200 (one chat's updates in order)."""
            nonlocal refused
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            numbered = update | {"update_id": next(update_ids)}
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    url = f"http://127.0.0.1:{port}/telegram/webhook"
                    if (await client.post(url, json=numbered, headers=headers)).status_code == 200:
                        return
                refused += 1
                await asyncio.sleep(0.1)

        async def person(chat: int) -> None:
            """Writes the script one message after another."""
            for words in SCRIPT:
                await deliver(tg.text(chat, words))

        async with _kader(["serve", "--port", str(port)], env, "serving on") as process:
            expected = await _control(bot_api, deliver)
            people = asyncio.gather(*(person(chat) for chat in CHATS))
            await bot_api.wait_until(lambda: sum(len(bot_api.to(c)) for c in CHATS) >= 12, timeout=20, what="sends")
            process.kill()
            await process.wait()
        at_kill = await _after_the_kill(database)
        sent_at_kill = sum(len(bot_api.to(chat)) for chat in CHATS)
        assert at_kill["unhandled"] + at_kill["pending_replies"] > 0, "the kill came too late to test anything"

        bot_api.send_delay = 0.0
        async with _kader(["serve", "--port", str(port)], env, "serving on"):
            await asyncio.wait_for(people, timeout=30)
            await bot_api.wait_until(
                lambda: all(len(bot_api.to(c)) >= len(SCRIPT) for c in CHATS), timeout=30, what="every answer"
            )
            await asyncio.sleep(0.5)  # anything sent twice would arrive now
    missing, repeated = _tally(bot_api, expected)
    received = await _received(database, CHATS)
    print(
        f"\nserve kill: at kill {at_kill} sent={sent_at_kill} refused_posts={refused};"
        f" after restart missing={missing} repeated={repeated}"
    )
    assert missing == 0
    assert received == dict.fromkeys(CHATS, len(SCRIPT))  # every update handled, once
    assert await _unhandled(database) == 0 and await _pending_replies(database) == 0


def test_each_message_carries_the_outbox_ids_of_the_replies_it_completes():
    from bot.telegram.render import carried_ids, render_replies
    from flows.turn import Option, Reply

    question = Reply("Pilih:", options=(Option("a", "A"),), outbox_id=2)
    merged = render_replies([Reply("Baik.", outbox_id=1), question, Reply("Terakhir.", outbox_id=3)])
    assert [(m.text, m.outbox_ids) for m in merged] == [("Baik.\n\nPilih:", (1, 2)), ("Terakhir.", (3,))]
    long = render_replies([Reply("kata " * 2000, outbox_id=4)])
    assert len(long) == 3 and [m.outbox_ids for m in long] == [(), (), (4,)]  # confirmed with its last part
    blank = [Reply("  ", outbox_id=5)]
    assert render_replies(blank) == [] and carried_ids(render_replies(blank)) == set()  # marked sent at once


async def test_polling_explains_a_409_and_carries_on_once_the_other_poller_is_gone(bot_api, database, caplog):
    channel = TelegramChannel(settings_for(bot_api), database, keeping_engine(database), polling=True, limits=FAST)
    async with polling(channel):
        bot_api.webhook = {"url": "https://elsewhere.example.org/telegram/webhook"}  # set by someone else
        await bot_api.wait_until(lambda: "409 Conflict" in caplog.text, what="the explanation")
        bot_api.webhook = {"url": ""}
        bot_api.push(tg.text(8008, "/bantuan"))
        await bot_api.wait_until(lambda: len(bot_api.to(8008)) == 1, timeout=10, what="the answer")
    assert "another `kader poll` is running with this bot token, or a webhook is set" in caplog.text


async def test_replies_left_unsent_at_shutdown_go_out_after_the_restart(bot_api, database, monkeypatch):
    import bot.telegram.channel as channel_module

    monkeypatch.setattr(channel_module, "SEND_DRAIN_SECONDS", 0.1)  # a shutdown with no time to send the backlog
    bot_api.send_delay = 0.3
    engine = keeping_engine(database)
    chats = [8201, 8202, 8203]
    async with webhook(bot_api, database, engine) as hook:
        update_ids = iter(range(600, 700))
        for chat in chats:
            for words in ("/start", "/bantuan"):
                assert (await hook.post(tg.text(chat, words) | {"update_id": next(update_ids)})).status_code == 200
    left = await _pending_replies(database)
    assert left > 0  # abandoned by the sender, not lost: still kept
    await asyncio.sleep(0.4)  # a restart takes longer than the sends that were in flight at the shutdown
    bot_api.send_delay = 0.0
    async with webhook(bot_api, database, engine):
        await bot_api.wait_until(lambda: all(len(bot_api.to(c)) >= 2 for c in chats), what="every answer")
        await asyncio.sleep(0.3)
    for chat in chats:
        texts = [message.text for message in bot_api.to(chat)]
        deduplicated = [text for index, text in enumerate(texts) if index == 0 or text != texts[index - 1]]
        assert len(deduplicated) == 2 and deduplicated[1].startswith("Cara memakai layanan ini:")
        assert len(texts) - len(deduplicated) <= 1  # only a send in flight at the shutdown may repeat
    assert await _pending_replies(database) == 0
