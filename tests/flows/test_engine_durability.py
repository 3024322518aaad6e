"""A turn marks its inbox row handled and keeps its replies in the outbox, both in its own transaction, so that a
crash between the commit and the send loses neither the message nor the answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import select

from flows.engine import Engine
from flows.i18n import Translator
from flows.registry import default_registry
from flows.turn import Inbound, reply_from_document
from storage import inbox, outbox
from storage.database import Database
from storage.models import InboxMessage, OutboundMessage

ID = Translator("id")
ADDRESS = "4242"


async def stored_inbound(database: Database, external_id: str, text: str) -> Inbound:
    async with database.transaction() as session:
        row = await inbox.store(session, "telegram", external_id, ADDRESS, {"text": text})
    return Inbound(channel="telegram", address=ADDRESS, text=text, message_id=external_id, inbox_id=row.id)


async def rows(database: Database) -> tuple[list[InboxMessage], list[OutboundMessage]]:
    async with database.transaction() as session:
        inbox_rows = list(await session.scalars(select(InboxMessage).order_by(InboxMessage.id)))
        replies = list(await session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))
        return inbox_rows, replies


async def test_a_turn_marks_its_inbox_row_handled_and_keeps_its_replies_until_sent(database: Database):
    engine = Engine(database, default_registry(), keep_replies=True)
    inbound = await stored_inbound(database, "tg:1:m:4242:1", "menu")
    assert (await rows(database))[0][0].handled_at is None

    replies = await engine.handle(inbound)

    (row,), kept = await rows(database)
    assert row.handled_at is not None and row.attempts == 1
    assert [r.outbox_id for r in replies] == [m.id for m in kept]
    assert all(m.kind == outbox.REPLY and m.status == outbox.PENDING for m in kept)
    assert [m.body for m in kept] == [r.text for r in replies]
    assert [reply_from_document(m.variables, m.id) for m in kept] == replies  # buttons and all, as sent
    async with database.transaction() as session:
        pending = await outbox.pending_replies(session, "telegram")
        assert [(m.id, c.address) for m, c in pending] == [(m.id, ADDRESS) for m in kept]
        assert await outbox.replies_sent(session, [m.id for m in kept]) == len(kept)
        assert await outbox.pending_replies(session, "telegram") == []


async def test_a_redelivered_message_marks_its_new_inbox_row_handled_and_keeps_no_reply(database: Database):
    engine = Engine(database, default_registry(), keep_replies=True)
    first = await stored_inbound(database, "tg:1:m:4242:7", "menu")
    answered = await engine.handle(first)
    async with database.transaction() as session:
        await outbox.replies_sent(session, [r.outbox_id for r in answered if r.outbox_id is not None])
        again = await inbox.store(session, "telegram", "tg:1:m:4242:7", ADDRESS, {"text": "menu"})
    assert not again.new and again.id == first.inbox_id

    # The same row handed over again (a recovery after a crash that came after the commit): no second effect.
    assert await engine.handle(first) == []
    inbox_rows, kept = await rows(database)
    assert [r.handled_at is not None for r in inbox_rows] == [True]
    assert kept == []


async def test_without_keep_replies_nothing_waits_in_the_outbox(database: Database):
    engine = Engine(database, default_registry())
    replies = await engine.handle(await stored_inbound(database, "tg:1:m:4242:9", "menu"))
    assert replies and all(r.outbox_id is None for r in replies)
    inbox_rows, kept = await rows(database)
    assert inbox_rows[0].handled_at is not None
    assert kept == []


async def test_pending_rows_come_in_arrival_order_and_a_failure_is_counted(database: Database):
    async with database.transaction() as session:
        ids = [(await inbox.store(session, "telegram", f"tg:1:m:4242:{n}", ADDRESS, {"n": n})).id for n in (3, 1, 2)]
        await inbox.note_failure(session, ids[0], "OperationalError")
        await inbox.mark_handled(session, ids[1])
    async with database.transaction() as session:
        waiting = await inbox.pending(session, "telegram")
        assert [(r.id, r.payload["n"]) for r in waiting] == [(ids[0], 3), (ids[2], 2)]
        assert (waiting[0].attempts, waiting[0].last_error) == (1, "OperationalError")
        assert await inbox.pending(session, "whatsapp") == []


async def test_messages_the_flood_limit_drops_are_marked_handled_so_no_sweep_handles_them_later(database: Database):
    engine = Engine(database, default_registry(), messages_per_minute=2, keep_replies=True)
    ticks = iter(range(1000))
    engine.flood._clock = lambda: float(next(ticks))  # type: ignore[union-attr]
    answered = []
    for n in range(5):
        answered.append(await engine.handle(await stored_inbound(database, f"tg:1:m:4242:{100 + n}", "menu")))
    assert [bool(replies) for replies in answered] == [True, True, True, False, False]  # the third: slow down
    assert answered[2][0].text == ID("common.slow_down")
    async with database.transaction() as session:
        assert await inbox.pending(session, "telegram") == []


async def test_when_the_database_fails_a_message_kept_in_the_inbox_is_not_asked_again(database: Database):
    engine = Engine(database, default_registry(), keep_replies=True)
    kept = await stored_inbound(database, "tg:1:m:4242:200", "menu")
    opened = database.transaction

    @asynccontextmanager
    async def unreachable() -> AsyncIterator[None]:
        raise OSError("database unreachable")
        yield

    database.transaction = unreachable  # type: ignore[method-assign]
    try:
        (retried,) = await engine.handle(kept)
        (lost,) = await engine.handle(Inbound(channel="telegram", address=ADDRESS, text="menu", message_id="x-201"))
    finally:
        database.transaction = opened  # type: ignore[method-assign]
    assert retried.text == ID("error.will_retry")  # the channel's sweep answers it later
    assert lost.text == ID("error.unexpected")  # nothing kept it: the person is asked to send it again
    async with database.transaction() as session:
        assert [row.id for row in await inbox.pending(session, "telegram")] == [kept.inbox_id]
