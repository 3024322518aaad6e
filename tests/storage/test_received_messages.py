"""Received message ids: a redelivery recognised, keys bounded by the column, old ids pruned and recent ones kept."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot import cli
from storage import contacts, received_messages
from storage.models import ReceivedMessage
from storage.received_messages import MAX_EXTERNAL_ID
from storage.types import utcnow


async def _received(database, channel: str, external_id: str, days_ago: float) -> None:
    """Records an id as if it had been received `days_ago` days ago."""
    async with database.transaction() as session:
        assert await received_messages.record_received(session, channel, external_id, None) is True
        await session.execute(
            update(ReceivedMessage)
            .where(ReceivedMessage.channel == channel, ReceivedMessage.external_id == external_id)
            .values(received_at=utcnow() - timedelta(days=days_ago))
        )


async def _ids(database) -> list[tuple[str, str]]:
    async with database.transaction() as session:
        rows = await session.execute(select(ReceivedMessage.channel, ReceivedMessage.external_id))
        return sorted(tuple(row) for row in rows)


async def test_a_redelivery_is_recognised_per_channel(database):
    async with database.transaction() as session:
        contact = await contacts.get_or_create_contact(session, "telegram", "1001")
        assert await received_messages.record_received(session, "telegram", "tg:1:m:1001:7", contact.id) is True
        assert await received_messages.record_received(session, "telegram", "tg:1:m:1001:7", contact.id) is False
        assert await received_messages.record_received(session, "telegram", "tg:2:m:1001:7", contact.id) is True
        assert await received_messages.record_received(session, "whatsapp", "tg:1:m:1001:7", None) is True


async def test_a_key_as_wide_as_the_column_is_kept_whole_and_a_wider_one_refused(database):
    widest = "tg:9223372036854775807:q:" + "9" * (MAX_EXTERNAL_ID - 25)
    assert len(widest) == MAX_EXTERNAL_ID
    async with database.transaction() as session:
        assert await received_messages.record_received(session, "telegram", widest, None) is True
        assert await received_messages.record_received(session, "telegram", widest, None) is False
        with pytest.raises(ValueError, match="101 characters"):
            await received_messages.record_received(session, "telegram", widest + "9", None)
    assert await _ids(database) == [("telegram", widest)]


async def test_ids_older_than_the_cut_off_are_pruned_and_recent_ones_kept(database):
    await _received(database, "telegram", "tg:1:m:10:1", days_ago=30)
    await _received(database, "telegram", "tg:1:q:4411", days_ago=14.01)
    await _received(database, "whatsapp", "SM" + "a" * 32, days_ago=20)
    await _received(database, "telegram", "tg:1:m:10:2", days_ago=13.99)
    await _received(database, "whatsapp", "SM" + "b" * 32, days_ago=0)
    async with database.transaction() as session:
        assert await received_messages.prune_received(session, utcnow() - timedelta(days=14)) == 3
    assert await _ids(database) == [("telegram", "tg:1:m:10:2"), ("whatsapp", "SM" + "b" * 32)]
    async with database.transaction() as session:
        assert await received_messages.prune_received(session, utcnow() - timedelta(days=14)) == 0
        # A recent id is still a redelivery; a pruned one is simply forgotten.
        assert await received_messages.record_received(session, "telegram", "tg:1:m:10:2", None) is False
        assert await received_messages.record_received(session, "telegram", "tg:1:m:10:1", None) is True


async def _kader(*argv: str) -> int:
    return await asyncio.to_thread(cli.main, list(argv))


async def test_the_command_prunes_by_the_setting_or_by_days_and_prints_the_count(
    database, database_url, capsys, monkeypatch
):
    for days_ago in (40, 20, 10, 3, 0):
        await _received(database, "telegram", f"tg:1:m:10:{days_ago}", days_ago=days_ago + 0.01)
    monkeypatch.setenv("RECEIVED_RETENTION_DAYS", "30")
    assert await _kader("db", "prune-received", "--database", database_url) == 0
    assert capsys.readouterr().out == "pruned 1 received message id older than 30 days\n"
    monkeypatch.delenv("RECEIVED_RETENTION_DAYS")
    assert await _kader("db", "prune-received", "--database", database_url) == 0
    assert capsys.readouterr().out == "pruned 1 received message id older than 14 days\n"
    assert await _kader("db", "prune-received", "--days", "2", "--database", database_url) == 0
    assert capsys.readouterr().out == "pruned 2 received message ids older than 2 days\n"
    assert [external_id for _, external_id in await _ids(database)] == ["tg:1:m:10:0"]


@pytest.mark.parametrize("days", ["0", "-3", "two", "3651"])
def test_the_command_refuses_days_that_are_not_1_to_3650(days, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["db", "prune-received", "--days", days])
    assert exited.value.code == 2
    assert f"must be a whole number from 1 to 3650, not {days!r}" in capsys.readouterr().err
