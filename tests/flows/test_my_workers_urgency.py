""" "Pekerja saya" by urgency, read as conversations: the counts per status at the top, arrears first (oldest unpaid
month first), then those due this month, then the rest by name; the filter "harus bayar bulan ini"; a picked worker's
status card with its actions, in Bahasa Indonesia and in English."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from flows.engine import Engine
from flows.registry import default_registry
from storage.database import Database
from storage.models import AuditEvent
from tests.chat import Chat
from tests.factories import add_staff, add_worker

# 22 November 2026, 18:00 in Sungai Lembu (WITA): November's protection ends this month.
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
VILLAGE = "63.10.02.2003"  # Sungai Lembu
CADRE_PHONE = "+6281200000001"
OTHER_CADRE_PHONE = "+6281200000002"
BIRTH = date(1975, 3, 12)
COUNTS = "Pekerja di Sungai Lembu: Aktif 2, Menunggak 2, Belum aktif 1, Berakhir 1, Meninggal 1\n"
BY_URGENCY = "Menunggak dulu, lalu yang harus bayar bulan ini, lalu menurut nama (halaman 1 dari 1):\n"
ZAINAL = "- Zainal, REG-6310-000003: Menunggak (tidak terlindungi setelah 31 Agustus 2026), tunggakan 3 bulan: Rp50.400"
BUDI = "- Budi, REG-6310-000002: Menunggak (tidak terlindungi setelah 30 September 2026), tunggakan 2 bulan: Rp33.600"
CITRA = "- Citra, REG-6310-000004: Aktif (terlindungi s.d. 30 November 2026), bayar bulan ini: Rp16.800"
THE_REST = [
    "- Ahmad, REG-6310-000001: Aktif (terlindungi s.d. 31 Desember 2026)",
    "- Dewi, REG-6310-000005: Belum aktif",
    "- Eko, REG-6310-000006: Berakhir",
    "- Fajar, REG-6310-000007: Meninggal",
]


@pytest.fixture
def engine(database: Database) -> Engine:
    return Engine(database, default_registry(), clock=lambda: NOW)


async def add_village_workers(database: Database) -> int:
    """A cadre and one worker of every kind; the cadre's person id (they registered Ahmad and Budi)."""
    cadre = await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await add_staff(database, OTHER_CADRE_PHONE, (VILLAGE,), "Sari Dewi")
    await add_worker(database, "6310051203750001", "Ahmad", BIRTH, paid=[(date(2026, 1, 1), 12)], registered_by=cadre)
    await add_worker(database, "6310051203750002", "Budi", BIRTH, paid=[(date(2026, 1, 1), 9)], registered_by=cadre)
    await add_worker(database, "6310051203750003", "Zainal", BIRTH, paid=[(date(2026, 1, 1), 8)])  # owes Sep-Nov
    await add_worker(database, "6310051203750004", "Citra", BIRTH, paid=[(date(2026, 11, 1), 1)])  # ends this month
    await add_worker(database, "6310051203750005", "Dewi", BIRTH)
    await add_worker(database, "6310051203750006", "Eko", BIRTH, paid=[(date(2025, 1, 1), 12)])
    await add_worker(
        database, "6310051203750007", "Fajar", BIRTH, paid=[(date(2026, 1, 1), 12)], deceased_on=date(2026, 10, 1)
    )
    return cadre


def listed(page: str) -> list[str]:
    return [line for line in page.splitlines() if line.startswith("- ")]


async def test_the_counts_come_first_then_arrears_oldest_first_then_due_this_month_then_by_name(engine, database):
    await add_village_workers(database)
    chat = Chat(engine, "tg-1", channel="telegram", phone=CADRE_PHONE)

    page = await chat.say("pekerja")
    assert page.startswith(COUNTS + BY_URGENCY)
    assert listed(page) == [ZAINAL, BUDI, CITRA, *THE_REST]
    assert (
        "1. Zainal\n2. Budi\n3. Citra\n4. Ahmad\n5. Dewi\n6. Eko\n7. Fajar\n8. Harus bayar bulan ini\n9. Menu utama"
        in page
    )


@pytest.mark.parametrize("words", ["harus bayar", "bulan ini", "Harus bayar bulan ini", "8"])
async def test_the_filter_keeps_only_arrears_and_due_this_month(engine, database, words):
    await add_village_workers(database)
    chat = Chat(engine, "tg-1", channel="telegram", phone=CADRE_PHONE)
    await chat.say("pekerja")

    due = await chat.say(words)
    assert due.startswith(COUNTS + "Harus bayar bulan ini (halaman 1 dari 1):\n")
    assert listed(due) == [ZAINAL, BUDI, CITRA]
    assert "1. Zainal\n2. Budi\n3. Citra\n4. Semua pekerja\n5. Menu utama" in due

    every = await chat.say("semua")
    assert every.startswith(COUNTS + BY_URGENCY)
    assert listed(every) == [ZAINAL, BUDI, CITRA, *THE_REST]


