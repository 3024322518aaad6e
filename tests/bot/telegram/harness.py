"""Running the real Telegram channel in a test: by polling against the fake, or behind the web app."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from bot.settings import Settings
from bot.telegram.channel import TelegramChannel
from bot.telegram.sender import SendLimits
from bot.web import create_app
from flows.engine import Engine
from storage.database import Database
from tests.bot.telegram.fake_bot_api import FakeBotAPI

SECRET = "s3cret-Token_for-tests"
PUBLIC_URL = "https://kader.example.org"
# Conversation tests press buttons faster than a person: pacing would only slow them down.
FAST = SendLimits(overall_per_second=1000, chat_rate=100, chat_burst=100, backoff=0.05)


def settings_for(api: FakeBotAPI, **overrides: Any) -> Settings:
    """Settings pointing at the fake Bot API, with a webhook secret and a public URL."""
    values: dict[str, Any] = {
        "telegram_bot_token": api.token,
        "telegram_api_url": api.base_url,
        "telegram_webhook_secret": SECRET,
        "public_url": PUBLIC_URL,
    }
    return Settings(**(values | overrides))


@contextlib.asynccontextmanager
async def polling(channel: TelegramChannel, *, drop_pending: bool = False) -> AsyncIterator[TelegramChannel]:
    """Runs `channel.poll()` in a task until the block ends, then stops it (bounded)."""
    stop = asyncio.Event()
    ready = asyncio.Event()
    task = asyncio.create_task(channel.poll(stop, drop_pending=drop_pending, on_ready=lambda _name: ready.set()))
    try:
        deadline = time.monotonic() + 5
        while not ready.is_set():
            if task.done():
                task.result()  # raises what went wrong
                raise AssertionError("polling ended before it was ready")
            assert time.monotonic() < deadline, "polling did not start within 5 s"
            await asyncio.sleep(0.01)
        yield channel
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)


@dataclass
class Webhook:
    """The web app with the Telegram channel, and a client posting to it."""

    channel: TelegramChannel
    client: httpx.AsyncClient

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> httpx.Response:
        """Posts one update as Telegram would, with the secret header unless None."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        return await self.client.post("/telegram/webhook", json=update, headers=headers)


@contextlib.asynccontextmanager
async def webhook(
    api: FakeBotAPI,
    database: Database,
    engine: Engine,
    *,
    limits: SendLimits | None = FAST,
    **overrides: Any,
) -> AsyncIterator[Webhook]:
    """`create_app` with the channel, its lifespan run (start, then stop), and an in-process HTTP client."""
    channel = TelegramChannel(settings_for(api, **overrides), database, engine, limits=limits)
    app = create_app(database, [channel])
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kader.test") as client:
            yield Webhook(channel, client)
