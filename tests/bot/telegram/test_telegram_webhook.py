"""`POST /telegram/webhook` in the web app: the secret, a fast 200, exactly-once, and a clean stop."""

from __future__ import annotations

import asyncio
import logging
import time

from bot.enabled_channels import enabled_channels
from bot.settings import Settings
from bot.web import create_app
from flows.engine import Engine
from tests.bot.telegram import tg
from tests.bot.telegram.harness import settings_for, webhook
from tests.bot.telegram.tg import TelegramUser

CHAT = 6001


async def test_the_right_secret_gets_the_update_processed_and_answered(bot_api, database, engine):
    async with webhook(bot_api, database, engine) as hook:
        health = await hook.client.get("/healthz")
        assert health.status_code == 200 and health.json()["channels"] == ["telegram"]
        response = await hook.post(tg.text(CHAT, "/menu") | {"update_id": 1})
        assert response.status_code == 200
        await bot_api.wait_until(lambda: len(bot_api.to(CHAT)) == 1, what="the menu")
    assert "Silakan pilih layanan" in bot_api.to(CHAT)[0].text
    assert bot_api.called("getUpdates") == []  # webhook mode has no updater


async def test_a_conversation_over_the_webhook_with_buttons(bot_api, database, engine):
    async with webhook(bot_api, database, engine) as hook:
        user = TelegramUser(bot_api, CHAT, deliver=lambda update: hook.post(update | {"update_id": _next_id()}))
        await user.say("/start kader-invite-42")  # a deep link's payload is passed through; /start is the menu
        topics = await user.tap("Info program")
        cost = await user.tap("Berapa iurannya")
    assert "Info apa yang ingin Anda ketahui?" in topics[-1].text
    assert "Rp16.800" in cost[0].text
    assert len(bot_api.callback_answers) == 2


async def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_sent(bot_api, database, engine, caplog):
    async with webhook(bot_api, database, engine) as hook:
        wrong = await hook.post(tg.text(CHAT, "/menu") | {"update_id": 2}, secret="not-the-secret")
        missing = await hook.post(tg.text(CHAT, "/menu") | {"update_id": 3}, secret=None)
    # Leaving the block stopped the channel, which finishes every update it accepted: none was.
    assert (wrong.status_code, missing.status_code) == (403, 403)
    assert bot_api.sent == []
    assert "wrong secret" in caplog.text and "/menu" not in caplog.text


async def test_without_a_configured_secret_the_webhook_refuses_everything(bot_api, database, engine, caplog):
    caplog.set_level(logging.ERROR, logger="kader.telegram")
    async with webhook(bot_api, database, engine, telegram_webhook_secret=None) as hook:
        response = await hook.post(tg.text(CHAT, "/menu") | {"update_id": 4}, secret="")
    assert response.status_code == 403
    assert bot_api.sent == []
    assert "TELEGRAM_WEBHOOK_SECRET is not set" in caplog.text


async def test_the_same_update_posted_twice_is_answered_once(bot_api, database, engine):
    update = tg.text(CHAT, "/bantuan") | {"update_id": 5}
    async with webhook(bot_api, database, engine) as hook:
        first = await hook.post(update)
        second = await hook.post(update)
        await bot_api.wait_until(lambda: len(bot_api.to(CHAT)) >= 1, what="the help text")
        third = await hook.post(update)  # a retry after the first was handled
    # The channel has stopped: every accepted update was processed and its replies sent.
    assert (first.status_code, second.status_code, third.status_code) == (200, 200, 200)
    assert [m.text.split("\n")[0] for m in bot_api.to(CHAT)] == ["Cara memakai layanan ini:"]


class _GatedEngine(Engine):
    """The real engine behind a gate: it starts handling only when the test opens the gate."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine.database, engine.registry)
        self.gate = asyncio.Event()
        self.entered = 0

    async def handle(self, inbound):  # type: ignore[no-untyped-def]
        """Counts the call, waits for the gate, then handles the message for real."""
        self.entered += 1
        await self.gate.wait()
        return await super().handle(inbound)


async def test_the_webhook_answers_before_the_engine_has_run(bot_api, database, engine):
    gated = _GatedEngine(engine)
    async with webhook(bot_api, database, gated) as hook:
        began = time.monotonic()
        response = await hook.post(tg.text(CHAT, "/menu") | {"update_id": 6})
        answered_in = time.monotonic() - began
        assert response.status_code == 200 and bot_api.sent == []
        await bot_api.wait_until(lambda: gated.entered == 1, what="the engine to be called")
        gated.gate.set()
        await bot_api.wait_until(lambda: len(bot_api.to(CHAT)) == 1, what="the menu")
    assert answered_in < 0.5


async def test_stopping_finishes_the_updates_in_flight(bot_api, database, engine):
    gated = _GatedEngine(engine)
    chats = range(6101, 6111)
    async with webhook(bot_api, database, gated) as hook:
        for n, chat in enumerate(chats):
            assert (await hook.post(tg.text(chat, "/menu") | {"update_id": 100 + n})).status_code == 200
        await bot_api.wait_until(lambda: gated.entered == len(chats), what="every update to reach the engine")
        assert bot_api.sent == []
        asyncio.get_running_loop().call_later(0.2, gated.gate.set)
        # Leaving the block runs the app's shutdown: the channel stops while all ten are still in the engine.
    assert sorted(m.chat_id for m in bot_api.sent) == list(chats)


async def test_a_failing_update_is_logged_with_its_id_and_never_its_text(bot_api, database, engine, caplog):
    class Broken(Engine):
        """An engine whose database is gone: every message fails with an error quoting it."""

        async def handle(self, inbound):  # type: ignore[no-untyped-def]
            """Fails."""
            raise RuntimeError("unavailable: " + str(inbound.text))

    async with webhook(bot_api, database, Broken(database, engine.registry)) as hook:
        response = await hook.post(tg.text(CHAT, "my secret NIK 6310020101900001") | {"update_id": 777})
    assert response.status_code == 200
    assert "telegram update failed update=777 error=RuntimeError" in caplog.text
    assert "6310020101900001" not in caplog.text  # the exception's message carried it; only its type is logged


def test_serve_switches_telegram_on_by_its_token_alone(bot_api, database, engine):
    on = enabled_channels(settings_for(bot_api, telegram_webhook_secret=None, public_url=None), database, engine)
    assert [channel.name for channel in on] == ["telegram"]
    assert "/telegram/webhook" in [route.path for route in create_app(database, on).routes]
    assert enabled_channels(Settings(), database, engine) == []


_ids = iter(range(10_000, 20_000))


def _next_id() -> int:
    return next(_ids)
