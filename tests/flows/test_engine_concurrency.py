"""Messages arriving at once: one person's in order, different people in parallel, first contact once."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from flows.engine import Engine
from flows.menu import menu_flow
from flows.model import Context, Flow, Outcome, Registry, Step
from storage import audit
from storage.database import Database
from storage.models import Contact, Conversation
from tests.chat import Chat
from tests.factories import add_messages

MESSAGES = {
    "catat.title": "Catatan",
    "catat.isi.ask": "Tulis catatan:",
    "catat.ok": "Catatan ke-{n}: {text}",
}


@pytest.fixture(autouse=True)
def test_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    add_messages(monkeypatch, MESSAGES)


async def _record(ctx: Context) -> Outcome:
    """Records the text as an audit event, says how many this contact has, and asks again."""
    text = str(ctx.answers["isi"])
    await audit.record_event(ctx.session, "catat", contact_id=ctx.contact.id, details={"text": text})
    mine = [e for e in await audit.events(ctx.session, "catat") if e.actor_contact_id == ctx.contact.id]
    return Outcome(texts=[ctx.t("catat.ok", n=len(mine), text=text)], then="catat")


CATAT = Flow(name="catat", title="catat.title", steps=(Step("isi", "catat.isi.ask"),), complete=_record)


def registry() -> Registry:
    reg = Registry()
    reg.add(menu_flow())
    reg.add(CATAT, "catat")
    return reg


@pytest.fixture
def bot(database: Database) -> Engine:
    return Engine(database, registry())


async def recorded(database: Database) -> list[tuple[int | None, str]]:
    async with database.transaction() as session:
        return [(e.actor_contact_id, e.details["text"]) for e in await audit.events(session, "catat")]


async def test_one_persons_messages_sent_at_once_are_handled_in_send_order(bot, database):
    chat = Chat(bot, "+6281300000301")
    assert "Tulis catatan:" in await chat.say("catat")
    texts = [f"pesan {n:02d}" for n in range(30)]

    results = await asyncio.gather(*(chat.send(text) for text in texts))

    assert [text for _, text in await recorded(database)] == texts
    for n, (text, replies) in enumerate(zip(texts, results, strict=True), start=1):
        assert replies[0].text == f"Catatan ke-{n}: {text}"  # each saw exactly the ones before it
        assert replies[1].text == "Tulis catatan:"


async def test_twenty_people_at_once_each_get_their_own_replies(bot, database):
    chats = [Chat(bot, f"+62813000004{n:02d}") for n in range(20)]
    await asyncio.gather(*(chat.send("/catat") for chat in chats))

    results = await asyncio.gather(*(chat.send(f"dari {chat.address}") for chat in chats))

    for chat, replies in zip(chats, results, strict=True):
        assert [r.text for r in replies] == [f"Catatan ke-1: dari {chat.address}", "Tulis catatan:"]
    async with database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Contact)) == 20
        steps = (await session.execute(select(Conversation.flow, Conversation.step))).all()
        assert sorted(steps) == [("catat", "isi")] * 20
    by_contact = await recorded(database)
    assert len({contact for contact, _ in by_contact}) == 20


async def test_twenty_people_opening_the_menu_at_once(bot):
    chats = [Chat(bot, f"tg-{n}", channel="telegram") for n in range(20)]
    results = await asyncio.gather(*(chat.send("menu") for chat in chats))
    assert all(replies and replies[0].options for replies in results)
    assert len({id(replies[0]) for replies in results}) == 20


async def test_a_new_contact_writing_twice_at_once_is_created_once(bot, database):
    chat = Chat(bot, "+6281300000501")
    results = await asyncio.gather(chat.send("halo"), chat.send("menu"), chat.send("catat"))
    assert all(results)
    async with database.transaction() as session:
        count = select(func.count()).select_from(Contact).where(Contact.address == chat.address)
        assert await session.scalar(count) == 1


async def test_a_new_contact_reaching_several_processes_at_once_is_created_once(database):
    """Engines with separate in-process locks stand for separate web processes sharing one database."""
    engines = [Engine(database, registry()) for _ in range(6)]
    address = "+6281300000502"
    results = await asyncio.gather(*(Chat(engine, address).send("menu") for engine in engines))
    assert all(replies and replies[-1].options for replies in results)
    async with database.transaction() as session:
        contacts = select(func.count()).select_from(Contact).where(Contact.address == address)
        assert await session.scalar(contacts) == 1
        assert await session.scalar(select(func.count()).select_from(Conversation)) == 1


async def test_the_per_contact_locks_are_released_after_use(bot):
    chats = [Chat(bot, f"+62813000006{n:02d}") for n in range(10)]
    await asyncio.gather(*(chat.send("menu") for chat in chats for _ in range(3)))
    assert len(bot._locks) == 0
