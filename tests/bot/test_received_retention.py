"""RECEIVED_RETENTION_DAYS: validated like every setting, and applied by `kader serve` when it starts."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.settings import Settings
from storage import received_messages
from storage.models import ReceivedMessage
from storage.types import utcnow

KADER = Path(sys.executable).with_name("kader")


def test_the_retention_is_14_days_unless_set_and_must_be_1_to_3650():
    assert Settings.from_env({}).received_retention_days == 14
    assert Settings.from_env({"RECEIVED_RETENTION_DAYS": "30"}).received_retention_days == 30
    for wrong in ("0", "3651", "-1", "2.5", "dua"):
        with pytest.raises(
            ValueError, match=f"RECEIVED_RETENTION_DAYS must be a whole number from 1 to 3650, not '{wrong}'"
        ):
            Settings.from_env({"RECEIVED_RETENTION_DAYS": wrong})


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_kader_serve_prunes_received_ids_past_the_retention_when_it_starts(database, database_url):
    async with database.transaction() as session:
        for channel, key, days_ago in (
            ("telegram", "tg:1:m:1:1", 15),
            ("whatsapp", "SM-old", 40),
            ("whatsapp", "SM-new", 13),
        ):
            await received_messages.record_received(session, channel, key, None)
            await session.execute(
                update(ReceivedMessage)
                .where(ReceivedMessage.external_id == key)
                .values(received_at=utcnow() - timedelta(days=days_ago))
            )
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TELEGRAM_", "TWILIO_", "DATABASE"))}
    env |= {"DATABASE_URL": database_url, "LOG_LEVEL": "INFO"}
    env.pop("RECEIVED_RETENTION_DAYS", None)  # the default, 14 days
    port = str(_free_port())
    process = await asyncio.create_subprocess_exec(
        str(KADER), "serve", "--port", port, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    seen = ""
    try:
        while "serving on" not in seen:
            line = await asyncio.wait_for(process.stderr.readline(), timeout=15)
            assert line, f"kader serve ended before serving; it printed: {seen!r}"
            seen += line.decode()
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=15)
    assert "received ids pruned count=2 older_than_days=14" in seen
    async with database.transaction() as session:
        assert list(await session.scalars(select(ReceivedMessage.external_id))) == ["SM-new"]
