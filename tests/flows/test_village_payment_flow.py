""" "Bayar untuk desa" read as conversations: one APBDes payment for every village-paid BPU worker of a village,
each from their own first unpaid month at their own rate, all or nothing, once per receipt."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from flows.engine import Engine
from flows.registry import default_registry
from storage import audit
from storage.database import Database
from storage.models import Payment
from tests import factories
from tests.chat import Chat
from tests.factories import add_staff

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
VILLAGE = "63.10.02.2003"  # Sungai Lembu
OTHER_VILLAGE = "62.08.01.2001"  # Natai Sedawak
CADRE_PHONE = "+6281200000001"
OTHER_CADRE_PHONE = "+6281200000002"


@pytest.fixture
def engine(database: Database) -> Engine:
    return Engine(database, default_registry(), clock=lambda: NOW)


async def arrange(database: Database) -> dict[str, int]:
    """Three village-paid BPU workers at different rates, one PU, one deceased, one paying for themselves."""
    cadre = await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    birth = date(1980, 8, 5)
    ids = {"cadre": cadre}
    ids["andi"] = await factories.add_worker(database, "6310021508800001", "Andi", birth)
    # JKK + JKM + JHT on Rp2.000.000: Rp66.800 a month; paid through December 2026, so from January 2027.
    ids["budi"] = await factories.add_worker(
        database,
        "6310021508800002",
        "Budi",
        birth,
        income=2_000_000,
        programmes=("JKK", "JKM", "JHT"),
        paid=[(date(2026, 9, 1), 4)],
    )
    # A transport worker in the PP 50/2025 period: a village budget pays the full rate (the discount excludes it).
    ids["citra"] = await factories.add_worker(
        database, "6310025508800003", "Citra Ojek", birth, occupation="ojek_sopir"
    )
    ids["dedi"] = await factories.add_worker(database, "6310021508800004", "Dedi PU", birth, segment="PU")
    ids["eko"] = await factories.add_worker(database, "6310021508800005", "Eko Mandiri", birth, payer="worker")
    ids["fajar"] = await factories.add_worker(
        database, "6310021508800006", "Fajar", birth, deceased_on=date(2026, 10, 3)
    )
    return ids


async def recorded(database: Database) -> list[Payment]:
    async with database.transaction() as session:
        return list(await session.scalars(select(Payment).where(Payment.source == "cadre").order_by(Payment.id)))


async def test_a_cadre_pays_twelve_months_for_the_village_in_one_conversation(engine, database):
    ids = await arrange(database)
    chat = Chat(engine, "tg-1", channel="telegram", phone=CADRE_PHONE)

    months = await chat.say("bayar untuk desa")
    assert months.splitlines() == [
        "Bayar APBDes Sungai Lembu: 3 pekerja dibayar desa. Berapa bulan? Balas 1, 3, 6, 12 (atau 1-12).",
        "",
        "- 1 bulan: Rp100.400",
        "- 3 bulan: Rp301.200",
        "- 6 bulan: Rp602.400",
        "- 12 bulan: Rp1.204.800",
    ]
    amount = await chat.say("setahun")
    assert amount == (
        "Sungai Lembu, 12 bulan:\n"
        "3 pekerja, total Rp1.204.800\n"
        "- Andi: Rp201.600 (mulai November 2026)\n"
        "- Budi: Rp801.600 (mulai Januari 2027)\n"
        "- Citra Ojek: Rp201.600 (mulai November 2026)\n"
        "Tidak dihitung: 1 pekerja PU (iuran ditetapkan kantor cabang): Dedi PU\n"
        "Tidak dihitung: 1 pekerja sudah meninggal: Fajar\n"
        "Ketik jumlah yang dibayar, atau ya jika Rp1.204.800."
    )
    wrong = await chat.say("1.200.000")
    assert wrong.startswith(
        "Rp1.200.000 kurang Rp4.800 dari total Rp1.204.800. Pembayaran desa dicatat utuh, tidak sebagian."
    )
    assert "Sungai Lembu, 12 bulan:" in wrong  # asked again
    assert await chat.say("1.204.800") == "Ketik nomor kwitansi atau bukti bayar."
    summary = await chat.say("APBDES-2026/07")
    assert summary.startswith(
        "Mohon periksa kembali:\n"
        "1. Periode: 12 bulan\n"
        "2. Jumlah: Rp1.204.800 untuk 3 pekerja\n"
        "3. Kwitansi: APBDES-2026/07\n"
    )
    assert await recorded(database) == []

    saved = await chat.say("ya")
    assert saved.startswith("Tercatat: Rp1.204.800 untuk 3 pekerja, 12 bulan, kwitansi APBDES-2026/07.")
    found = {
        (p.worker_id, p.first_month, p.months, p.amount, p.reference, p.recorded_by) for p in await recorded(database)
    }
    reference, cadre = "APBDES-2026/07", ids["cadre"]
    assert found == {
        (ids["andi"], date(2026, 11, 1), 12, 201_600, reference, cadre),
        (ids["budi"], date(2027, 1, 1), 12, 801_600, reference, cadre),
        (ids["citra"], date(2026, 11, 1), 12, 201_600, reference, cadre),
    }
    async with database.transaction() as session:
        (event,) = await audit.events(session, "village_payment_recorded")
    assert (event.subject_type, event.subject_id, event.actor_person_id) == ("village", VILLAGE, cadre)
    assert event.details["workers"] == 3 and event.details["amount"] == 1_204_800
    assert sorted(event.details["worker_ids"]) == sorted([ids["andi"], ids["budi"], ids["citra"]])

    # The same receipt again: every worker now starts later, yet nothing is added.
    await chat.say("apbdes")
    await chat.say("12")
    await chat.say("ya")
    await chat.say("APBDES-2026/07")
    again = await chat.say("ya")
    assert again.startswith("Kwitansi APBDES-2026/07 untuk Sungai Lembu sudah tercatat. Tidak ada yang ditambahkan.")
    assert len(await recorded(database)) == 3


async def test_the_conversation_in_english(engine, database):
    ids = await arrange(database)
    chat = Chat(engine, "tg-2", channel="telegram", phone=CADRE_PHONE)
    await chat.say("bahasa")
    await chat.say("English")

    months = await chat.say("pay for the village")
    assert months.startswith("APBDes payment, Sungai Lembu: 3 village-paid workers. How many months?")
    amount = await chat.say("3 months")
    assert amount.splitlines()[:5] == [
        "Sungai Lembu, 3 months:",
        "3 workers, total Rp301,200",
        "- Andi: Rp50,400 (from November 2026)",
        "- Budi: Rp200,400 (from January 2027)",
        "- Citra Ojek: Rp50,400 (from November 2026)",
    ]
    over = await chat.say("Rp310,000")
    assert over.startswith("Rp310,000 is Rp8,800 more than the total Rp301,200.")
    assert await chat.say("yes") == "Type the receipt or proof-of-payment number."
    summary = await chat.say("KW-9")
    assert "2. Amount: Rp301,200 for 3 workers" in summary
    saved = await chat.say("yes")
    assert saved.startswith("Recorded: Rp301,200 for 3 workers, 3 months, receipt KW-9.")
    found = {(p.worker_id, p.first_month, p.months, p.amount) for p in await recorded(database)}
    assert found == {
        (ids["andi"], date(2026, 11, 1), 3, 50_400),
        (ids["budi"], date(2027, 1, 1), 3, 200_400),
        (ids["citra"], date(2026, 11, 1), 3, 50_400),
    }


async def test_a_cadre_of_another_village_cannot_pay_for_it(engine, database):
    await arrange(database)
    await add_staff(database, OTHER_CADRE_PHONE, (OTHER_VILLAGE,), "Sari")
    chat = Chat(engine, "tg-3", channel="telegram", phone=OTHER_CADRE_PHONE)

    answer = await chat.say("bayar untuk desa")
    assert answer.startswith("Belum ada pekerja BPU yang iurannya dibayar desa di Natai Sedawak.")
    await chat.say("12")
    assert await recorded(database) == []


async def test_a_cadre_of_several_villages_picks_the_village(engine, database):
    await arrange(database)
    await add_staff(database, CADRE_PHONE, (VILLAGE, OTHER_VILLAGE), "Rina Wati")
    chat = Chat(engine, "tg-4", channel="telegram", phone=CADRE_PHONE)

    ask = await chat.say("apbdes")
    assert ask.startswith("Untuk desa mana pembayaran APBDes ini?")
    assert "Sungai Lembu (63.10.02.2003)" in ask
    months = await chat.say("Sungai Lembu")
    assert months.startswith("Bayar APBDes Sungai Lembu: 3 pekerja")


async def test_workers_are_not_allowed(engine, database):
    chat = Chat(engine, "wa-1", channel="whatsapp", phone="+6281350001234")
    answer = await chat.say("apbdes")
    assert "hanya dicatat kader desa" in answer


async def test_changing_the_months_at_the_summary_asks_the_amount_again(engine, database):
    ids = await arrange(database)
    chat = Chat(engine, "tg-5", channel="telegram", phone=CADRE_PHONE)
    await chat.say("apbdes")
    await chat.say("12")
    await chat.say("ya")
    await chat.say("KW-77")
    assert (await chat.say("ubah 1")).startswith("Bayar APBDes Sungai Lembu")
    amount = await chat.say("1")
    assert amount.startswith("Sungai Lembu, 1 bulan:\n3 pekerja, total Rp100.400")
    summary = await chat.say("ya")
    assert "1. Periode: 1 bulan\n2. Jumlah: Rp100.400 untuk 3 pekerja\n3. Kwitansi: KW-77" in summary
    await chat.say("ya")
    found = {(p.worker_id, p.first_month, p.months, p.amount) for p in await recorded(database)}
    assert found == {
        (ids["andi"], date(2026, 11, 1), 1, 16_800),
        (ids["budi"], date(2027, 1, 1), 1, 66_800),
        (ids["citra"], date(2026, 11, 1), 1, 16_800),
    }


# -- late in the month: the new and lapsed workers may start next month, as in "Catat pembayaran" ------------------

LATE = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 27 November in Tanah Bumbu (WITA): 4 days left


async def test_late_in_the_month_new_and_lapsed_workers_may_start_next_month(database):
    ids = await arrange(database)
    # Paid January to July 2026: lapsed since November, re-activated from the month paid (as in the single flow).
    ids["gita"] = await factories.add_worker(
        database, "6310025508800007", "Gita", date(1980, 8, 5), paid=[(date(2026, 1, 1), 7)]
    )
    chat = Chat(Engine(database, default_registry(), clock=lambda: LATE), "tg-6", channel="telegram", phone=CADRE_PHONE)

    months = await chat.say("bayar untuk desa")
    assert months.splitlines() == [
        "Bulan ini tinggal 4 hari; 3 pekerja baru (atau yang kepesertaannya berakhir) mulai November 2026: iuran bulan "
        "ini Rp50.400 untuk perlindungan sampai akhir bulan (30 November 2026). Bisa juga mulai bulan depan.",
        "Bayar APBDes Sungai Lembu: 4 pekerja dibayar desa. Berapa bulan? Balas 1, 3, 6, 12 (atau 1-12).",
        "",
        "- 1 bulan: Rp117.200",
        "- 3 bulan: Rp351.600",
        "- 6 bulan: Rp703.200",
        "- 12 bulan: Rp1.406.400",
        "- Mulai bulan depan (Desember 2026)",
    ]
    following = await chat.say("bulan depan")
    assert following.splitlines()[0] == (
        "Bayar APBDes Sungai Lembu, mulai bulan depan: 3 pekerja baru (atau yang kepesertaannya berakhir) mulai "
        "Desember 2026. Berapa bulan? Balas 1, 3, 6, 12 (atau 1-12)."
    )
    assert "- 3 bulan: Rp351.600" in following and "bulan depan (" not in following
    amount = await chat.say("3")
    assert amount.splitlines()[:6] == [
        "Sungai Lembu, 3 bulan:",
        "4 pekerja, total Rp351.600",
        "- Andi: Rp50.400 (mulai Desember 2026)",
        "- Budi: Rp200.400 (mulai Januari 2027)",  # paying already: unchanged
        "- Citra Ojek: Rp50.400 (mulai Desember 2026)",
        "- Gita: Rp50.400 (mulai Desember 2026)",
    ]
    await chat.say("ya")
    summary = await chat.say("APBDES-LATE")
    assert "1. Periode: 3 bulan; pekerja baru mulai Desember 2026\n2. Jumlah: Rp351.600 untuk 4 pekerja" in summary
    assert (await chat.say("ya")).startswith("Tercatat: Rp351.600 untuk 4 pekerja, 3 bulan, kwitansi APBDES-LATE.")
    found = {(p.worker_id, p.first_month, p.months, p.amount) for p in await recorded(database)}
    assert found == {
        (ids["andi"], date(2026, 12, 1), 3, 50_400),
        (ids["budi"], date(2027, 1, 1), 3, 200_400),
        (ids["citra"], date(2026, 12, 1), 3, 50_400),
        (ids["gita"], date(2026, 12, 1), 3, 50_400),
    }
    async with database.transaction() as session:
        (event,) = await audit.events(session, "village_payment_recorded")
    assert event.details["start_next_month"] == 3 and event.details["months"] == 3

    # Everyone pays from a later month now: nobody would start this month, so next month is not offered.
    again = await chat.say("apbdes")
    assert again.startswith("Bayar APBDes Sungai Lembu: 4 pekerja") and "bulan depan" not in again


async def test_late_in_the_month_this_month_stays_possible_and_english_says_the_same(database):
    ids = await arrange(database)
    chat = Chat(Engine(database, default_registry(), clock=lambda: LATE), "tg-7", channel="telegram", phone=CADRE_PHONE)
    await chat.say("bahasa")
    await chat.say("English")
    months = await chat.say("pay for the village")
    assert months.startswith(
        "Only 4 day(s) of this month are left; 2 new (or lapsed) worker(s) start in November 2026: this month's "
        "contribution is Rp33,600 for protection to the end of the month (30 November 2026). Starting next month is "
        "possible too.\nAPBDes payment, Sungai Lembu: 3 village-paid workers."
    )
    assert "- Start next month (December 2026)" in months
    amount = await chat.say("1")
    assert "- Andi: Rp16,800 (from November 2026)" in amount
    await chat.say("yes")
    assert "1. Period: 1 months\n" in await chat.say("KW-LATE")
    await chat.say("yes")
    found = {(p.worker_id, p.first_month) for p in await recorded(database)}
    assert (ids["andi"], date(2026, 11, 1)) in found and (ids["citra"], date(2026, 11, 1)) in found


async def test_early_in_the_month_next_month_is_not_offered(database):
    await arrange(database)
    chat = Chat(Engine(database, default_registry(), clock=lambda: NOW), "tg-8", channel="telegram", phone=CADRE_PHONE)
    months = await chat.say("apbdes")
    assert "bulan depan" not in months and "tinggal" not in months
    assert (await chat.say("bulan depan")).startswith("Ketik jumlah bulan, 1 sampai 12.")
