""" "Ubah data" read as conversations: a cadre finds a worker (or opens them from their card), picks what to change,
types the new value as at registration, confirms old → new and the change is saved and audited. The NIK and the birth
date are only an admin's to correct; KPJ numbers held by another worker, workers of other villages, workers and
strangers, and unreadable answers are all refused with the conversation kept where it was."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from flows.engine import Engine
from flows.i18n import Translator
from flows.registry import default_registry
from storage import audit, workers
from storage.database import Database
from storage.models import Worker
from tests import factories
from tests.chat import Chat
from tests.factories import add_staff, position

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)  # 22 November 2026, 18:00 in Sungai Lembu (WITA)
VILLAGE = "63.10.02.2003"  # Sungai Lembu
SECOND_VILLAGE = "63.10.02.2004"
OTHER_VILLAGE = "62.08.01.2001"  # Natai Sedawak
CADRE_PHONE = "+6281200000001"
OTHER_CADRE_PHONE = "+6281200000002"
ADMIN_PHONE = "+6281200000009"
WORKER_PHONE = "+6281350001234"
SITI = "6310054508800001"
ANDI = "6208011505850004"

ID = Translator("id")
ASK_WORKER = "Data pekerja mana yang akan diubah? " + ID("lookup.ask")
ADMIN_ONLY = (
    "NIK dan tanggal lahir tidak bisa diubah lewat chat. Hanya admin program yang dapat mengoreksinya, dengan alasan, "
    "melalui perintah kader worker edit. Mohon hubungi admin program dan sebutkan data yang benar."
)
ASK_PHONE = (
    "Nomor HP Siti Aminah sekarang: 0813-5000-1234. Ketik nomor HP yang baru (boleh nomor keluarga), atau lewati bila "
    "tidak ada nomor."
)
CONFIRM_CHOICES = "1. Simpan\n2. Ubah lagi\n3. Batal\n\nBalas 1, 2, atau 3."
SITI_DATA = (
    "Data Siti Aminah (REG-6310-000001):\n"
    "- Nomor HP: 0813-5000-1234\n"
    "- Ahli waris: tidak ada\n"
    "- Pekerjaan: Petani\n"
    "- Penghasilan: Rp1.000.000 per bulan\n"
    "- Program: JKK + JKM (Rp16.800 per bulan)\n"
    "- Desa: Sungai Lembu (63.10.02.2003)\n"
    "- No. KPJ: tidak ada\n"
    "\n"
    "Apa yang ingin diubah? (NIK dan tanggal lahir hanya dapat dikoreksi admin program.)\n"
    "\n"
    "1. Nomor HP\n"
    "2. Ahli waris (nama, hubungan, HP)\n"
    "3. Pekerjaan\n"
    "4. Penghasilan\n"
    "5. Program (JKK + JKM / + JHT)\n"
    "6. No. KPJ\n"
    "7. Kembali ke kartu pekerja\n"
    "8. Selesai\n"
    "\n"
    "Balas dengan angka 1 sampai 8."
)


@pytest.fixture
def engine(database: Database) -> Engine:
    return Engine(database, default_registry(), clock=lambda: NOW)


async def add_siti(database: Database, **options) -> int:
    """Siti, of Sungai Lembu, with her own phone."""
    return await factories.add_worker(database, SITI, "Siti Aminah", date(1980, 8, 5), phone=WORKER_PHONE, **options)


async def stored(database: Database, worker_id: int) -> Worker:
    async with database.transaction() as session:
        worker = await workers.get_worker(session, worker_id)
        assert worker is not None
        return worker


async def edits(database: Database) -> list:
    async with database.transaction() as session:
        return await audit.events(session, "worker.edited")


def cadre_chat(engine: Engine, phone: str = CADRE_PHONE, address: str = "tg-1") -> Chat:
    return Chat(engine, address, channel="telegram", phone=phone)


# -- the whole way ---------------------------------------------------------------------------------------------------


async def test_a_cadre_corrects_a_phone_and_the_audit_shows_old_and_new(engine, database):
    cadre_id = await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    worker_id = await add_siti(database)
    chat = cadre_chat(engine)

    assert await chat.say("ubah data") == ASK_WORKER
    assert await chat.say("siti") == SITI_DATA
    assert await chat.say("1") == ASK_PHONE
    confirm = await chat.say("0813 5000 9999")
    assert confirm == (
        "Periksa perubahan data Siti Aminah:\nNomor HP: 0813-5000-1234 → 0813-5000-9999\nSimpan?\n\n" + CONFIRM_CHOICES
    )
    assert (await stored(database, worker_id)).phone == WORKER_PHONE  # nothing saved before the confirmation
    # "Ubah lagi" asks the number again; the second number is the one confirmed.
    assert await chat.say("ubah lagi") == ASK_PHONE
    await chat.say("0813-5000-8888")

    saved, again = (await chat.say("ya")).split("\n\n", 1)
    assert saved == "Tersimpan:\nNomor HP: 0813-5000-1234 → 0813-5000-8888"
    assert again.startswith("Data Siti Aminah (REG-6310-000001):\n- Nomor HP: 0813-5000-8888\n")
    assert "Ada lagi yang ingin diubah?" in again
    assert await position(database, chat) == ("edit_worker", "field")

    assert (await stored(database, worker_id)).phone == "+6281350008888"
    (event,) = await edits(database)
    assert (event.subject_type, event.subject_id, event.actor_person_id) == ("worker", str(worker_id), cadre_id)
    assert event.actor_contact_id is not None
    assert event.details == {"changes": {"phone": {"old": WORKER_PHONE, "new": "+6281350008888"}}}

    assert (await chat.say("selesai")).startswith("Halo, Kader Rina Wati!")


async def test_the_same_number_again_is_no_change_and_the_question_stays(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await add_siti(database)
    chat = cadre_chat(engine)
    await chat.say("ubah data")
    await chat.say(SITI)
    await chat.say("ubah nomor hp")  # typed as people say it

    same = await chat.say("0813-5000-1234")
    assert same.startswith("Itu sama dengan data yang tercatat sekarang.")
    assert same.endswith(ASK_PHONE)
    assert await position(database, chat) == ("edit_worker", "phone")
    assert await edits(database) == []


async def test_a_new_heir_with_relation_and_phone(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    worker_id = await add_siti(database)
    chat = cadre_chat(engine)
    await chat.say("ubah data")
    await chat.say("siti")

    asked = await chat.say("ahli waris")
    assert asked == (
        "Ahli waris Siti Aminah sekarang: tidak ada. Ketik nama ahli waris yang baru, atau lewati bila tidak ada."
    )
    assert (await chat.say("budi santoso")).startswith("Apa hubungannya dengan pekerja?")
    assert (await chat.say("suami")).startswith("Nomor HP ahli waris?")
    confirm = await chat.say("081399998888")
    assert confirm.splitlines()[:5] == [
        "Periksa perubahan data Siti Aminah:",
        "Ahli waris: tidak ada → Budi Santoso",
        "Hubungan ahli waris: tidak ada → Suami / istri",
        "HP ahli waris: tidak ada → 0813-9999-8888",
        "Simpan?",
    ]
    saved = await chat.say("simpan")
    assert saved.startswith("Tersimpan:\nAhli waris: tidak ada → Budi Santoso\n")
    assert "- Ahli waris: Budi Santoso (Suami / istri, 0813-9999-8888)" in saved

    worker = await stored(database, worker_id)
    assert (worker.heir_name, worker.heir_relation, worker.heir_phone) == ("Budi Santoso", "pasangan", "+6281399998888")
    (event,) = await edits(database)
    assert event.details["changes"] == {
        "heir_name": {"old": None, "new": "Budi Santoso"},
        "heir_relation": {"old": None, "new": "pasangan"},
        "heir_phone": {"old": None, "new": "+6281399998888"},
    }

    # Removing the heir drops the relation and phone with it, without asking them.
    await chat.say("ahli waris")
    confirm = await chat.say("lewati")
    assert "Ahli waris: Budi Santoso → tidak ada" in confirm and "HP ahli waris: 0813-9999-8888 → tidak ada" in confirm
    await chat.say("ya")
    worker = await stored(database, worker_id)
    assert (worker.heir_name, worker.heir_relation, worker.heir_phone) == (None, None, None)


async def test_an_income_change_shows_the_new_contribution_and_the_month_it_applies_from(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    # Paid September to November: December is the first month the new contribution applies to.
    worker_id = await add_siti(database, paid=[(date(2026, 9, 1), 3)])
    chat = cadre_chat(engine)
    await chat.say("ubah data")
    await chat.say("siti")

    assert (await chat.say("penghasilan")).startswith(
        "Penghasilan Siti Aminah sekarang: Rp1.000.000 per bulan. Ketik penghasilan yang baru per bulan"
    )
    assert (await chat.say("1,5")).startswith("Maksudnya Rp1.500.000 (1,5 juta)?")  # read as at registration
    confirm = await chat.say("ya")
    assert confirm.splitlines()[:4] == [
        "Periksa perubahan data Siti Aminah:",
        "Penghasilan: Rp1.000.000 → Rp1.500.000",
        "Iuran baru: Rp21.800 per bulan (sebelumnya Rp16.800), berlaku mulai iuran Desember 2026.",
        "Simpan?",
    ]
    saved = await chat.say("ya")
    assert saved.startswith(
        "Tersimpan:\nPenghasilan: Rp1.000.000 → Rp1.500.000\n"
        "Iuran baru: Rp21.800 per bulan (sebelumnya Rp16.800), berlaku mulai iuran Desember 2026.\n"
    )
    assert (await stored(database, worker_id)).declared_income == 1_500_000

    # The programmes offer their contributions at the new income, from the same month.
    programmes = await chat.say("program")
    assert programmes.startswith(
        "Program Siti Aminah sekarang: JKK + JKM. Pilih program (iuran per bulan mulai Desember 2026):\n\n"
        "1. JKK + JKM: Rp21.800 per bulan\n2. JKK + JKM + JHT: Rp51.800 per bulan"
    )
    confirm = await chat.say("2")
    assert "Program: JKK + JKM → JKK + JKM + JHT" in confirm
    assert "Iuran baru: Rp51.800 per bulan (sebelumnya Rp21.800), berlaku mulai iuran Desember 2026." in confirm
    await chat.say("ya")
    assert (await stored(database, worker_id)).programmes == "JKK,JKM,JHT"
    assert [list(e.details["changes"]) for e in await edits(database)] == [["declared_income"], ["programmes"]]


async def test_a_worker_in_arrears_pays_the_new_contribution_from_the_first_unpaid_month(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await add_siti(database, paid=[(date(2026, 1, 1), 8)])  # paid through August: September is unpaid
    chat = cadre_chat(engine)
    await chat.say("ubah data")
    await chat.say("siti")
    await chat.say("penghasilan")

    confirm = await chat.say("2.000.000")
    assert "Iuran baru: Rp26.800 per bulan (sebelumnya Rp16.800), berlaku mulai iuran September 2026." in confirm


async def test_an_income_is_raised_to_a_whole_step_and_said_so(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await add_siti(database)
    chat = cadre_chat(engine)
    await chat.say("ubah data")
    await chat.say("siti")
    await chat.say("4")

    confirm = await chat.say("1.234.567")
    assert "Penghasilan: Rp1.000.000 → Rp1.300.000" in confirm
    assert "berlaku mulai iuran November 2026" in confirm  # never paid: from this month
    assert "dibulatkan ke atas menjadi Rp1.300.000" in confirm


async def test_an_occupation_typed_in_english(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    worker_id = await add_siti(database)
    chat = cadre_chat(engine)
    await chat.say("bahasa")
    await chat.say("English")

    assert (await chat.say("edit worker")).startswith("Whose details do you want to change?")
    details = await chat.say("siti")
    assert details.startswith("Details of Siti Aminah (REG-6310-000001):\n- Phone: 0813-5000-1234\n")
    assert "What do you want to change? (Only a programme admin can correct the NIK and the birth date.)" in details
    assert (await chat.say("occupation")).startswith("Siti Aminah's occupation now: Farmer. Choose the new occupation:")
    assert (await chat.say("other")).startswith("Type the occupation")
    confirm = await chat.say("penjual sayur")
    assert confirm.startswith("Check the change to Siti Aminah's details:\nOccupation: Farmer → penjual sayur\n")
    assert (await chat.say("save")).startswith("Saved:\nOccupation: Farmer → penjual sayur")
    worker = await stored(database, worker_id)
    assert (worker.occupation, worker.occupation_other) == ("lainnya", "penjual sayur")


async def test_a_cadre_of_two_villages_moves_a_worker_to_the_other_one(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE, SECOND_VILLAGE), "Rina Wati")
    worker_id = await add_siti(database)
    chat = cadre_chat(engine)
    await chat.say("ubah data")
    details = await chat.say("siti")
    assert "6. Desa\n7. No. KPJ" in details

    villages = await chat.say("desa")
    assert villages.startswith("Desa Siti Aminah sekarang: Sungai Lembu (63.10.02.2003). Pindah ke desa mana?\n\n1. ")
    assert "63.10.02.2003" not in villages.split("\n\n", 1)[1]  # only the other village is offered
    other = next(option for option in chat.last[-1].options)
    confirm = chat.render(await chat.press(other.value))
    assert f"Desa: Sungai Lembu (63.10.02.2003) → {other.label}" in confirm
    await chat.say("ya")
    assert (await stored(database, worker_id)).village_code == SECOND_VILLAGE


async def test_an_admin_moves_a_worker_to_any_village_by_its_code_and_sees_the_card(engine, database):
    await add_staff(database, ADMIN_PHONE, (), "Admin Program", admin=True)
    worker_id = await add_siti(database)
    chat = cadre_chat(engine, ADMIN_PHONE, "tg-7")
    await chat.say("ubah data")
    assert "6. Desa\n7. No. KPJ" in await chat.say(SITI)

    ask = await chat.say("desa")
    assert ask == (
        "Desa Siti Aminah sekarang: Sungai Lembu (63.10.02.2003). Pindah ke desa mana? Ketik kode desa Kemendagri "
        "(contoh 63.10.02.2003)."
    )
    unknown = await chat.say("99.99.99.9999")
    assert unknown.startswith("Kode desa itu tidak ditemukan di daftar Kemendagri.") and unknown.endswith(ask)
    confirm = await chat.say(OTHER_VILLAGE)
    assert "Desa: Sungai Lembu (63.10.02.2003) → Natai Sedawak (62.08.01.2001)" in confirm
    await chat.say("ya")
    assert (await stored(database, worker_id)).village_code == OTHER_VILLAGE

    # The admin serves no village: the card is the staff status card, with the whole NIK.
    card = await chat.say("kembali ke kartu pekerja")
    assert card.startswith(f"Siti Aminah (REG-6310-000001)\nNIK: {SITI}\n")
    assert await position(database, chat) == ("menu", "item")


async def test_a_wage_earners_contribution_is_left_to_the_branch_office(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await add_siti(database, segment="PU", occupation="rt_rw")
    chat = cadre_chat(engine)
    await chat.say("ubah data")
    assert "- Program: JKK + JKM (iuran ditetapkan kantor cabang)\n" in await chat.say("siti")
    await chat.say("penghasilan")

    confirm = await chat.say("3 juta")
    assert confirm.splitlines()[1:3] == [
        "Penghasilan: Rp1.000.000 → Rp3.000.000",
        "Iuran penerima upah (PU) ditetapkan kantor cabang: sampaikan perubahan ini ke kantor cabang BPJS "
        "Ketenagakerjaan.",
    ]


# -- refused, and the conversation stays -----------------------------------------------------------------------------


async def test_batal_at_the_confirmation_saves_nothing(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    worker_id = await add_siti(database)
    chat = cadre_chat(engine)
    await chat.say("ubah data")
    await chat.say("siti")
    await chat.say("program")
    assert "Program: JKK + JKM → JKK + JKM + JHT" in await chat.say("JKK + JKM + JHT")

    cancelled = await chat.say("batal")
    assert cancelled.startswith("Dibatalkan. Tidak ada yang disimpan.\n\nHalo, Kader Rina Wati!")
    assert (await stored(database, worker_id)).programmes == "JKK,JKM"
    assert await edits(database) == []


async def test_a_kpj_number_another_worker_holds_is_refused_and_the_question_stays(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    worker_id = await add_siti(database)
    other_id = await factories.add_worker(database, "6310051203750002", "Budi", date(1975, 3, 12))
    async with database.transaction() as session:
        (await workers.get_worker(session, other_id)).kpj = "17012345678"
    chat = cadre_chat(engine)
    await chat.say("ubah data")
    await chat.say("siti")

    ask = await chat.say("no. kpj")
    assert ask == (
        "No. KPJ Siti Aminah sekarang: tidak ada. Ketik No. KPJ dari kartu peserta BPJS Ketenagakerjaan (11 angka)."
    )
    taken = await chat.say("170 1234 5678")
    assert taken == (
        "No. KPJ 17012345678 sudah dipakai pekerja lain, jadi tidak bisa dicatat untuk pekerja ini. Periksa lagi "
        "kartunya, lalu ketik nomor yang benar, atau ketik batal.\n\n" + ask
    )
    assert await position(database, chat) == ("edit_worker", "kpj")
    short = await chat.say("1701234567")
    assert short.startswith("No. KPJ harus 11 angka; yang diketik 10 angka.")
    assert await position(database, chat) == ("edit_worker", "kpj")

    confirm = await chat.say("KPJ: 17012345679")
    assert "No. KPJ: tidak ada → 17012345679" in confirm
    await chat.say("ya")
    assert (await stored(database, worker_id)).kpj == "17012345679"
    assert (await stored(database, other_id)).kpj == "17012345678"


async def test_a_kpj_taken_between_the_question_and_the_save_asks_the_kpj_again(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    worker_id = await add_siti(database)
    other_id = await factories.add_worker(database, "6310051203750002", "Budi", date(1975, 3, 12))
    chat = cadre_chat(engine)
    await chat.say("ubah data")
    await chat.say("siti")
    await chat.say("kpj")
    await chat.say("17012345678")
    async with database.transaction() as session:  # another cadre records it for Budi meanwhile
        (await workers.get_worker(session, other_id)).kpj = "17012345678"

    taken = await chat.say("simpan")
    assert taken.startswith("No. KPJ 17012345678 sudah dipakai pekerja lain")
    assert taken.endswith("Ketik No. KPJ dari kartu peserta BPJS Ketenagakerjaan (11 angka).")
    assert await position(database, chat) == ("edit_worker", "kpj")
    assert (await stored(database, worker_id)).kpj is None
    assert await edits(database) == []


async def test_a_cadre_cannot_edit_a_worker_of_another_village(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await add_staff(database, OTHER_CADRE_PHONE, (OTHER_VILLAGE,), "Yanti")
    andi_id = await factories.add_worker(
        database, ANDI, "Andi", date(1985, 5, 15), village=OTHER_VILLAGE, phone="+6281350004444"
    )
    chat = cadre_chat(engine)
    await chat.say("ubah data")

    for typed in (ANDI, "andi"):
        refused = await chat.say(typed)
        assert refused.startswith(ID("lookup.not_found"))
        assert refused.endswith(ASK_WORKER)
        assert await position(database, chat) == ("edit_worker", "query")
    # Andi's own cadre finds him.
    theirs = cadre_chat(engine, OTHER_CADRE_PHONE, "tg-2")
    await theirs.say("ubah data")
    assert (await theirs.say("andi")).startswith("Data Andi (REG-6208-000001):")
    assert (await stored(database, andi_id)).phone == "+6281350004444"


async def test_ubah_nik_is_refused_with_the_admin_route(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    worker_id = await add_siti(database)
    chat = cadre_chat(engine)

    # Typed at the menu: says who corrects the NIK, then offers the other changes.
    assert await chat.say("ubah NIK") == ADMIN_ONLY + "\n\n" + ASK_WORKER
    # Typed where the worker is asked: the same answer, once.
    assert await chat.say("ganti tanggal lahir") == ADMIN_ONLY + "\n\n" + ASK_WORKER
    await chat.say("siti")
    # Typed where the change is chosen: the same answer, and the choice again.
    refused = await chat.say("ubah NIK")
    assert refused == ADMIN_ONLY + "\n\n" + SITI_DATA
    assert await position(database, chat) == ("edit_worker", "field")
    worker = await stored(database, worker_id)
    assert (worker.nik, worker.birth_date) == (SITI, date(1980, 8, 5))
    assert await edits(database) == []


async def test_a_worker_or_a_stranger_cannot_open_it(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await add_siti(database)

    worker = Chat(engine, WORKER_PHONE, channel="whatsapp", phone=WORKER_PHONE)
    denied = await worker.say("ubah data")
    assert denied.startswith(
        "Mengubah data pekerja hanya bisa dilakukan oleh kader desa atau admin program. Bila data Anda sendiri keliru, "
        "minta kader desa Anda untuk memperbaikinya.\n\n"
    )
    assert await position(database, worker) == ("menu", "item")

    stranger = Chat(engine, "tg-9", channel="telegram")  # no phone shared yet: asked for it
    asked = await stranger.say("ubah data")
    assert asked.startswith("Layanan ini untuk kader.")
    assert (await position(database, stranger))[0] == "menu"

    stranger_wa = Chat(engine, "+6281399990000", channel="whatsapp", phone="+6281399990000")
    assert (await stranger_wa.say("ubah NIK")).startswith("Mengubah data pekerja hanya bisa dilakukan oleh kader")
    assert await edits(database) == []


async def test_bad_input_keeps_the_question(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    worker_id = await add_siti(database)
    chat = cadre_chat(engine)
    await chat.say("ubah data")
    assert (await chat.say("🙂")).startswith(ID("lookup.query_invalid"))
    await chat.say("siti")
    assert (await chat.say("🙂")).startswith("Jawaban itu tidak ada di pilihan.")
    assert await position(database, chat) == ("edit_worker", "field")
    await chat.say("nomor hp")

    emoji = await chat.say("📱📱📱")
    assert emoji.startswith("Itu bukan nomor HP.") and emoji.endswith(ASK_PHONE)
    long = await chat.say("0813" * 1250)  # 5,000 characters
    assert (
        long
        == "Pesan Anda terlalu panjang (lebih dari 1.000 huruf). Mohon kirim jawaban yang lebih singkat.\n\n"
        + (ASK_PHONE)
    )
    voice = chat.render(await chat.send(None, unsupported="voice"))
    assert voice == "Maaf, saya hanya bisa membaca pesan teks. Silakan ketik jawaban Anda.\n\n" + ASK_PHONE
    assert await position(database, chat) == ("edit_worker", "phone")

    await chat.say("kpj")  # not a phone: refused, still at the phone
    assert await position(database, chat) == ("edit_worker", "phone")
    assert (await stored(database, worker_id)).phone == WORKER_PHONE
    assert await edits(database) == []


# -- from the worker's card ------------------------------------------------------------------------------------------


async def test_the_cards_ubah_data_opens_the_flow_with_the_worker_chosen_and_goes_back_to_the_card(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    worker_id = await add_siti(database)
    chat = cadre_chat(engine)
    await chat.say("pekerja saya")
    card = await chat.say("Siti Aminah")
    assert "2. Ubah data\n3. Batalkan pembayaran" in card

    details = chat.render(await chat.press("edit"))
    assert details == SITI_DATA  # no NIK or name asked
    assert await position(database, chat) == ("edit_worker", "field")
    await chat.say("nomor hp")
    await chat.say("081350005555")
    await chat.say("ya")
    assert (await stored(database, worker_id)).phone == "+6281350005555"

    back = await chat.say("kembali ke kartu pekerja")
    assert back.startswith("Siti Aminah (REG-6310-000001)\nNIK: ")
    assert back.endswith("5. Kembali ke daftar\n\nBalas dengan angka 1 sampai 5.")
    assert await position(database, chat) == ("my_workers", "action")


async def test_the_cards_void_button_opens_the_void_with_the_worker_chosen(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await add_siti(database, paid=[(date(2026, 9, 1), 3)])  # imported from the branch office's file
    chat = cadre_chat(engine)
    await chat.say("pekerja saya")
    await chat.say("Siti Aminah")

    void = await chat.say("batalkan pembayaran")
    assert "Siti Aminah" in void
    assert ID("lookup.ask") not in void
