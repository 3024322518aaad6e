"""Two cadres registering the same NIK at the same moment end with exactly one worker."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from flows.engine import Engine
from flows.i18n import Translator
from flows.registry import default_registry
from storage.database import Database
from storage.models import AuditEvent, Worker
from tests.chat import Chat
from tests.factories import add_staff, position

ID = Translator("id")
NOW = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)  # before the wall clock: see test_register_transcripts.py
VILLAGE = "63.10.02.2003"
PHONES = ("+6281200000001", "+6281200000002")
ROUNDS = ("6310054508800001", "6310054508800002", "6310054101900003")


@pytest.fixture
def engine(database: Database) -> Engine:
    return Engine(database, default_registry(), clock=lambda: NOW)


async def add_cadres(database: Database) -> dict[str, int]:
    return {phone: await add_staff(database, phone, name=f"Kader {n}") for n, phone in enumerate(PHONES, start=1)}


async def to_the_summary(chat: Chat, nik: str) -> None:
    await chat.say("daftar")
    for text in ("setuju", nik, "Siti Aminah", "ya", "1", "lewati", "petani", "1jt", "desa", "1"):
        await chat.say(text)
    summary = await chat.say("lewati")
    assert f"1. NIK: {nik}" in summary.splitlines(), summary


async def test_two_cadres_confirming_the_same_nik_at_once_store_it_once(engine, database):
    cadre_ids = await add_cadres(database)
    chats = [Chat(engine, f"tg-{n}", channel="telegram", phone=phone) for n, phone in enumerate(PHONES)]

    for nik in ROUNDS:
        for chat in chats:
            await to_the_summary(chat, nik)  # the NIK is free while both are typing

        replies = await asyncio.gather(*(chat.say("ya") for chat in chats))

        async with database.transaction() as session:
            stored = list(await session.scalars(select(Worker).where(Worker.nik == nik)))
        assert len(stored) == 1, nik
        [worker] = stored
        assert worker.registration_number
        masked = f"NIK {nik[:6]}******{nik[12:]} baru saja didaftarkan oleh kader lain"
        winners = [n for n, text in enumerate(replies) if worker.registration_number in text]
        losers = [n for n, text in enumerate(replies) if text.startswith(masked)]
        assert len(winners) == 1 and len(losers) == 1 and winners != losers, replies
        assert worker.registered_by == cadre_ids[PHONES[winners[0]]]
        assert worker.registration_number not in replies[losers[0]]
        for chat in chats:
            assert await position(database, chat) == ("menu", "item")  # both back at the menu, nothing pending

    async with database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Worker)) == len(ROUNDS)
        registered = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "worker.registered")
        assert await session.scalar(registered) == len(ROUNDS)


async def test_the_second_cadre_typing_the_nik_after_the_first_saved_is_refused_at_once(engine, database):
    await add_cadres(database)
    first, second = (Chat(engine, f"tg-{n}", channel="telegram", phone=phone) for n, phone in enumerate(PHONES))
    await to_the_summary(first, ROUNDS[0])
    await first.say("ya")
    await second.say("daftar")
    await second.say("setuju")
    refused = await second.say(ROUNDS[0])
    assert refused.startswith("NIK 631005******0001 sudah terdaftar di desa Sungai Lembu")
    assert await position(database, second) == ("register", "nik")
