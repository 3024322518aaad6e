"""Recording many KPJ card numbers at once: the same refusals and the same audit events as change_worker, per batch,
a KPJ taken between the plan and the write refused alone, and the events forgotten with the worker."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from storage import audit, data_rights, kpj_numbers, worker_edits
from storage.kpj_numbers import KpjChange, KpjRefusal, KpjRow, apply_kpj_numbers, plan_kpj_numbers
from storage.models import AuditEvent, Worker
from storage.personal_traces import SCRUBBED
from storage.worker_edits import change_worker
from tests.factories import add_worker

NIKS = [f"63100545088000{n:02d}" for n in range(1, 7)]
KPJS = [f"170123456{n:02d}" for n in range(1, 7)]


async def _workers(database, count: int) -> list[int]:
    return [await add_worker(database, NIKS[n], f"Pekerja {n}", date(1980, 8, 5)) for n in range(count)]


async def _events(database) -> list[AuditEvent]:
    async with database.transaction() as session:
        return [e for e in await audit.events(session) if e.action in worker_edits.EDIT_ACTIONS]


async def _kpjs(database, ids: list[int]) -> list[str | None]:
    async with database.transaction() as session:
        return [(await session.get(Worker, worker_id)).kpj for worker_id in ids]


async def test_a_plan_in_small_batches_sorts_new_replaced_unchanged_unknown_and_taken(database, monkeypatch):
    ids = await _workers(database, 5)
    async with database.transaction() as session:
        await change_worker(session, ids[1], {"kpj": KPJS[1]}, actor_person_id=None, actor_contact_id=None)
        await change_worker(session, ids[2], {"kpj": "17000000002"}, actor_person_id=None, actor_contact_id=None)
        await change_worker(session, ids[3], {"kpj": KPJS[3]}, actor_person_id=None, actor_contact_id=None)
    monkeypatch.setattr(kpj_numbers, "_BATCH", 2)  # several queries and writes, as a large file needs
    rows = [
        KpjRow(2, NIKS[0], KPJS[0]),  # new
        KpjRow(3, NIKS[1], KPJS[1]),  # recorded already
        KpjRow(4, NIKS[2], KPJS[2]),  # replaces 17000000002
        KpjRow(5, NIKS[4], KPJS[3]),  # held by worker 4
        KpjRow(6, NIKS[5], KPJS[5]),  # nobody registered
    ]
    async with database.transaction() as session:
        plan = await plan_kpj_numbers(session, rows)
        assert plan.changes == [
            KpjChange(2, ids[0], NIKS[0], None, KPJS[0]),
            KpjChange(4, ids[2], NIKS[2], "17000000002", KPJS[2]),
        ]
        assert plan.unchanged == [3]
        assert plan.refused == [
            KpjRefusal(5, NIKS[4], KPJS[3], "taken", ids[3]),
            KpjRefusal(6, NIKS[5], KPJS[5], "not_registered"),
        ]
        made, taken = await apply_kpj_numbers(session, plan.changes, actor_person_id=None, actor_contact_id=None)
        assert (made, taken) == (plan.changes, [])
    assert await _kpjs(database, ids) == [KPJS[0], KPJS[1], KPJS[2], KPJS[3], None]
    events = await _events(database)
    assert [(e.action, e.subject_type, e.subject_id, e.details) for e in events[3:]] == [
        ("worker.edited", "worker", str(ids[0]), {"changes": {"kpj": {"old": None, "new": KPJS[0]}}}),
        ("worker.edited", "worker", str(ids[2]), {"changes": {"kpj": {"old": "17000000002", "new": KPJS[2]}}}),
    ]
    assert events[3].at == events[4].at >= events[2].at and events[3].actor_person_id is None
    # change_worker's own event for worker 3 has the very same shape.
    assert events[1].details == {"changes": {"kpj": {"old": None, "new": "17000000002"}}}


async def test_a_kpj_taken_between_plan_and_write_is_refused_alone(database):
    ids = await _workers(database, 3)
    async with database.transaction() as session:
        plan = await plan_kpj_numbers(session, [KpjRow(2, NIKS[0], KPJS[0]), KpjRow(3, NIKS[1], KPJS[1])])
        assert len(plan.changes) == 2
        # Meanwhile the third worker is given the first line's KPJ.
        await change_worker(session, ids[2], {"kpj": KPJS[0]}, actor_person_id=None, actor_contact_id=None)
        made, taken = await apply_kpj_numbers(session, plan.changes, actor_person_id=None, actor_contact_id=None)
        assert made == [plan.changes[1]]
        assert taken == [KpjRefusal(2, NIKS[0], KPJS[0], "taken", ids[2])]
    assert await _kpjs(database, ids) == [None, KPJS[1], KPJS[0]]
    assert [e.subject_id for e in await _events(database)] == [str(ids[2]), str(ids[1])]


async def test_forgetting_a_worker_scrubs_the_kpj_events_the_import_wrote(database):
    (worker_id,) = await _workers(database, 1)
    async with database.transaction() as session:
        await change_worker(session, worker_id, {"kpj": "17000000001"}, actor_person_id=None, actor_contact_id=None)
        plan = await plan_kpj_numbers(session, [KpjRow(2, NIKS[0], KPJS[0])])
        await apply_kpj_numbers(session, plan.changes, actor_person_id=None, actor_contact_id=None)
    async with database.transaction() as session:
        worker = await data_rights.find_worker(session, NIKS[0], lock=True)
        assert worker is not None
        erasure = await data_rights.plan_erasure(session, worker)
        assert erasure.counts()["audit_events_scrubbed"] == 2
        await data_rights.forget(session, worker, erasure)
    assert [e.details for e in await _events(database)] == [
        {"changes": {"kpj": {"old": None, "new": SCRUBBED}}},
        {"changes": {"kpj": {"old": SCRUBBED, "new": SCRUBBED}}},
    ]
    assert await _kpjs(database, [worker_id]) == [None]
    async with database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(AuditEvent)) == 2
