"""Payments in the database: recorded once per worker, source, reference and first month, read back as months."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from storage import payments, people, workers
from storage.models import Payment
from storage.payments import NewPayment
from tests.factories import add_worker

VILLAGE = "63.10.02.2003"


async def _workers(session, *niks: str) -> list[int]:
    return [await add_worker(session, nik, "Siti Aminah", date(1980, 8, 5), sex="F") for nik in niks]


async def _count(session) -> int:
    return int(await session.scalar(select(func.count()).select_from(Payment)))


def pay(worker_id: int, first: date = date(2026, 1, 1), months: int = 12, reference: str = "BR-1", **kw) -> NewPayment:
    return NewPayment(worker_id, first, months, kw.pop("amount", 201_600), kw.pop("source", payments.IMPORT), reference)


async def test_a_payment_is_recorded_once_per_worker_source_reference_and_first_month(database):
    async with database.transaction() as session:
        (worker,) = await _workers(session, "6310054508800001")
        assert await payments.add_payment(session, pay(worker)) is True
        assert await payments.add_payment(session, pay(worker)) is False
        assert await payments.add_payment(session, pay(worker, amount=1)) is False  # same key, other amount
    async with database.transaction() as session:
        assert await payments.add_payment(session, pay(worker)) is False  # in a later transaction too
        assert await payments.add_payment(session, pay(worker, source=payments.CADRE)) is True
        assert await payments.add_payment(session, pay(worker, reference="BR-2")) is True
        assert await payments.add_payment(session, pay(worker, first=date(2027, 1, 1))) is True
        assert await _count(session) == 4


async def test_a_payment_keeps_its_fields(database):
    async with database.transaction() as session:
        (worker,) = await _workers(session, "6310054508800001")
        person = await people.add_person(session, "Rina Wati", "+6281200000001", [VILLAGE])
        new = NewPayment(worker, date(2026, 11, 1), 3, 50_400, payments.CADRE, "KW-7", recorded_by=person.id)
        assert await payments.add_payment(session, new)
    async with database.transaction() as session:
        stored = await session.scalar(select(Payment))
        assert stored is not None
        assert (stored.worker_id, stored.first_month, stored.months, stored.amount) == (
            worker,
            date(2026, 11, 1),
            3,
            50_400,
        )
        assert (stored.source, stored.reference, stored.recorded_by) == ("cadre", "KW-7", person.id)
        assert stored.recorded_at.tzinfo is not None


async def test_add_payments_counts_only_the_new_ones_across_batches(database):
    many = 2_050  # more than one batch of 2,000
    async with database.transaction() as session:
        first, second = await _workers(session, "6310054508800001", "6310051203750002")
        batch = [pay(first, reference=f"BR-{n}") for n in range(many)] + [pay(second)]
        assert await payments.add_payments(session, batch) == many + 1
    async with database.transaction() as session:
        again = [pay(first, reference=f"BR-{n}") for n in range(many - 5, many + 5)]
        assert await payments.add_payments(session, again) == 5
        assert await payments.add_payments(session, []) == 0
        assert await _count(session) == many + 6


async def test_the_same_row_twice_in_one_batch_is_recorded_once(database):
    async with database.transaction() as session:
        (worker,) = await _workers(session, "6310054508800001")
        assert await payments.add_payments(session, [pay(worker), pay(worker), pay(worker, reference="BR-2")]) == 2
        assert await _count(session) == 2


async def test_paid_months_of_one_and_of_many_workers(database):
    async with database.transaction() as session:
        first, second, unpaid = await _workers(session, "6310054508800001", "6310051203750002", "6310051203750003")
        await payments.add_payment(session, pay(first, date(2026, 5, 1), 2, "B"))
        await payments.add_payment(session, pay(first, date(2026, 1, 1), 3, "A"))
        await payments.add_payment(session, pay(second, date(2026, 11, 1), 12, "C"))
    async with database.transaction() as session:
        assert await payments.paid_months(session, first) == [(date(2026, 1, 1), 3), (date(2026, 5, 1), 2)]
        assert await payments.paid_months(session, unpaid) == []
        found = await payments.paid_months_of(session, [first, second, unpaid])
        assert sorted(found[first]) == [(date(2026, 1, 1), 3), (date(2026, 5, 1), 2)]
        assert found[second] == [(date(2026, 11, 1), 12)]
        assert found.get(unpaid, []) == []
        assert await payments.paid_months_of(session, []) == {}


async def test_worker_ids_by_nik_finds_only_registered_workers(database):
    async with database.transaction() as session:
        first, second = await _workers(session, "6310054508800001", "6310051203750002")
        found = await payments.worker_ids_by_nik(
            session, ["6310054508800001", "6310051203750002", "6310054508800001", "3174011203750009"]
        )
        assert found == {"6310054508800001": first, "6310051203750002": second}
        assert await payments.worker_ids_by_nik(session, []) == {}


@pytest.mark.parametrize(
    "bad",
    [
        {"months": 0},
        {"months": 25},
        {"amount": -1},
        {"source": "bank"},
    ],
)
async def test_the_database_refuses_payments_the_rules_forbid(database, bad):
    async with database.transaction() as session:
        (worker,) = await _workers(session, "6310054508800001")
    values = {"first": date(2026, 1, 1), "months": 1, "amount": 16_800, "source": payments.IMPORT} | bad
    new = NewPayment(worker, values["first"], values["months"], values["amount"], values["source"], "BR-1")
    with pytest.raises(IntegrityError):
        async with database.transaction() as session:
            await payments.add_payment(session, new)


async def test_payments_go_with_their_worker(database):
    async with database.transaction() as session:
        (worker,) = await _workers(session, "6310054508800001")
        await payments.add_payment(session, pay(worker))
    async with database.transaction() as session:
        stored = await workers.get_worker(session, worker)
        await session.delete(stored)
    async with database.transaction() as session:
        assert await _count(session) == 0
