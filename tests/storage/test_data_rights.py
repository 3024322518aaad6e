"""Forgetting a worker in storage: the values found wherever they were typed, the row anonymised within the schema's
limits on both databases, the counts kept, shared phones respected, pseudonyms of the NIK emptied."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from storage import audit, claim_decisions, claim_traces, claims, contacts, data_rights, outbox
from storage.models import AuditEvent, Claim, ClaimDocument, Contact, OutboundMessage, Payment, Worker
from storage.personal_traces import SCRUBBED, PersonalValues
from tests.factories import VILLAGE, add_payment, add_staff, add_village, add_worker

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


# -- cases (deaths, accidents) -----------------------------------------------------------------

HEIR_PHONE = "+6281355550001"
OTHER_VILLAGE = "63.10.02.2002"
DIED = date(2026, 10, 17)


async def _open(session, **fields) -> claims.OpenedClaim:
    base = {"kind": claims.DEATH, "event_date": DIED, "reporter_name": "Rahmat Hidayat"}
    return await claims.open_claim(session, claims.NewClaim(**{**base, **fields}))


async def _attach(session, claim_id: int, name: str, sha256: str) -> None:
    assert await claims.attach_document(
        session, claim_id, kind="death_letter", path=f"/media/{name}", content_type="image/jpeg", size_bytes=1234,
        sha256=sha256,
    )  # fmt: skip


async def test_the_workers_cases_keep_their_counts_and_lose_people_and_files(database):
    siti = await add_worker(database, NIK, "Siti Aminah", date(1980, 8, 5), phone=PHONE)
    budi = await add_worker(database, "6310050101900002", "Budi Santoso", date(1990, 1, 1))
    await add_village(database, OTHER_VILLAGE)
    async with database.transaction() as session:
        heir = await contacts.get_or_create_contact(session, "whatsapp", HEIR_PHONE)
        contacts.set_verified_phone(heir, HEIR_PHONE, None)
        death = await _open(
            session, worker_id=siti, reporter_contact_id=heir.id, reporter_phone=HEIR_PHONE, reporter_relation="child",
            cause="natural", details={"typed_phone": "0813 5555 0001", "story": "Ibu Siti Aminah wafat di rumah"},
        )  # fmt: skip
        accident = await _open(
            session, kind=claims.ACCIDENT, worker_id=siti, event_at=datetime(2026, 3, 2, 1, 30, tzinfo=UTC),
            event_date=date(2026, 3, 2), reporter_relation="self", reporter_phone=PHONE,
            details={"who": "self", "place": "Jalan Poros km 7", "witnesses": "Pak Udin", "road": True},
        )  # fmt: skip
        by_name = await _open(session, village_code=VILLAGE, named_worker="siti  AMINAH")  # no worker was found
        by_nik = await _open(session, village_code=OTHER_VILLAGE, named_worker="Ibu Siti", details={"nik": NIK})
        elsewhere = await _open(session, village_code=OTHER_VILLAGE, named_worker="Siti Aminah")  # another village
        budis = await _open(session, worker_id=budi, reporter_name="Ani", details={"witnesses": "Siti Aminah"})
        await _attach(session, death.id, "a.jpg", "a" * 64)
        await _attach(session, death.id, "shared.jpg", "b" * 64)
        await _attach(session, budis.id, "shared.jpg", "b" * 64)  # the same photo, sent for Budi's case too
        await outbox.enqueue(session, heir, "claim", "Kasus KLM: dibayar", key=f"claim:{death.id}:status:1")
        for case in (death, accident, by_name, by_nik):
            await claim_decisions.withdraw_claim(session, case.reference, "Salah lapor oleh Rahmat, tetangga")
    async with database.transaction() as session:
        worker = await data_rights.find_worker(session, NIK)
        assert worker is not None
        plan = await data_rights.plan_erasure(session, worker)
        linked = {t.claim.id: t.linked_by for t in await claim_traces.claims_linked(session, worker, SITI)}
        assert linked == {
            death.id: claim_traces.BY_WORKER, accident.id: claim_traces.BY_WORKER, by_name.id: claim_traces.BY_NAME,
            by_nik.id: claim_traces.BY_NIK, budis.id: claim_traces.MENTIONED,
        }  # fmt: skip
        assert plan.claims == (death.id, accident.id, by_name.id, by_nik.id) and plan.open_claims == ()
        assert plan.counts()["claim_documents_unlinked"] == 2
        files = await data_rights.forget(session, worker, plan)
    assert files == ("/media/a.jpg",)  # shared.jpg is still Budi's case's
    async with database.transaction() as session:
        rows = {c.id: c for c in await session.scalars(select(Claim))}
        scrubbed = rows[death.id]
        assert (scrubbed.reporter_name, scrubbed.reporter_phone, scrubbed.named_worker) == (SCRUBBED, None, None)
        assert scrubbed.details == {"typed_phone": SCRUBBED, "story": SCRUBBED}
        kept = (scrubbed.kind, scrubbed.status, scrubbed.cause, scrubbed.reporter_relation, scrubbed.worker_id)
        assert kept == ("death", "ditarik", "natural", "child", siti)
        assert scrubbed.event_date == date(2026, 10, 1) and scrubbed.reporter_contact_id == heir.id
        crash = rows[accident.id]
        assert (crash.event_date, crash.event_at, crash.reporter_phone) == (date(2026, 3, 1), None, None)
        assert crash.details == {"who": "self", "place": SCRUBBED, "witnesses": SCRUBBED, "road": True}
        assert rows[by_name.id].named_worker == SCRUBBED and rows[by_name.id].worker_id is None
        assert rows[by_nik.id].details == {"nik": SCRUBBED}
        assert rows[elsewhere.id].named_worker == "Siti Aminah"  # a namesake's case elsewhere is not hers
        assert rows[budis.id].details == {"witnesses": SCRUBBED} and rows[budis.id].reporter_name == "Ani"
        documents = list(await session.scalars(select(ClaimDocument).order_by(ClaimDocument.id)))
        assert [(d.claim_id, d.kind, d.size_bytes, d.path) for d in documents] == [
            (death.id, "death_letter", 1234, SCRUBBED),
            (death.id, "death_letter", 1234, SCRUBBED),
            (budis.id, "death_letter", 1234, "/media/shared.jpg"),
        ]
        assert [d.sha256 for d in documents] == [f"anon-{documents[0].id}", f"anon-{documents[1].id}", "b" * 64]
        (notice,) = await session.scalars(select(OutboundMessage))
        assert (notice.body, notice.status) == ("", "skipped")
        events = await audit.events(session)
        reasons = [e.details["reason"] for e in events if e.action == "claim.withdrawn"]
        assert reasons == [SCRUBBED] * 4
        sums = [e.details["sha256"] for e in events if e.action == "claim.document"]
        assert sums == [SCRUBBED, SCRUBBED, "b" * 64]  # Budi's case's own document event is his
        (opened,) = [e for e in events if e.action == "claim.opened" and e.subject_id == death.reference]
        assert opened.details["kind"] == "death" and opened.details["worker_id"] == siti


async def test_a_namesake_in_the_village_or_another_nik_typed_leaves_a_case_alone(database):
    await add_worker(database, NIK, "Siti Aminah", date(1980, 8, 5))
    await add_worker(database, "6310050101900002", "Siti Aminah", date(1990, 1, 1))  # two of them in the village
    async with database.transaction() as session:
        by_name = await _open(session, village_code=VILLAGE, named_worker="Siti Aminah")
        other_nik = await _open(session, village_code=VILLAGE, named_worker="Siti Aminah", details={"nik": "1" * 16})
        worker = await data_rights.find_worker(session, NIK)
        assert worker is not None
        plan = await data_rights.plan_erasure(session, worker)
        assert plan.claims == () and plan.open_claims == ()
        await data_rights.forget(session, worker, plan)
    async with database.transaction() as session:
        for case in (by_name, other_nik):
            claim = await session.get(Claim, case.id)
            assert claim is not None and (claim.named_worker, claim.reporter_name) == ("Siti Aminah", "Rahmat Hidayat")


async def test_an_open_case_is_planned_as_open_and_a_death_recorded_keeps_its_month_in_the_events(database):
    cadre = await add_staff(database, "+6281200000001")
    siti = await add_worker(database, NIK, "Siti Aminah", date(1980, 8, 5))
    async with database.transaction() as session:
        opened = await _open(session, worker_id=siti, reporter_person_id=cadre)  # a cadre's report: confirmed
        assert opened.worker_marked_deceased
        worker = await data_rights.find_worker(session, NIK)
        assert worker is not None
        plan = await data_rights.plan_erasure(session, worker)
        assert plan.open_claims == (opened.reference,)
        await data_rights.forget(session, worker, plan)
    async with database.transaction() as session:
        (deceased,) = await audit.events(session, "worker.deceased")
        assert deceased.details == {"claim": opened.reference, "deceased_on": "2026-10"}
        claim = await session.get(Claim, opened.id)
        assert claim is not None and claim.details == {"marked_deceased": True, "previous_deceased_on": None}


async def test_a_case_the_worker_reported_loses_the_reporter_and_is_listed(database):
    siti = await add_worker(database, NIK, "Siti Aminah", date(1980, 8, 5), phone=PHONE)
    budi = await add_worker(database, "6310050101900002", "Budi Santoso", date(1990, 1, 1))
    async with database.transaction() as session:
        own = await contacts.get_or_create_contact(session, "whatsapp", PHONE)
        contacts.set_verified_phone(own, PHONE, None)
        reported = await _open(
            session, kind=claims.ACCIDENT, worker_id=budi, reporter_name="Siti Aminah", reporter_phone=PHONE,
            reporter_contact_id=own.id, details={"place": "sawah", "road": False},
        )  # fmt: skip
        worker = await data_rights.find_worker(session, NIK)
        assert worker is not None
        report = await data_rights.access_report(session, worker)
        assert [(t.claim.reference, t.linked_by, t.documents) for t in report.claims] == [
            (reported.reference, claim_traces.BY_REPORTER, 0)
        ]
        plan = await data_rights.plan_erasure(session, worker)
        assert (plan.claims, plan.claims_reported) == ((), (reported.id,))
        await data_rights.forget(session, worker, plan)
    async with database.transaction() as session:
        claim = await session.get(Claim, reported.id)
        assert claim is not None
        assert (claim.reporter_name, claim.reporter_phone, claim.reporter_contact_id) == (SCRUBBED, None, None)
        assert (claim.worker_id, claim.details, claim.event_date) == (budi, {"place": "sawah", "road": False}, DIED)
        assert siti != budi