async def test_nobody_due_says_so(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await add_worker(database, "6310051203750001", "Ahmad", BIRTH, paid=[(date(2026, 1, 1), 12)])
    chat = Chat(engine, "tg-1", channel="telegram", phone=CADRE_PHONE)
    await chat.say("pekerja")

    due = await chat.say("harus bayar")
    assert "Harus bayar bulan ini (halaman 1 dari 1):\nTidak ada yang menunggak atau harus bayar bulan ini." in due
    assert listed(due) == []
    assert "1. Semua pekerja\n2. Menu utama" in due


async def test_the_filter_pages_ten_at_a_time(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    for number in range(1, 13):  # twelve in arrears, one not
        await add_worker(
            database, f"63100512037500{number:02d}", f"Pekerja {number:02d}", BIRTH, paid=[(date(2026, 1, 1), 9)]
        )
    await add_worker(database, "6310051203750099", "Aaron", BIRTH)
    chat = Chat(engine, "tg-1", channel="telegram", phone=CADRE_PHONE)
    await chat.say("pekerja")

    first = await chat.say("bulan ini")
    assert "Harus bayar bulan ini (halaman 1 dari 2):\n" in first
    assert len(listed(first)) == 10 and "Aaron" not in first
    second = await chat.say("berikutnya")
    assert "Harus bayar bulan ini (halaman 2 dari 2):\n" in second
    assert [line.split(",")[0] for line in listed(second)] == ["- Pekerja 11", "- Pekerja 12"]
    assert "1. Pekerja 11\n2. Pekerja 12\n3. Halaman sebelumnya\n4. Semua pekerja\n5. Menu utama" in second


async def test_picking_a_worker_shows_the_card_with_the_full_nik_for_the_cadre_who_registered_them(engine, database):
    await add_village_workers(database)
    chat = Chat(engine, "tg-1", channel="telegram", phone=CADRE_PHONE)
    await chat.say("pekerja")

    card = await chat.say("2")  # Budi, second in the list
    assert card.startswith(
        "Budi (REG-6310-000002)\nNIK: 6310051203750002\nStatus: Menunggak\nPerlindungan berhenti: 30 September 2026\n"
    )
    assert "Tunggakan 2 bulan (Rp33.600)" in card
    assert card.endswith(
        "Pilih:\n\n1. Catat pembayaran\n2. Ubah data\n3. Batalkan pembayaran\n4. Status\n5. Kembali ke daftar\n\n"
        "Balas dengan angka 1 sampai 5."
    )

    again = await chat.say("status")
    assert again == card
    back = await chat.say("kembali ke daftar")
    assert back.startswith(COUNTS + BY_URGENCY)

    async with database.transaction() as session:
        events = list(await session.scalars(select(AuditEvent).where(AuditEvent.action == "status_lookup")))
    assert [(e.subject_id, e.details) for e in events] == [("2", {"mode": "my_workers"})] * 2


async def test_another_cadre_sees_the_nik_masked_and_the_filter_keeps_its_place(engine, database):
    await add_village_workers(database)
    chat = Chat(engine, "tg-2", channel="telegram", phone=OTHER_CADRE_PHONE)
    await chat.say("pekerja")
    await chat.say("harus bayar")

    card = await chat.say("Citra")
    assert card.startswith("Citra (REG-6310-000004)\nNIK: 631005******0004\nStatus: Aktif\n")
    back = await chat.say("5")
    assert back.startswith(COUNTS + "Harus bayar bulan ini (halaman 1 dari 1):\n")


async def test_in_english(engine, database):
    await add_village_workers(database)
    chat = Chat(engine, "tg-1", channel="telegram", phone=CADRE_PHONE)
    await chat.say("bahasa")
    await chat.say("English")

    page = await chat.say("my workers")
    assert page.startswith(
        "Workers in Sungai Lembu: Active 2, In arrears 2, Not active yet 1, Lapsed 1, Deceased 1\n"
        "In arrears first, then due this month, then by name (page 1 of 1):\n"
    )
    assert listed(page)[:3] == [
        "- Zainal, REG-6310-000003: In arrears (unprotected after 31 August 2026), 3 month(s) owed: Rp50,400",
        "- Budi, REG-6310-000002: In arrears (unprotected after 30 September 2026), 2 month(s) owed: Rp33,600",
        "- Citra, REG-6310-000004: Active (protected until 30 November 2026), due this month: Rp16,800",
    ]
    assert "8. Due this month\n9. Main menu" in page

    due = await chat.say("due")
    assert "Due this month (page 1 of 1):\n" in due and len(listed(due)) == 3
    assert "4. All workers\n5. Main menu" in due

    card = await chat.say("Zainal")
    assert card.startswith("Zainal (REG-6310-000003)\nNIK: 631005******0003\n")
    assert card.endswith(
        "Choose:\n\n1. Record a payment\n2. Change details\n3. Void a payment\n4. Status\n5. Back to the list\n\n"
        "Reply with a number from 1 to 5."
    )
    assert (await chat.say("back to the list")).startswith("Workers in Sungai Lembu: Active 2")


async def test_a_wage_earner_in_arrears_shows_that_the_branch_office_sets_the_amount(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await add_worker(database, "6310051203750001", "Ahmad", BIRTH, segment="PU", paid=[(date(2026, 1, 1), 9)])
    chat = Chat(engine, "tg-1", channel="telegram", phone=CADRE_PHONE)

    page = await chat.say("pekerja")
    assert listed(page) == [
        "- Ahmad, REG-6310-000001: Menunggak (tidak terlindungi setelah 30 September 2026), "
        "tunggakan 2 bulan: iuran ditetapkan kantor cabang"
    ]


async def test_record_payment_from_the_card_opens_the_payment_for_that_worker(engine, database):
    await add_village_workers(database)
    chat = Chat(engine, "tg-1", channel="telegram", phone=CADRE_PHONE)
    await chat.say("pekerja")
    await chat.say("2")  # Budi, in arrears
    months = await chat.say("catat pembayaran")
    # The worker is already found: straight to the months, arrears first, no NIK or name asked.
    assert "Budi" in months and "Lunasi tunggakan 2 bulan" in months
    assert "Ketik NIK atau nama pekerja" not in months
    # Back from the months goes to finding the worker, so another one can be chosen.
    assert (await chat.say("kembali")).startswith("Ketik NIK atau nama pekerja")
