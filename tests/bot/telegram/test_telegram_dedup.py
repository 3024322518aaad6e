"""De-duplication that cannot collide: Telegram updates keyed by bot and message (or press), not by update id.

Telegram numbers updates afresh after a week without any, and another bot token has a sequence of its own: an
update id seen before is no proof of a redelivery. A redelivery of the very same update is still answered once.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from telegram import Bot, Update

from bot.telegram.channel import TelegramChannel
from bot.telegram.inbound import received_key, to_inbound
from storage import received_messages
from storage.models import ReceivedMessage
from storage.received_messages import MAX_EXTERNAL_ID
from storage.types import utcnow
from tests.bot.telegram import tg
from tests.bot.telegram.fake_bot_api import BOT_ID
from tests.bot.telegram.harness import FAST, Webhook, polling, settings_for, webhook
from tests.bot.telegram.tg import TelegramUser

CHAT = 6101
KADER = Path(sys.executable).with_name("kader")
OTHER_TOKEN = "654321:ANOTHER-token_for-the-loopback-api"


class _Sequence:
    """Update ids as Telegram hands them out, from 1; every update posted is kept, to deliver one again."""

    def __init__(self, hook: Webhook) -> None:
        self.hook = hook
        self.ids = itertools.count(1)
        self.posted: list[dict[str, Any]] = []

    async def deliver(self, update: dict[str, Any]) -> None:
        """Posts the update under the sequence's next id."""
        numbered = update | {"update_id": next(self.ids)}
        self.posted.append(numbered)
        assert (await self.hook.post(numbered)).status_code == 200


def _duplicates(caplog) -> int:
    """Redeliveries recognised: by the inbox (kept and handled before) or by the engine (its received ids)."""
    return sum(
        "duplicate message" in record.getMessage() or "update handled before" in record.getMessage()
        for record in caplog.records
    )


async def _keys(database) -> list[str]:
    async with database.transaction() as session:
        rows = await session.scalars(select(ReceivedMessage.external_id).where(ReceivedMessage.channel == "telegram"))
        return sorted(rows)


async def test_a_sequence_restarting_at_1_is_answered_and_a_true_redelivery_still_once(
    bot_api, database, engine, caplog
):
    caplog.set_level(logging.INFO, logger="kader.engine")
    caplog.set_level(logging.INFO, logger="kader.telegram.inbox")
    async with webhook(bot_api, database, engine) as hook:
        current = [_Sequence(hook)]
        user = TelegramUser(bot_api, CHAT, deliver=lambda update: current[0].deliver(update))
        await user.say("/menu")  # update 1
        await user.tap("Info program")  # update 2, a press
        await user.say("/bantuan")  # update 3
        # A week without updates: Telegram numbers them from 1 again.
        current[0] = _Sequence(hook)
        menu = await user.say("/menu")  # update 1 again, a new message
        topics = await user.tap("Info program")  # update 2 again, a new press
        cost = await user.tap("Berapa iurannya")  # update 3 again
        sent = len(bot_api.to(CHAT))
        # Telegram delivers both presses and the /menu of the new sequence again (a 200 was lost, say).
        for update in (current[0].posted[-1], current[0].posted[-2], current[0].posted[0]):
            assert (await hook.post(update)).status_code == 200
    # The channel has stopped: every accepted update was handled, and what it answered was sent.
    assert "Silakan pilih layanan" in menu[-1].text
    assert "Info apa yang ingin Anda ketahui?" in topics[-1].text
    assert "Rp16.800" in cost[0].text
    assert len(bot_api.to(CHAT)) == sent
    assert _duplicates(caplog) == 3
    keys = await _keys(database)
    assert len(keys) == 6
    assert sum(key.startswith(f"tg:{BOT_ID}:m:{CHAT}:") for key in keys) == 3
    assert sum(key.startswith(f"tg:{BOT_ID}:q:") for key in keys) == 3


async def test_another_bot_token_with_the_same_update_ids_and_message_ids_is_answered(bot_api, database, engine):
    update = tg.text(CHAT, "/bantuan") | {"update_id": 1}
    async with webhook(bot_api, database, engine) as hook:
        assert (await hook.post(update)).status_code == 200
    assert len(bot_api.to(CHAT)) == 1
    first_token = bot_api.token
    bot_api.token = OTHER_TOKEN  # the bot's token replaced at @BotFather: another bot, with its own numbering
    try:
        async with webhook(bot_api, database, engine) as hook:
            assert (await hook.post(update)).status_code == 200
            assert (await hook.post(update)).status_code == 200  # and that one redelivered
    finally:
        bot_api.token = first_token
    texts = [message.text.split("\n")[0] for message in bot_api.to(CHAT)]
    assert texts == ["Cara memakai layanan ini:", "Cara memakai layanan ini:"]
    message_id = update["message"]["message_id"]
    assert await _keys(database) == [f"tg:{BOT_ID}:m:{CHAT}:{message_id}", f"tg:654321:m:{CHAT}:{message_id}"]


