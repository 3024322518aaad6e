""" "Catat pembayaran" records only whole months paid in full: a short amount offers the months it pays, money left
over is a note, never a month; late in a month a new or renewed start may wait for the next month. Transcripts in
both languages, and properties over any amounts and month choices."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from flows.engine import Engine
from flows.payment_plan import allocate
from flows.registry import default_registry
from rules.contribution import monthly_amount, monthly_contribution
from rules.coverage import days_left_in_month, is_late_in_month, reactivated_from, whole_months
from rules.months import MAX_MONTH_COUNT, add_months
from rules.occupations import sector_of
from storage import audit
from storage.database import Database
from storage.models import Payment
from storage.workers import get_worker
from tests import factories
from tests.chat import Chat
from tests.factories import add_staff

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
LATE = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 27 November in Tanah Bumbu (WITA): 4 days left
VILLAGE = "63.10.02.2003"
CADRE_PHONE = "+6281200000001"
WORKER_PHONE = "+6281350001234"
SITI = "6310054508800001"
ASK_REFERENCE = "Ketik nomor kwitansi atau bukti bayar."


def engine_at(database: Database, moment: datetime) -> Engine:
    return Engine(database, default_registry(), clock=lambda: moment)


async def add_siti(database: Database, nik: str = SITI, **options) -> int:
    return await factories.add_worker(database, nik, "Siti Aminah", date(1980, 8, 5), phone=WORKER_PHONE, **options)


async def cadre(database: Database, moment: datetime = NOW, language: str = "id") -> Chat:
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    chat = Chat(engine_at(database, moment), "tg-1", channel="telegram", phone=CADRE_PHONE)
    if language == "en":
        await chat.say("bahasa")
        await chat.say("English")
    return chat


async def recorded(database: Database, worker_id: int | None = None) -> list[Payment]:
    async with database.transaction() as session:
        query = select(Payment).where(Payment.source == "cadre").order_by(Payment.id)
        if worker_id is not None:
            query = query.where(Payment.worker_id == worker_id)
        return list(await session.scalars(query))


async def events(database: Database) -> list:
    async with database.transaction() as session:
        return await audit.events(session, "payment_recorded")


# -- short of the months chosen ---------------------------------------------------------------------------------


async def test_rp20000_for_three_months_offers_one_month_and_records_exactly_one(database):
    chat = await cadre(database)
    await add_siti(database)
    for line in ("bayar", "siti"):
        await chat.say(line)
    assert (await chat.say("3")).startswith("Iuran 3 bulan untuk Siti Aminah: Rp50.400.")
    offer = await chat.say("Rp20.000")
    assert offer.startswith("Rp20.000 cukup untuk 1 bulan (Rp16.800); sisanya Rp3.200. Catat 1 bulan?")
    assert "1. Ya, catat 1 bulan" in offer and "2. Ubah jumlahnya" in offer
    assert await chat.say("ya") == ASK_REFERENCE
    summary = await chat.say("KW-20")
    assert "2. Periode: November 2026\n3. Jumlah: Rp20.000 (lebih bayar Rp3.200)\n4. Kwitansi: KW-20" in summary
    saved = (await chat.say("ya")).split("\n\n")[0]
    assert saved == (
        "Tercatat: Rp20.000 untuk 1 bulan iuran Siti Aminah.\n"
        "Status sekarang: Aktif, terlindungi sampai 30 November 2026.\n"
        "Lebih bayar Rp3.200 disimpan sebagai catatan pembayaran; belum dihitung sebagai bulan iuran."
    )
    (payment,) = await recorded(database)
    assert (payment.first_month, payment.months, payment.amount) == (date(2026, 11, 1), 1, 20_000)
    (event,) = await events(database)
    assert (event.details["months"], event.details["months_chosen"]) == (1, 3)
    assert (event.details["overpaid"], event.details["note"]) == (3_200, "lebih bayar Rp3.200")

    card = await Chat(engine_at(database, NOW), WORKER_PHONE, phone=WORKER_PHONE).say("status")
    assert "Terlindungi sampai: 30 November 2026" in card  # never February


async def test_rp20000_for_three_months_in_english(database):
    chat = await cadre(database, language="en")
    await add_siti(database)
    for line in ("payment", "siti", "3"):
        await chat.say(line)
    offer = await chat.say("20000")
    assert offer.startswith("Rp20,000 pays for 1 month(s) (Rp16,800); Rp3,200 is left over. Record 1 month(s)?")
    assert "1. Yes, record 1 month(s)" in offer and "2. Change the amount" in offer
    await chat.say("1")
    summary = await chat.say("KW-21")
    assert "2. Period: November 2026\n3. Amount: Rp20,000 (over-payment Rp3,200)" in summary
    saved = (await chat.say("yes")).split("\n\n")[0]
    assert saved == (
        "Recorded: Rp20,000 for 1 month(s) of Siti Aminah's contributions.\n"
        "Status now: Active, protected until 30 November 2026.\n"
        "The over-payment of Rp3,200 is kept as a note on the payment; it does not count as contribution months."
    )
    assert [(p.months, p.amount) for p in await recorded(database)] == [(1, 20_000)]


async def test_an_amount_that_pays_not_even_one_month_is_asked_again(database):
    chat = await cadre(database)
    await add_siti(database)
    for line in ("bayar", "siti", "3"):
        await chat.say(line)
    refused = await chat.say("15.000")
    assert refused == (
        "Rp15.000 belum cukup untuk iuran 1 bulan (Rp16.800).\n\n"
        "Iuran 3 bulan untuk Siti Aminah: Rp50.400. Ketik jumlah yang dibayar, atau ya jika sama."
    )
    # A bare "10" is read as Rp10.000 and refused the same way, before it is asked about.
    assert (await chat.say("10")).startswith("Rp10.000 belum cukup untuk iuran 1 bulan (Rp16.800).")
    # A bare "20" is asked about, then checked as any amount is.
    assert (await chat.say("20")).startswith("Maksudnya Rp20.000 (20 ribu)?")
    assert (await chat.say("ya")).startswith("Rp20.000 cukup untuk 1 bulan (Rp16.800); sisanya Rp3.200.")
    assert await recorded(database) == []


async def test_an_amount_that_pays_more_months_than_chosen_offers_them(database):
    chat = await cadre(database)
    await add_siti(database)
    for line in ("bayar", "siti", "1"):
        await chat.say(line)
    offer = await chat.say("50400")
    assert offer.startswith("Rp50.400 cukup untuk 3 bulan (Rp50.400), lebih dari 1 bulan yang dipilih. Catat 3 bulan?")
    await chat.say("1")
    summary = await chat.say("KW-30")
    assert "2. Periode: November 2026 - Januari 2027 (3 bulan)\n3. Jumlah: Rp50.400\n" in summary
    saved = (await chat.say("ya")).split("\n\n")[0]
    assert saved.startswith("Tercatat: Rp50.400 untuk 3 bulan iuran Siti Aminah.")
    assert [(p.months, p.amount) for p in await recorded(database)] == [(3, 50_400)]


async def test_an_over_payment_of_less_than_a_month_is_kept_as_a_note(database):
    chat = await cadre(database)
    await add_siti(database)
    for line in ("bayar", "siti", "1"):
        await chat.say(line)
    offer = await chat.say("20000")
    assert offer.startswith(
        "Jumlah Rp20.000 berbeda dari iuran Rp16.800. Lebihnya Rp3.200 disimpan sebagai catatan lebih bayar, "
        "bukan bulan iuran. Catat 1 bulan?"
    )
    await chat.say("1")
    await chat.say("KW-31")
    saved = (await chat.say("ya")).split("\n\n")[0]
    assert saved.endswith(
        "Lebih bayar Rp3.200 disimpan sebagai catatan pembayaran; belum dihitung sebagai bulan iuran."
    )
    (event,) = await events(database)
    assert (event.details["months"], event.details["overpaid"], event.details["note"]) == (
        1,
        3_200,
        "lebih bayar Rp3.200",
    )
    assert "months_chosen" not in event.details


async def test_an_over_payment_in_english(database):
    chat = await cadre(database, language="en")
    await add_siti(database)
    for line in ("payment", "siti", "1"):
        await chat.say(line)
    assert (await chat.say("20000")).startswith(
        "The amount Rp20,000 differs from the contribution Rp16,800. The Rp3,200 over is kept as an over-payment "
        "note, not as contribution months. Record 1 month(s)?"
    )


async def test_changing_the_months_at_the_summary_asks_the_amount_again(database):
    chat = await cadre(database)
    await add_siti(database)
    for line in ("bayar", "siti", "1", "ya", "KW-40"):
        await chat.say(line)
    assert (await chat.say("ubah 2")).startswith("Berapa bulan iuran")
    # Rp16.800 was the amount of 1 month: for 3 months the amount is asked again, then checked.
    assert (await chat.say("3")).startswith("Iuran 3 bulan untuk Siti Aminah: Rp50.400.")
    assert (await chat.say("20000")).startswith("Rp20.000 cukup untuk 1 bulan")
    summary = await chat.say("1")
    assert summary.startswith("Mohon periksa kembali:")
    assert "2. Periode: November 2026\n3. Jumlah: Rp20.000 (lebih bayar Rp3.200)" in summary
    # Changing the amount at the summary checks it again too.
    assert (await chat.say("ubah 3")).startswith("Iuran 3 bulan untuk Siti Aminah")
    summary = await chat.say("50400")
    assert "2. Periode: November 2026 - Januari 2027 (3 bulan)\n3. Jumlah: Rp50.400\n" in summary
    await chat.say("ya")
    assert [(p.months, p.amount) for p in await recorded(database)] == [(3, 50_400)]


# -- late in the month ------------------------------------------------------------------------------------------


async def test_late_in_the_month_a_first_payment_may_start_next_month(database):
    chat = await cadre(database, LATE)
    await add_siti(database)
    await chat.say("bayar")
    months = await chat.say("siti")
    assert months.splitlines()[:8] == [
        "Bulan ini tinggal 4 hari; iuran bulan ini tetap Rp16.800 untuk perlindungan sampai akhir bulan "
        "(30 November 2026). Bisa juga mulai bulan depan.",
        "Berapa bulan iuran yang dibayar untuk Siti Aminah, mulai November 2026? Balas 1, 3, 6 atau 12.",
        "",
        "- 1 bulan: Rp16.800",
        "- 3 bulan: Rp50.400",
        "- 6 bulan: Rp100.800",
        "- 12 bulan: Rp201.600",
        "- Mulai bulan depan (Desember 2026)",
    ]
    following = await chat.say("bulan depan")
    assert following.startswith("Berapa bulan iuran yang dibayar untuk Siti Aminah, mulai Desember 2026?")
    assert (await chat.say("3")).startswith("Iuran 3 bulan untuk Siti Aminah: Rp50.400.")
    await chat.say("ya")
    summary = await chat.say("KW-50")
    assert "2. Periode: Desember 2026 - Februari 2027 (3 bulan)" in summary
    saved = (await chat.say("ya")).split("\n\n")[0]
    assert saved == (
        "Tercatat: Rp50.400 untuk 3 bulan iuran Siti Aminah.\n"
        "Status sekarang: Belum aktif; perlindungan mulai 1 Desember 2026 sampai 28 Februari 2027."
    )
    assert [(p.first_month, p.months) for p in await recorded(database)] == [(date(2026, 12, 1), 3)]


async def test_late_in_the_month_in_english_and_this_month_stays_possible(database):
    chat = await cadre(database, LATE, language="en")
    await add_siti(database)
    await chat.say("payment")
    months = await chat.say("siti")
    assert months.startswith(
        "Only 4 day(s) of this month are left; this month's contribution is still Rp16,800 for protection to the end "
        "of the month (30 November 2026). Starting next month is possible too.\n"
    )
    assert "- Start next month (December 2026)" in months
    assert (await chat.say("1")).startswith("The contribution for 1 month(s) for Siti Aminah is Rp16,800.")
    await chat.say("yes")
    assert "2. Period: November 2026\n" in await chat.say("KW-51")


async def test_early_in_the_month_or_for_a_paying_worker_next_month_is_not_offered(database):
    chat = await cadre(database, LATE)
    await add_siti(database, paid=[(date(2026, 10, 1), 2)])  # active through November: pays from December anyway
    await chat.say("bayar")
    months = await chat.say("siti")
    assert months.startswith("Berapa bulan iuran yang dibayar untuk Siti Aminah, mulai Desember 2026?")
    assert "bulan depan" not in months and "tinggal" not in months


async def test_a_lapsed_worker_late_in_the_month_is_reactivated_from_next_month(database):
    chat = await cadre(database, LATE)
    await add_siti(database, paid=[(date(2026, 1, 1), 7)])  # through July: lapsed since November
    await chat.say("bayar")
    months = await chat.say("siti")
    assert months.startswith(
        "Kepesertaan Siti Aminah sudah berakhir (lebih dari 3 bulan tidak membayar). Bulan yang lewat tidak dibayar: "
        "kepesertaan aktif kembali mulai November 2026.\nBulan ini tinggal 4 hari;"
    )
    following = await chat.say("bulan depan")
    assert following.startswith(
        "Kepesertaan Siti Aminah sudah berakhir (lebih dari 3 bulan tidak membayar). Bulan yang lewat tidak dibayar: "
        "kepesertaan aktif kembali mulai Desember 2026.\n"
        "Berapa bulan iuran yang dibayar untuk Siti Aminah, mulai Desember 2026?"
    )
    for line in ("1", "ya", "KW-52"):
        await chat.say(line)
    saved = (await chat.say("ya")).split("\n\n")[0]
    assert saved.endswith("Status sekarang: aktif kembali mulai 1 Desember 2026, terlindungi sampai 31 Desember 2026.")
    (event,) = await events(database)
    assert event.details["reactivation"] is True and event.details["first_month"] == "2026-12-01"

    card = await Chat(engine_at(database, LATE), WORKER_PHONE, phone=WORKER_PHONE).say("status")
    assert "Status: Berakhir" in card
    assert "Iuran sudah dibayar: kepesertaan aktif kembali mulai 1 Desember 2026." in card
    assert "Kepesertaan sudah berakhir karena" not in card
    # From December the card says Aktif, active again from the month paid.
    december = Chat(engine_at(database, datetime(2026, 12, 2, 2, tzinfo=UTC)), WORKER_PHONE, phone=WORKER_PHONE)
    card = await december.say("status")
    assert "Status: Aktif" in card and "Aktif kembali mulai 1 Desember 2026;" in card


# -- the rules ---------------------------------------------------------------------------------------------------


def test_days_left_and_late_in_the_month():
    assert [days_left_in_month(date(2026, 11, day)) for day in (1, 25, 26, 30)] == [30, 6, 5, 1]
    assert [is_late_in_month(date(2026, 11, day)) for day in (25, 26, 30)] == [False, True, True]
    assert days_left_in_month(date(2028, 2, 29)) == 1


def test_reactivation_is_a_run_of_paid_months_after_a_lapse():
    months = [date(2026, m, 1) for m in range(1, 8)]  # January - July
    assert reactivated_from(date(2026, 11, 5), months + [date(2026, 11, 1)]) == date(2026, 11, 1)
    assert reactivated_from(date(2026, 11, 5), months + [date(2026, 12, 1)]) == date(2026, 12, 1)
    # Paid again within the arrears (from October, 2 unpaid months): no lapse, no re-activation.
    assert reactivated_from(date(2026, 10, 5), months + [date(2026, 10, 1)]) is None
    assert reactivated_from(date(2026, 5, 5), months) is None
    assert reactivated_from(date(2026, 11, 5), months) is None


def test_whole_months_counts_each_month_at_its_own_amount():
    assert whole_months([16_800, 16_800, 16_800], 20_000) == 1
    assert whole_months([8_400, 8_400, 16_800], 33_600) == 3
    assert whole_months([8_400, 16_800, 8_400], 25_000) == 1  # the next month no longer fits: stop there
    assert whole_months([16_800], 16_799) == 0


WORKER_TERMS = st.fixed_dictionaries(
    {
        "income": st.integers(10, 207).map(lambda n: n * 100_000),
        "programmes": st.sampled_from([("JKK", "JKM"), ("JKK", "JKM", "JHT")]),
        "occupation": st.sampled_from(["petani", "ojek_sopir"]),
        "payer": st.sampled_from(["worker", "village"]),
    }
)


def _monthly(terms: dict, first: date, months: int) -> list[int]:
    return [
        monthly_contribution(
            terms["income"],
            terms["programmes"],
            add_months(first, n),
            sector=sector_of(terms["occupation"]),
            payer=terms["payer"],
        ).total
        for n in range(months)
    ]


@settings(max_examples=300, deadline=None)
@given(
    terms=WORKER_TERMS,
    start=st.dates(date(2025, 6, 1), date(2028, 6, 1)).map(lambda d: d.replace(day=1)),
    amounts=st.lists(st.integers(1, 5_000_000), min_size=1, max_size=6),
)
def test_any_amounts_record_exactly_the_whole_months_they_pay(terms, start, amounts):
    first = start
    for paid in amounts:
        monthly = _monthly(terms, first, MAX_MONTH_COUNT + 1)
        allocation = allocate(monthly[:MAX_MONTH_COUNT], paid)
        months = allocation.months
        assert sum(monthly[:months]) == allocation.cost <= paid
        assert allocation.left == paid - allocation.cost >= 0
        assert months == MAX_MONTH_COUNT or sum(monthly[: months + 1]) > paid  # one more month would not fit
        first = add_months(first, months)


_serials = itertools.count(100)
PROPERTY = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
async def payment_cadre(database):
    return await cadre(database)


@PROPERTY
@given(
    occupation=st.sampled_from(["petani", "ojek_sopir"]),
    steps=st.lists(st.tuples(st.integers(1, 12), st.integers(1_000, 400_000)), min_size=1, max_size=3),
)
async def test_through_the_conversation_the_months_recorded_are_the_whole_months_paid(
    database, payment_cadre, occupation, steps
):
    chat: Chat = payment_cadre
    nik = f"631005450880{next(_serials):04d}"
    worker_id = await add_siti(database, nik, occupation=occupation, payer="worker")
    await chat.say("batal")
    for number, (months, paid) in enumerate(steps):
        await chat.say("bayar")
        await chat.say(nik)
        await chat.say(str(months))
        answer = await chat.say(str(paid))
        if "belum cukup" in answer:
            await chat.say("batal")
            continue
        if not answer.startswith(ASK_REFERENCE):
            assert "Catat" in answer, answer
            assert await chat.say("1") == ASK_REFERENCE
        assert (await chat.say(f"KW-{worker_id}-{number}")).startswith("Mohon periksa kembali:")
        assert (await chat.say("ya")).startswith("Tercatat:")
    async with database.transaction() as session:
        worker = await get_worker(session, worker_id)
    expected_first = date(2026, 11, 1)
    for payment in await recorded(database, worker_id):
        assert payment.first_month == expected_first  # each payment follows the months already paid
        monthly = [monthly_amount(worker, add_months(payment.first_month, n)) for n in range(payment.months + 1)]
        assert sum(monthly[: payment.months]) <= payment.amount
        assert payment.months == MAX_MONTH_COUNT or sum(monthly) > payment.amount
        expected_first = add_months(payment.first_month, payment.months)
