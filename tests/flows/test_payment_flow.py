""" "Catat pembayaran" read as conversations: a cadre finds the worker, chooses 1, 3, 6 or 12 months from the first
unpaid month, confirms the amount against the contribution, notes the receipt, and the payment is saved and audited.
Only cadres and admins may, and only for workers of their villages."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from flows.engine import Engine
from flows.i18n import Translator
from flows.registry import default_registry
from storage import audit
from storage.database import Database
from storage.models import Payment
from tests import factories
from tests.chat import Chat
from tests.factories import add_staff

ID = Translator("id")

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
VILLAGE = "63.10.02.2003"  # Sungai Lembu
OTHER_VILLAGE = "62.08.01.2001"  # Natai Sedawak
CADRE_PHONE = "+6281200000001"
ADMIN_PHONE = "+6281200000009"
WORKER_PHONE = "+6281350001234"
SITI = "6310054508800001"
ANDI = "6208011505850004"

ASK_WORKER = "Ketik NIK atau nama pekerja."
ASK_REFERENCE = "Ketik nomor kwitansi atau bukti bayar."
MENU_CADRE = "Halo, Kader Rina Wati!"


@pytest.fixture
def engine(database: Database) -> Engine:
    return Engine(database, default_registry(), clock=lambda: NOW)


async def add_worker(database: Database, nik: str = SITI, name: str = "Siti Aminah", **options) -> int:
    """A worker with Siti's birth date, sex and phone (Siti herself unless told)."""
    return await factories.add_worker(database, nik, name, date(1980, 8, 5), sex="F", phone=WORKER_PHONE, **options)


async def recorded(database: Database) -> list[Payment]:
    async with database.transaction() as session:
        return list(await session.scalars(select(Payment).where(Payment.source == "cadre").order_by(Payment.id)))


async def events(database: Database) -> list:
    async with database.transaction() as session:
        return await audit.events(session, "payment_recorded")


async def cadre_chat(engine: Engine, database: Database, address: str = "tg-1", channel: str = "telegram") -> Chat:
    return Chat(engine, address, channel=channel, phone=CADRE_PHONE)


# -- the whole way ----------------------------------------------------------------------------------


async def test_a_cadre_records_twelve_months_for_a_new_worker_from_this_month(engine, database):
    cadre_id = await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    worker_id = await add_worker(database)
    chat = await cadre_chat(engine, database)

    assert await chat.say("bayar") == ASK_WORKER
    months = await chat.say(SITI)
    assert months.splitlines()[:6] == [
        "Berapa bulan iuran yang dibayar untuk Siti Aminah, mulai November 2026? Balas 1, 3, 6 atau 12.",
        "",
        "- 1 bulan: Rp16.800",
        "- 3 bulan: Rp50.400",
        "- 6 bulan: Rp100.800",
        "- 12 bulan: Rp201.600",
    ]
    amount = await chat.say("12")  # the number of months, typed
    assert amount == "Iuran 12 bulan untuk Siti Aminah: Rp201.600. Ketik jumlah yang dibayar, atau ya jika sama."
    assert await chat.say("ya") == ASK_REFERENCE
    summary = await chat.say("KW-001")
    assert summary.startswith(
        "Mohon periksa kembali:\n"
        "1. Pekerja: Siti Aminah, REG-6310-000001\n"
        "2. Periode: November 2026 - Oktober 2027 (12 bulan)\n"
        "3. Jumlah: Rp201.600\n"
        "4. Kwitansi: KW-001\n"
    )
    assert await recorded(database) == []  # nothing saved before the confirmation

    saved, menu = (await chat.say("ya")).split("\n\n", 1)
    assert saved == (
        "Tercatat: Rp201.600 untuk 12 bulan iuran Siti Aminah.\n"
        "Status sekarang: Aktif, terlindungi sampai 31 Oktober 2027."
    )
    assert menu.startswith(MENU_CADRE)

    (payment,) = await recorded(database)
    assert (payment.worker_id, payment.first_month, payment.months, payment.amount) == (
        worker_id,
        date(2026, 11, 1),
        12,
        201_600,
    )
    assert (payment.reference, payment.recorded_by) == ("KW-001", cadre_id)
    (event,) = await events(database)
    assert (event.subject_type, event.subject_id, event.actor_person_id, event.at) == (
        "worker",
        str(worker_id),
        cadre_id,
        NOW,
    )
    assert event.details == {
        "first_month": "2026-11-01",
        "months": 12,
        "amount": 201_600,
        "reference": "KW-001",
        "expected": 201_600,
    }

    # The worker's own status now says so.
    own = Chat(engine, WORKER_PHONE, phone=WORKER_PHONE)
    card = await own.say("status")
    assert "Status: Aktif" in card and "Terlindungi sampai: 31 Oktober 2027" in card


