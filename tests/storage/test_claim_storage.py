"""Death and accident cases in the database: who is trusted (cadre, admin, registered heir → Meninggal at once; a
stranger → pending, the worker unchanged), who is told (the village's cadres and the admins, never the reporter), the
stage-I reminders, withdrawal, documents, who may see a case, and the overdue list."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from storage import audit, claim_decisions, claims, contacts
from storage.claims import NewClaim
from storage.models import Contact, OutboundMessage, Worker
from storage.outbox import PENDING, SKIPPED
from tests.factories import VILLAGE, add_staff, add_worker

OTHER_VILLAGE = "63.10.02.2002"  # Betung, the next village
NIK = "6310021203750002"
HEIR_PHONE = "+6281255550101"
CADRE_PHONE, OTHER_CADRE_PHONE, ADMIN_PHONE = "+6281300000001", "+6281300000002", "+6281300000003"
STRANGER_PHONE = "+6281399999999"
DIED = date(2026, 11, 27)
NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


async def _contact(session, address: str, phone: str | None, person_id: int | None, language: str = "id") -> Contact:
    contact = await contacts.get_or_create_contact(session, "telegram", address, language)
    if phone is not None:
        contacts.set_verified_phone(contact, phone, person_id)
    await session.flush()
    return contact


@pytest.fixture
async def world(database):
    """A worker of Sungai Lembu with a registered heir; a cadre there, a cadre of Betung, an admin, and contacts."""
    async with database.transaction() as session:
        cadre = await add_staff(session, CADRE_PHONE, name="Rina Wati")
        other_cadre = await add_staff(session, OTHER_CADRE_PHONE, villages=[OTHER_VILLAGE], name="Dewi")
        admin = await add_staff(session, ADMIN_PHONE, villages=[], name="Pak Admin", admin=True)
        worker_id = await add_worker(
            session, NIK, "Budi Santoso", date(1975, 3, 12), paid=[(date(2026, 1, 1), 12)], registered_by=cadre
        )
        worker = await session.get(Worker, worker_id)
        worker.heir_name, worker.heir_relation, worker.heir_phone = "Siti", "spouse", HEIR_PHONE
        ids = {
            "worker": worker_id,
            "cadre": cadre,
            "other_cadre": other_cadre,
            "admin": admin,
            "cadre_contact": (await _contact(session, "c1", CADRE_PHONE, cadre)).id,
            "other_cadre_contact": (await _contact(session, "c2", OTHER_CADRE_PHONE, other_cadre)).id,
            "admin_contact": (await _contact(session, "a1", ADMIN_PHONE, admin, "en")).id,
            "heir_contact": (await _contact(session, "h1", HEIR_PHONE, None)).id,
            "stranger_contact": (await _contact(session, "s1", STRANGER_PHONE, None)).id,
        }
    return ids


def death(world, reporter: str, *, phone: str | None = None, person: str | None = None, **extra) -> NewClaim:
    return NewClaim(
        kind=claims.DEATH,
        event_date=DIED,
        reporter_name="Pelapor",
        worker_id=world["worker"],
        cause="illness",
        reporter_contact_id=world[reporter],
        reporter_person_id=world[person] if person else None,
        reporter_relation="spouse",
        reporter_phone=phone,
        **extra,
    )


async def _deceased_on(database, worker_id: int) -> date | None:
    async with database.transaction() as session:
        return (await session.get(Worker, worker_id)).deceased_on


@pytest.mark.parametrize(
    ("reporter", "phone", "person"),
    [
        ("heir_contact", HEIR_PHONE, None),  # the heir recorded at registration, by their verified phone
        ("cadre_contact", CADRE_PHONE, "cadre"),  # the worker's cadre
        ("admin_contact", ADMIN_PHONE, "admin"),  # an admin
    ],
)
async def test_a_trusted_report_marks_the_worker_deceased_at_once(database, world, reporter, phone, person):
    async with database.transaction() as session:
        opened = await claims.open_claim(session, death(world, reporter, phone=phone, person=person), now=NOW)
    assert opened.match == claims.CONFIRMED and opened.worker_marked_deceased
    assert opened.reference == f"KLM-2026-{opened.id:06d}"
    assert await _deceased_on(database, world["worker"]) == DIED
    async with database.transaction() as session:
        assert await claims.workers_reported_dead(session) == set()
        assert [e.subject_id for e in await audit.events(session, "claim.opened")] == [opened.reference]
        assert [e.subject_id for e in await audit.events(session, "worker.deceased")] == [str(world["worker"])]


@pytest.mark.parametrize(
    ("reporter", "phone", "person"),
    [
        ("stranger_contact", STRANGER_PHONE, None),  # anyone else
        ("heir_contact", None, None),  # the heir's words, but no verified phone
        ("other_cadre_contact", OTHER_CADRE_PHONE, "other_cadre"),  # a cadre of another village
    ],
)
async def test_an_unvouched_report_is_pending_and_leaves_the_worker_alive(database, world, reporter, phone, person):
    async with database.transaction() as session:
        opened = await claims.open_claim(session, death(world, reporter, phone=phone, person=person), now=NOW)
    assert opened.match == claims.PENDING and not opened.worker_marked_deceased
    assert await _deceased_on(database, world["worker"]) is None
    async with database.transaction() as session:
        assert await claims.workers_reported_dead(session) == {world["worker"]}
        assert await claims.is_reported_dead(session, world["worker"])


async def test_a_cadre_confirms_a_pending_report_and_the_reporter_is_told(database, world):
    async with database.transaction() as session:
        opened = await claims.open_claim(session, death(world, "stranger_contact", phone=STRANGER_PHONE), now=NOW)
    async with database.transaction() as session:
        actor = claim_decisions.Actor(person_id=world["cadre"], contact_id=world["cadre_contact"])
        decision = await claim_decisions.confirm_death_report(session, opened.reference, actor=actor)
        assert decision.notify_contact_id == world["stranger_contact"]
        assert await claims.notify_contact(session, decision.notify_contact_id, decision.notice_key, lambda lang: "ok")
        assert not await claims.notify_contact(session, decision.notify_contact_id, decision.notice_key, lambda _: "x")
        assert await claims.workers_reported_dead(session) == set()
    assert await _deceased_on(database, world["worker"]) == DIED
    async with database.transaction() as session:
        with pytest.raises(claims.ClaimStateError):
            await claim_decisions.confirm_death_report(session, opened.reference)


async def test_a_rejected_report_closes_the_case_and_never_touched_the_worker(database, world):
    async with database.transaction() as session:
        opened = await claims.open_claim(session, death(world, "stranger_contact", phone=STRANGER_PHONE), now=NOW)
    async with database.transaction() as session:
        decision = await claim_decisions.reject_death_report(session, opened.reference, "masih hidup")
        assert (decision.claim.status, decision.claim.match) == (claims.REFUSED, claims.REJECTED)
        assert decision.notify_contact_id == world["stranger_contact"]
        assert await claims.workers_reported_dead(session) == set()
        assert [e.details["reason"] for e in await audit.events(session, "claim.rejected")] == ["masih hidup"]
    assert await _deceased_on(database, world["worker"]) is None


async def test_a_second_death_report_returns_the_first(database, world):
    async with database.transaction() as session:
        first = await claims.open_claim(session, death(world, "stranger_contact", phone=STRANGER_PHONE), now=NOW)
    async with database.transaction() as session:
        second = await claims.open_claim(session, death(world, "heir_contact", phone=HEIR_PHONE), now=NOW)
    assert second.existing and (second.id, second.reference) == (first.id, first.reference)
    async with database.transaction() as session:
        assert len(await claims.list_claims(session)) == 1
        # Once the first is rejected, a new report may be opened.
        await claim_decisions.reject_death_report(session, first.reference, "salah orang")
        third = await claims.open_claim(session, death(world, "heir_contact", phone=HEIR_PHONE), now=NOW)
        assert not third.existing and third.id != first.id


async def test_staff_are_told_exactly_the_village_cadres_and_admins_never_the_reporter(database, world):
    async with database.transaction() as session:
        opened = await claims.open_claim(session, death(world, "heir_contact", phone=HEIR_PHONE), now=NOW)
        assert await claims.notify_staff(session, opened.id, lambda language: f"[{language}] kasus baru") == 2
        assert await claims.notify_staff(session, opened.id, lambda language: "again") == 0  # keys already used
        rows = list(await session.scalars(select(OutboundMessage).order_by(OutboundMessage.contact_id)))
    assert {(row.contact_id, row.body, row.kind) for row in rows} == {
        (world["cadre_contact"], "[id] kasus baru", "claim"),
        (world["admin_contact"], "[en] kasus baru", "claim"),
    }
    assert {row.key for row in rows} == {
        f"claim:{opened.id}:{world['cadre_contact']}",
        f"claim:{opened.id}:{world['admin_contact']}",
    }


async def test_a_cadre_reporting_is_not_told_of_their_own_report(database, world):
    async with database.transaction() as session:
        new = death(world, "cadre_contact", phone=CADRE_PHONE, person="cadre")
        opened = await claims.open_claim(session, new, now=NOW)
        assert await claims.notify_staff(session, opened.id, lambda language: "kasus") == 1
        rows = list(await session.scalars(select(OutboundMessage)))
    assert [row.contact_id for row in rows] == [world["admin_contact"]]


async def test_a_report_by_name_and_village_tells_that_village_s_cadre(database, world):
    async with database.transaction() as session:
        new = NewClaim(
            kind=claims.DEATH,
            event_date=DIED,
            reporter_name="Tetangga",
            village_code=OTHER_VILLAGE,
            named_worker="Pak Amat",
            reporter_contact_id=world["stranger_contact"],
            reporter_phone=STRANGER_PHONE,
        )
        opened = await claims.open_claim(session, new, now=NOW)
        assert opened.match == claims.PENDING
        assert await claims.notify_staff(session, opened.id, lambda language: "kasus") == 2
        rows = list(await session.scalars(select(OutboundMessage)))
        assert {row.contact_id for row in rows} == {world["other_cadre_contact"], world["admin_contact"]}
        with pytest.raises(claims.ClaimStateError):  # nobody to mark until the cadre names the worker
            await claim_decisions.confirm_death_report(session, opened.reference)


async def test_withdrawal_restores_the_worker_and_cancels_reminders(database, world):
    async with database.transaction() as session:
        opened = await claims.open_claim(session, death(world, "cadre_contact", phone=CADRE_PHONE, person="cadre"))
    assert await _deceased_on(database, world["worker"]) == DIED
    async with database.transaction() as session:
        decision = await claim_decisions.withdraw_claim(session, opened.reference, "salah orang")
        assert decision.claim.status == claims.WITHDRAWN and decision.worker_status_changed
        assert decision.notify_contact_id == world["cadre_contact"]
        assert [e.subject_id for e in await audit.events(session, "worker.deceased_undone")] == [str(world["worker"])]
        with pytest.raises(claims.ClaimStateError):
            await claim_decisions.withdraw_claim(session, opened.reference, "again")
    assert await _deceased_on(database, world["worker"]) is None


async def test_withdrawing_a_pending_report_lets_reminders_resume(database, world):
    async with database.transaction() as session:
        opened = await claims.open_claim(session, death(world, "stranger_contact", phone=STRANGER_PHONE))
        assert await claims.workers_reported_dead(session) == {world["worker"]}
        decision = await claim_decisions.withdraw_claim(session, opened.reference, "keliru")
        assert not decision.worker_status_changed
        assert await claims.workers_reported_dead(session) == set()
    assert await _deceased_on(database, world["worker"]) is None


async def test_processing_an_accident_stops_its_stage_one_reminders(database, world):
    at = datetime(2026, 11, 27, 22, 0, tzinfo=UTC)
    async with database.transaction() as session:
        opened = await claims.open_claim(session, accident(world, at), now=at)
        await claims.schedule_accident_reminders(session, opened.id, at + timedelta(hours=48), lambda *_: "r", now=at)
        await claim_decisions.update_status(session, opened.reference, claims.PROCESSING)
        rows = list(await session.scalars(select(OutboundMessage)))
        claim = await claims.claim_by_reference(session, opened.reference)
    assert len(rows) == 2 and {r.status for r in rows} == {SKIPPED}
    assert claim.closed_at is None


async def test_withdrawal_keeps_a_death_recorded_before_the_report(database, world):
    async with database.transaction() as session:
        (await session.get(Worker, world["worker"])).deceased_on = date(2026, 11, 20)
        opened = await claims.open_claim(session, death(world, "heir_contact", phone=HEIR_PHONE))
        assert not opened.worker_marked_deceased
        await claim_decisions.withdraw_claim(session, opened.reference, "dobel")
    assert await _deceased_on(database, world["worker"]) == date(2026, 11, 20)


def accident(world, at: datetime) -> NewClaim:
    return NewClaim(
        kind=claims.ACCIDENT,
        event_date=at.date(),
        event_at=at,
        reporter_name="Budi",
        worker_id=world["worker"],
        cause="work",
        details={"place": "sawah"},
        reporter_contact_id=world["stranger_contact"],
        reporter_phone=STRANGER_PHONE,
    )


async def test_accident_reminders_go_to_the_cadre_at_24_and_40_hours_and_stop_when_closed(database, world):
    at = datetime(2026, 11, 27, 22, 0, tzinfo=UTC)
    async with database.transaction() as session:
        opened = await claims.open_claim(session, accident(world, at), now=at + timedelta(hours=1))
        assert await _deceased_on_session(session, world["worker"]) is None
        deadline = at + timedelta(hours=48)
        count = await claims.schedule_accident_reminders(
            session, opened.id, deadline, lambda language, point: f"{point}", now=at + timedelta(hours=1)
        )
        assert count == 2
        rows = list(await session.scalars(select(OutboundMessage).order_by(OutboundMessage.not_before)))
        assert [(r.contact_id, r.not_before, r.body, r.key) for r in rows] == [
            (
                world["cadre_contact"],
                at + timedelta(hours=24),
                "24h",
                f"claim:{opened.id}:stage1:24h:{world['cadre_contact']}",
            ),
            (
                world["cadre_contact"],
                at + timedelta(hours=40),
                "40h",
                f"claim:{opened.id}:stage1:40h:{world['cadre_contact']}",
            ),
        ]
    async with database.transaction() as session:
        await claim_decisions.update_status(session, opened.reference, claims.PAID, "lunas")
        rows = list(await session.scalars(select(OutboundMessage)))
        assert {r.status for r in rows} == {SKIPPED}
        assert await claims.schedule_accident_reminders(session, opened.id, deadline, lambda *_: "x") == 0


async def _deceased_on_session(session, worker_id: int) -> date | None:
    return (await session.get(Worker, worker_id)).deceased_on


async def test_a_late_report_gets_only_the_reminders_still_ahead(database, world):
    at = datetime(2026, 11, 27, 22, 0, tzinfo=UTC)
    async with database.transaction() as session:
        opened = await claims.open_claim(session, accident(world, at), now=at + timedelta(hours=30))
        count = await claims.schedule_accident_reminders(
            session, opened.id, at + timedelta(hours=48), lambda _, point: point, now=at + timedelta(hours=30)
        )
        rows = list(await session.scalars(select(OutboundMessage)))
    assert count == 1 and [r.body for r in rows] == ["40h"] and rows[0].status == PENDING


async def test_withdrawing_an_accident_cancels_its_reminders(database, world):
    at = datetime(2026, 11, 27, 22, 0, tzinfo=UTC)
    async with database.transaction() as session:
        opened = await claims.open_claim(session, accident(world, at), now=at)
        await claims.schedule_accident_reminders(session, opened.id, at + timedelta(hours=48), lambda *_: "r", now=at)
        await claim_decisions.withdraw_claim(session, opened.reference, "bukan kecelakaan kerja")
        rows = list(await session.scalars(select(OutboundMessage)))
    assert len(rows) == 2 and {r.status for r in rows} == {SKIPPED}
    assert await _deceased_on(database, world["worker"]) is None


async def test_the_outcome_died_marks_the_worker_deceased(database, world):
    at = datetime(2026, 11, 27, 22, 0, tzinfo=UTC)
    async with database.transaction() as session:
        opened = await claims.open_claim(session, accident(world, at), now=at)
        decision = await claim_decisions.record_outcome(session, opened.reference, "died", on=date(2026, 11, 29))
        assert decision.worker_status_changed and decision.claim.outcome == "died"
        with pytest.raises(ValueError):
            await claim_decisions.record_outcome(session, opened.reference, "meninggal")
    assert await _deceased_on(database, world["worker"]) == date(2026, 11, 29)


async def test_documents_are_kept_once_per_checksum(database, world):
    async with database.transaction() as session:
        opened = await claims.open_claim(session, death(world, "heir_contact", phone=HEIR_PHONE))
        values = {"kind": "death_letter", "path": "2026/11/a.jpg", "content_type": "image/jpeg", "size_bytes": 1234}
        assert await claims.attach_document(session, opened.id, sha256="a" * 64, **values)
        assert not await claims.attach_document(session, opened.id, sha256="a" * 64, **values)
        assert await claims.attach_document(session, opened.id, sha256="b" * 64, **values)
        documents = await claims.documents_of(session, opened.id)
    assert [d.sha256 for d in documents] == ["a" * 64, "b" * 64]


async def test_only_the_reporter_the_village_cadre_and_admins_may_see_a_case(database, world):
    async with database.transaction() as session:
        opened = await claims.open_claim(session, death(world, "heir_contact", phone=HEIR_PHONE))
        claim = await claims.claim_by_reference(session, f" {opened.reference.lower()} ")
        assert claim is not None and claim.id == opened.id

        async def sees(contact: str, person: str | None) -> bool:
            return await claims.may_view(
                session, claim, contact_id=world[contact], person_id=world[person] if person else None
            )

        assert await sees("heir_contact", None)
        assert await sees("cadre_contact", "cadre")
        assert await sees("admin_contact", "admin")
        assert not await sees("stranger_contact", None)
        assert not await sees("other_cadre_contact", "other_cadre")
        assert [c.id for c in await claims.claims_of_reporter(session, world["heir_contact"])] == [opened.id]
        assert await claims.claims_of_reporter(session, world["stranger_contact"]) == []


async def test_status_updates_tell_the_reporter_once_and_a_withdrawn_case_stays_put(database, world):
    async with database.transaction() as session:
        opened = await claims.open_claim(session, death(world, "heir_contact", phone=HEIR_PHONE))
        moved = await claim_decisions.update_status(session, opened.reference, claims.PROCESSING, "berkas diterima")
        same = await claim_decisions.update_status(session, opened.reference, claims.PROCESSING)
        assert (moved.changed, moved.notify_contact_id) == (True, world["heir_contact"])
        assert (same.changed, same.notify_contact_id) == (False, None)
        with pytest.raises(ValueError):
            await claim_decisions.update_status(session, opened.reference, "ditarik")
        await claim_decisions.withdraw_claim(session, opened.reference, "keliru")
        with pytest.raises(claims.ClaimStateError):
            await claim_decisions.update_status(session, opened.reference, claims.PAID)
        with pytest.raises(claims.ClaimNotFoundError):
            await claim_decisions.update_status(session, "KLM-2026-999999", claims.PAID)


async def test_overdue_lists_late_accidents_and_old_unconfirmed_deaths(database, world):
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    async with database.transaction() as session:
        late = await claims.open_claim(
            session, accident(world, now - timedelta(hours=49)), now=now - timedelta(hours=48)
        )
        fresh = await claims.open_claim(session, accident(world, now - timedelta(hours=47)), now=now)
        old_death = await claims.open_claim(
            session, death(world, "stranger_contact", phone=STRANGER_PHONE), now=now - timedelta(days=4)
        )
        overdue = {c.id for c in await claims.list_claims(session, overdue=True, now=now)}
        assert overdue == {late.id, old_death.id}
        assert fresh.id not in overdue
        await claim_decisions.update_status(session, late.reference, claims.PROCESSING)
        assert {c.id for c in await claims.list_claims(session, overdue=True, now=now)} == {old_death.id}
        assert {c.id for c in await claims.list_claims(session, village=OTHER_VILLAGE)} == set()
        assert len(await claims.list_claims(session, village=VILLAGE, status=claims.NEW)) == 2


# SQLite has one writer at a time, so two reports cannot interleave there: this runs on PostgreSQL only.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_death_reports_at_once_open_one_case_on_postgresql(database, database_url, world):
    started = asyncio.Event()

    async def report(reporter: str, phone: str, wait: bool) -> claims.OpenedClaim:
        async with database.transaction() as session:
            if wait:
                await started.wait()
            opened = await claims.open_claim(session, death(world, reporter, phone=phone))
            if not wait:
                started.set()
                await asyncio.sleep(0.2)  # hold the worker's row lock while the other report arrives
            return opened

    first, second = await asyncio.gather(
        report("stranger_contact", STRANGER_PHONE, False), report("heir_contact", HEIR_PHONE, True)
    )
    assert second.existing and second.id == first.id
    async with database.transaction() as session:
        assert len(await claims.list_claims(session)) == 1
