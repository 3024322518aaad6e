"""Every answer the registration refuses, and every answer that needs a second look: each refusal says why,
keeps the conversation on the same question, and the next valid answer still works."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.export import export_csv
from flows.engine import Engine
from flows.flow_options import FlowOptions
from flows.i18n import Translator
from flows.registry import default_registry
from storage.database import Database
from storage.models import Worker
from tests.chat import Chat
from tests.factories import add_staff, add_worker, position

ID = Translator("id")
EN = Translator("en")

# Before the wall clock on purpose (see test_register_transcripts.py): the engine's idle check compares its
# clock with the wall-clock time the conversation was stored.
NOW = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)

VILLAGE = "63.10.02.2003"
CADRE_PHONE = "+6281200000001"
NIK = "6310054508800001"

# The plainest answer to every question, in order; a test overrides the ones it is about.
ANSWERS: dict[str, str] = {
    "consent": "1",
    "nik": NIK,
    "name": "Siti Aminah",
    "birth_date": "ya",
    "sex": "1",
    "phone": "lewati",
    "occupation": "petani",
    "income": "1jt",
    "payer": "desa",
    "programmes": "1",
    "heir_name": "lewati",
}
CONFIRM = "_confirm"


def engine_at(database: Database, now: datetime = NOW, options: FlowOptions | None = None) -> Engine:
    return Engine(database, default_registry(options), clock=lambda: now)


@pytest.fixture
def engine(database: Database) -> Engine:
    return engine_at(database)


@pytest.fixture
async def cadre(database: Database) -> int:
    return await add_staff(database, CADRE_PHONE, (VILLAGE,))


_addresses = iter(range(10_000, 100_000))


def new_chat(engine: Engine) -> Chat:
    return Chat(engine, f"tg-{next(_addresses)}", channel="telegram", phone=CADRE_PHONE)


async def step_of(database: Database, chat: Chat) -> str | None:
    flow, step = await position(database, chat)
    return step if flow == "register" else f"{flow}:{step}"


async def reach(chat: Chat, database: Database, step: str, **answers: str) -> str:
    """Starts a registration and gives the plainest answer to every question before `step`."""
    shown = await chat.say("daftar")
    for name, text in {**ANSWERS, **answers}.items():
        if name == step:
            break
        shown = await chat.say(text)
    assert await step_of(database, chat) == step, shown
    return shown


async def answer_from(chat: Chat, step: str, **answers: str) -> str:
    """Gives the plainest answer from `step` to the end; returns what follows the last one (the summary)."""
    names = list(ANSWERS)
    shown = ""
    for name in names[names.index(step) :]:
        shown = await chat.say(answers.get(name, ANSWERS[name]))
    return shown


async def refused(chat: Chat, database: Database, text: str, step: str) -> str:
    """Sends an answer that must be refused, and checks the conversation stayed on the question."""
    shown = await chat.say(text)
    assert await step_of(database, chat) == step, (text, shown)
    return shown


async def stored(database: Database) -> list[Worker]:
    async with database.transaction() as session:
        return list(await session.scalars(select(Worker).order_by(Worker.id)))


def summary_lines(text: str) -> list[str]:
    return [re.sub(r"^\d+\. ", "", line) for line in text.splitlines()]


# -- NIK ---------------------------------------------------------------------------------------------

NIK_REFUSALS = {
    "6310 0545 0880 001": ID("nik.invalid.length", digits=15),  # a digit short
    "63100545088000ab": ID("nik.invalid.digits"),
    "6310054508800001x": ID("nik.invalid.digits"),  # 16 digits and a letter: the letter is wrong
    "9910054508800001": ID("nik.invalid.region"),
    "6310053208800001": ID("nik.invalid.date"),  # 32 August
    "6310054508800000": ID("nik.invalid.serial"),
}


async def test_a_nik_that_cannot_be_right_is_refused_with_its_own_reason(engine, database, cadre):
    assert len({ID(f"nik.invalid.{r}", digits=15) for r in ("length", "digits", "region", "date", "serial")}) == 5
    chat = new_chat(engine)
    await reach(chat, database, "nik")
    for typed, message in NIK_REFUSALS.items():
        shown = await refused(chat, database, typed, "nik")
        assert shown.startswith(message) and shown.endswith(f"\n\n{ID('register.nik.ask')}"), typed
    assert await chat.say("6310-0545-0880-0001") == ID("register.name.ask")


async def test_a_registered_nik_is_refused_with_where_it_is_registered_masked(engine, database, cadre):
    await add_worker(database, NIK, "Siti Aminah", date(1980, 8, 5), registered_by=cadre, consent_at=NOW)
    chat = new_chat(engine)
    await reach(chat, database, "nik")
    shown = await refused(chat, database, "6310 0545 0880 0001", "nik")
    assert shown.startswith("NIK 631005******0001 sudah terdaftar di desa Sungai Lembu")
    assert "Cek status" in shown
    assert NIK not in shown and "45088" not in shown
    assert await chat.say("6310054508800002") == ID("register.name.ask")
    assert len(await stored(database)) == 1


# -- name --------------------------------------------------------------------------------------------


async def test_a_name_that_is_not_a_name_is_refused_and_a_name_is_tidied(engine, database, cadre):
    chat = new_chat(engine)
    await reach(chat, database, "name")
    for typed, key in (
        ("Siti 2", "name.invalid.digits"),
        ("Siti_Aminah", "name.invalid.characters"),
        ("S", "common.free_text.one_letter"),
        ("A" * 101, "name.invalid.length"),
        ("ß" + "a" * 99, "name.invalid.length"),  # 101 letters once capitalised ("Ss")
        ("Siti\u200bAminah", "name.invalid.invisible"),
        ("\u3164", "name.invalid.invisible"),  # the Hangul filler, which looks like nothing at all
        ("Sіti Aminah", "name.invalid.mixed_scripts"),  # a Cyrillic і among Latin letters
        ("ya", "common.free_text.filler"),
        ("lewati", "common.free_text.filler"),
        ("1234", "common.free_text.digits"),
    ):
        shown = await refused(chat, database, typed, "name")
        assert shown.startswith(ID(key)) and shown.endswith(f"\n\n{ID('register.name.ask')}"), typed
    await chat.say("siti  o'NEIL-aminah")
    assert await step_of(database, chat) == "birth_date"
    assert "Nama: Siti O'Neil-Aminah" in summary_lines(await answer_from(chat, "birth_date"))


# -- birth date --------------------------------------------------------------------------------------


async def test_a_birth_date_outside_the_limits_is_refused_with_the_reason(engine, database, cadre):
    chat = new_chat(engine)
    await reach(chat, database, "birth_date")
    for typed, message in (
        ("5 Agustus 2030", ID("register.birth.invalid.future")),
        ("23-11-2011", "Umur pekerja 14 tahun. Program ini untuk umur 15 sampai 65 tahun"),
        ("22-11-1960", "Umur pekerja 66 tahun. Program ini untuk umur 15 sampai 65 tahun"),
        ("kemarin", ID("date.invalid.format")),
        ("31-02-1980", ID("date.invalid.format")),
    ):
        shown = await refused(chat, database, typed, "birth_date")
        assert shown.startswith(message), typed
        assert shown.endswith("(contoh 05-08-1980 atau 5 Agustus 1980).")  # and the question again
        if message.startswith("Umur"):  # the limits are the programme's own; the lowest has no official figure
            assert "Batas umur ini pengaturan program desa; untuk umur terendah belum ada angka resmi." in shown
    # The limits are inclusive on the day of registration: 15 today, and 65 until the 66th birthday.
    for typed in ("22-11-2011", "23-11-1960"):
        await chat.say(typed)
        assert await step_of(database, chat) == "birth_confirm", typed  # accepted; it differs from the NIK
        await chat.say("kembali")
    await chat.say("ya")
    assert await step_of(database, chat) == "sex"


async def test_a_nik_birth_date_outside_the_limits_is_refused_too(engine, database, cadre):
    chat = new_chat(engine)
    await reach(chat, database, "birth_date", nik="6310050508200001")  # a boy born 5 August 2020
    assert (await refused(chat, database, "ya", "birth_date")).startswith("Umur pekerja 6 tahun.")


async def test_the_age_limits_are_settings(database, cadre):
    chat = new_chat(engine_at(database, options=FlowOptions(min_age=18, max_age=60)))
    await reach(chat, database, "birth_date")
    assert "Program ini untuk umur 18 sampai 60 tahun" in await refused(chat, database, "23-11-2008", "birth_date")
    assert "Umur pekerja 61 tahun" in await refused(chat, database, "22-11-1965", "birth_date")
    for typed in ("22-11-2008", "23-11-1965"):
        await chat.say(typed)
        assert await step_of(database, chat) == "birth_confirm", typed
        await chat.say("kembali")


async def test_dates_and_sex_that_differ_from_the_nik_are_confirmed_as_sesuai_nik(engine, database, cadre):
    chat = new_chat(engine)
    await reach(chat, database, "birth_date")
    question = await chat.say("6 Agustus 1980")
    assert question.startswith("Tanggal lahir 6 Agustus 1980 berbeda dengan tanggal di NIK (5 Agustus 1980).")
    assert "1. 6 Agustus 1980 (yang saya ketik)" in question and "2. 5 Agustus 1980 (sesuai NIK)" in question
    assert await step_of(database, chat) == "birth_confirm"
    await chat.say("sesuai NIK")
    assert await step_of(database, chat) == "sex"

    question = await chat.say("laki-laki")
    assert question.startswith("Pilihan itu berbeda dengan NIK (Perempuan). Mana yang benar?")
    assert "1. Laki-laki sudah benar" in question and "2. Perempuan, sesuai NIK" in question
    assert await step_of(database, chat) == "sex_confirm"
    await chat.say("sesuai NIK")
    assert await step_of(database, chat) == "phone"

    lines = summary_lines(await answer_from(chat, "phone"))
    assert "Tanggal lahir: 5 Agustus 1980" in lines and "Jenis kelamin: Perempuan" in lines
    await chat.say("ya")
    [worker] = await stored(database)
    assert (worker.birth_date, worker.sex) == (date(1980, 8, 5), "F")


async def test_dates_and_sex_that_differ_from_the_nik_can_be_kept(engine, database, cadre):
    chat = new_chat(engine)
    await reach(chat, database, "birth_date")
    await chat.say("06/08/1980")
    refusal = await refused(chat, database, "mungkin", "birth_confirm")
    assert refusal.startswith(ID("common.choice_invalid", count=2))
    await chat.say("yang saya ketik")
    assert await step_of(database, chat) == "sex"
    await chat.say("2")
    assert await step_of(database, chat) == "sex_confirm"
    await chat.say("1")
    assert await step_of(database, chat) == "phone"
    lines = summary_lines(await answer_from(chat, "phone"))
    assert "Tanggal lahir: 6 Agustus 1980" in lines and "Jenis kelamin: Laki-laki" in lines
    await chat.say("ya")
    [worker] = await stored(database)
    assert (worker.birth_date, worker.sex) == (date(1980, 8, 6), "M")


# -- phone -------------------------------------------------------------------------------------------


async def test_a_phone_must_be_an_indonesian_mobile_and_is_stored_in_e164(engine, database, cadre):
    chat = new_chat(engine)
    await reach(chat, database, "phone")
    for typed, reason in (
        ("0511 4771234", "not_mobile"),
        ("+1 202 555 0123", "not_indonesian"),
        ("nomor saya", "format"),
    ):
        shown = await refused(chat, database, typed, "phone")
        assert shown.startswith(ID(f"register.phone.invalid.{reason}")), typed
        assert shown.endswith(f"\n\n{ID('register.phone.ask')}"), typed
    await chat.say("0812-3456-7890")
    assert await step_of(database, chat) == "occupation"
    assert "No. HP: +6281234567890" in summary_lines(await answer_from(chat, "occupation"))
    await chat.say("ya")
    [worker] = await stored(database)
    assert worker.phone == "+6281234567890"


async def test_lewati_skips_the_phone(engine, database, cadre):
    chat = new_chat(engine)
    await reach(chat, database, "phone")
    await chat.say("lewati")
    assert await step_of(database, chat) == "occupation"
    assert "No. HP: tidak ada" in summary_lines(await answer_from(chat, "occupation"))
    await chat.say("ya")
    [worker] = await stored(database)
    assert worker.phone is None


# -- occupation and segment --------------------------------------------------------------------------


async def test_lainnya_asks_for_the_occupation_in_words(engine, database, cadre):
    chat = new_chat(engine)
    await reach(chat, database, "occupation")
    assert await chat.say("lainnya") == ID("register.occupation_other.ask")
    await refused(chat, database, "7", "occupation_other")
    await chat.say("penjahit  keliling")
    assert await step_of(database, chat) == "income"
    assert "Pekerjaan: penjahit keliling" in summary_lines(await answer_from(chat, "income"))
    await chat.say("ya")
    [worker] = await stored(database)
    assert (worker.occupation, worker.occupation_other) == ("lainnya", "penjahit keliling")


async def test_only_village_officials_are_asked_for_the_segment(engine, database, cadre):
    chat = new_chat(engine)
    await reach(chat, database, "occupation")
    for typed in ("RT/RW", "Perangkat desa"):
        shown = await chat.say(typed)
        assert await step_of(database, chat) == "segment", typed
        assert "1. Bukan penerima upah (BPU) - paling umum" in shown and "2. Penerima upah (PU)" in shown
        await chat.say("kembali")
    await chat.say("petani")
    assert await step_of(database, chat) == "income"


async def test_a_village_official_registered_as_pu_has_the_contribution_set_by_the_branch(engine, database, cadre):
    chat = new_chat(engine)
    await reach(chat, database, "occupation")
    await chat.say("rt/rw")
    await chat.say("PU")
    await chat.say("1jt")
    assert ID("register.programmes.pu_note") in await chat.say("desa")
    lines = summary_lines(await answer_from(chat, "programmes"))
    assert "Segmen: Penerima upah (PU)" in lines
    assert "Program: JKK + JKM (iuran ditetapkan kantor cabang)" in lines
    saved = await chat.say("ya")
    assert "iuran ditetapkan kantor cabang" in saved and "Rp16.800" not in saved
    [worker] = await stored(database)
    assert (worker.occupation, worker.segment) == ("rt_rw", "PU")

    output = io.StringIO()
    assert await export_csv(database, output, NOW.date()) == 1
    row = output.getvalue().splitlines()[1].split(",")
    assert row[6:10] == ["PU", "1000000", "JKK+JKM", ""]


# -- income ------------------------------------------------------------------------------------------


ROUNDED_NOTE = (
    "Penghasilan Rp1.050.000 dibulatkan ke atas menjadi Rp1.100.000 (kelipatan Rp100.000). Ini aturan sementara "
    "sampai tabel resmi kelas penghasilan dimuat; pastikan ke kantor cabang BPJS Ketenagakerjaan."
)


async def test_an_income_is_read_raised_or_rounded_with_an_explanation(engine, database, cadre):
    chat = new_chat(engine)
    await reach(chat, database, "income")
    for typed, recorded, note, basic in (
        ("500rb", "Rp1.000.000", "Penghasilan Rp500.000 di bawah batas terendah, jadi dicatat Rp1.000.000", "Rp16.800"),
        ("1.050.000", "Rp1.100.000", ROUNDED_NOTE, "Rp17.800"),
        ("1,5 juta", "Rp1.500.000", None, "Rp21.800"),
        ("Rp 2 juta", "Rp2.000.000", None, "Rp26.800"),
        ("2500000", "Rp2.500.000", None, "Rp31.800"),
        ("1.500.000", "Rp1.500.000", None, "Rp21.800"),
        ("1jt", "Rp1.000.000", None, "Rp16.800"),
        ("1 500 000", "Rp1.500.000", None, "Rp21.800"),  # thousands apart, not 1 + 500 + 000
    ):
        await chat.say(typed)
        assert await step_of(database, chat) == "payer", typed
        programmes = await chat.say("desa")
        prompt = programmes.split("\n\n")[0]
        assert prompt.endswith(f"Penghasilan dicatat {recorded}. Pilih program:"), typed
        if note:
            assert prompt.startswith(note), typed  # the explanation comes first, then the question
        assert f"1. JKK + JKM: {basic} per bulan" in programmes, typed
        if note:
            assert note in programmes
        else:
            assert "batas terendah" not in programmes and "dibulatkan" not in programmes, typed
        await chat.say("kembali")
        await chat.say("kembali")
    await chat.say("1,5 juta")
    assert "Penghasilan per bulan: Rp1.500.000" in summary_lines(await answer_from(chat, "payer"))


async def test_an_income_above_the_maximum_or_unreadable_is_refused(engine, database, cadre):
    chat = new_chat(engine)
    await reach(chat, database, "income")
    for typed, message in (
        ("25 juta", "Penghasilan itu di atas batas tertinggi Rp20.700.000."),
        ("abc", ID("amount.invalid.format")),
        ("0", ID("amount.invalid.format")),
        ("1" * 40, ID("amount.invalid.too_large")),
        ("05-08-1980", ID("amount.invalid.date")),
        ("2 3", ID("amount.invalid.several")),
        ("-5 juta", ID("amount.invalid.sign")),
    ):
        shown = await refused(chat, database, typed, "income")
        assert shown.startswith(message), typed
    await chat.say("20.700.000")
    assert await step_of(database, chat) == "payer"


async def test_the_english_examples_of_an_income_are_understood(engine, database, cadre):
    chat = new_chat(engine)
    await chat.say("language")
    await chat.say("English")
    await reach(chat, database, "income")
    shown = await chat.say("1.5 million")
    assert await step_of(database, chat) == "payer", shown
    assert (await chat.say("1")).startswith("Income recorded as Rp1,500,000.")


# -- who pays and which programmes -------------------------------------------------------------------


async def test_a_sponsor_is_asked_for_by_name_and_jht_costs_rp36800(engine, database, cadre):
    chat = new_chat(engine)
    await reach(chat, database, "payer")
    assert await chat.say("donatur") == ID("register.sponsor.ask")
    await refused(chat, database, "-", "sponsor")
    await chat.say("Yayasan Peduli Desa")
    assert await step_of(database, chat) == "programmes"
    lines = summary_lines(await answer_from(chat, "programmes", programmes="2"))
    assert "Pembayar iuran: Donatur / pihak lain: Yayasan Peduli Desa" in lines
    assert "Program: JKK + JKM + JHT: Rp36.800 per bulan" in lines
    assert "(Rp36.800 per bulan)" in await chat.say("ya")
    [worker] = await stored(database)
    assert (worker.payer, worker.sponsor, worker.programmes) == ("sponsor", "Yayasan Peduli Desa", "JKK,JKM,JHT")


DISCOUNT_NOTE = (
    "Sudah termasuk potongan PP 50/2025 untuk pekerja transportasi, yang berlaku untuk iuran sampai Maret 2027; "
    "sesudahnya iuran kembali penuh."
)
VILLAGE_FULL_RATE = (
    "Iuran dihitung penuh, tanpa potongan PP 50/2025 untuk pekerja transportasi: aturannya tidak menyebut apakah "
    "potongan itu berlaku bila iuran dibayar dari APBDes. Karena itu desa menganggarkan iuran penuh sampai kantor "
    "cabang BPJS Ketenagakerjaan memastikannya."
)


@pytest.mark.parametrize(
    ("now", "payer", "basic", "with_jht"),
    [
        (NOW, "sendiri", "Rp8.400", "Rp28.400"),
        (datetime(2026, 1, 1, 1, 0, tzinfo=UTC), "sendiri", "Rp8.400", "Rp28.400"),
        (datetime(2025, 12, 31, 1, 0, tzinfo=UTC), "sendiri", "Rp16.800", "Rp36.800"),
        (NOW, "desa", "Rp16.800", "Rp36.800"),
    ],
    ids=["November 2026, the worker pays", "January 2026", "December 2025", "the village pays"],
)
async def test_transport_workers_paying_themselves_get_the_pp_50_2025_discount_in_its_months(
    database, cadre, now, payer, basic, with_jht
):
    chat = new_chat(engine_at(database, now))
    await reach(chat, database, "payer", occupation="ojek")
    programmes = await chat.say(payer)
    assert f"1. JKK + JKM: {basic} per bulan" in programmes
    assert f"2. JKK + JKM + JHT: {with_jht} per bulan" in programmes
    assert (DISCOUNT_NOTE in programmes) == (basic == "Rp8.400")
    # The village pays in a discounted month: told why the full rate is budgeted.
    assert (VILLAGE_FULL_RATE in programmes) == (payer == "desa")
    assert f"Program: JKK + JKM: {basic} per bulan" in summary_lines(await answer_from(chat, "programmes"))
    assert f"({basic} per bulan)" in await chat.say("ya")


# -- consent, the summary, going back ----------------------------------------------------------------


async def test_consent_is_asked_first_and_anything_but_yes_or_no_is_refused_with_the_reason(engine, database, cadre):
    chat = new_chat(engine)
    await chat.say("daftar")
    assert await step_of(database, chat) == "consent"
    for unclear in ("belum", "ya simpan saja", "mungkin", "3"):
        shown = await refused(chat, database, unclear, "consent")
        assert shown.startswith(ID("register.consent.required")), unclear
        assert "Pemberitahuan privasi:" in shown  # and the notice again
    await chat.say("setuju")
    assert await step_of(database, chat) == "nik"


@pytest.mark.parametrize("no", ["2", "Tidak setuju", "tidak", "gak", "nggak", "no"])
async def test_tidak_setuju_ends_the_registration_kindly(engine, database, cadre, no):
    chat = new_chat(engine)
    await chat.say("daftar")
    shown = await chat.say(no)
    assert shown.startswith(ID("register.consent.refused")), no
    assert "tidak ada data pekerja yang disimpan" in shown
    assert await step_of(database, chat) == "menu:item"
    assert await stored(database) == []


async def test_batal_at_the_consent_question_stores_nothing(engine, database, cadre):
    chat = new_chat(engine)
    await chat.say("daftar")
    assert (await chat.say("batal")).startswith(ID("common.cancelled"))
    assert await step_of(database, chat) == "menu:item"
    assert await stored(database) == []


async def test_the_consent_is_stored_with_the_worker_when_the_registration_is_saved(database, cadre):
    clock = {"now": datetime(2026, 11, 22, 1, 0, tzinfo=UTC)}
    chat = new_chat(Engine(database, default_registry(), clock=lambda: clock["now"]))
    await chat.say("daftar")
    await chat.say("1")
    await answer_from(chat, "nik")
    saved = datetime(2026, 11, 22, 1, 12, tzinfo=UTC)  # the rest takes the cadre twelve minutes
    clock["now"] = saved
    await chat.say("ya")
    [worker] = await stored(database)
    assert worker.consent_at == saved


async def test_ubah_2_edits_the_name_and_returns_to_the_summary(engine, database, cadre):
    chat = new_chat(engine)
    await reach(chat, database, CONFIRM)
    assert await chat.say("ubah 2") == ID("register.name.ask")
    await refused(chat, database, "Siti 2", "name")
    summary = await chat.say("siti aminah binti ahmad")
    assert await step_of(database, chat) == CONFIRM
    assert "2. Nama: Siti Aminah Binti Ahmad" in summary.splitlines()
    assert "1. NIK: 6310054508800001" in summary.splitlines()
    await chat.say("ya")
    [worker] = await stored(database)
    assert worker.name == "Siti Aminah Binti Ahmad"


async def test_batal_at_the_summary_stores_nothing(engine, database, cadre):
    chat = new_chat(engine)
    await reach(chat, database, CONFIRM)
    assert (await chat.say("batal")).startswith(ID("common.cancelled"))
    assert await step_of(database, chat) == "menu:item"
    assert await stored(database) == []


async def test_kembali_goes_back_one_question(engine, database, cadre):
    chat = new_chat(engine)
    await reach(chat, database, "name")
    assert await chat.say("kembali") == ID("register.nik.ask")
    assert await step_of(database, chat) == "nik"
    await chat.say(NIK)
    for text in ("Siti Aminah", "ya", "1"):
        await chat.say(text)
    assert await step_of(database, chat) == "phone"
    assert (await chat.say("kembali")).startswith("Jenis kelamin pekerja? (menurut NIK: Perempuan)")
    assert await step_of(database, chat) == "sex"
    await chat.say("1")
    for text in ("lewati", "petani"):
        await chat.say(text)
    assert await step_of(database, chat) == "income"
    assert (await chat.say("kembali")).startswith(ID("register.occupation.ask"))
    assert await step_of(database, chat) == "occupation"
    await answer_from(chat, "occupation")
    assert await step_of(database, chat) == CONFIRM
    assert await chat.say("kembali") == ID("register.heir.ask")
    assert await step_of(database, chat) == "heir_name"
    summary = await chat.say("lewati")
    assert "2. Nama: Siti Aminah" in summary.splitlines() and "6. Pekerjaan: Petani" in summary.splitlines()
    await chat.say("ya")
    [worker] = await stored(database)
    assert (worker.name, worker.occupation) == ("Siti Aminah", "petani")


async def test_refusals_are_explained_in_english(engine, database, cadre):
    chat = new_chat(engine)
    await chat.say("bahasa")
    await chat.say("English")
    await reach(chat, database, "consent")
    assert (await refused(chat, database, "maybe", "consent")).startswith(
        "The worker's data may be recorded only if the worker agrees. Reply 1 if the worker agrees, or 2 if not."
    )
    await chat.say("agree")
    assert (await refused(chat, database, "6310 0545 0880 001", "nik")).startswith(
        "A NIK has 16 digits; what you typed has 15."
    )
    await chat.say(NIK)
    assert (await refused(chat, database, "Siti 2", "name")).startswith("A name cannot hold digits")
    await chat.say("Siti Aminah")
    too_young = await refused(chat, database, "23-11-2011", "birth_date")
    assert too_young.startswith(
        "The worker is 14 years old. This programme is for ages 15 to 65, so they cannot be registered. "
        "These limits are the village programme's setting; there is no official minimum age."
    )
    await chat.say("yes")
    await chat.say("female")
    assert (await refused(chat, database, "+1 202 555 0123", "phone")).startswith("That is not an Indonesian number.")
    await chat.say("skip")
    await chat.say("farmer")
    assert (await refused(chat, database, "25 juta", "income")).startswith(
        "That income is above the maximum of Rp20,700,000."
    )
    await chat.say("500rb")
    assert "An income of Rp500,000 is below the minimum, so it is recorded as Rp1,000,000" in await chat.say("1")
    await chat.say("1")
    assert (await chat.say("skip")).startswith("Please check:")
    assert (await chat.say("cancel")).startswith("Cancelled. Nothing was saved.")
    assert await stored(database) == []


async def test_a_refused_consent_in_english(engine, database, cadre):
    chat = new_chat(engine)
    await chat.say("bahasa")
    await chat.say("English")
    await chat.say("register")
    shown = await chat.say("Does not agree")
    assert shown.startswith(
        "All right, the registration is stopped and none of the worker's data was stored. "
        "If the worker agrees later, choose Register a worker in the menu again."
    )
    assert await step_of(database, chat) == "menu:item"
    assert await stored(database) == []
