"""Consent comes first (UU 27/2022 PDP): a registration opens with an honest privacy notice, nothing personal is
asked or kept before the worker agreed, and "tidak setuju" ends it kindly with nothing stored, in both languages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from flows.engine import Engine
from flows.i18n import Translator
from flows.registry import default_registry
from storage.database import Database
from storage.models import Worker
from tests.chat import Chat
from tests.factories import add_staff, conversation_of, position

ID = Translator("id")
EN = Translator("en")
NOW = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)  # before the wall clock: see test_register_transcripts.py
VILLAGE = "63.10.02.2003"
OTHER_VILLAGE = "63.10.02.2004"
CADRE_PHONE = "+6281200000001"
NIK = "6310054508800001"

NOTICE = """Pemberitahuan privasi:
- Yang dicatat: NIK, nama, tanggal lahir, jenis kelamin, nomor HP, pekerjaan, penghasilan dan ahli waris pekerja, \
untuk mendaftarkannya di program BPJS Ketenagakerjaan desa.
- Yang bisa melihat: kader desa pekerja, admin program, kantor cabang BPJS Ketenagakerjaan (lewat data yang dikirim \
program), dan pemakai nomor HP yang didaftarkan.
- Keluarga atau orang lain yang tahu NIK dan satu data lain hanya bisa melihat kata status (misalnya Aktif) dan \
tanggalnya.
- Untuk memperbaiki atau menghapus data, pekerja bisa meminta lewat kadernya atau admin program.
Kader mendaftarkan atas nama pekerja: apakah pekerja sudah mendengar ini dan setuju?"""
REFUSED = (
    "Baik, pendaftaran dihentikan dan tidak ada data pekerja yang disimpan. Bila nanti pekerja setuju, pilih "
    "Daftarkan pekerja lagi di menu."
)


@pytest.fixture
def engine(database: Database) -> Engine:
    return Engine(database, default_registry(), clock=lambda: NOW)


async def workers_stored(database: Database) -> int:
    async with database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(Worker)) or 0)


async def stored_state(database: Database, chat: Chat) -> dict:
    """The conversation row as the database holds it: flow, step and the answers so far."""
    row = await conversation_of(database, chat.channel, chat.address)
    return {"flow": row.flow, "step": row.step, "state": row.state}


def holds_nothing_personal(stored: dict) -> bool:
    """No NIK and no name anywhere in the stored conversation."""
    text = repr(stored)
    answers = stored["state"].get("answers", {})
    return NIK not in text and "Siti" not in text and "nik" not in answers and "name" not in answers


async def test_a_registration_opens_with_the_privacy_notice_and_asks_nothing_personal_before_consent(engine, database):
    await add_staff(database, CADRE_PHONE)
    chat = Chat(engine, "tg-1", channel="telegram", phone=CADRE_PHONE)

    await chat.say("daftar")
    intro, consent = chat.last
    assert intro.text == ID("register.intro")
    assert consent.text == NOTICE
    assert [option.label for option in consent.options] == ["Ya, pekerja setuju", "Tidak setuju"]
    # Who sees the data: the cadre, the admins, the branch office; a family member only the status word and date.
    for named in ("kader desa pekerja", "admin program", "kantor cabang BPJS Ketenagakerjaan", "kata status"):
        assert named in consent.text, named
    assert "memperbaiki atau menghapus data" in consent.text

    stored = await stored_state(database, chat)
    assert (stored["flow"], stored["step"]) == ("register", "consent")
    assert stored["state"]["answers"] == {}  # nothing at all is kept before the answer

    assert await chat.say("1") == ID("register.nik.ask")
    answers = (await stored_state(database, chat))["state"]["answers"]
    assert answers == {"consent": "yes"}  # that consent was given, and nothing else yet


async def test_a_cadre_of_two_villages_consents_before_choosing_the_village(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE, OTHER_VILLAGE))
    chat = Chat(engine, "tg-2", channel="telegram", phone=CADRE_PHONE)
    await chat.say("daftar")
    assert await position(database, chat) == ("register", "consent")
    assert (await chat.say("setuju")).startswith(ID("register.village.ask"))


@pytest.mark.parametrize("answer", ["tidak setuju", "Tidak", "gak", "nggak", "2"])
async def test_tidak_setuju_ends_the_registration_with_nothing_stored(engine, database, answer):
    await add_staff(database, CADRE_PHONE)
    chat = Chat(engine, "tg-3", channel="telegram", phone=CADRE_PHONE)
    await chat.say("daftar")
    assert holds_nothing_personal(await stored_state(database, chat))

    replies = await chat.send(answer)
    assert replies[0].text == REFUSED
    assert "Halo, Kader Rina Wati!" in replies[-1].text and replies[-1].options  # then the menu
    stored = await stored_state(database, chat)
    assert (stored["flow"], stored["step"]) == ("menu", "item")
    assert stored["state"]["answers"] == {} and holds_nothing_personal(stored)
    assert await workers_stored(database) == 0


async def test_the_tidak_setuju_button_ends_it_too(engine, database):
    await add_staff(database, CADRE_PHONE)
    chat = Chat(engine, "tg-4", channel="telegram", phone=CADRE_PHONE)
    await chat.say("daftar")
    replies = await chat.press("no")
    assert replies[0].text == REFUSED
    assert await position(database, chat) == ("menu", "item")
    assert await workers_stored(database) == 0


async def test_an_unclear_answer_is_refused_with_the_reason_and_the_notice_again(engine, database):
    await add_staff(database, CADRE_PHONE)
    chat = Chat(engine, "tg-5", channel="telegram", phone=CADRE_PHONE)
    await chat.say("daftar")
    shown = await chat.say("nanti dulu")
    assert shown.startswith(
        "Data pekerja hanya boleh dicatat bila pekerja setuju. Balas 1 jika pekerja setuju, atau 2 jika tidak setuju."
    )
    assert NOTICE in shown
    assert await position(database, chat) == ("register", "consent")
    assert (await stored_state(database, chat))["state"]["answers"] == {}


async def test_the_notice_and_a_refusal_in_english(engine, database):
    await add_staff(database, CADRE_PHONE)
    chat = Chat(engine, "tg-6", channel="telegram", phone=CADRE_PHONE)
    await chat.say("bahasa")
    await chat.say("English")

    await chat.say("register")
    consent = chat.last[-1]
    assert consent.text.startswith("Privacy notice:\n- Recorded: the worker's NIK, name, date of birth")
    for named in (
        "their village cadres",
        "the programme admins",
        "the BPJS Ketenagakerjaan branch office (through the programme's exports)",
        "sees only the status word (such as Active) and its date",
        "To correct or delete the data, the worker can ask their cadre or the programme admin.",
        "The cadre registers on the worker's behalf: has the worker heard this and agreed?",
    ):
        assert named in consent.text, named
    assert [option.label for option in consent.options] == ["Yes, the worker agrees", "Does not agree"]

    replies = await chat.send("no")
    assert replies[0].text == EN("register.consent.refused")
    assert replies[0].text.startswith("All right, the registration is stopped and none of the worker's data was")
    stored = await stored_state(database, chat)
    assert (stored["flow"], stored["step"]) == ("menu", "item") and holds_nothing_personal(stored)
    assert await workers_stored(database) == 0


async def test_ubah_at_the_summary_still_works_and_consent_is_no_summary_line(engine, database):
    await add_staff(database, CADRE_PHONE)
    chat = Chat(engine, "tg-7", channel="telegram", phone=CADRE_PHONE)
    await chat.say("daftar")
    for text in ("1", NIK, "Siti Aminah", "ya", "1", "lewati", "petani", "1jt", "desa", "1"):
        await chat.say(text)
    summary = await chat.say("lewati")
    lines = [line for line in summary.splitlines() if line[:1].isdigit()]
    assert lines[0] == "1. NIK: 6310054508800001" and len(lines) == 10
    assert not any("setuju" in line.lower() for line in lines)  # consent is no field of the summary
    assert await chat.say("ubah 2") == ID("register.name.ask")
    assert "2. Nama: Siti Aminah Binti Ahmad" in (await chat.say("siti aminah binti ahmad")).splitlines()
    assert "REG-6310-" in await chat.say("ya")
    assert await workers_stored(database) == 1
