"""Logs keep no personal data, at any level and from any logger: with LOG_LEVEL=DEBUG configured as `kader` does,
a registration, a payment, a stranger's status check and both channels' webhooks (the real python-telegram-bot
client against the loopback Bot API, signed Twilio posts, replies sent through the Twilio REST client) write not one
NIK, name, phone, birth date, income, typed text or secret, on SQLite and on PostgreSQL."""

from __future__ import annotations

import io
import itertools
import logging
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.cli import main
from bot.logs import LIBRARY_LOGGERS, KaderHandler, configure_logging
from bot.settings import Settings
from bot.web import create_app
from bot.whatsapp.channel import WhatsAppChannel
from flows.engine import Engine
from flows.registry import default_registry
from storage.database import Database
from storage.models import Payment, Worker
from tests.bot.logging_state import logging_kept
from tests.bot.telegram import tg
from tests.bot.telegram.fake_bot_api import FakeBotAPI, serve_on_loopback
from tests.bot.telegram.harness import SECRET, webhook
from tests.bot.whatsapp.fake_twilio import FakeTwilio
from tests.bot.whatsapp.phone import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_URL,
    SENDER,
    TWILIO_CLIENT_WARNINGS,
    Phone,
    message_sid,
    sign,
)
from tests.chat import Chat
from tests.factories import add_staff

pytestmark = TWILIO_CLIENT_WARNINGS

VILLAGE = "63.10.02.2003"
CADRE_PHONE = "+6281200000001"
NIK = "6310054508800001"  # Siti Aminah, born 5 August 1980
NAME = "Siti Aminah"
WORKER_PHONE = "+6281234567803"
STRANGER_PHONE = "+6281399990001"
TELEGRAM_CHAT = 7301
RECEIPT = "KW-LOG-0042"
TYPED_SECRET = "kata rahasia kelinci"  # a message nobody's log should repeat

# Every form in which the values above could leak (case-insensitive).
PERSONAL = (
    NIK,
    "6310 0545 0880 0001",
    "6310-0545-0880-0001",
    NAME,
    "Aminah",
    "Rina Wati",  # the cadre's name
    WORKER_PHONE,
    "81234567803",
    "0812-3456-7803",
    "0812 3456 7803",
    "81200000001",
    "81399990001",
    "1980-08-05",
    "05-08-1980",
    "05081980",
    "5 Agustus 1980",
    "05/08/1980",
    "1000000",
    "1.000.000",
    "1jt",
    "1 juta",
    "petani",
    RECEIPT,
    TYPED_SECRET,
    "Pemberitahuan privasi",  # the bot's own texts are message text too
    "Tercatat",
)


@pytest.fixture(scope="module")
def bot_api_server() -> Iterator[FakeBotAPI]:
    """A loopback Bot API of this module's own."""
    api = FakeBotAPI()
    with serve_on_loopback(api.app()) as port:
        api.port = port
        yield api


@pytest.fixture(scope="module")
def twilio_api() -> Iterator[FakeTwilio]:
    """A loopback Twilio Messages API of this module's own."""
    fake = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def bot_api(bot_api_server: FakeBotAPI) -> Iterator[FakeBotAPI]:
    """The Bot API with nothing recorded."""
    bot_api_server.reset()
    yield bot_api_server
    bot_api_server.reset()


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """Puts the logging configuration back as it was, whatever the test configured."""
    with logging_kept():
        yield


def environment(bot_api: FakeBotAPI, twilio_api: FakeTwilio, database_url: str) -> dict[str, str]:
    """What a deployment with both channels sets, at LOG_LEVEL=DEBUG."""
    return {
        "LOG_LEVEL": "DEBUG",
        "DATABASE_URL": database_url,
        "PUBLIC_URL": PUBLIC_URL,
        "TELEGRAM_BOT_TOKEN": bot_api.token,
        "TELEGRAM_API_URL": bot_api.base_url,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": SENDER,
        "TWILIO_API_URL": twilio_api.url,
    }


def leaks(text: str, values: tuple[str, ...]) -> list[str]:
    """The values found in the text, case-insensitively."""
    lowered = text.lower()
    return [value for value in values if value.lower() in lowered]


# -- the conversations --------------------------------------------------------------------------------------


async def register_and_pay(engine: Engine, database: Database) -> None:
    """A cadre registers Siti (consent first), records a month's payment; a stranger checks her status."""
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    cadre = Chat(engine, "tg-cadre-log", channel="telegram", phone=CADRE_PHONE)
    answers = [
        "daftar",
        "1",  # consent
        "6310 0545 0880 0001",
        "siti aminah",
        "05-08-1980",
        "ya",
        "1",  # sex
        "0812-3456-7803",
        "petani",
        "1jt",
        "desa",
        "1",  # JKK + JKM
        "lewati",  # no heir
        "ya",  # the summary
    ]
    for text in answers:
        await cadre.say(text)
    async with database.transaction() as session:
        worker = await session.scalar(select(Worker).where(Worker.nik == NIK))
    assert worker is not None, cadre.render(cadre.last)
    assert worker.name == NAME

    for text in ("bayar", NIK, "1", "ya", RECEIPT, "ya"):
        await cadre.say(text)
    async with database.transaction() as session:
        assert await session.scalar(select(Payment).where(Payment.reference == RECEIPT)) is not None

    stranger = Chat(engine, f"whatsapp:{STRANGER_PHONE}", channel="whatsapp", phone=STRANGER_PHONE)
    for text in (TYPED_SECRET, "status", NIK, "05081980", "menu"):
        await stranger.say(text)


