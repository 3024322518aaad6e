"""The statement budget of a common turn: a known contact answering a question, its replies kept in the outbox.

One upsert each for the contact (with when it last wrote) and the conversation (which locks it on PostgreSQL), the
received id, one UPDATE of the state and one INSERT of every reply: at most 6 with the transaction's BEGIN."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from flows.engine import Engine
from flows.i18n import Translator
from flows.registry import default_registry
from flows.turn import Inbound
from storage.database import Database

ID = Translator("id")
BUDGET = 6


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """The SQL statements sent while the block runs, first word upper-cased (BEGIN, INSERT, UPDATE, …)."""
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        seen.append(statement.split(None, 1)[0].upper())

    event.listen(database.engine.sync_engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", note)


async def test_a_common_turn_stays_within_six_statements(database: Database):
    engine = Engine(database, default_registry(), keep_replies=True)
    messages = iter(range(1, 100))

    async def send(text: str) -> list[str]:
        inbound = Inbound(channel="telegram", address="7001", text=text, message_id=f"tg:1:m:7001:{next(messages)}")
        with statements(database) as seen:
            replies = await engine.handle(inbound)
        assert replies and all(reply.outbox_id is not None for reply in replies)
        return seen

    await send("menu")  # the first message creates the contact and its conversation
    for text in ("info", "1", "menu", "2"):
        seen = await send(text)
        assert len(seen) <= BUDGET, (text, seen)
        work = [kind for kind in seen if kind != "BEGIN"]
        assert work == ["INSERT", "INSERT", "INSERT", "UPDATE", "INSERT"], (text, seen)
