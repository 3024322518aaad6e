"""Voided payments: they cover no month in any query that computes paid months, their key may be recorded again
(a partial unique index on both databases), and the database refuses a void without its reason."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from rules.coverage import covered_months, membership_on
from rules.membership_status import ACTIVE, NOT_ACTIVE
from rules.months import add_months
from storage import payment_checks, payments, people
from storage.models import Payment
from storage.payments import NewPayment
from tests.factories import add_worker

VILLAGE = "63.10.02.2003"
SITI, BUDI = "6310054508800001", "6310051203750002"
VOIDED_AT = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


def pay(worker_id: int, first: date = date(2026, 1, 1), months: int = 12, reference: str = "BR-1") -> NewPayment:
    return NewPayment(worker_id, first, months, 16_800 * months, payments.IMPORT, reference)


async def _void(session, reference: str, worker_id: int | None = None, reason: str = "salah catat") -> int:
    found = await payments.payments_with_reference(session, reference, worker_id)
    return await payments.void_payments(session, [p.id for p, _ in found], reason, None, VOIDED_AT)


async def test_a_voided_payment_covers_no_month_anywhere(database):
    async with database.transaction() as session:
        siti = await add_worker(session, SITI, "Siti Aminah", date(1980, 8, 5), sex="F")
        budi = await add_worker(session, BUDI, "Budi Santoso", date(1975, 3, 12))
        assert await payments.add_payment(session, pay(siti))
        assert await payments.add_payment(session, pay(budi))
        months = covered_months(await payments.paid_months(session, siti))
        assert membership_on(date(2026, 11, 22), months).status == ACTIVE
    async with database.transaction() as session:
        assert await _void(session, "BR-1", siti) == 1
    async with database.transaction() as session:
        assert await payments.paid_months(session, siti) == []
        assert membership_on(date(2026, 11, 22), covered_months([])).status == NOT_ACTIVE
        found = await payments.paid_months_of(session, [siti, budi])
        assert found.get(siti, []) == [] and found[budi] == [(date(2026, 1, 1), 12)]
        workers, recorded = await payment_checks.register_of(session, [SITI, BUDI])
        assert set(workers) == {SITI, BUDI}  # the worker is still found, with no payment
        assert siti not in recorded and len(recorded[budi]) == 1
        stored = await session.scalar(select(Payment).where(Payment.worker_id == siti))
        assert stored is not None
        assert (stored.voided_at, stored.void_reason, stored.voided_by) == (VOIDED_AT, "salah catat", None)


async def test_voiding_twice_voids_nothing_more_and_keeps_the_first_void(database):
    async with database.transaction() as session:
        siti = await add_worker(session, SITI, "Siti Aminah", date(1980, 8, 5), sex="F")
        await payments.add_payment(session, pay(siti))
        assert await _void(session, "BR-1", reason="first") == 1
        assert await _void(session, "BR-1", reason="second") == 0
        assert await payments.void_payments(session, [], "none", None, VOIDED_AT) == 0
        stored = await session.scalar(select(Payment))
        assert stored is not None and stored.void_reason == "first"


async def test_the_same_payment_can_be_recorded_again_after_its_void_and_only_once(database):
    async with database.transaction() as session:
        siti = await add_worker(session, SITI, "Siti Aminah", date(1980, 8, 5), sex="F")
        assert await payments.add_payment(session, pay(siti))
        assert await payments.add_payment(session, pay(siti)) is False
        await _void(session, "BR-1")
    async with database.transaction() as session:
        assert await payments.add_payment(session, pay(siti)) is True  # the same key, recorded again
        assert await payments.add_payment(session, pay(siti)) is False  # and the new row is the one that counts
        assert await payments.add_payments(session, [pay(siti), pay(siti, reference="BR-2")]) == 1
    async with database.transaction() as session:
        rows = list(await session.scalars(select(Payment).order_by(Payment.id)))
        assert [(p.reference, p.voided_at is not None) for p in rows] == [
            ("BR-1", True),
            ("BR-1", False),
            ("BR-2", False),
        ]
        await _void(session, "BR-1")
        assert await payments.add_payments(session, [pay(siti)]) == 1  # voided twice, recorded a third time
        assert len(await payments.payments_with_reference(session, "BR-1")) == 3
        assert await payments.paid_months(session, siti) == [(date(2026, 1, 1), 12), (date(2026, 1, 1), 12)]


async def test_two_live_rows_with_one_key_are_refused_by_the_database(database):
    async with database.transaction() as session:
        siti = await add_worker(session, SITI, "Siti Aminah", date(1980, 8, 5), sex="F")
        await payments.add_payment(session, pay(siti))
    with pytest.raises(IntegrityError):
        async with database.transaction() as session:
            session.add(Payment(**pay(siti).values()))


@pytest.mark.parametrize(
    "values",
    [
        {"voided_at": VOIDED_AT},  # no reason
        {"void_reason": "salah catat"},  # a reason without the time
        {"voided_by": "person"},  # who voided, without the void
    ],
)
async def test_the_database_refuses_a_half_recorded_void(database, values):
    async with database.transaction() as session:
        siti = await add_worker(session, SITI, "Siti Aminah", date(1980, 8, 5), sex="F")
        person = await people.add_person(session, "Rina Wati", "+6281200000001", [VILLAGE])
    if values.get("voided_by") == "person":
        values = {"voided_by": person.id}
    with pytest.raises(IntegrityError):
        async with database.transaction() as session:
            session.add(Payment(**pay(siti).values(), **values))


async def test_payments_with_reference_narrows_to_one_worker(database):
    async with database.transaction() as session:
        siti = await add_worker(session, SITI, "Siti Aminah", date(1980, 8, 5), sex="F")
        budi = await add_worker(session, BUDI, "Budi Santoso", date(1975, 3, 12))
        await payments.add_payments(session, [pay(siti, reference="DESA-1"), pay(budi, reference="DESA-1")])
        everyone = await payments.payments_with_reference(session, "DESA-1")
        assert [w.id for _, w in everyone] == [siti, budi]
        assert [w.id for _, w in await payments.payments_with_reference(session, "DESA-1", budi)] == [budi]
        assert await payments.payments_with_reference(session, "DESA-2") == []


# -- a property: whatever is recorded and voided, the paid months are those of the payments not voided ------------

_record = st.tuples(
    st.just("record"),
    st.integers(0, 1),  # worker
    st.integers(0, 30),  # first month, counted from January 2026
    st.integers(1, 24),  # months
    st.sampled_from(["A", "B", "C"]),  # reference
)
_void_op = st.tuples(st.just("void"), st.sampled_from([0, 1, None]), st.sampled_from(["A", "B", "C"]))
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPERTY
@given(operations=st.lists(st.one_of(_record, _void_op), max_size=12))
async def test_paid_months_are_exactly_the_months_of_the_payments_not_voided(database, operations):
    async with database.transaction() as session:
        await session.execute(delete(Payment))  # each example starts with no payment, the workers kept
        known = await payments.worker_ids_by_nik(session, [SITI, BUDI])
        if not known:
            known = {
                SITI: await add_worker(session, SITI, "Siti Aminah", date(1980, 8, 5), sex="F"),
                BUDI: await add_worker(session, BUDI, "Budi Santoso", date(1975, 3, 12)),
            }
        ids = [known[SITI], known[BUDI]]
    live: list[tuple[int, date, int, str]] = []  # the model: (worker, first month, months, reference) not voided
    for operation in operations:
        async with database.transaction() as session:
            if operation[0] == "record":
                _, who, offset, months, reference = operation
                first = add_months(date(2026, 1, 1), offset)
                new = (ids[who], first, months, reference)
                expected = not any((w, f, r) == (ids[who], first, reference) for w, f, _, r in live)
                assert await payments.add_payment(session, pay(ids[who], first, months, reference)) is expected
                if expected:
                    live.append(new)
            else:
                _, who, reference = operation
                worker_id = None if who is None else ids[who]
                voided = [row for row in live if row[3] == reference and worker_id in (None, row[0])]
                assert await _void(session, reference, worker_id) == len(voided)
                live = [row for row in live if row not in voided]
    async with database.transaction() as session:
        together = await payments.paid_months_of(session, ids)
        _, recorded = await payment_checks.register_of(session, [SITI, BUDI])
        for worker_id in ids:
            expected = sorted((f, m) for w, f, m, _ in live if w == worker_id)
            assert sorted(await payments.paid_months(session, worker_id)) == expected
            assert sorted(together.get(worker_id, [])) == expected
            assert sorted((p.first_month, p.months) for p in recorded.get(worker_id, [])) == expected
            assert covered_months(await payments.paid_months(session, worker_id)) == covered_months(expected)
