""" "Cek laporan KLM-…" read as conversations: the reporter, the worker's cadre and the admins see a case's status and
next step; anyone else, a cadre of another village included, gets exactly the answer an unknown reference gets. A
cadre looking at a pending death report confirms or rejects it, and the reporter is told either way."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from flows.engine import Engine
from flows.i18n import Translator
from flows.registry import default_registry
from tests.chat import Chat
from tests.factories import add_staff, position
from tests.flows.claim_arrange import (
    BUDI_NIK,
    STRANGER_PHONE,
    add_budi,
    claims_in,
    contact_id,
    messages_to,
    village_cadre,
    worker_row,
)

ID = Translator("id")
EN = Translator("en")
NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
REFERENCE = "KLM-2026-000001"
MENU_ANYONE = ID("menu.greeting.anyone")


@pytest.fixture
def engine(database) -> Engine:
    return Engine(database, default_registry(), clock=lambda: NOW)


async def pending_death_report(engine: Engine) -> Chat:
    """A neighbour (verified on WhatsApp, not the heir) reports Budi's death: pending."""
    neighbour = Chat(engine, "whatsapp:+6281399990001", channel="whatsapp", phone=STRANGER_PHONE)
    for typed in ("lapor kematian", BUDI_NIK, "ya", "kemarin", "1", "Ahmad", "tetangga", "lewati", "ya"):
        await neighbour.send(typed)
    return neighbour


async def test_the_reporter_follows_the_case_by_its_reference(engine, database):
    await village_cadre(engine, database)
    await add_budi(database)
    neighbour = await pending_death_report(engine)
    card, menu = (await neighbour.say(f"cek laporan {REFERENCE}")).split("\n\n", 1)
    assert card == (
        "Laporan KLM-2026-000001 (kematian)\n"
        "Pekerja: Budi\n"
        "Tanggal kejadian: 28 November 2026\n"
        "Status: Baru\n"
        "Langkah berikutnya: kader desa memastikan laporan ini."
    )
    assert menu.startswith(MENU_ANYONE)
    # "cek laporan" alone offers their own cases.
    asked = (await neighbour.send("cek laporan"))[0]
    assert asked.text == ID("claims.status.pick")
    assert [o.label for o in asked.options] == ["KLM-2026-000001: kematian, 28 November 2026"]
    assert (await neighbour.say("1")).startswith("Laporan KLM-2026-000001 (kematian)\nPekerja: Budi\n")


async def test_a_stranger_cannot_read_a_case_and_learns_nothing_from_the_reference(engine, database):
    await village_cadre(engine, database)
    await add_budi(database)
    await pending_death_report(engine)
    stranger = Chat(engine, "+6281377770009")
    known = await stranger.say(f"cek laporan {REFERENCE}")
    unknown = await stranger.say("cek laporan KLM-2026-000999")
    assert known == unknown.replace("KLM-2026-000999", REFERENCE)
    assert known.startswith(ID("claims.status.unknown", reference=REFERENCE))
    # A reference typed alone opens the check too; a cadre of another village sees no more.
    await add_staff(database, "+6281200000002", ("62.08.01.2001",), "Yanti")
    other_cadre = Chat(engine, "tg-other", channel="telegram", phone="+6281200000002")
    assert (await other_cadre.say(REFERENCE)).startswith(ID("claims.status.unknown", reference=REFERENCE))


async def test_the_cadre_confirms_a_pending_death_report_and_the_reporter_is_told(engine, database):
    cadre, _ = await village_cadre(engine, database)
    worker_id = await add_budi(database)
    neighbour = await pending_death_report(engine)
    assert (await worker_row(database, worker_id)).deceased_on is None

    shown = await cadre.say(f"cek laporan {REFERENCE}")
    assert "Pekerja: Budi Santoso, REG-6310-000001\n" in shown
    assert shown.endswith(
        ID("claims.decide.ask") + "\n\n1. Konfirmasi: benar meninggal\n2. Tolak: laporan tidak benar\n3. Nanti saja"
        "\n\nBalas 1, 2, atau 3."
    )
    done = await cadre.say("1")
    assert done.startswith(ID("claims.decide.confirmed", reference=REFERENCE, name="Budi Santoso"))
    assert (await worker_row(database, worker_id)).deceased_on == date(2026, 11, 28)
    (claim,) = await claims_in(database)
    assert claim.match == "confirmed"
    (told,) = await messages_to(database, await contact_id(database, neighbour))
    assert told.body.startswith("Laporan KLM-2026-000001 sudah dipastikan oleh kader desa.")
    assert ID("claims.coverage.protected", date="28 November 2026") in told.body
    # Decided: no second decision is offered.
    again = await cadre.say(REFERENCE)
    assert ID("claims.decide.ask") not in again and "Langkah berikutnya: siapkan dokumen" in again


async def test_the_cadre_rejects_a_false_report_and_the_worker_is_unchanged(engine, database):
    cadre, _ = await village_cadre(engine, database)
    worker_id = await add_budi(database)
    neighbour = await pending_death_report(engine)
    await cadre.send(REFERENCE)
    done = await cadre.say("tolak")
    assert done.startswith(ID("claims.decide.rejected", reference=REFERENCE, name="Budi Santoso"))
    assert (await worker_row(database, worker_id)).deceased_on is None
    (claim,) = await claims_in(database)
    assert (claim.match, claim.status) == ("rejected", "ditolak")
    (told,) = await messages_to(database, await contact_id(database, neighbour))
    assert told.body == ID("claims.status.told_rejected", reference=REFERENCE)


async def test_a_cadre_may_leave_the_decision_for_later(engine, database):
    cadre, _ = await village_cadre(engine, database)
    worker_id = await add_budi(database)
    await pending_death_report(engine)
    await cadre.send(REFERENCE)
    assert (await cadre.say("nanti")).startswith(ID("claims.decide.kept", reference=REFERENCE))
    assert (await claims_in(database))[0].match == "pending"
    assert (await worker_row(database, worker_id)).deceased_on is None


async def test_a_wrong_reference_is_asked_again(engine, database):
    chat = Chat(engine, "+6281377770010")
    assert await chat.say("cek laporan") == ID("claims.status.ask")
    for typed in ("12345", "🙏", "x" * 900):
        assert (await chat.say(typed)).startswith(ID("claims.status.invalid"))
        assert await position(database, chat) == ("claim_status", "reference")
    assert (await chat.say("klm 2026 42")).startswith(ID("claims.status.unknown", reference="KLM-2026-000042"))


async def test_the_reporter_checks_in_english(engine, database):
    await village_cadre(engine, database)
    await add_budi(database)
    neighbour = await pending_death_report(engine)
    await neighbour.send("bahasa")
    await neighbour.send("English")
    card = await neighbour.say(f"check report {REFERENCE}")
    assert card.startswith(
        "Report KLM-2026-000001 (death)\nWorker: Budi\nDay of the event: 28 November 2026\nStatus: New\n"
        "Next step: the village cadre confirms this report."
    )
