"""A village's workers with their paid months come in one query: by name, every payment, none of another village's
workers or of forgotten ones, and workers with no payment listed too."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy import event

from storage.database import Database
from storage.models import Worker
from storage.worker_listing import village_workers_with_payments
from tests.factories import add_worker

VILLAGE = "63.10.02.2003"
OTHER_VILLAGE = "63.10.02.2004"
BIRTH = date(1975, 3, 12)


@contextmanager
def counted_queries(database: Database) -> Iterator[list[str]]:
    """The SQL statements run while the block runs."""
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        seen.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", note)


async def test_one_query_lists_the_village_by_name_with_every_payment(database):
    await add_worker(database, "6310051203750003", "Citra", BIRTH, paid=[(date(2026, 1, 1), 6), (date(2026, 7, 1), 3)])
    await add_worker(database, "6310051203750001", "Ahmad", BIRTH)
    await add_worker(database, "6310051203750002", "Budi", BIRTH, paid=[(date(2025, 1, 1), 12)])
    await add_worker(database, "6310051203750004", "Andi", BIRTH, village=OTHER_VILLAGE, paid=[(date(2026, 1, 1), 1)])
    forgotten = await add_worker(database, "6310051203750005", "Dodi", BIRTH)
    async with database.transaction() as session:
        row = await session.get(Worker, forgotten)
        assert row is not None
        row.nik, row.name = f"anon-{forgotten}", f"anon-{forgotten}"

    async with database.transaction() as session:
        with counted_queries(database) as queries:
            listed = await village_workers_with_payments(session, VILLAGE)
        assert len([q for q in queries if q.lstrip().upper().startswith("SELECT")]) == 1

    assert [(w.worker.name, w.paid) for w in listed] == [
        ("Ahmad", []),
        ("Budi", [(date(2025, 1, 1), 12)]),
        ("Citra", [(date(2026, 1, 1), 6), (date(2026, 7, 1), 3)]),
    ]


async def test_an_empty_village_lists_nobody(database):
    await add_worker(database, "6310051203750001", "Andi", BIRTH, village=OTHER_VILLAGE)
    async with database.transaction() as session:
        assert await village_workers_with_payments(session, VILLAGE) == []
