"""The loopback Bot API every Telegram test talks to."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.bot.telegram.fake_bot_api import FakeBotAPI, serve_on_loopback


@pytest.fixture(scope="session")
def _served_bot_api() -> Iterator[FakeBotAPI]:
    """One fake Bot API under uvicorn on 127.0.0.1 and a free port for the session, stopped at its end."""
    api = FakeBotAPI()
    with serve_on_loopback(api.app()) as port:
        api.port = port
        yield api


@pytest.fixture
def bot_api(_served_bot_api: FakeBotAPI) -> Iterator[FakeBotAPI]:
    """The fake Bot API with nothing recorded or arranged yet."""
    _served_bot_api.reset()
    yield _served_bot_api
    _served_bot_api.reset()