async def over_telegram(bot_api: FakeBotAPI, database: Database, engine: Engine) -> None:
    """The worker's status check by NIK and birth date through the webhook, and her own number shared."""
    update_ids = itertools.count(90_000)
    async with webhook(bot_api, database, engine) as hook:

        async def send(update: dict[str, Any]) -> None:
            before = len(bot_api.to(TELEGRAM_CHAT))
            response = await hook.post(update | {"update_id": next(update_ids)})
            assert response.status_code == 200
            await bot_api.wait_until(lambda: len(bot_api.to(TELEGRAM_CHAT)) > before, what="an answer")

        for text in ("/start", TYPED_SECRET, "status", "6310-0545-0880-0001", "5 Agustus 1980"):
            await send(tg.text(TELEGRAM_CHAT, text))
        await send(tg.contact(TELEGRAM_CHAT, "0812-3456-7803", owner=TELEGRAM_CHAT))
        refused = await hook.post(tg.text(TELEGRAM_CHAT, NIK) | {"update_id": 1}, secret="wrong")
        assert refused.status_code == 403
    assert any(NAME in message.text for message in bot_api.to(TELEGRAM_CHAT))  # her card reached her


async def over_whatsapp(settings: Settings, database: Database, engine: Engine, twilio_api: FakeTwilio) -> None:
    """The worker asks for her card by TwiML, then again with replies sent through the REST client; statuses."""
    for budget in (5.0, 0.0):  # 0: every reply goes through Twilio's REST client (which logs request bodies)
        channel = WhatsAppChannel(settings, database, engine, reply_budget=budget)
        await channel.start()
        app = create_app(database, [channel])
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://10.0.0.5:8000")
        try:
            phone = Phone(client, WORKER_PHONE)
            for text in (TYPED_SECRET, "status"):
                response = await phone.post(phone.form(text))
                assert response.status_code == 200
            assert await channel.wait_idle(10)
        finally:
            await client.aclose()
            await channel.stop()
        if budget == 0.0:
            assert twilio_api.sent, "the REST client sent the replies"
            status = {"MessageSid": twilio_api.sent[-1].sid, "MessageStatus": "delivered", "To": SENDER}
            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://10.0.0.5:8000")
            async with client:
                response = await client.post(
                    "/whatsapp/status", data=status, headers={"X-Twilio-Signature": sign("/whatsapp/status", status)}
                )
                assert response.status_code == 200
                forged = {"MessageSid": message_sid(), "From": f"whatsapp:{WORKER_PHONE}", "Body": NAME}
                response = await client.post("/whatsapp/inbound", data=forged, headers={"X-Twilio-Signature": "x"})
                assert response.status_code == 403


# -- the test -----------------------------------------------------------------------------------------------


async def test_nothing_personal_or_secret_reaches_the_logs_at_debug(
    bot_api, twilio_api, database, database_url, restored_logging
):
    twilio_api.reset()
    settings = Settings.from_env(environment(bot_api, twilio_api, database_url))
    captured = io.StringIO()
    handler = configure_logging(settings, stream=captured)  # what `kader` does for every command, into a buffer
    assert handler.level == logging.DEBUG and logging.getLogger("kader.web").isEnabledFor(logging.DEBUG)

    engine = Engine(database, default_registry())
    await register_and_pay(engine, database)
    await over_telegram(bot_api, database, engine)
    await over_whatsapp(settings, database, engine, twilio_api)

    output = captured.getvalue()
    secrets = (bot_api.token, AUTH_TOKEN, SECRET, bot_api.token.split(":")[1])
    assert leaks(output, PERSONAL + secrets) == [], output
    # Not an empty capture: kader's own lines below WARNING were written, and so was the refused webhook.
    assert re.search(r"^INFO kader\.whatsapp inbound sid=", output, re.MULTILINE), output
    assert re.search(r"^INFO kader\.telegram telegram started", output, re.MULTILINE), output
    assert "WARNING kader.telegram telegram webhook refused: wrong secret" in output
    assert "WARNING kader.whatsapp refused /whatsapp/inbound" in output
    # And no library wrote below WARNING (their DEBUG and INFO lines carry SQL parameters, URLs and bodies).
    library_lines = [line for line in output.splitlines() if re.match(r"(DEBUG|INFO) (?!kader\.)\S+ ", line)]
    assert library_lines == []


def test_every_kader_command_configures_private_logging(tmp_path, monkeypatch, capsys, restored_logging):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert main(["village", "search", "sungai lembu"]) == 0
    (handler,) = [h for h in logging.getLogger().handlers if isinstance(h, KaderHandler)]
    assert logging.getLogger("kader").getEffectiveLevel() == logging.DEBUG
    for name in LIBRARY_LOGGERS:
        assert logging.getLogger(name).getEffectiveLevel() >= logging.WARNING, name
    logging.getLogger("aiosqlite").warning("executing %s with %s", "INSERT", ("6310054508800001", "+6281234567803"))
    logging.getLogger("aiosqlite").debug("never written")
    err = capsys.readouterr().err
    assert "WARNING aiosqlite executing INSERT with ('[nik]', '[phone]')" in err
    assert "never written" not in err and handler.filters
