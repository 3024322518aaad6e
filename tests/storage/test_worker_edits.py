"""Changing a registered worker: only real changes, one audit event with old and new values, KPJ and NIK kept unique,
NIK and birth-date corrections by an admin with a reason, and the edit history forgotten with the worker."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from storage import audit, data_rights, worker_edits, workers
from storage.models import AuditEvent, Worker
from storage.personal_traces import SCRUBBED, PersonalValues
from storage.worker_edits import (
    AdminRequiredError,
    FieldChange,
    InvalidValueError,
    KpjTakenError,
    NikTakenError,
    ReasonRequiredError,
    UnknownFieldError,
    change_worker,
)
from tests.factories import add_staff, add_worker

NIK = "6310054508800001"
OTHER_NIK = "6310050508800002"
PHONE = "+6281350001234"
NEW_PHONE = "+6281350009999"
KPJ = "17012345678"


async def _siti(database) -> int:
    return await add_worker(database, NIK, "Siti Aminah", date(1980, 8, 5), phone=PHONE)


async def _edit(database, worker_id, changes, *, person=None, contact=None, reason=None):
    async with database.transaction() as session:
        return await change_worker(
            session, worker_id, changes, actor_person_id=person, actor_contact_id=contact, reason=reason
        )


async def _events(database) -> list[AuditEvent]:
    async with database.transaction() as session:
        return [e for e in await audit.events(session) if e.action in worker_edits.EDIT_ACTIONS]


async def _worker(database, worker_id) -> Worker:
    async with database.transaction() as session:
        worker = await session.get(Worker, worker_id)
        assert worker is not None
        return worker


async def test_a_cadre_changes_the_phone_and_the_audit_row_holds_old_and_new(database):
    cadre = await add_staff(database, "+6281200000001")
    worker_id = await _siti(database)
    changed = await _edit(database, worker_id, {"phone": NEW_PHONE, "kpj": "170 1234 5678"}, person=cadre)
    assert changed == [FieldChange("phone", PHONE, NEW_PHONE), FieldChange("kpj", None, KPJ)]
    assert ((await _worker(database, worker_id)).phone, (await _worker(database, worker_id)).kpj) == (NEW_PHONE, KPJ)
    (event,) = await _events(database)
    assert (event.action, event.actor_person_id, event.subject_type, event.subject_id) == (
        "worker.edited",
        cadre,
        "worker",
        str(worker_id),
    )
    assert event.details == {"changes": {"phone": {"old": PHONE, "new": NEW_PHONE}, "kpj": {"old": None, "new": KPJ}}}


async def test_values_that_do_not_change_are_not_changes_and_nothing_is_audited(database):
    worker_id = await _siti(database)
    assert await _edit(database, worker_id, {"phone": PHONE, "occupation": "petani", "programmes": "JKM,JKK"}) == []
    assert await _events(database) == []


async def test_programmes_income_and_heir_in_one_event(database):
    worker_id = await _siti(database)
    changed = await _edit(
        database,
        worker_id,
        {"programmes": ("JKK", "JKM", "JHT"), "declared_income": 2_500_000, "heir_name": " Budi  Santoso "},
    )
    assert [c.field for c in changed] == ["heir_name", "declared_income", "programmes"]
    worker = await _worker(database, worker_id)
    assert (worker.programmes, worker.declared_income, worker.heir_name) == ("JKK,JKM,JHT", 2_500_000, "Budi Santoso")
    (event,) = await _events(database)
    assert event.details["changes"]["programmes"] == {"old": "JKK,JKM", "new": "JKK,JKM,JHT"}
    assert event.details["changes"]["declared_income"] == {"old": 1_000_000, "new": 2_500_000}


async def test_leaving_other_occupation_drops_its_description(database):
    worker_id = await _siti(database)
    await _edit(database, worker_id, {"occupation": "lainnya", "occupation_other": "penjahit"})
    assert (await _worker(database, worker_id)).occupation_other == "penjahit"
    changed = await _edit(database, worker_id, {"occupation": "nelayan"})
    assert changed == [
        FieldChange("occupation", "lainnya", "nelayan"),
        FieldChange("occupation_other", "penjahit", None),
    ]


async def test_a_kpj_another_worker_holds_is_refused_and_nothing_changes(database):
    holder = await add_worker(database, OTHER_NIK, "Budi", date(1980, 8, 5))
    await _edit(database, holder, {"kpj": KPJ})
    worker_id = await _siti(database)
    with pytest.raises(KpjTakenError) as refused:
        await _edit(database, worker_id, {"phone": NEW_PHONE, "kpj": KPJ})
    assert refused.value.holder_id == holder
    worker = await _worker(database, worker_id)
    assert (worker.phone, worker.kpj) == (PHONE, None)
    assert len(await _events(database)) == 1  # the holder's own edit only


async def test_the_unique_constraint_still_refuses_a_kpj_taken_between_check_and_write(database, monkeypatch):
    holder = await add_worker(database, OTHER_NIK, "Budi", date(1980, 8, 5))
    await _edit(database, holder, {"kpj": KPJ})
    worker_id = await _siti(database)

    async def no_check(*_args):
        return None

    monkeypatch.setattr(worker_edits, "_check_free", no_check)
    async with database.transaction() as session:
        with pytest.raises(KpjTakenError) as refused:
            await change_worker(
                session, worker_id, {"phone": NEW_PHONE, "kpj": KPJ}, actor_person_id=None, actor_contact_id=None
            )
        assert refused.value.holder_id == holder
        # The savepoint undid both fields; the transaction goes on.
        worker = await session.get(Worker, worker_id)
        assert worker is not None and (worker.phone, worker.kpj) == (PHONE, None)
    assert len(await _events(database)) == 1


async def test_a_nik_correction_needs_an_admin_and_a_reason_and_is_audited_as_a_correction(database):
    cadre = await add_staff(database, "+6281200000001")
    admin = await add_staff(database, "+6281200000002", admin=True)
    worker_id = await _siti(database)
    with pytest.raises(ReasonRequiredError):
        await _edit(database, worker_id, {"nik": "6310054508800003"}, person=admin, reason="  ")
    with pytest.raises(AdminRequiredError):
        await _edit(database, worker_id, {"nik": "6310054508800003"}, person=cadre, reason="typo on the form")
    with pytest.raises(AdminRequiredError):  # a chat contact that is nobody's staff
        await _edit(database, worker_id, {"birth_date": date(1980, 8, 6)}, contact=1, reason="typo")
    assert (await _worker(database, worker_id)).nik == NIK
    changed = await _edit(
        database,
        worker_id,
        {"nik": "6310054508800003", "birth_date": date(1980, 8, 6), "phone": NEW_PHONE},
        person=admin,
        reason="KTP  read wrongly",
    )
    assert [c.field for c in changed] == ["phone", "nik", "birth_date"]
    (event,) = await _events(database)
    assert (event.action, event.note, event.actor_person_id) == ("worker.corrected", "KTP read wrongly", admin)
    assert event.details["changes"]["birth_date"] == {"old": "1980-08-05", "new": "1980-08-06"}
    assert event.details["changes"]["nik"] == {"old": NIK, "new": "6310054508800003"}


async def test_the_command_line_without_an_actor_may_correct_with_a_reason(database):
    worker_id = await _siti(database)
    changed = await _edit(database, worker_id, {"birth_date": date(1980, 8, 6)}, reason="KTP")
    assert changed == [FieldChange("birth_date", date(1980, 8, 5), date(1980, 8, 6))]


async def test_a_nik_another_worker_has_is_refused(database):
    await add_worker(database, OTHER_NIK, "Budi", date(1980, 8, 5))
    worker_id = await _siti(database)
    with pytest.raises(NikTakenError):
        await _edit(database, worker_id, {"nik": OTHER_NIK}, reason="typo")
    assert (await _worker(database, worker_id)).nik == NIK
    assert await _events(database) == []


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"name": "Siti"}, UnknownFieldError),
        ({"sex": "M"}, UnknownFieldError),
        ({"phone": "0813 5000 1234"}, InvalidValueError),  # callers give E.164
        ({"kpj": "1701234567"}, InvalidValueError),
        ({"nik": "631005450880"}, InvalidValueError),
        ({"declared_income": 0}, InvalidValueError),
        ({"programmes": "JHT"}, InvalidValueError),
        ({"occupation": "astronaut"}, InvalidValueError),
        ({"village_code": "99.99.99.9999"}, InvalidValueError),
        ({"birth_date": "1980-08-06"}, InvalidValueError),
        ({"occupation_other": "penjahit"}, InvalidValueError),  # the worker is a farmer, not "lainnya"
    ],
)
async def test_what_cannot_be_stored_is_refused_before_anything_changes(database, changes, error):
    worker_id = await _siti(database)
    with pytest.raises(error):
        await _edit(database, worker_id, changes, reason="why")
    assert (await _worker(database, worker_id)).phone == PHONE
    assert await _events(database) == []


async def test_find_by_kpj(database):
    worker_id = await _siti(database)
    await _edit(database, worker_id, {"kpj": KPJ})
    async with database.transaction() as session:
        found = await workers.find_by_kpj(session, KPJ)
        assert found is not None and found.id == worker_id and found.village.code == "63.10.02.2003"
        assert await workers.find_by_kpj(session, "17012345679") is None
        alone = await workers.worker_with_kpj(session, KPJ)
        assert alone is not None and alone.id == worker_id
        assert await workers.worker_with_kpj(session, "17012345679") is None


async def test_forgetting_a_worker_scrubs_the_old_and_new_values_of_their_edits(database):
    worker_id = await _siti(database)
    await _edit(database, worker_id, {"phone": NEW_PHONE, "heir_name": "Budi Santoso", "heir_phone": "+6281355550000"})
    await _edit(database, worker_id, {"kpj": KPJ, "occupation": "nelayan"})
    await _edit(database, worker_id, {"nik": "6310054508800003"}, reason="typo")
    async with database.transaction() as session:
        worker = await data_rights.find_worker(session, "6310054508800003", lock=True)
        assert worker is not None
        plan = await data_rights.plan_erasure(session, worker)
        assert plan.counts()["audit_events_scrubbed"] == 3
        await data_rights.forget(session, worker, plan)
    edited, kpj, corrected = await _events(database)
    assert edited.details == {
        "changes": {
            "phone": {"old": SCRUBBED, "new": SCRUBBED},
            "heir_name": {"old": None, "new": SCRUBBED},
            "heir_phone": {"old": None, "new": SCRUBBED},
        }
    }
    assert kpj.details == {
        "changes": {"occupation": {"old": "petani", "new": "nelayan"}, "kpj": {"old": None, "new": SCRUBBED}}
    }
    assert corrected.details == {"changes": {"nik": {"old": SCRUBBED, "new": SCRUBBED}}}
    assert corrected.note == "typo"
    assert (await _worker(database, worker_id)).kpj is None
    async with database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(AuditEvent)) == 3


async def test_forgetting_another_worker_leaves_these_edits_alone(database):
    worker_id = await _siti(database)
    await add_worker(database, OTHER_NIK, "Budi", date(1980, 8, 5))
    await _edit(database, worker_id, {"heir_phone": "+6281355550000"})
    async with database.transaction() as session:
        other = await data_rights.find_worker(session, OTHER_NIK, lock=True)
        assert other is not None
        await data_rights.forget(session, other, await data_rights.plan_erasure(session, other))
    (event,) = await _events(database)
    assert event.details == {"changes": {"heir_phone": {"old": None, "new": "+6281355550000"}}}


def test_a_kpj_is_found_as_printed_on_the_card_and_only_whole():
    values = PersonalValues(NIK, "Siti Aminah", None, date(1980, 8, 5), KPJ)
    assert values.found_in("No. KPJ: 170 1234 5678") == ("kpj",)
    assert values.found_in({"nik": "kpj:17012345678"}) == ("kpj",)
    assert values.found_in("170123456789") == ()  # twelve digits: another number
    assert values.scrub({"card": "17.012.345.678", "village": "63.10.02.2003"}) == {
        "card": SCRUBBED,
        "village": "63.10.02.2003",
    }


async def test_forgetting_scrubs_the_kpj_wherever_it_was_typed(database):
    worker_id = await _siti(database)
    await _edit(database, worker_id, {"kpj": KPJ})
    async with database.transaction() as session:
        await audit.record_event(session, "note", details={"typed": "KPJ 170-1234-5678"})
        worker = await data_rights.find_worker(session, NIK, lock=True)
        assert worker is not None
        await data_rights.forget(session, worker, await data_rights.plan_erasure(session, worker))
    async with database.transaction() as session:
        (note,) = await audit.events(session, "note")
    assert note.details == {"typed": SCRUBBED}
