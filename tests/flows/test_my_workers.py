""" "Pekerja saya" read as conversations: a cadre pages through a village's workers ten at a time, each with their
status; a cadre of several villages picks one first; only cadres may."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from flows.engine import Engine
from flows.registry import default_registry
from storage.database import Database
from tests.chat import Chat
from tests.factories import add_payment, add_staff, add_worker

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
VILLAGE = "63.10.02.2003"  # Sungai Lembu
OTHER_VILLAGE = "63.10.02.2004"  # Wiritasi
CADRE_PHONE = "+6281200000001"
ADMIN_PHONE = "+6281200000009"
MENU_CADRE = "Halo, Kader Rina Wati!"
BY_URGENCY = "Menunggak dulu, lalu yang harus bayar bulan ini, lalu menurut nama"


@pytest.fixture
def engine(database: Database) -> Engine:
    return Engine(database, default_registry(), clock=lambda: NOW)


def nik(number: int) -> str:
    return f"6310051203750{number:03d}"


async def add_workers(database: Database, village: str, names: list[str], paid=None, first_number: int = 1) -> None:
    """Workers with valid, distinct NIKs; `paid` maps a name to its (first month, months) payment."""
    async with database.transaction() as session:
        for number, name in enumerate(names, start=first_number):
            worker_id = await add_worker(session, nik(number), name, date(1975, 3, 12), village=village)
            if name in (paid or {}):
                await add_payment(session, worker_id, *paid[name])


def listed(page: str) -> list[str]:
    return [line for line in page.splitlines() if line.startswith("- ")]


async def test_twenty_three_workers_come_in_pages_of_ten_ten_and_three_by_urgency(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    names = [f"Pekerja {n:02d}" for n in range(1, 24)]
    paid = {
        "Pekerja 01": (date(2026, 1, 1), 12),  # aktif
        "Pekerja 02": (date(2026, 1, 1), 9),  # menunggak since October
        "Pekerja 03": (date(2025, 1, 1), 12),  # berakhir
        "Pekerja 23": (date(2026, 11, 1), 1),  # aktif through November: due this month
    }
    await add_workers(database, VILLAGE, names, paid)
    chat = Chat(engine, "tg-1", channel="telegram", phone=CADRE_PHONE)

    first = await chat.say("pekerja")
    assert first.startswith(
        "Pekerja di Sungai Lembu: Aktif 2, Menunggak 1, Belum aktif 19, Berakhir 1, Meninggal 0\n"
        f"{BY_URGENCY} (halaman 1 dari 3):\n"
    )
    assert listed(first) == [
        "- Pekerja 02, REG-6310-000002: Menunggak (tidak terlindungi setelah 30 September 2026), "
        "tunggakan 2 bulan: Rp33.600",
        "- Pekerja 23, REG-6310-000023: Aktif (terlindungi s.d. 30 November 2026), bayar bulan ini: Rp16.800",
        "- Pekerja 01, REG-6310-000001: Aktif (terlindungi s.d. 31 Desember 2026)",
        "- Pekerja 03, REG-6310-000003: Berakhir",
    ] + [f"- Pekerja {n:02d}, REG-6310-{n:06d}: Belum aktif" for n in range(4, 10)]
    assert "1. Pekerja 02\n2. Pekerja 23\n3. Pekerja 01\n" in first
    assert "11. Halaman berikutnya\n12. Harus bayar bulan ini\n13. Menu utama" in first
    assert "Halaman sebelumnya" not in first

    second = await chat.say("11")
    assert "(halaman 2 dari 3):\n" in second
    assert [line.split(",")[0] for line in listed(second)] == [f"- Pekerja {n}" for n in range(10, 20)]
    assert "11. Halaman berikutnya\n12. Halaman sebelumnya\n13. Harus bayar bulan ini\n14. Menu utama" in second

    third = await chat.say("berikutnya")
    assert "(halaman 3 dari 3):\n" in third
    assert listed(third) == [f"- Pekerja {n}, REG-6310-0000{n}: Belum aktif" for n in range(20, 23)]
    assert "4. Halaman sebelumnya\n5. Harus bayar bulan ini\n6. Menu utama" in third
    assert "Halaman berikutnya" not in third

    back = await chat.say("sebelumnya")
    assert "(halaman 2 dari 3):\n" in back
    assert "(halaman 1 dari 3):\n" in await chat.say("Halaman sebelumnya")
    assert (await chat.say("menu")).startswith(MENU_CADRE)


async def test_the_pages_in_english(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await add_workers(database, VILLAGE, ["Budi", "Siti"], {"Siti": (date(2026, 1, 1), 12)})
    chat = Chat(engine, "tg-1", channel="telegram", phone=CADRE_PHONE)
    await chat.say("bahasa")
    await chat.say("English")

    page = await chat.say("my workers")
    assert page.startswith(
        "Workers in Sungai Lembu: Active 1, In arrears 0, Not active yet 1, Lapsed 0, Deceased 0\n"
        "In arrears first, then due this month, then by name (page 1 of 1):\n"
    )
    assert listed(page) == [
        "- Budi, REG-6310-000001: Not active yet",
        "- Siti, REG-6310-000002: Active (protected until 31 December 2026)",
    ]
    assert "1. Budi\n2. Siti\n3. Due this month\n4. Main menu" in page and "Next page" not in page
    assert (await chat.say("4")).startswith("Hello, cadre Rina Wati!")


async def test_a_cadre_of_two_villages_chooses_the_village_first(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE, OTHER_VILLAGE), "Rina Wati")
    await add_workers(database, VILLAGE, ["Siti Aminah"])
    await add_workers(database, OTHER_VILLAGE, ["Andi Wijaya"], first_number=2)
    chat = Chat(engine, "tg-1", channel="telegram", phone=CADRE_PHONE)

    ask = await chat.say("pekerja")
    assert ask.startswith("Pekerja dari desa mana?")
    assert "1. Sungai Lembu (63.10.02.2003)" in ask and "2. Wiritasi (63.10.02.2004)" in ask

    page = await chat.say("2")
    assert page.startswith("Pekerja di Wiritasi: Aktif 0, Menunggak 0, Belum aktif 1, Berakhir 0, Meninggal 0\n")
    assert [line.split(",")[0] for line in listed(page)] == ["- Andi Wijaya"]
    assert "Siti" not in page

    await chat.say("menu")
    await chat.say("pekerja")
    page = await chat.say("sungai lembu")
    assert [line.split(",")[0] for line in listed(page)] == ["- Siti Aminah"]


async def test_an_empty_village_says_so(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await add_workers(database, OTHER_VILLAGE, ["Andi Wijaya"])  # someone else's village
    chat = Chat(engine, "tg-1", channel="telegram", phone=CADRE_PHONE)

    page = await chat.say("pekerja")
    assert page.startswith(
        "Pekerja di Sungai Lembu: Aktif 0, Menunggak 0, Belum aktif 0, Berakhir 0, Meninggal 0\n"
        f"{BY_URGENCY} (halaman 1 dari 1):\n"
        "Belum ada pekerja terdaftar. Pilih Daftarkan pekerja di menu untuk mulai."
    )
    assert listed(page) == []
    assert "1. Menu utama" in page and "Harus bayar" not in page


async def test_ten_workers_fit_on_one_page(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await add_workers(database, VILLAGE, [f"Pekerja {n:02d}" for n in range(1, 11)])
    chat = Chat(engine, "tg-1", channel="telegram", phone=CADRE_PHONE)
    page = await chat.say("pekerja")
    assert f"{BY_URGENCY} (halaman 1 dari 1):\n" in page
    assert len(listed(page)) == 10 and "Halaman berikutnya" not in page


async def test_someone_who_is_not_a_cadre_is_refused(engine, database):
    await add_staff(database, ADMIN_PHONE, (), "Admin Kabupaten", admin=True)
    await add_workers(database, VILLAGE, ["Siti Aminah"])
    denied = "Daftar pekerja hanya untuk kader desa. Ingin menjadi kader? Hubungi kantor desa Anda."

    stranger = Chat(engine, "tg-77", channel="telegram", phone="+6281399990000")  # a known phone, not a cadre's
    reply, menu = (await stranger.say("pekerja")).split("\n\n", 1)
    assert reply == denied
    assert menu.startswith("Halo! Ini layanan BPJS Ketenagakerjaan untuk pekerja desa.")
    assert "Siti" not in menu

    admin = Chat(engine, "tg-9", channel="telegram", phone=ADMIN_PHONE)
    reply, menu = (await admin.say("pekerja")).split("\n\n", 1)
    assert reply == denied
    assert menu.startswith("Halo, Kader Admin Kabupaten!")
