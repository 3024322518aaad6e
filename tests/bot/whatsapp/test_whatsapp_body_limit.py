"""Twilio's webhooks read no more than MAX_REQUEST_BYTES: a body declared or streamed over the cap is refused with
413 before the signature check reads it (or as soon as the cap is passed), even when correctly signed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from urllib.parse import urlencode

import pytest

from bot.settings import Settings
from tests.bot.whatsapp.phone import TWILIO_CLIENT_WARNINGS, Phone, message_sid, sign

pytestmark = TWILIO_CLIENT_WARNINGS

CHUNK = 64 * 1024
MB = 1024 * 1024
FORM_TYPE = {"Content-Type": "application/x-www-form-urlencoded"}


class CountedBody:
    """Bytes handed out chunk by chunk, counting how many chunks the server pulled."""

    def __init__(self, data: bytes, chunk: int = CHUNK) -> None:
        self.data = data
        self.chunk = chunk
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.data), self.chunk):
            self.pulled += 1
            yield self.data[start : start + self.chunk]


def signed_big_form(phone: Phone, path: str, size: int) -> tuple[bytes, str]:
    """A form of about `size` bytes and its correct X-Twilio-Signature."""
    form = phone.form("x" * size) if path == "/whatsapp/inbound" else {"MessageSid": message_sid(), "X": "x" * size}
    return urlencode(form).encode(), sign(path, form)


@pytest.mark.parametrize("path", ["/whatsapp/inbound", "/whatsapp/status"])
async def test_fifty_megabytes_correctly_signed_and_streamed_are_refused_after_the_cap(channel_client, path, caplog):
    _channel, client = channel_client
    phone = Phone(client)
    data, signature = signed_big_form(phone, path, 50 * MB)
    body = CountedBody(data)
    response = await client.post(path, content=body, headers=FORM_TYPE | {"X-Twilio-Signature": signature})
    assert response.status_code == 413
    assert body.pulled <= 256 * 1024 // CHUNK + 1, body.pulled
    assert f"refused {path}: request body over 262144 bytes" in caplog.text
    assert "xxxx" not in caplog.text
    # A normal message still gets its answer.
    assert "Silakan pilih layanan" in await phone.say("menu")


@pytest.mark.parametrize("path", ["/whatsapp/inbound", "/whatsapp/status"])
async def test_fifty_megabytes_declared_are_refused_before_a_byte_is_read(channel_client, path):
    _channel, client = channel_client
    data, signature = signed_big_form(Phone(client), path, 50 * MB)
    body = CountedBody(data)
    headers = FORM_TYPE | {"X-Twilio-Signature": signature, "Content-Length": str(len(data))}
    response = await client.post(path, content=body, headers=headers)
    assert response.status_code == 413
    assert body.pulled == 0


async def test_a_big_unsigned_body_is_refused_unread(channel_client):
    _channel, client = channel_client
    body = CountedBody(b"x" * (50 * MB))
    response = await client.post("/whatsapp/inbound", content=body, headers=FORM_TYPE)
    assert response.status_code == 403
    assert body.pulled == 0


async def test_the_cap_is_max_request_bytes(make_channel, settings: Settings, fake_twilio):
    _channel, client = await make_channel(settings=replace(settings, max_request_bytes=2000))
    phone = Phone(client)
    assert (await phone.post(phone.form("y" * 3000))).status_code == 413
    assert "Silakan pilih layanan" in await phone.say("menu")
    assert fake_twilio.requests == []