async def test_the_month_options_are_picked_by_the_number_of_months_label_or_tapped_button(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await add_worker(database)
    chat = await cadre_chat(engine, database)

    await chat.say("bayar")
    await chat.say("siti")
    # The options are themselves numbers: "3" is 3 months, never the third option (6 months).
    assert (await chat.say("3")).startswith("Iuran 3 bulan")
    await chat.say("kembali")
    assert (await chat.say("12")).startswith("Iuran 12 bulan")
    await chat.say("kembali")
    assert (await chat.say("6 bulan")).startswith("Iuran 6 bulan")
    await chat.say("kembali")
    assert (await chat.say("6")).startswith("Iuran 6 bulan")
    await chat.say("kembali")
    # Telegram sends a tapped button's value as the text: the button "3 bulan" must mean 3 months.
    (prompt,) = chat.last
    three = next(option for option in prompt.options if option.label.startswith("3 bulan"))
    assert (await chat.say(three.value)).startswith("Iuran 3 bulan untuk Siti Aminah: Rp50.400.")
    await chat.say("kembali")
    twelve = next(option for option in chat.last[-1].options if option.label.startswith("12 bulan"))
    assert (await chat.say(twelve.value)).startswith("Iuran 12 bulan")
    await chat.say("kembali")
    # Any whole number of months up to a year, also in words; more than a year is no choice.
    assert (await chat.say("7")).startswith("Iuran 7 bulan untuk Siti Aminah")
    await chat.say("kembali")
    assert (await chat.say("tiga bulan")).startswith("Iuran 3 bulan untuk Siti Aminah: Rp50.400.")
    await chat.say("kembali")
    assert (await chat.say("setahun")).startswith("Iuran 12 bulan")
    await chat.say("kembali")
    refused = await chat.say("13")
    assert refused.startswith("Jawaban itu tidak ada di pilihan.")


async def test_a_cadre_records_in_english(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await add_worker(database)
    chat = await cadre_chat(engine, database)
    await chat.say("bahasa")
    await chat.say("English")

    assert await chat.say("payment") == "Type the worker's NIK or name."
    months = await chat.say("aminah")
    assert months.startswith("How many months were paid for Siti Aminah, starting November 2026?")
    assert "- 12 month(s): Rp201,600" in months
    amount = await chat.say("6")
    assert amount == (
        "The contribution for 6 month(s) for Siti Aminah is Rp100,800. Type the amount paid, or yes if it is the same."
    )
    assert await chat.say("yes") == "Type the receipt or proof-of-payment number."
    summary = await chat.say("KW-9")
    assert "2. Period: November 2026 - April 2027 (6 months)" in summary
    saved = (await chat.say("yes")).split("\n\n")[0]
    assert saved == (
        "Recorded: Rp100,800 for 6 month(s) of Siti Aminah's contributions.\n"
        "Status now: Active, protected until 30 April 2027."
    )


# -- the amount -------------------------------------------------------------------------------------


async def test_an_amount_short_of_the_months_chosen_offers_the_whole_months_it_pays(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await add_worker(database)
    chat = await cadre_chat(engine, database)
    await chat.say("bayar")
    await chat.say("siti")
    await chat.say("12")

    unreadable = await chat.say("banyak")
    assert unreadable.startswith("Jumlah itu tidak bisa saya baca. Contoh: 201.600 atau 201600.")
    short = await chat.say("Rp200.000")
    assert short.startswith("Rp200.000 cukup untuk 11 bulan (Rp184.800); sisanya Rp15.200. Catat 11 bulan?")
    assert "1. Ya, catat 11 bulan" in short and "2. Ubah jumlahnya" in short
    again = await chat.say("tidak tahu")
    assert again.startswith("Balas 1 untuk mencatat, atau 2 untuk mengubah jumlahnya.")

    # "2. Ubah jumlahnya" goes back to the amount: the amount of the months chosen needs no confirmation.
    assert (await chat.say("2")).startswith("Iuran 12 bulan untuk Siti Aminah: Rp201.600.")
    assert await chat.say("201600") == ASK_REFERENCE
    assert (await chat.say("kembali")).startswith("Iuran 12 bulan")  # from the receipt back to the amount
    assert (await chat.say("200000")).startswith("Rp200.000 cukup untuk 11 bulan")
    assert await chat.say("1") == ASK_REFERENCE
    summary = await chat.say("KW-2")
    assert "2. Periode: November 2026 - September 2027 (11 bulan)" in summary
    assert "3. Jumlah: Rp200.000 (lebih bayar Rp15.200)" in summary
    saved = (await chat.say("ya")).split("\n\n")[0]
    assert saved == (
        "Tercatat: Rp200.000 untuk 11 bulan iuran Siti Aminah.\n"
        "Status sekarang: Aktif, terlindungi sampai 30 September 2027.\n"
        "Lebih bayar Rp15.200 disimpan sebagai catatan pembayaran; belum dihitung sebagai bulan iuran."
    )

    (payment,) = await recorded(database)
    assert (payment.first_month, payment.months, payment.amount) == (date(2026, 11, 1), 11, 200_000)
    (event,) = await events(database)
    assert event.details == {
        "first_month": "2026-11-01",
        "months": 11,
        "amount": 200_000,
        "reference": "KW-2",
        "expected": 184_800,
        "months_chosen": 12,
        "overpaid": 15_200,
        "note": "lebih bayar Rp15.200",
    }


async def test_the_expected_amount_follows_the_dated_discount_of_a_transport_worker(engine, database):
    # PP 50/2025: half of JKK + JKM (Rp8.400) for transport workers for January 2026 - March 2027, then Rp16.800.
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await add_worker(database, name="Siti Ojek", occupation="ojek_sopir", payer="worker")
    chat = await cadre_chat(engine, database)
    await chat.say("bayar")
    months = await chat.say("ojek")
    assert "- 1 bulan: Rp8.400" in months
    assert "- 3 bulan: Rp25.200" in months  # all three discounted: no breakdown
    # November - March discounted, April - October at the full rate: the total says how it adds up.
    assert "- 12 bulan: Rp159.600 (5 × Rp8.400 + 7 × Rp16.800)" in months
    assert (await chat.say("12")).startswith("Iuran 12 bulan untuk Siti Ojek: Rp159.600 (5 × Rp8.400 + 7 × Rp16.800).")


async def test_a_receipt_number_must_be_readable(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await add_worker(database)
    chat = await cadre_chat(engine, database)
    for line in ("bayar", "siti", "1", "ya"):
        await chat.say(line)
    assert (await chat.say("-")).startswith(ID("payment.reference.invalid"))
    assert (await chat.say("K" * 61)).startswith("Nomor kwitansi harus 2 sampai 60 huruf atau angka.")
    # Letters, digits and - / . _ only: a space or other marks are refused with an example.
    for typed in ("KW 12", "KW#12", "KW✅12"):
        assert (await chat.say(typed)).startswith(ID("payment.reference.characters")), typed
    assert (await chat.say("KW-2026/015")).startswith("Mohon periksa kembali:")


# -- arrears, duplicates, death -----------------------------------------------------------------------


async def test_for_a_worker_in_arrears_paying_off_the_arrears_is_offered_first(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await add_worker(database, paid=[(date(2026, 1, 1), 8)])  # January - August: in arrears since September
    chat = await cadre_chat(engine, database)

    await chat.say("bayar")
    months = await chat.say("siti")
    assert months.splitlines()[:7] == [
        "Siti Aminah menunggak 3 bulan (Rp50.400); lunasi tunggakan dulu.",
        "Berapa bulan iuran yang dibayar untuk Siti Aminah, mulai September 2026? Balas 1, 3, 6 atau 12.",
        "",
        "- Lunasi tunggakan 3 bulan (Rp50.400)",
        "- 1 bulan: Rp16.800",
        "- 6 bulan: Rp100.800",
        "- 12 bulan: Rp201.600",
    ]
    assert chat.last[-1].options[0].label == "Lunasi tunggakan 3 bulan (Rp50.400)"
    assert (await chat.say("lunasi")).startswith("Iuran 3 bulan untuk Siti Aminah: Rp50.400.")
    await chat.say("kembali")
    assert (await chat.say("3 bulan")).startswith("Iuran 3 bulan untuk Siti Aminah: Rp50.400.")
    await chat.say("ya")
    summary = await chat.say("KW-3")
    assert "2. Periode: September 2026 - November 2026 (3 bulan)" in summary
    saved = (await chat.say("ya")).split("\n\n")[0]
    assert saved.endswith("Status sekarang: Aktif, terlindungi sampai 30 November 2026.")
    (payment,) = await recorded(database)
    assert (payment.first_month, payment.months) == (date(2026, 9, 1), 3)


async def test_arrears_are_summed_month_by_month_at_each_months_own_rate(engine, database):
    # A transport worker's discount (Rp8.400) began in January 2026: paid through October 2025, the months owed
    # are November and December 2025 at Rp16.800 and January 2026 at Rp8.400.
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await add_worker(database, name="Siti Ojek", occupation="ojek_sopir", payer="worker", paid=[(date(2025, 8, 1), 3)])
    clock = factories.Clock(datetime(2026, 1, 10, 3, 0, tzinfo=UTC))
    chat = Chat(Engine(database, default_registry(), clock=clock), "tg-1", channel="telegram", phone=CADRE_PHONE)
    await chat.say("bayar")
    months = await chat.say("ojek")
    assert months.startswith("Siti Ojek menunggak 3 bulan (Rp42.000 (2 × Rp16.800 + 1 × Rp8.400))")
    assert "- Lunasi tunggakan 3 bulan (Rp42.000 (2 × Rp16.800 + 1 × Rp8.400))" in months


async def test_a_partial_arrears_payment_says_how_many_months_are_still_owed(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await add_worker(database, paid=[(date(2026, 1, 1), 8)])
    chat = await cadre_chat(engine, database)
    for line in ("bayar", "siti", "lunasi"):
        await chat.say(line)
    # Rp20.000 pays September only: October and November stay owed.
    assert (await chat.say("20000")).startswith(
        "Rp20.000 cukup untuk 1 bulan (Rp16.800); sisanya Rp3.200. Catat 1 bulan?"
    )
    await chat.say("1")
    summary = await chat.say("KW-4")
    assert "2. Periode: September 2026\n3. Jumlah: Rp20.000 (lebih bayar Rp3.200)" in summary
    saved = (await chat.say("ya")).split("\n\n")[0]
    assert saved == (
        "Tercatat: Rp20.000 untuk 1 bulan iuran Siti Aminah.\n"
        "Status sekarang: Menunggak, masih menunggak 2 bulan (Rp33.600). Bayar paling lambat 31 Desember 2026 "
        "agar kepesertaan tidak berakhir.\n"
        "Lebih bayar Rp3.200 disimpan sebagai catatan pembayaran; belum dihitung sebagai bulan iuran."
    )
    assert "terlindungi sampai" not in saved
    (payment,) = await recorded(database)
    assert (payment.first_month, payment.months, payment.amount) == (date(2026, 9, 1), 1, 20_000)

    card = await (Chat(engine, WORKER_PHONE, phone=WORKER_PHONE)).say("status")
    assert "Tunggakan 2 bulan (Rp33.600)." in card and "Terlindungi sampai" not in card


async def test_a_partial_arrears_payment_in_english(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await add_worker(database, paid=[(date(2026, 1, 1), 8)])
    chat = await cadre_chat(engine, database)
    await chat.say("bahasa")
    await chat.say("English")
    await chat.say("payment")
    months = await chat.say("siti")
    assert months.startswith("Siti Aminah is 3 month(s) in arrears (Rp50,400); pay the arrears first.\n")
    assert "- Pay off 3 month(s) in arrears (Rp50,400)" in months
    assert (await chat.say("3")).startswith("The contribution for 3 month(s) for Siti Aminah is Rp50,400.")
    assert (await chat.say("35000")).startswith(
        "Rp35,000 pays for 2 month(s) (Rp33,600); Rp1,400 is left over. Record 2 month(s)?"
    )
    await chat.say("1")
    await chat.say("KW-5")
    saved = (await chat.say("yes")).split("\n\n")[0]
    assert saved == (
        "Recorded: Rp35,000 for 2 month(s) of Siti Aminah's contributions.\n"
        "Status now: In arrears, still 1 month(s) in arrears (Rp16,800). Pay by 31 January 2027 at the latest or "
        "the membership ends.\n"
        "The over-payment of Rp1,400 is kept as a note on the payment; it does not count as contribution months."
    )


async def test_a_lapsed_worker_is_reactivated_from_this_month_without_back_pay(engine, database):
    cadre_id = await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    worker_id = await add_worker(database, paid=[(date(2026, 1, 1), 7)])  # through July: lapsed since November
    chat = await cadre_chat(engine, database)
    card = await (Chat(engine, WORKER_PHONE, phone=WORKER_PHONE)).say("status")
    assert "Kepesertaan aktif kembali mulai bulan yang dibayar berikutnya" in card

    await chat.say("bayar")
    months = await chat.say("siti")
    assert months.splitlines()[:2] == [
        "Kepesertaan Siti Aminah sudah berakhir (lebih dari 3 bulan tidak membayar). Bulan yang lewat tidak dibayar: "
        "kepesertaan aktif kembali mulai November 2026.",
        "Berapa bulan iuran yang dibayar untuk Siti Aminah, mulai November 2026? Balas 1, 3, 6 atau 12.",
    ]
    for line in ("3", "ya", "KW-6"):
        await chat.say(line)
    saved = (await chat.say("ya")).split("\n\n")[0]
    assert saved == (
        "Tercatat: Rp50.400 untuk 3 bulan iuran Siti Aminah.\n"
        "Status sekarang: aktif kembali mulai 1 November 2026, terlindungi sampai 31 Januari 2027."
    )
    (payment,) = await recorded(database)
    assert (payment.first_month, payment.months) == (date(2026, 11, 1), 3)  # August - October are not back-paid
    (event,) = await events(database)
    assert event.actor_person_id == cadre_id and event.subject_id == str(worker_id)
    assert event.details["reactivation"] is True

    card = await (Chat(engine, WORKER_PHONE, phone=WORKER_PHONE)).say("status")
    assert "Status: Aktif" in card and "Terlindungi sampai: 31 Januari 2027" in card
    assert "Aktif kembali mulai 1 November 2026; bulan-bulan sebelum itu tidak dibayar dan tidak terlindungi." in card


async def test_a_lapsed_worker_is_reactivated_in_english(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await add_worker(database, paid=[(date(2026, 1, 1), 7)])
    chat = await cadre_chat(engine, database)
    await chat.say("bahasa")
    await chat.say("English")
    await chat.say("payment")
    months = await chat.say("siti")
    assert months.startswith(
        "Siti Aminah's membership has ended (more than 3 months unpaid). The past months are not paid: the membership "
        "is active again from November 2026.\n"
    )
    for line in ("1", "yes", "KW-7"):
        await chat.say(line)
    saved = (await chat.say("yes")).split("\n\n")[0]
    assert saved.endswith("Status now: active again from 1 November 2026, protected until 30 November 2026.")


async def test_the_same_receipt_for_the_same_month_is_not_recorded_twice(engine, database):
    # The cadre has the form open on two phones (or two cadres of the village hold the same receipt): both
    # reach the confirmation for September, the first saves, the second is refused.
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await add_worker(database, paid=[(date(2026, 1, 1), 8)])
    telegram = await cadre_chat(engine, database)
    whatsapp = Chat(engine, "whatsapp:" + CADRE_PHONE, channel="whatsapp", phone=CADRE_PHONE)
    for chat in (telegram, whatsapp):
        for line in ("bayar", "siti", "3 bulan", "ya"):
            await chat.say(line)
        assert "2. Periode: September 2026 - November 2026 (3 bulan)" in await chat.say("KW-77")

    assert (await telegram.say("ya")).startswith("Tercatat: Rp50.400 untuk 3 bulan iuran Siti Aminah.")
    refused, menu = (await whatsapp.say("ya")).split("\n\n", 1)
    assert refused == (
        "Pembayaran dengan nomor kwitansi KW-77 untuk bulan yang sama sudah pernah dicatat, jadi tidak dicatat lagi."
    )
    assert menu.startswith(MENU_CADRE)
    assert [(p.first_month, p.months, p.reference) for p in await recorded(database)] == [
        (date(2026, 9, 1), 3, "KW-77")
    ]
    assert len(await events(database)) == 1


async def test_a_deceased_worker_gets_no_more_payments(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await add_worker(database, paid=[(date(2026, 1, 1), 12)], deceased_on=date(2026, 10, 3))
    chat = await cadre_chat(engine, database)
    for line in ("bayar", "siti", "1", "ya", "KW-5"):
        await chat.say(line)
    reply = (await chat.say("ya")).split("\n\n")[0]
    assert reply == "Siti Aminah tercatat sudah meninggal, jadi iuran tidak bisa dicatat lagi."
    assert await recorded(database) == [] and await events(database) == []


# -- who may ------------------------------------------------------------------------------------------


async def test_a_non_cadre_is_refused_and_back_at_the_menu(engine, database):
    await add_worker(database)
    known_stranger = Chat(engine, "tg-77", channel="telegram", phone="+6281399990000")  # no phone: asked for it
    for chat in (known_stranger, Chat(engine, WORKER_PHONE, phone=WORKER_PHONE)):
        denied, menu = (await chat.say("bayar")).split("\n\n", 1)
        assert denied == (
            "Pencatatan pembayaran hanya untuk kader desa. Hubungi kader desa Anda jika sudah membayar iuran."
        )
        assert menu.startswith("Halo! Ini layanan BPJS Ketenagakerjaan untuk pekerja desa.\nSilakan pilih layanan:")
        assert "Catat pembayaran" not in menu
        assert (await chat.say(SITI)).startswith("Jawaban itu tidak ada di pilihan.")  # still at the menu
    assert await recorded(database) == []


async def test_a_cadre_cannot_record_for_a_worker_of_another_village_but_an_admin_can(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    admin_id = await add_staff(database, ADMIN_PHONE, (), "Admin Kabupaten", admin=True)
    andi = await add_worker(database, ANDI, "Andi Wijaya", village=OTHER_VILLAGE)
    not_found = "Pekerja itu tidak ditemukan di desa Anda. Periksa NIK atau ejaan namanya.\n\n" + ASK_WORKER

    chat = await cadre_chat(engine, database)
    await chat.say("bayar")
    assert await chat.say(ANDI) == not_found
    second = await chat.say("andi")  # a second miss may add how to leave the question
    assert second.startswith(not_found.split("\n\n")[0]) and second.endswith(ASK_WORKER)
    assert (await chat.say("batal")).startswith("Dibatalkan. Tidak ada yang disimpan.")

    admin = Chat(engine, "tg-9", channel="telegram", phone=ADMIN_PHONE)
    await admin.say("bayar")
    assert (await admin.say("andi")).startswith("Berapa bulan iuran yang dibayar untuk Andi Wijaya")
    for line in ("1", "ya", "KW-1"):
        await admin.say(line)
    assert (await admin.say("ya")).startswith("Tercatat: Rp16.800 untuk 1 bulan iuran Andi Wijaya.")
    (payment,) = await recorded(database)
    assert (payment.worker_id, payment.recorded_by) == (andi, admin_id)


async def test_a_payment_recorded_meanwhile_under_another_receipt_stops_the_confirmed_one(engine, database):
    # Two receipts for the same months (the branch office's file imported while the cadre was typing): the months
    # confirmed at the summary are taken, so nothing is recorded rather than a month twice or months not confirmed.
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    worker_id = await add_worker(database, paid=[(date(2026, 1, 1), 8)])
    chat = await cadre_chat(engine, database)
    for line in ("bayar", "siti", "3 bulan", "ya"):
        await chat.say(line)
    assert "2. Periode: September 2026 - November 2026 (3 bulan)" in await chat.say("KW-78")
    await factories.add_payment(database, worker_id, date(2026, 9, 1), 1, reference="BR-9")

    refused, menu = (await chat.say("ya")).split("\n\n", 1)
    assert refused == (
        "Sementara itu ada pembayaran lain yang dicatat untuk Siti Aminah, jadi pembayaran ini tidak dicatat agar"
        " tidak ada bulan yang dibayar dua kali. Lihat statusnya, lalu catat lagi bila perlu."
    )
    assert menu.startswith(MENU_CADRE)
    assert await recorded(database) == []
    assert await events(database) == []
