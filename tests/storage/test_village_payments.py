"""A village payment of 100 workers × 12 months: recorded once in one transaction, a repeated reference adds nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from flows.engine import Engine
from flows.registry import default_registry
from storage import village_payments, workers
from storage.database import Database
from storage.models import Payment
from storage.payments import NewPayment
from tests import factories
from tests.chat import Chat

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
VILLAGE = factories.VILLAGE
CADRE_PHONE = "+6281200000001"


async def add_hundred(database: Database) -> None:
    async with database.transaction() as session:
        await factories.add_staff(session, CADRE_PHONE, (VILLAGE,))
        for n in range(100):
            new = factories.new_worker(f"631002150880{n:04d}", f"Pekerja {n:03d}", date(1980, 8, 15))
            await workers.add_worker(session, new)


async def payments_count(database: Database) -> tuple[int, int]:
    async with database.transaction() as session:
        row = (await session.execute(select(func.count(), func.coalesce(func.sum(Payment.amount), 0)))).one()
        return int(row[0]), int(row[1])


async def test_a_hundred_workers_for_twelve_months_once_through_the_conversation(database):
    await add_hundred(database)
    chat = Chat(Engine(database, default_registry(), clock=lambda: NOW), "tg-1", channel="telegram", phone=CADRE_PHONE)

    for attempt in range(2):
        await chat.say("bayar untuk desa")
        amount = await chat.say("12")
        assert "100 pekerja, total Rp20.160.000" in amount
        assert "… dan 90 pekerja lain" in amount
        assert len(amount.splitlines()) == 14  # heading, total, 10 workers, "… dan 90", the question
        await chat.say("ya")
        await chat.say("DESA-2026-12")
        saved = await chat.say("ya")
        if attempt == 0:
            assert saved.startswith("Tercatat: Rp20.160.000 untuk 100 pekerja, 12 bulan, kwitansi DESA-2026-12.")
        else:
            assert saved.startswith("Kwitansi DESA-2026-12 untuk Sungai Lembu sudah tercatat.")
        assert await payments_count(database) == (100, 100 * 12 * factories.MONTHLY)


async def test_recording_is_idempotent_by_reference_in_storage(database):
    await add_hundred(database)
    async with database.transaction() as session:
        found = await village_payments.village_paid_workers(session, VILLAGE)
    assert len(found) == 100 and all(paid == [] for _, paid in found)
    new = [NewPayment(w.id, date(2026, 11, 1), 12, 12 * factories.MONTHLY, "cadre", "R-1") for w, _ in found]
    async with database.transaction() as session:
        assert await village_payments.record_village_payment(session, VILLAGE, new) == 100
    later = [NewPayment(p.worker_id, date(2027, 11, 1), 12, p.amount, "cadre", "R-1") for p in new]
    async with database.transaction() as session:
        assert await village_payments.record_village_payment(session, VILLAGE, later) == 0
        assert await village_payments.reference_recorded(session, VILLAGE, "R-1")
        assert not await village_payments.reference_recorded(session, "62.08.01.2001", "R-1")
    async with database.transaction() as session:
        found = await village_payments.village_paid_workers(session, VILLAGE)
    assert all(paid == [(date(2026, 11, 1), 12)] for _, paid in found)
    assert await payments_count(database) == (100, 100 * 12 * factories.MONTHLY)
