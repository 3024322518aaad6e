"""`POST /telegram/webhook` reads no more than MAX_REQUEST_BYTES: a body declared or streamed over the cap is refused
with 413 before it is read (or as soon as the cap is passed), and a normal update still goes through."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from tests.bot.telegram import tg
from tests.bot.telegram.harness import SECRET, webhook

CHAT = 6101
CHUNK = 64 * 1024
MB = 1024 * 1024


class CountedBody:
    """A request body produced chunk by chunk, counting how many chunks the server pulled."""

    def __init__(self, total: int, chunk: int = CHUNK) -> None:
        self.total = total
        self.chunk = chunk
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        sent = 0
        while sent < self.total:
            size = min(self.chunk, self.total - sent)
            self.pulled += 1
            sent += size
            yield b" " * size


def headers(secret: str | None = SECRET, length: int | None = None) -> dict[str, str]:
    values = {"Content-Type": "application/json"}
    if secret is not None:
        values["X-Telegram-Bot-Api-Secret-Token"] = secret
    if length is not None:
        values["Content-Length"] = str(length)
    return values


async def test_an_update_of_ten_megabytes_with_the_right_secret_is_refused(bot_api, database, engine, caplog):
    update = tg.text(CHAT, "x" * (10 * MB)) | {"update_id": 1}
    async with webhook(bot_api, database, engine) as hook:
        response = await hook.client.post("/telegram/webhook", content=json.dumps(update), headers=headers())
        assert response.status_code == 413
        # The webhook still serves a normal update.
        normal = await hook.post(tg.text(CHAT, "/menu") | {"update_id": 2})
        assert normal.status_code == 200
        await bot_api.wait_until(lambda: len(bot_api.to(CHAT)) == 1, what="the menu")
    assert "Silakan pilih layanan" in bot_api.to(CHAT)[0].text
    assert "request body over 262144 bytes" in caplog.text and "xxxx" not in caplog.text


async def test_fifty_megabytes_streamed_without_a_length_are_refused_after_the_cap_unread(bot_api, database, engine):
    body = CountedBody(50 * MB)
    async with webhook(bot_api, database, engine) as hook:
        response = await hook.client.post("/telegram/webhook", content=body, headers=headers())
    assert response.status_code == 413
    # 256 KiB is four chunks of 64 KiB: the fifth passes the cap, and nothing after it is pulled.
    assert body.pulled <= 256 * 1024 // CHUNK + 1, body.pulled
    assert bot_api.sent == []


async def test_fifty_megabytes_declared_are_refused_before_a_byte_is_read(bot_api, database, engine):
    body = CountedBody(50 * MB)
    async with webhook(bot_api, database, engine) as hook:
        response = await hook.client.post("/telegram/webhook", content=body, headers=headers(length=50 * MB))
    assert response.status_code == 413
    assert body.pulled == 0


async def test_a_big_body_with_a_wrong_secret_is_refused_unread(bot_api, database, engine):
    body = CountedBody(50 * MB)
    async with webhook(bot_api, database, engine) as hook:
        response = await hook.client.post("/telegram/webhook", content=body, headers=headers(secret="wrong"))
    assert response.status_code == 403
    assert body.pulled == 0


async def test_the_cap_is_max_request_bytes(bot_api, database, engine):
    small = tg.text(CHAT, "/menu") | {"update_id": 3}
    large = tg.text(CHAT, "y" * 2000) | {"update_id": 4}
    async with webhook(bot_api, database, engine, max_request_bytes=1000) as hook:
        assert len(json.dumps(small)) < 1000 < len(json.dumps(large))
        assert (await hook.post(large)).status_code == 413
        assert (await hook.post(small)).status_code == 200
        await bot_api.wait_until(lambda: len(bot_api.to(CHAT)) == 1, what="the menu")
    assert len(bot_api.to(CHAT)) == 1  # the large one was never handled
