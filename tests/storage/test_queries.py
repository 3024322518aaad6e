"""The typed queries: contacts, received ids, people and roles, conversations, audit events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from storage import audit, contacts, conversations, people, received_messages, villages
from storage.models import Contact, Person, Role
from tests.factories import add_village

SUNGAI_LEMBU, BETUNG, WIRITASI = "63.10.02.2003", "63.10.02.2002", "63.10.02.2004"
PHONE = "+6281234567890"


async def _count(session, model) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)))


async def _villages(session, *codes: str) -> None:
    for code in codes:
        await add_village(session, code)


# -- contacts -------------------------------------------------------------------------------


async def test_get_or_create_contact_creates_once(database):
    async with database.transaction() as session:
        first = await contacts.get_or_create_contact(session, "telegram", "1001", language="en")
        again = await contacts.get_or_create_contact(session, "telegram", "1001")
    async with database.transaction() as session:
        later = await contacts.get_or_create_contact(session, "telegram", "1001")
        other_channel = await contacts.get_or_create_contact(session, "whatsapp", "1001")
        assert await _count(session, Contact) == 2
    assert first.id == again.id == later.id != other_channel.id
    assert later.language == "en"
    assert (later.opted_out, later.phone, later.person_id) == (False, None, None)
    assert later.created_at.tzinfo is not None


# -- received message ids --------------------------------------------------------------------


async def test_record_received_reports_a_redelivery(database):
    async with database.transaction() as session:
        contact = await contacts.get_or_create_contact(session, "telegram", "1001")
        assert await received_messages.record_received(session, "telegram", "update-7", contact.id) is True
        assert await received_messages.record_received(session, "telegram", "update-7", contact.id) is False
    async with database.transaction() as session:
        assert await received_messages.record_received(session, "telegram", "update-7", contact.id) is False
        assert await received_messages.record_received(session, "whatsapp", "update-7", None) is True
        assert await received_messages.record_received(session, "telegram", "update-8", None) is True


# -- people and roles ------------------------------------------------------------------------


async def test_adding_a_person_again_adds_roles_to_the_same_person(database):
    async with database.transaction() as session:
        await _villages(session, SUNGAI_LEMBU, BETUNG, WIRITASI)
        first = await people.add_person(session, "Siti", PHONE, [SUNGAI_LEMBU, BETUNG])
    async with database.transaction() as session:
        again = await people.add_person(session, "Siti Rahmah", PHONE, [SUNGAI_LEMBU, BETUNG, WIRITASI])
        assert again.id == first.id
        assert await _count(session, Person) == 1
        roles = list(await session.scalars(select(Role).order_by(Role.village_code)))
        assert [(r.role, r.village_code) for r in roles] == [
            ("cadre", BETUNG),
            ("cadre", SUNGAI_LEMBU),
            ("cadre", WIRITASI),
        ]
        staff = await people.staff_by_phone(session, PHONE)
    assert staff is not None
    assert staff.name == "Siti Rahmah"
    assert staff.village_codes == (BETUNG, SUNGAI_LEMBU, WIRITASI)
    assert staff.is_cadre and not staff.is_admin


async def test_admin_adds_the_admin_role_once(database):
    async with database.transaction() as session:
        await _villages(session, SUNGAI_LEMBU)
        await people.add_person(session, "Siti", PHONE, [SUNGAI_LEMBU])
        await people.add_person(session, "Siti", PHONE, [], admin=True)
        await people.add_person(session, "Siti", PHONE, [SUNGAI_LEMBU], admin=True)
    async with database.transaction() as session:
        staff = await people.staff_by_phone(session, PHONE)
        assert await _count(session, Role) == 2
    assert staff is not None and staff.is_admin and staff.village_codes == (SUNGAI_LEMBU,)


async def test_an_admin_need_not_serve_a_village(database):
    async with database.transaction() as session:
        await people.add_person(session, "Pak Admin", "+6281399990000", [], admin=True)
    async with database.transaction() as session:
        staff = await people.staff_by_phone(session, "+6281399990000")
    assert staff is not None and staff.is_admin and not staff.is_cadre and staff.village_codes == ()


async def test_staff_by_phone_is_none_for_a_stranger(database):
    async with database.transaction() as session:
        await _villages(session, SUNGAI_LEMBU)
        await people.add_person(session, "Siti", PHONE, [SUNGAI_LEMBU])
        assert await people.staff_by_phone(session, "+6281300000001") is None
        staff = await people.staff_by_phone(session, PHONE)
    assert staff is not None and staff.phone == PHONE and staff.person_id > 0


async def test_list_staff_and_count_people(database):
    async with database.transaction() as session:
        assert await people.count_people(session) == 0
        await _villages(session, SUNGAI_LEMBU, BETUNG)
        await people.add_person(session, "Yanti", "+6281300000002", [BETUNG])
        await people.add_person(session, "Agus", "+6281300000001", [SUNGAI_LEMBU, BETUNG], admin=True)
    async with database.transaction() as session:
        assert await people.count_people(session) == 2
        listed = [(p.name, sorted(v.name for v in served)) for p, served in await people.list_staff(session)]
    assert listed == [("Agus", ["Betung", "Sungai Lembu"]), ("Yanti", ["Betung"])]


async def test_a_phone_belongs_to_one_person(database):
    with pytest.raises(IntegrityError):
        async with database.transaction() as session:
            session.add_all([Person(name="A", phone=PHONE), Person(name="B", phone=PHONE)])
            await session.flush()


async def test_a_cadre_role_needs_a_village(database):
    with pytest.raises(IntegrityError):
        async with database.transaction() as session:
            person = await people.add_person(session, "Siti", PHONE, [])
            session.add(Role(person_id=person.id, role="cadre", village_code=None))
            await session.flush()


async def test_link_person_to_contacts_links_every_contact_with_that_phone(database):
    async with database.transaction() as session:
        telegram = await contacts.get_or_create_contact(session, "telegram", "1001")
        whatsapp = await contacts.get_or_create_contact(session, "whatsapp", "whatsapp:" + PHONE)
        stranger = await contacts.get_or_create_contact(session, "telegram", "1002")
        contacts.set_verified_phone(telegram, PHONE, None)
        contacts.set_verified_phone(whatsapp, PHONE, None)
        contacts.set_verified_phone(stranger, "+6281300000001", None)
    async with database.transaction() as session:
        await _villages(session, SUNGAI_LEMBU)
        person = await people.add_person(session, "Siti", PHONE, [SUNGAI_LEMBU])
        assert await contacts.link_person_to_contacts(session, person.id, PHONE) == 2
    async with database.transaction() as session:
        linked = {c.channel: c.person_id for c in await contacts.contacts_with_phone(session, PHONE)}
        assert linked == {"telegram": person.id, "whatsapp": person.id}
        assert (await contacts.get_contact(session, stranger.id)).person_id is None
        assert await contacts.link_person_to_contacts(session, person.id, "+6281311112222") == 0


async def test_ensure_village_copies_the_official_names_once(database):
    async with database.transaction() as session:
        await _villages(session, SUNGAI_LEMBU)
        await _villages(session, SUNGAI_LEMBU)
    async with database.transaction() as session:
        village = await villages.get_village(session, SUNGAI_LEMBU)
        assert [v.code for v in await villages.list_villages(session)] == [SUNGAI_LEMBU]
    assert village is not None
    assert (village.name, village.district, village.timezone) == ("Sungai Lembu", "Kusan Hilir", "Asia/Makassar")


# -- conversations ---------------------------------------------------------------------------


async def _contact_id(database) -> int:
    async with database.transaction() as session:
        return (await contacts.get_or_create_contact(session, "console", PHONE)).id


async def test_a_new_conversation_is_empty(database):
    contact_id = await _contact_id(database)
    async with database.transaction() as session:
        state = await conversations.load_for_update(session, contact_id)
    assert (state.flow, state.step, state.data) == (None, None, {})
    assert state.updated_at is not None and state.updated_at.tzinfo is not None


async def test_save_and_load_keep_flow_step_and_nested_answers(database):
    contact_id = await _contact_id(database)
    answers = {"worker": {"name": "Budi", "jobs": ["nelayan", "petani"], "income": 1_500_000}, "confirmed": False}
    async with database.transaction() as session:
        state = await conversations.load_for_update(session, contact_id)
        state.flow, state.step, state.data = "register", "birth_date", answers
        await conversations.save(session, contact_id, state)
    async with database.transaction() as session:
        loaded = await conversations.load_for_update(session, contact_id)
    assert (loaded.flow, loaded.step) == ("register", "birth_date")
    assert loaded.data == answers
    assert loaded.updated_at.tzinfo is not None and loaded.updated_at.utcoffset() == UTC.utcoffset(None)


async def test_a_loaded_conversation_is_a_detached_copy(database):
    contact_id = await _contact_id(database)
    async with database.transaction() as session:
        state = await conversations.load_for_update(session, contact_id)
        state.flow, state.step, state.data = "register", "nik", {"worker": {"name": "Budi"}}
        await conversations.save(session, contact_id, state)
    async with database.transaction() as session:
        changed = await conversations.load_for_update(session, contact_id)
        changed.flow, changed.step = "report_death", "ask"
        changed.data["worker"]["name"] = "Changed without saving"
        changed.data["extra"] = 1
        # Loading again in the same session must not see the unsaved changes either.
        same_session = await conversations.load_for_update(session, contact_id)
        assert same_session.data == {"worker": {"name": "Budi"}}
    async with database.transaction() as session:
        loaded = await conversations.load_for_update(session, contact_id)
    assert (loaded.flow, loaded.step, loaded.data) == ("register", "nik", {"worker": {"name": "Budi"}})


async def test_changing_a_state_after_saving_it_changes_nothing(database):
    contact_id = await _contact_id(database)
    async with database.transaction() as session:
        state = await conversations.load_for_update(session, contact_id)
        state.flow, state.step, state.data = "register", "nik", {"worker": {"name": "Budi"}}
        await conversations.save(session, contact_id, state)
        state.data["worker"]["name"] = "Changed after saving"
    async with database.transaction() as session:
        loaded = await conversations.load_for_update(session, contact_id)
    assert loaded.data == {"worker": {"name": "Budi"}}


async def test_saving_records_the_given_time_of_activity(database):
    contact_id = await _contact_id(database)
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    async with database.transaction() as session:
        state = await conversations.load_for_update(session, contact_id)
        state.step = "x"
        await conversations.save(session, contact_id, state, at=at)
    async with database.transaction() as session:
        loaded = await conversations.load_for_update(session, contact_id)
    assert loaded.step == "x" and loaded.updated_at == at


# -- audit -----------------------------------------------------------------------------------


async def test_audit_events_are_kept_in_order_with_their_details(database):
    async with database.transaction() as session:
        contact = await contacts.get_or_create_contact(session, "console", PHONE)
        await _villages(session, SUNGAI_LEMBU)
        person = await people.add_person(session, "Siti", PHONE, [SUNGAI_LEMBU])
        await audit.record_event(
            session,
            "person.roles",
            contact_id=contact.id,
            person_id=person.id,
            subject_type="person",
            subject_id=str(person.id),
            details={"villages": [SUNGAI_LEMBU], "admin": False, "nested": {"n": 1}},
        )
        await audit.record_event(session, "status.lookup", subject_type="worker", subject_id="17")
        await audit.record_event(session, "person.roles", subject_type="person", subject_id="99")
    async with database.transaction() as session:
        every = await audit.events(session)
        roles = await audit.events(session, "person.roles")
        assert await audit.events(session, "nothing.here") == []
    assert [e.action for e in every] == ["person.roles", "status.lookup", "person.roles"]
    assert [e.subject_id for e in roles] == [str(person.id), "99"]
    first = every[0]
    assert (first.actor_contact_id, first.actor_person_id, first.subject_type) == (contact.id, person.id, "person")
    assert first.details == {"villages": [SUNGAI_LEMBU], "admin": False, "nested": {"n": 1}}
    assert every[1].details == {} and every[1].actor_contact_id is None
    assert first.at.tzinfo is not None and first.at <= every[2].at


async def test_the_nth_latest_event_answers_whether_a_limit_is_reached_and_until_when(database):
    base = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    async with database.transaction() as session:
        mine = await contacts.get_or_create_contact(session, "telegram", "1001")
        other = await contacts.get_or_create_contact(session, "whatsapp", "whatsapp:" + PHONE)
        for minute, contact, action, subject in (
            (0, mine, "status_lookup_failed", "k1"),
            (1, mine, "status_lookup_failed", "k2"),
            (2, other, "status_lookup_failed", "k1"),
            (3, other, "status_lookup_matched", None),
            (4, mine, "status_lookup_blocked", "k1"),
            (5, mine, "status_lookup_failed", "k1"),
        ):
            await audit.record_event(
                session,
                action,
                contact_id=contact.id,
                subject_type="nik_hash" if subject else "worker",
                subject_id=subject or "7",
                at=base + timedelta(minutes=minute),
            )
    failed, checks = ("status_lookup_failed",), ("status_lookup_failed", "status_lookup_matched")
    async with database.transaction() as session:
        # By one contact: its three misses; the second latest is minute 1, and there is no fourth.
        assert await audit.nth_latest_by_contact(session, failed, mine.id, base, 2) == base + timedelta(minutes=1)
        assert await audit.nth_latest_by_contact(session, failed, mine.id, base, 4) is None
        # The window: only what happened since the time given counts.
        assert await audit.nth_latest_by_contact(session, failed, mine.id, base + timedelta(minutes=1), 3) is None
        # About one subject, by anyone: k1 was missed at minutes 0, 2 and 5 (the block at 4 is no miss).
        about = audit.nth_latest_about
        assert await about(session, "status_lookup_failed", "nik_hash", "k1", base, 3) == base
        assert await about(session, "status_lookup_failed", "nik_hash", "k1", base, 4) is None
        assert await about(session, "status_lookup_failed", "nik_hash", "k2", base, 1) == base + timedelta(minutes=1)
        # Overall: five checks (matched or missed) by everyone; the block is no check.
        assert await audit.nth_latest(session, checks, base, 5) == base
        assert await audit.nth_latest(session, checks, base, 4) == base + timedelta(minutes=1)
        assert await audit.nth_latest(session, checks, base, 1) == base + timedelta(minutes=5)
        assert await audit.nth_latest(session, checks, base, 6) is None
        with pytest.raises(ValueError):
            await audit.nth_latest(session, checks, base, 0)
