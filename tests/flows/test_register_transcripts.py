"""Registering a worker, read as conversations: the whole way in both languages, who may register where,
what is stored, audited, exported and told to the worker."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from bot import cli
from flows.engine import Engine
from flows.i18n import Translator
from flows.registry import default_registry
from storage import contacts, villages
from storage.database import Database
from storage.models import AuditEvent, OutboundMessage, Worker
from tests.chat import Chat
from tests.factories import add_staff, add_village, position

ID = Translator("id")
EN = Translator("en")

# "Today" for every conversation here. It lies before the wall clock on purpose: the engine compares its clock
# with the wall-clock `updated_at` the conversation store writes, so a clock ahead of the wall clock would
# offer "resume?" on every message.
NOW = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)

VILLAGE = "63.10.02.2003"  # Sungai Lembu, Kusan Hilir, Tanah Bumbu
OTHER_VILLAGE = "63.10.02.2004"  # Wiritasi, same kecamatan
FAR_VILLAGE = "62.08.01.2001"  # Natai Sedawak, Sukamara
CADRE_PHONE = "+6281200000001"
NIK = "6310054508800001"
WORKER_PHONE = "+6281350001234"

MENU_STEP = ("menu", "item")


@pytest.fixture
def engine(database: Database) -> Engine:
    return Engine(database, default_registry(), clock=lambda: NOW)


async def all_workers(database: Database) -> list[Worker]:
    async with database.transaction() as session:
        return list(await session.scalars(select(Worker).order_by(Worker.id)))


async def run_cli(*argv: str) -> int:
    """`kader ...` in-process; in a thread because the command runs its own event loop."""
    return await asyncio.to_thread(cli.main, list(argv))


# -- the whole way ----------------------------------------------------------------------------------


async def test_a_cadre_registers_siti_aminah_in_bahasa_indonesia(engine, database, database_url, capsys, tmp_path):
    cadre_id = await add_staff(database, CADRE_PHONE)
    chat = Chat(engine, "tg-1001", channel="telegram", phone=CADRE_PHONE)

    opening = await chat.say("daftar")
    assert opening.startswith("Pendaftaran pekerja baru.")
    consent = opening.split("\n\n", 1)[1]  # consent is the first question, before any personal data
    assert consent.startswith("Pemberitahuan privasi:")
    assert "apakah pekerja sudah mendengar ini dan setuju?" in consent
    assert "1. Ya, pekerja setuju" in consent and "2. Tidak setuju" in consent
    assert "desa mana" not in opening  # the cadre's only village is chosen for them

    assert await chat.say("1") == "Ketik NIK pekerja (16 angka sesuai KTP)."
    assert await chat.say(NIK) == "Ketik nama lengkap pekerja sesuai KTP."
    birth = await chat.say("siti AMINAH")
    assert "Menurut NIK: 5 Agustus 1980." in birth
    sex = await chat.say("ya")
    assert sex.startswith("Jenis kelamin pekerja? (menurut NIK: Perempuan)")
    assert "1. Perempuan" in sex and "2. Laki-laki" in sex
    assert await chat.say("1") == ID("register.phone.ask")
    occupation = await chat.say("0813 5000 1234")
    assert "1. Petani" in occupation and "12. Lainnya" in occupation
    income = await chat.say("petani")
    assert income.startswith("Berapa perkiraan penghasilan pekerja per bulan?")
    assert "antara Rp1.000.000 dan Rp20.700.000" in income
    payer = await chat.say("1jt")
    assert "1. Desa (APBDes)" in payer and "3. Donatur / pihak lain" in payer
    programmes = await chat.say("desa")
    assert programmes.startswith("Penghasilan dicatat Rp1.000.000. Pilih program:")
    assert "1. JKK + JKM: Rp16.800 per bulan" in programmes
    assert "2. JKK + JKM + JHT: Rp36.800 per bulan" in programmes
    assert "potongan" not in programmes  # a farmer gets no transport discount
    assert await chat.say("1") == ID("register.heir.ask")
    relation = await chat.say("budi santoso")
    assert relation.startswith(ID("register.heir.relation"))
    assert await chat.say("suami") == ID("register.heir.phone")

    summary = await chat.say("lewati")
    assert summary.startswith("Mohon periksa kembali:")
    for line in (
        "1. NIK: 6310054508800001",
        "2. Nama: Siti Aminah",
        "3. Tanggal lahir: 5 Agustus 1980",
        "4. Jenis kelamin: Perempuan",
        "5. No. HP: +6281350001234",
        "6. Pekerjaan: Petani",
        "7. Penghasilan per bulan: Rp1.000.000",
        "8. Pembayar iuran: Desa (APBDes)",
        "9. Program: JKK + JKM: Rp16.800 per bulan",
        "10. Ahli waris: Budi Santoso (Suami / istri)",
    ):
        assert line in summary.splitlines(), line
    assert await all_workers(database) == []  # nothing is stored before "ya"

    saved = await chat.say("ya")
    number = re.search(r"REG-6310-\d{6}", saved)
    assert number is not None, saved
    assert saved.startswith(f"Tersimpan. Siti Aminah terdaftar dengan nomor registrasi {number.group()}.")
    assert "Status: belum aktif - menunggu iuran pertama (Rp16.800 per bulan)." in saved
    assert "Halo, Kader Rina Wati!" in saved  # and back at the menu
    assert await position(database, chat) == MENU_STEP

    [worker] = await all_workers(database)
    assert worker.registration_number == number.group() == f"REG-6310-{worker.id:06d}"
    assert (worker.nik, worker.name, worker.birth_date, worker.sex) == (NIK, "Siti Aminah", date(1980, 8, 5), "F")
    assert worker.phone == WORKER_PHONE
    assert (worker.occupation, worker.occupation_other, worker.segment) == ("petani", None, "BPU")
    assert (worker.declared_income, worker.programmes) == (1_000_000, "JKK,JKM")
    assert (worker.payer, worker.sponsor) == ("village", None)
    assert (worker.heir_name, worker.heir_relation, worker.heir_phone) == ("Budi Santoso", "pasangan", None)
    assert (worker.village_code, worker.registered_by) == (VILLAGE, cadre_id)
    assert worker.consent_at == NOW
    assert worker.deceased_on is None

    async with database.transaction() as session:
        events = list(await session.scalars(select(AuditEvent).where(AuditEvent.action == "worker.registered")))
    assert len(events) == 1
    assert (events[0].subject_type, events[0].subject_id) == ("worker", str(worker.id))
    assert events[0].actor_person_id == cadre_id
    assert events[0].details == {"village": VILLAGE, "registration_number": worker.registration_number}

    capsys.readouterr()
    assert await run_cli("export", "workers", "--full-nik", "--database", database_url) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 1
    row = rows[0]
    assert row["nik"] == NIK and row["name"] == "Siti Aminah" and row["birth_date"] == "1980-08-05"
    assert row["sex"] == "F" and row["phone"] == WORKER_PHONE and row["occupation"] == "petani"
    assert row["segment"] == "BPU" and row["declared_income"] == "1000000" and row["programmes"] == "JKK+JKM"
    assert row["monthly_contribution"] == "16800"
    assert row["village_code"] == VILLAGE and row["village_name"] == "Sungai Lembu"
    assert row["payer"] == "village" and row["registration_number"] == worker.registration_number
    assert row["registered_by"] == "Rina Wati" and row["status"] == "belum_aktif"

    sheet_path = tmp_path / "workers.xlsx"
    assert (
        await run_cli(
            "export", "workers", "--full-nik", "--database", database_url, "--format", "xlsx", "-o", str(sheet_path)
        )
        == 0
    )
    sheet = load_workbook(sheet_path, read_only=True)["workers"]
    header, *values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert len(values) == 1
    assert dict(zip(header, ["" if v is None else str(v) for v in values[0]], strict=True)) == row


async def test_a_cadre_registers_siti_aminah_in_english(engine, database):
    await add_staff(database, CADRE_PHONE)
    chat = Chat(engine, "wa-1002", channel="whatsapp", phone=CADRE_PHONE)
    await chat.say("bahasa")
    assert "All right, we will continue in English." in await chat.say("English")

    opening = await chat.say("register")
    assert opening.startswith("Registering a new worker.")
    assert "Privacy notice:" in opening and "has the worker heard this and agreed?" in opening
    assert "1. Yes, the worker agrees" in opening and "2. Does not agree" in opening
    assert await chat.say("agree") == "Type the worker's NIK (16 digits, as on the KTP)."
    assert await chat.say(NIK) == "Type the worker's full name as on the KTP."
    assert "According to the NIK: 5 August 1980." in await chat.say("siti AMINAH")
    assert (await chat.say("yes")).startswith("The worker's sex? (according to the NIK: Female)")
    await chat.say("female")
    await chat.say("skip")
    await chat.say("farmer")
    await chat.say("1jt")
    programmes = await chat.say("the village (APBDes)")
    assert programmes.startswith("Income recorded as Rp1,000,000. Choose the programmes:")
    assert "1. JKK + JKM: Rp16,800 a month" in programmes
    await chat.say("1")
    summary = await chat.say("skip")
    assert summary.startswith("Please check:")
    for line in (
        "1. NIK: 6310054508800001",
        "2. Name: Siti Aminah",
        "3. Date of birth: 5 August 1980",
        "4. Sex: Female",
        "5. Phone: none",
        "6. Occupation: Farmer",
        "7. Monthly income: Rp1,000,000",
        "8. Paid by: The village (APBDes)",
        "9. Programmes: JKK + JKM: Rp16,800 a month",
        "10. Heir: none",
    ):
        assert line in summary.splitlines(), line

    saved = await chat.say("yes")
    [worker] = await all_workers(database)
    assert saved.startswith(f"Saved. Siti Aminah is registered with registration number {worker.registration_number}.")
    assert "Status: not active yet - waiting for the first contribution (Rp16,800 a month)." in saved
    assert re.fullmatch(r"REG-6310-\d{6}", worker.registration_number or "")
    assert (worker.name, worker.birth_date, worker.sex, worker.phone) == ("Siti Aminah", date(1980, 8, 5), "F", None)
    assert (worker.occupation, worker.declared_income, worker.payer) == ("petani", 1_000_000, "village")


# -- who may register, and where ---------------------------------------------------------------------


async def test_someone_who_is_not_a_cadre_is_told_how_to_become_one_and_stays_at_the_menu(engine, database):
    # Without a known phone the number is asked for instead: tests/flows/test_share_phone_for_cadre_services.py.
    await add_staff(database, CADRE_PHONE)
    chat = Chat(engine, "tg-2001", channel="telegram", phone="+6281399990000")
    await chat.say("halo")
    replies = await chat.send("daftar")
    assert replies[0].text == ID("register.denied")
    assert "kader desa" in replies[0].text and "Hubungi kantor desa" in replies[0].text
    assert replies[1].options, "the menu follows: never a dead end"
    assert ID("menu.item.register") not in [o.label for o in replies[1].options]
    assert await position(database, chat) == MENU_STEP
    assert "Info program" in await chat.say("menu")  # the menu still works
    assert await all_workers(database) == []


async def test_a_stranger_is_denied_in_english_too(engine, database):
    chat = Chat(engine, "tg-2002", channel="telegram", phone="+6281399990000")
    await chat.say("bahasa")
    await chat.say("2")
    replies = await chat.send("register")
    assert replies[0].text.startswith("Only village cadres can register workers.")
    assert "Contact your village office" in replies[0].text
    assert await position(database, chat) == MENU_STEP


async def test_a_cadre_of_one_village_registers_into_that_village_without_being_asked(engine, database):
    await add_staff(database, CADRE_PHONE, (OTHER_VILLAGE,))
    chat = Chat(engine, "tg-3001", channel="telegram", phone=CADRE_PHONE)
    await chat.say("daftar")
    assert await position(database, chat) == ("register", "consent")
    await chat.say("setuju")
    assert await position(database, chat) == ("register", "nik")
    await register_the_rest(chat)
    [worker] = await all_workers(database)
    assert worker.village_code == OTHER_VILLAGE


async def register_the_rest(chat: Chat, nik: str = NIK) -> str:
    """From the NIK question to the saved registration, with the plainest answers."""
    for text in (nik, "Siti Aminah", "ya", "1", "lewati", "petani", "1jt", "1", "1", "lewati"):
        await chat.say(text)
    return await chat.say("ya")


async def test_a_cadre_of_two_villages_picks_one_of_exactly_those_two(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE, OTHER_VILLAGE))
    await add_village(database, FAR_VILLAGE)
    chat = Chat(engine, "tg-3002", channel="telegram", phone=CADRE_PHONE)

    await chat.say("daftar")
    assert chat.last[-1].text == ID("register.consent.ask")  # consent first, then the village
    await chat.say("1")
    question = chat.last[-1]
    assert question.text == ID("register.village.ask")
    assert [o.label for o in question.options] == ["Sungai Lembu (63.10.02.2003)", "Wiritasi (63.10.02.2004)"]

    for outside in (FAR_VILLAGE, "Natai Sedawak", "3"):
        refused = await chat.say(outside)
        assert refused.startswith(ID("common.choice_invalid", count=2)), outside
        assert await position(database, chat) == ("register", "village")

    assert await chat.say("2") == ID("register.nik.ask")
    for text in (NIK, "Siti Aminah", "ya", "1", "lewati", "petani", "1jt", "1", "1"):
        await chat.say(text)
    summary = await chat.say("lewati")
    assert "1. Desa: Wiritasi (63.10.02.2004)" in summary.splitlines()
    saved = await chat.say("ya")
    [worker] = await all_workers(database)
    assert worker.village_code == OTHER_VILLAGE
    assert worker.registration_number in saved


async def test_an_admin_without_villages_types_the_village_code(engine, database):
    admin_id = await add_staff(database, "+6281200000009", (), "Admin Kab", admin=True)
    chat = Chat(engine, "tg-3003", channel="telegram", phone="+6281200000009")

    await chat.say("daftar")
    assert (await chat.say("1")).endswith(ID("register.village.ask_code"))
    refused = await chat.say("99.99.99.9999")
    assert refused.startswith("Kode desa itu tidak ditemukan di daftar Kemendagri.")
    assert await position(database, chat) == ("register", "village_code")
    assert await chat.say("6208012001") == ID("register.nik.ask")  # plain digits work as well

    for text in (NIK, "Siti Aminah", "ya", "1", "lewati", "petani", "1jt", "1", "1"):
        await chat.say(text)
    summary = await chat.say("lewati")
    assert "1. Desa: Natai Sedawak (62.08.01.2001)" in summary.splitlines()
    saved = await chat.say("ya")
    [worker] = await all_workers(database)
    assert (worker.village_code, worker.registered_by) == (FAR_VILLAGE, admin_id)
    assert worker.registration_number == f"REG-6208-{worker.id:06d}"
    assert worker.registration_number in saved
    async with database.transaction() as session:
        assert await villages.get_village(session, FAR_VILLAGE) is not None  # created on the way


# -- the worker is told ------------------------------------------------------------------------------


async def test_saving_records_a_notice_for_a_worker_who_has_written_to_the_bot(engine, database):
    await add_staff(database, CADRE_PHONE)
    worker_chat = Chat(engine, f"whatsapp:{WORKER_PHONE}", channel="whatsapp", phone=WORKER_PHONE)
    await worker_chat.say("halo")
    cadre = Chat(engine, "tg-4001", channel="telegram", phone=CADRE_PHONE)
    await cadre.say("daftar")
    for text in ("1", NIK, "Siti Aminah", "ya", "1", "0813-5000-1234", "petani", "1jt", "1", "1", "lewati"):
        await cadre.say(text)
    await cadre.say("ya")

    [worker] = await all_workers(database)
    async with database.transaction() as session:
        contact = await contacts.find_contact(session, "whatsapp", f"whatsapp:{WORKER_PHONE}")
        assert contact is not None
        messages = list(await session.scalars(select(OutboundMessage)))
    assert len(messages) == 1
    [notice] = messages
    assert (notice.contact_id, notice.channel, notice.kind, notice.status) == (
        contact.id,
        "whatsapp",
        "registration",
        "pending",
    )
    assert worker.registration_number and worker.registration_number in notice.body
    assert "Siti Aminah" in notice.body and "Rp16.800" in notice.body
    assert notice.variables == {"1": "Siti Aminah", "2": worker.registration_number, "3": "Rp16.800"}


async def test_an_opted_out_worker_gets_no_notice(engine, database):
    await add_staff(database, CADRE_PHONE)
    address = f"whatsapp:{WORKER_PHONE}"
    await Chat(engine, address, channel="whatsapp", phone=WORKER_PHONE).say("halo")
    async with database.transaction() as session:
        contact = await contacts.find_contact(session, "whatsapp", address)
        assert contact is not None
        contacts.set_opted_out(contact, True)
    cadre = Chat(engine, "tg-4002", channel="telegram", phone=CADRE_PHONE)
    await cadre.say("daftar")
    for text in ("1", NIK, "Siti Aminah", "ya", "1", WORKER_PHONE, "petani", "1jt", "1", "1", "lewati"):
        await cadre.say(text)
    assert "REG-6310-" in await cadre.say("ya")
    async with database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(OutboundMessage)) == 0


async def test_a_worker_phone_nobody_has_written_from_records_no_notice(engine, database):
    await add_staff(database, CADRE_PHONE)
    cadre = Chat(engine, "tg-4003", channel="telegram", phone=CADRE_PHONE)
    await cadre.say("daftar")
    for text in ("1", NIK, "Siti Aminah", "ya", "1", WORKER_PHONE, "petani", "1jt", "1", "1", "lewati"):
        await cadre.say(text)
    await cadre.say("ya")
    assert len(await all_workers(database)) == 1
    async with database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(OutboundMessage)) == 0
