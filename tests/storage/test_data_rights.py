"""Forgetting a worker in storage: the values found wherever they were typed, the row anonymised within the schema's
limits on both databases, the counts kept, shared phones respected, pseudonyms of the NIK emptied."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from storage import audit, contacts, data_rights, outbox
from storage.models import AuditEvent, Contact, OutboundMessage, Payment, Worker
from storage.personal_traces import SCRUBBED, PersonalValues
from tests.factories import add_payment, add_staff, add_worker

NIK = "6310054508800001"
PHONE = "+6281350001234"
SITI = PersonalValues(NIK, "Siti Aminah", PHONE, date(1980, 8, 5))


# -- finding the values ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("NIK 6310054508800001", ("nik",)),
        ("6310 0545 0880 0001", ("nik",)),
        ("6310-0545-0880-0001", ("nik",)),
        ("NIK: 631005******0001", ("nik",)),
        ("Siti Aminah", ("name",)),
        ("halo SITI   aminah!", ("name",)),
        ("+6281350001234", ("phone",)),
        ("6281350001234", ("phone",)),
        ("0813-5000-1234", ("phone",)),
        ("(0813) 5000 1234", ("phone",)),
        ("1980-08-05", ("birth_date",)),
        ("05-08-1980", ("birth_date",)),
        ("05081980", ("birth_date",)),
        ("5 Agustus 1980", ("birth_date",)),
        ("05 agt 1980", ("birth_date",)),
        ("5 August 1980", ("birth_date",)),
        ({"answers": {"nik": {"number": NIK}, "name": "Siti Aminah"}}, ("nik", "name")),
        ({"1": "Siti Aminah", "2": "REG-6310-000001"}, ("name",)),
    ],
)
def test_each_value_is_found_as_people_type_it(text, found):
    assert SITI.found_in(text) == found


@pytest.mark.parametrize(
    "text",
    [
        "Siti Aminahwati",  # another name: whole words only
        "Siti",
        "6310054508800002",
        "+6281350001235",
        "15 Agustus 1980",
        "5 September 1980",
        {"village": "63.10.02.2003", "registration_number": "REG-6310-000001"},
        None,
    ],
)
def test_what_is_not_the_worker_is_not_found(text):
    assert SITI.found_in(text) == ()


def test_scrubbing_replaces_whole_strings_keys_and_numbers_and_keeps_the_rest():
    details = {
        "mode": "own",
        "query": "cari Siti Aminah",
        "nested": [{"phone": "0813 5000 1234"}, 16800],
        NIK: "a key",
        "nik_number": int(NIK),
        "ok": True,
    }
    assert SITI.scrub(details) == {
        "mode": "own",
        "query": SCRUBBED,
        "nested": [{"phone": SCRUBBED}, 16800],
        SCRUBBED: "a key",
        "nik_number": SCRUBBED,
        "ok": True,
    }


# -- forgetting --------------------------------------------------------------------------------


async def _forget(session, nik: str, pseudonyms=()) -> data_rights.ErasurePlan:
    worker = await data_rights.find_worker(session, nik, lock=True)
    assert worker is not None
    plan = await data_rights.plan_erasure(session, worker, pseudonyms)
    await data_rights.forget(session, worker, plan)
    return plan


async def test_the_row_stays_anonymous_with_what_the_counts_need(database):
    cadre = await add_staff(database, "+6281200000001")
    worker_id = await add_worker(
        database, NIK, "Siti Aminah", date(1980, 8, 5), phone=PHONE, registered_by=cadre, payer="worker",
        occupation="ojek_sopir", income=2_500_000, programmes=("JKK", "JKM", "JHT"),
        paid=[(date(2026, 1, 1), 6), (date(2026, 7, 1), 6)], deceased_on=date(2026, 10, 17),
    )  # fmt: skip
    async with database.transaction() as session:
        before = await session.get(Worker, worker_id)
        assert before is not None
        registered_at, consent_at = before.registered_at, before.consent_at
        await _forget(session, NIK)
    async with database.transaction() as session:
        worker = await session.get(Worker, worker_id)
        assert worker is not None and data_rights.is_forgotten(worker)
        assert (worker.nik, worker.name, worker.birth_date) == (
            f"anon-{worker_id}",
            f"anon-{worker_id}",
            date(1900, 1, 1),
        )
        assert (worker.phone, worker.heir_name, worker.heir_phone, worker.sponsor, worker.occupation_other) == (
            None,
        ) * 5
        assert worker.declared_income == 1_000_000
        kept = (worker.village_code, worker.segment, worker.programmes, worker.payer, worker.occupation, worker.sex)
        assert kept == ("63.10.02.2003", "BPU", "JKK,JKM,JHT", "worker", "ojek_sopir", "F")
        assert (worker.registered_by, worker.registered_at, worker.consent_at) == (cadre, registered_at, consent_at)
        assert worker.registration_number == f"REG-6310-{worker_id:06d}"
        assert worker.deceased_on == date(2026, 10, 1)  # the month of death still counts
        paid = [(p.first_month, p.months, p.amount) for p in await data_rights.payments_of(session, worker_id)]
        assert paid == [(date(2026, 1, 1), 6, 100_800), (date(2026, 7, 1), 6, 100_800)]
        assert await data_rights.find_worker(session, NIK) is None
        assert (await data_rights.find_worker(session, f"anon-{worker_id}")) is worker
    # The person may be registered again: the NIK is free.
    await add_worker(database, NIK, "Siti Aminah", date(1980, 8, 5))


async def test_the_placeholder_fits_the_nik_column_for_the_largest_id(database):
    await add_staff(database, "+6281200000001")
    async with database.transaction() as session:
        session.add(
            Worker(
                id=2_147_483_647, nik=NIK, name="Siti Aminah", birth_date=date(1980, 8, 5), sex="F",
                occupation="petani", segment="BPU", declared_income=1_000_000, programmes="JKK,JKM", payer="village",
                village_code="63.10.02.2003", consent_at=datetime(2026, 11, 22, tzinfo=UTC),
            )
        )  # fmt: skip
    async with database.transaction() as session:
        await _forget(session, NIK)
    async with database.transaction() as session:
        worker = await session.get(Worker, 2_147_483_647)
        assert worker is not None and worker.nik == "anon-2147483647" and len(worker.nik) <= 16


async def test_a_phone_another_worker_shares_keeps_its_contact_and_only_this_workers_messages_go(database):
    siti = await add_worker(database, NIK, "Siti Aminah", date(1980, 8, 5), phone=PHONE)
    budi = await add_worker(database, "6310050101900002", "Budi Santoso", date(1990, 1, 1), phone=PHONE)
    async with database.transaction() as session:
        contact = await contacts.get_or_create_contact(session, "whatsapp", PHONE)
        contacts.set_verified_phone(contact, PHONE, None)
        for worker_id, name in ((siti, "Siti Aminah"), (budi, "Budi Santoso")):
            await outbox.enqueue(
                session, contact, "registration", f"Halo {name}", key=f"registration:{worker_id}:{contact.id}",
                variables={"1": name},
            )  # fmt: skip
    async with database.transaction() as session:
        plan = await _forget(session, NIK)
        assert plan.counts()["contacts_kept_shared_phone"] == 1 and plan.own_contacts == ()
    async with database.transaction() as session:
        kept = await session.get(Contact, contact.id)
        assert kept is not None and kept.phone == PHONE
        messages = list(await session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))
        assert [(m.body, m.variables, m.status) for m in messages] == [
            ("", {}, "skipped"),
            ("Halo Budi Santoso", {"1": "Budi Santoso"}, "pending"),
        ]
        assert messages[0].reason == data_rights.FORGOTTEN_REASON


async def test_a_staff_phone_keeps_its_contact(database):
    await add_staff(database, PHONE)  # a cadre registered as a worker too
    await add_worker(database, NIK, "Siti Aminah", date(1980, 8, 5), phone=PHONE)
    async with database.transaction() as session:
        contact = await contacts.get_or_create_contact(session, "telegram", "777")
        contacts.set_verified_phone(contact, PHONE, None)
        plan = await _forget(session, NIK)
    assert (plan.own_contacts, plan.shared_contacts) == ((), (contact.id,))


async def test_the_workers_own_contact_goes_with_its_conversation_and_messages_and_events_forget_it(database):
    worker_id = await add_worker(database, NIK, "Siti Aminah", date(1980, 8, 5), phone=PHONE)
    async with database.transaction() as session:
        contact = await contacts.get_or_create_contact(session, "whatsapp", PHONE)
        contacts.set_verified_phone(contact, PHONE, None)
        await outbox.enqueue(session, contact, "registration", "Halo", key=f"registration:{worker_id}:{contact.id}")
        await audit.record_event(
            session, "status_lookup", contact_id=contact.id, subject_type="worker", subject_id=str(worker_id)
        )
    async with database.transaction() as session:
        plan = await _forget(session, NIK)
        assert plan.counts()["contacts_deleted"] == 1 and plan.counts()["messages_deleted"] == 1
    async with database.transaction() as session:
        assert await session.get(Contact, contact.id) is None
        assert await session.scalar(select(func.count()).select_from(OutboundMessage)) == 0
        (event,) = await audit.events(session, "status_lookup")
        assert (event.actor_contact_id, event.subject_type, event.subject_id) == (None, "worker", str(worker_id))


async def test_audit_details_are_scrubbed_and_pseudonyms_of_the_nik_emptied(database):
    worker_id = await add_worker(database, NIK, "Siti Aminah", date(1980, 8, 5), phone=PHONE)
    await add_payment(database, worker_id, date(2026, 1, 1), 1, reference=NIK)  # a NIK typed as the receipt
    async with database.transaction() as session:
        await audit.record_event(
            session, "worker.corrected", subject_type="worker", subject_id=str(worker_id),
            details={"before": {"name": "Siti Aminah", "phone": PHONE}, "field": "name"},
        )  # fmt: skip
        await audit.record_event(session, "status_lookup_failed", subject_type="nik_hash", subject_id="abc123")
        await audit.record_event(session, "status_lookup_failed", subject_type="nik_hash", subject_id="other")
    async with database.transaction() as session:
        plan = await _forget(session, NIK, pseudonyms=(("nik_hash", "abc123"),))
        assert plan.counts()["audit_events_scrubbed"] == 2
    async with database.transaction() as session:
        events = {e.subject_id: e for e in await audit.events(session)}
        corrected = events[str(worker_id)]
        assert (corrected.action, corrected.details) == (
            "worker.corrected",
            {"before": {"name": SCRUBBED, "phone": SCRUBBED}, "field": "name"},
        )
        assert None in events and events[None].subject_type is None  # the pseudonym is gone, the event stays
        assert events["other"].subject_type == "nik_hash"
        (payment,) = await session.scalars(select(Payment))
        assert payment.reference == f"anon-{payment.id}"
        assert await session.scalar(select(func.count()).select_from(AuditEvent)) == 3