async def test_polling_after_a_restart_answers_a_sequence_from_1_but_not_an_old_message_again(
    bot_api, database, engine
):
    old = tg.text(CHAT, "/menu")
    channel = TelegramChannel(settings_for(bot_api), database, engine, polling=True, limits=FAST)
    async with polling(channel):
        bot_api.push(old, update_id=1)
        bot_api.push(tg.text(CHAT, "/bantuan"), update_id=2)
        await bot_api.wait_until(lambda: len(bot_api.to(CHAT)) == 2, what="two answers")
    # A fresh process, and Telegram's numbering restarted: new messages arrive as updates 1 and 2.
    channel = TelegramChannel(settings_for(bot_api), database, engine, polling=True, limits=FAST)
    async with polling(channel):
        bot_api.push(tg.text(CHAT, "/bantuan"), update_id=1)
        await bot_api.wait_until(lambda: len(bot_api.to(CHAT)) == 3, what="the new update 1's answer")
        bot_api.push(old, update_id=1)  # the old message served again: the same message, not a new one
        bot_api.push(tg.text(CHAT, "/menu"), update_id=2)
        await bot_api.wait_until(lambda: len(bot_api.to(CHAT)) >= 4, what="the new update 2's answer")
    # Stopped: every fetched update was handled and answered.
    texts = [message.text for message in bot_api.to(CHAT)]
    assert len(texts) == 4
    assert texts[2].startswith("Cara memakai layanan ini:") and "Silakan pilih layanan" in texts[3]


def test_the_keys_name_the_bot_from_its_token_and_fit_the_column():
    bot = Bot("8123456789:AAH-the-rest-of-a-token")
    message = Update.de_json({"update_id": 5, **tg.text(7_000_000_001, "halo")}, bot)
    press = Update.de_json({"update_id": 5, **tg.press(7_000_000_001, "info")}, bot)
    message_id = message.message.message_id
    assert to_inbound(message).message_id == f"tg:8123456789:m:7000000001:{message_id}"
    assert to_inbound(press).message_id == f"tg:8123456789:q:{press.callback_query.id}"
    # The widest ids Telegram can give (64-bit bot and chat, 32-bit message) fit, and so does any query id.
    widest = Update.de_json({"update_id": 1, **tg.text(-(2**63), "x")}, None)
    widest.message._unfreeze()
    widest.message.message_id = 2**31 - 1
    assert len(received_key(widest, 2**63 - 1)) <= MAX_EXTERNAL_ID
    huge_query = Update.de_json({"update_id": 1, **tg.press(10, "info")}, None)
    huge_query.callback_query._unfreeze()
    huge_query.callback_query.id = "9" * 200
    assert len(received_key(huge_query, 2**63 - 1)) == MAX_EXTERNAL_ID


async def test_kader_poll_prunes_old_received_ids_at_start(bot_api, database, database_url):
    async with database.transaction() as session:
        for key in ("tg:1:m:1:old", "tg:1:m:1:recent"):
            await received_messages.record_received(session, "telegram", key, None)
        await session.execute(
            update(ReceivedMessage)
            .where(ReceivedMessage.external_id == "tg:1:m:1:old")
            .values(received_at=utcnow() - timedelta(days=8))
        )
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TELEGRAM_", "TWILIO_", "DATABASE"))}
    env |= {
        "TELEGRAM_BOT_TOKEN": bot_api.token,
        "TELEGRAM_API_URL": bot_api.base_url,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "INFO",
        "RECEIVED_RETENTION_DAYS": "7",
    }
    process = await asyncio.create_subprocess_exec(
        str(KADER), "poll", env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    try:
        log = await asyncio.wait_for(_read_until(process.stderr, "polling Telegram as"), timeout=15)
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=15)
    assert "received ids pruned count=1 older_than_days=7" in log
    assert await _keys(database) == ["tg:1:m:1:recent"]


async def _read_until(stream: asyncio.StreamReader, marker: str) -> str:
    seen = ""
    while marker not in seen:
        line = await stream.readline()
        if not line:
            raise AssertionError(f"the process ended before printing {marker!r}; got: {seen!r}")
        seen += line.decode()
    return seen
