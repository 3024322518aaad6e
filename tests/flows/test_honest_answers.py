"""Figures said with the confidence they deserve, and a person to turn to, read as conversations in both languages:
a rounding rule that is temporary, arrears whose cover is uncertain, a discount with its end and a village budget it
may not cover, a period whose months cost differently, the official route for a NIK the village register lacks, and
the cadre (or 175) on the status card."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from flows.engine import Engine
from flows.registry import default_registry
from storage.database import Database
from tests import factories
from tests.chat import Chat
from tests.factories import add_staff

NOW = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)  # before the wall clock: see test_register_transcripts.py
VILLAGE = "63.10.02.2003"  # Sungai Lembu
OTHER_VILLAGE = "62.08.01.2001"  # Natai Sedawak
CADRE_PHONE = "+6281200000001"
SECOND_CADRE_PHONE = "+6285712345678"
WORKER_PHONE = "+6281350001234"
SITI = "6310054508800001"  # born 5 August 1980
BUDI = "6310051203750002"  # born 12 March 1975, registered nowhere


@pytest.fixture
def engine(database: Database) -> Engine:
    return Engine(database, default_registry(), clock=lambda: NOW)


async def english(chat: Chat) -> None:
    await chat.say("bahasa")
    assert "All right, we will continue in English." in await chat.say("English")


async def to_the_programmes(chat: Chat, occupation: str, income: str, payer: str) -> str:
    """A registration from consent to the programme question; returns that question."""
    await chat.say("daftar")
    for text in ("1", SITI, "Siti Aminah", "ya", "1", "lewati", occupation, income):
        await chat.say(text)
    return await chat.say(payer)


async def add_worker(database: Database, **options) -> int:
    return await factories.add_worker(database, SITI, "Siti Aminah", date(1980, 8, 5), phone=WORKER_PHONE, **options)


# -- the stranger's check: the village register only, and the official route --------------------------


async def test_a_nik_not_in_the_village_register_points_to_jmo_and_175(engine, database):
    chat = Chat(engine, "tg-100", channel="telegram")
    await chat.say("status")
    await chat.say(BUDI)
    answer = (await chat.send("1234"))[0].text
    assert answer == (
        "NIK dan data itu tidak cocok dengan peserta mana pun di daftar program desa. Periksa lagi lalu coba "
        "kembali.\nLayanan ini hanya memeriksa daftar program desa sendiri, bukan data BPJS Ketenagakerjaan. Untuk "
        "memastikan kepesertaan resmi, cek aplikasi JMO (Jamsostek Mobile) atau hubungi BPJS Ketenagakerjaan di 175."
    )


async def test_a_nik_not_in_the_village_register_points_to_jmo_and_175_in_english(engine, database):
    chat = Chat(engine, "tg-101", channel="telegram")
    await english(chat)
    await chat.say("status")
    await chat.say(BUDI)
    answer = (await chat.send("REG-6310-000001"))[0].text
    assert answer.endswith(
        "This service checks only the village programme's own register, not BPJS Ketenagakerjaan's. To check "
        "official membership, use the JMO (Jamsostek Mobile) app or call BPJS Ketenagakerjaan on 175."
    )


# -- registration: rounding, the discount's end, the village budget ------------------------------------


async def test_a_rounded_income_is_called_a_temporary_rule(engine, database):
    await add_staff(database, CADRE_PHONE)
    chat = Chat(engine, "tg-200", channel="telegram", phone=CADRE_PHONE)
    question = await to_the_programmes(chat, "petani", "1.050.000", "desa")
    assert question.startswith(
        "Penghasilan Rp1.050.000 dibulatkan ke atas menjadi Rp1.100.000 (kelipatan Rp100.000). Ini aturan sementara "
        "sampai tabel resmi kelas penghasilan dimuat; pastikan ke kantor cabang BPJS Ketenagakerjaan.\n"
        "Penghasilan dicatat Rp1.100.000. Pilih program:"
    )


async def test_a_rounded_income_is_called_a_temporary_rule_in_english(engine, database):
    await add_staff(database, CADRE_PHONE)
    chat = Chat(engine, "tg-201", channel="telegram", phone=CADRE_PHONE)
    await english(chat)
    question = await to_the_programmes(chat, "farmer", "1,050,000", "the village")
    assert question.startswith(
        "The income Rp1,050,000 is rounded up to Rp1,100,000 (steps of Rp100,000). This is a temporary rule until the "
        "official income bracket table is loaded; please confirm with the BPJS Ketenagakerjaan branch office."
    )


async def test_the_transport_discount_names_its_last_month(engine, database):
    await add_staff(database, CADRE_PHONE)
    chat = Chat(engine, "tg-210", channel="telegram", phone=CADRE_PHONE)
    question = await to_the_programmes(chat, "ojek", "2jt", "sendiri")
    assert question.startswith(
        "Sudah termasuk potongan PP 50/2025 untuk pekerja transportasi, yang berlaku untuk iuran sampai Maret 2027; "
        "sesudahnya iuran kembali penuh.\nPenghasilan dicatat Rp2.000.000. Pilih program:"
    )
    assert "1. JKK + JKM: Rp13.400 per bulan" in question


async def test_the_transport_discount_names_its_last_month_in_english(engine, database):
    await add_staff(database, CADRE_PHONE)
    chat = Chat(engine, "tg-211", channel="telegram", phone=CADRE_PHONE)
    await english(chat)
    question = await to_the_programmes(chat, "driver", "2 million", "the worker")
    assert question.startswith(
        "Includes the PP 50/2025 discount for transport workers, which covers contributions up to March 2027; after "
        "that the full rate applies."
    )
    assert "1. JKK + JKM: Rp13,400 a month" in question


async def test_a_village_paid_transport_worker_is_told_why_the_full_rate_applies(engine, database):
    await add_staff(database, CADRE_PHONE)
    chat = Chat(engine, "tg-220", channel="telegram", phone=CADRE_PHONE)
    question = await to_the_programmes(chat, "ojek", "2jt", "desa")
    assert question.startswith(
        "Iuran dihitung penuh, tanpa potongan PP 50/2025 untuk pekerja transportasi: aturannya tidak menyebut apakah "
        "potongan itu berlaku bila iuran dibayar dari APBDes. Karena itu desa menganggarkan iuran penuh sampai kantor "
        "cabang BPJS Ketenagakerjaan memastikannya.\nPenghasilan dicatat Rp2.000.000."
    )
    assert "1. JKK + JKM: Rp26.800 per bulan" in question
    assert "Sudah termasuk potongan" not in question


async def test_a_village_paid_transport_worker_is_told_why_the_full_rate_applies_in_english(engine, database):
    await add_staff(database, CADRE_PHONE)
    chat = Chat(engine, "tg-221", channel="telegram", phone=CADRE_PHONE)
    await english(chat)
    question = await to_the_programmes(chat, "driver", "2 million", "the village")
    assert question.startswith(
        "The full rate applies, without the PP 50/2025 discount for transport workers: its rules do not say whether "
        "the discount covers contributions paid from the village budget (APBDes). So the village budgets the full "
        "rate until the BPJS Ketenagakerjaan branch office confirms."
    )
    assert "1. JKK + JKM: Rp26,800 a month" in question


async def test_no_discount_note_for_a_farmer_the_village_pays_for(engine, database):
    await add_staff(database, CADRE_PHONE)
    chat = Chat(engine, "tg-222", channel="telegram", phone=CADRE_PHONE)
    question = await to_the_programmes(chat, "petani", "2jt", "desa")
    assert question.startswith("Penghasilan dicatat Rp2.000.000. Pilih program:")


# -- a payment over the discount's end explains its total -------------------------------------------


async def test_twelve_months_over_the_discounts_end_show_how_the_total_adds_up(engine, database):
    await add_staff(database, CADRE_PHONE)
    await add_worker(database, occupation="ojek_sopir", payer="worker", income=2_000_000)
    chat = Chat(engine, "tg-300", channel="telegram", phone=CADRE_PHONE)
    await chat.say("bayar")
    months = await chat.say("siti")
    assert months.startswith("Berapa bulan iuran yang dibayar untuk Siti Aminah, mulai November 2026?")
    # November 2026 - March 2027 at the discounted Rp13.400, April - October 2027 at the full Rp26.800.
    assert "- 1 bulan: Rp13.400" in months.splitlines()
    assert "- 3 bulan: Rp40.200" in months.splitlines()
    assert "- 6 bulan: Rp93.800 (5 × Rp13.400 + 1 × Rp26.800)" in months.splitlines()
    assert "- 12 bulan: Rp254.600 (5 × Rp13.400 + 7 × Rp26.800)" in months.splitlines()
    assert await chat.say("12") == (
        "Iuran 12 bulan untuk Siti Aminah: Rp254.600 (5 × Rp13.400 + 7 × Rp26.800). Ketik jumlah yang dibayar, "
        "atau ya jika sama."
    )
    await chat.say("ya")
    summary = await chat.say("KW-12")
    assert "3. Jumlah: Rp254.600" in summary.splitlines()


async def test_twelve_months_over_the_discounts_end_in_english(engine, database):
    await add_staff(database, CADRE_PHONE)
    await add_worker(database, occupation="ojek_sopir", payer="worker", income=2_000_000)
    chat = Chat(engine, "tg-301", channel="telegram", phone=CADRE_PHONE)
    await english(chat)
    await chat.say("menu")
    assert (await chat.say("3")) == "Type the worker's NIK or name."  # Record a payment
    months = await chat.say("siti")
    assert "- 12 month(s): Rp254,600 (5 × Rp13,400 + 7 × Rp26,800)" in months.splitlines()
    assert (await chat.say("12")).startswith(
        "The contribution for 12 month(s) for Siti Aminah is Rp254,600 (5 × Rp13,400 + 7 × Rp26,800)."
    )


# -- the status card: arrears, and a person to turn to ------------------------------------------------


async def test_arrears_are_said_to_be_probably_unprotected_and_the_cadre_is_named(engine, database):
    cadre = await add_staff(database, CADRE_PHONE, name="Rina Wati")
    await add_worker(database, registered_by=cadre, paid=[(date(2026, 1, 1), 9)])  # through September
    chat = Chat(engine, WORKER_PHONE, phone=WORKER_PHONE)
    card = (await chat.say("status")).split("\n\n")[0].splitlines()
    assert card[2:] == [
        "Status: Menunggak",
        "Perlindungan berhenti: 30 September 2026",
        "Belum dibayar sejak: 1 Oktober 2026 (Rp16.800 per bulan)",
        "Tunggakan 2 bulan (Rp33.600). Bayar paling lambat 31 Desember 2026 agar kepesertaan tidak berakhir. "
        "Bulan yang belum dibayar kemungkinan besar tidak terlindungi (aturannya belum pasti); kader akan "
        "memastikannya ke kantor cabang.",
        "Program: JKK + JKM",
        "Kader desa: Rina Wati, 0812-0000-0001 (bisa ditelepon atau dikirimi pesan)",
    ]


async def test_arrears_and_the_cadre_in_english(engine, database):
    cadre = await add_staff(database, CADRE_PHONE, name="Rina Wati")
    await add_worker(database, registered_by=cadre, paid=[(date(2026, 1, 1), 9)])
    chat = Chat(engine, WORKER_PHONE, phone=WORKER_PHONE)
    await english(chat)
    card = (await chat.say("status")).split("\n\n")[0].splitlines()
    assert (
        "2 month(s) in arrears (Rp33,600). Pay by 31 December 2026 at the latest or the membership ends. The unpaid "
        "months are most likely not protected (the rule is not certain); the cadre will check with the branch office."
    ) in card
    assert card[-1] == "Village cadre: Rina Wati, 0812-0000-0001 (call or send a message)"


async def test_with_no_cadre_in_the_village_the_card_names_175(engine, database):
    await add_staff(database, CADRE_PHONE, (OTHER_VILLAGE,), name="Yusuf")  # a cadre, but of another village
    await add_worker(database)
    chat = Chat(engine, WORKER_PHONE, phone=WORKER_PHONE)
    card = (await chat.say("status")).split("\n\n")[0]
    assert card.splitlines()[-1] == (
        "Belum ada kader desa yang tercatat. Untuk bantuan, hubungi BPJS Ketenagakerjaan di 175."
    )
    assert "Yusuf" not in card

    await english(chat)
    card = (await chat.say("status")).split("\n\n")[0]
    assert card.splitlines()[-1] == "No village cadre is recorded yet. For help, contact BPJS Ketenagakerjaan on 175."


async def test_the_registering_cadre_is_named_while_serving_the_village_else_another_cadre_of_it(engine, database):
    first = await add_staff(database, CADRE_PHONE, name="Rina Wati")
    second = await add_staff(database, SECOND_CADRE_PHONE, name="Ahmad Yani")
    moved = await add_staff(database, "+6281200000003", (OTHER_VILLAGE,), name="Yusuf")
    await add_worker(database, registered_by=second)
    await factories.add_worker(
        database, BUDI, "Budi Santoso", date(1975, 3, 12), phone="+6281350009999", registered_by=moved
    )
    await factories.add_worker(
        database, "6310056104900003", "Siti Rahmah", date(1990, 4, 21), phone="+6281350008888", registered_by=first
    )

    siti = (await Chat(engine, WORKER_PHONE, phone=WORKER_PHONE).say("status")).split("\n\n")[0]
    assert siti.splitlines()[-1] == "Kader desa: Ahmad Yani, 0857-1234-5678 (bisa ditelepon atau dikirimi pesan)"
    # Budi's cadre now serves another village only: the village's longest-serving cadre is named instead.
    budi = (await Chat(engine, "+6281350009999", phone="+6281350009999").say("status")).split("\n\n")[0]
    assert budi.splitlines()[-1] == "Kader desa: Rina Wati, 0812-0000-0001 (bisa ditelepon atau dikirimi pesan)"
    rahmah = (await Chat(engine, "+6281350008888", phone="+6281350008888").say("status")).split("\n\n")[0]
    assert rahmah.splitlines()[-1].startswith("Kader desa: Rina Wati, 0812-0000-0001")


async def test_a_cadre_looking_a_worker_up_sees_the_card_with_the_cadre_too(engine, database):
    cadre = await add_staff(database, CADRE_PHONE, name="Rina Wati")
    await add_worker(database, registered_by=cadre, paid=[(date(2026, 1, 1), 12)])
    chat = Chat(engine, "tg-400", channel="telegram", phone=CADRE_PHONE)
    await chat.say("status")
    await chat.say("1")
    card = (await chat.say(SITI)).split("\n\n")[0]
    assert card.splitlines()[-1] == "Kader desa: Rina Wati, 0812-0000-0001 (bisa ditelepon atau dikirimi pesan)"


async def test_the_strangers_brief_answer_names_no_cadre(engine, database):
    cadre = await add_staff(database, CADRE_PHONE, name="Rina Wati")
    await add_worker(database, registered_by=cadre, paid=[(date(2026, 1, 1), 12)])
    chat = Chat(engine, "tg-500", channel="telegram")
    await chat.say("status")
    await chat.say(SITI)
    answer = (await chat.send(WORKER_PHONE[-4:]))[0].text
    assert answer == "Peserta dengan NIK 631005******0001: Aktif, terlindungi sampai 31 Desember 2026."
    assert "Rina" not in answer and "0812" not in answer
