"""WhatsApp fixtures: the loopback Twilio API, the channel in the web app, and a phone that posts signed forms."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime

import httpx
import pytest

from bot.settings import Settings
from bot.web import create_app
from bot.whatsapp.channel import WhatsAppChannel
from flows.engine import Engine
from flows.registry import default_registry
from storage.database import Database
from tests.bot.whatsapp.fake_twilio import FakeTwilio
from tests.bot.whatsapp.phone import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, SENDER, TEMPLATE_SID, Phone
from tests.factories import Clock


@pytest.fixture(scope="session")
def twilio_server() -> Iterator[FakeTwilio]:
    """The loopback Messages API, served once for the session (its own thread and event loop)."""
    fake = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_twilio(twilio_server: FakeTwilio) -> Iterator[FakeTwilio]:
    """The loopback Messages API with no requests recorded and no failures queued."""
    twilio_server.reset()
    yield twilio_server
    twilio_server.reset()


@pytest.fixture
def engine(database: Database) -> Engine:
    """The engine as `kader serve` builds it for WhatsApp: each turn's replies kept until Twilio took them."""
    return Engine(database, default_registry(), keep_replies=True)


@pytest.fixture
def clock() -> Clock:
    """The channel's clock (inbound times and the 24-hour window)."""
    return Clock(datetime(2026, 8, 5, 2, 0, tzinfo=UTC))


@pytest.fixture
def settings(fake_twilio: FakeTwilio) -> Settings:
    """Complete Twilio settings pointing at the fake, with a template for the kind `reminder`."""
    return Settings(
        public_url=PUBLIC_URL,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_whatsapp_from=SENDER,
        twilio_api_url=fake_twilio.url,
        twilio_templates={"reminder": TEMPLATE_SID},
    )


ChannelFactory = Callable[..., Awaitable[tuple[WhatsAppChannel, httpx.AsyncClient]]]


@pytest.fixture
async def make_channel(
    settings: Settings, database: Database, engine: Engine, clock: Clock
) -> AsyncIterator[ChannelFactory]:
    """Builds a started channel inside the web app, and an HTTP client for it; everything is stopped after."""
    opened: list[tuple[WhatsAppChannel, httpx.AsyncClient]] = []

    async def make(**options: object) -> tuple[WhatsAppChannel, httpx.AsyncClient]:
        chosen_settings = options.pop("settings", settings)
        chosen_engine = options.pop("engine", engine)
        channel = WhatsAppChannel(chosen_settings, database, chosen_engine, clock=clock, **options)  # type: ignore[arg-type]
        await channel.start()
        app = create_app(database, [channel])
        # The app sees http://10.0.0.5:8000 (behind the proxy); Twilio signed https://kader.example.org.
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://10.0.0.5:8000")
        opened.append((channel, client))
        return channel, client

    yield make
    for channel, client in opened:
        await client.aclose()
        await channel.stop()


@pytest.fixture
async def channel_client(make_channel: ChannelFactory) -> tuple[WhatsAppChannel, httpx.AsyncClient]:
    """The channel with the default engine and reply budget, and its client."""
    return await make_channel()


@pytest.fixture
def channel(channel_client: tuple[WhatsAppChannel, httpx.AsyncClient]) -> WhatsAppChannel:
    """The channel under test."""
    return channel_client[0]


@pytest.fixture
def phone(channel_client: tuple[WhatsAppChannel, httpx.AsyncClient]) -> Phone:
    """The WhatsApp user +6281234567801, posting signed webhooks to the app."""
    return Phone(channel_client[1])
