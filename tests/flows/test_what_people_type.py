"""What people really type, through whole conversations in both languages: amounts that are asked about instead of
guessed, numbers read whole, filler words that are never data, everyday spellings, and a NIK field that recognises a
menu number."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from flows.engine import Engine
from flows.i18n import Translator
from flows.registry import default_registry
from storage.database import Database
from storage.models import Payment
from tests import factories
from tests.chat import Chat
from tests.factories import add_staff, position
from tests.flows.test_register_refusals import CADRE_PHONE, NOW, VILLAGE, answer_from, new_chat, reach
from tests.flows.test_register_refusals import stored as stored_workers

ID = Translator("id")
EN = Translator("en")
SITI = "6310054508800001"


@pytest.fixture
def engine(database: Database) -> Engine:
    return Engine(database, default_registry(), clock=lambda: NOW)


@pytest.fixture
async def cadre(database: Database) -> int:
    return await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")


async def in_english(chat: Chat) -> None:
    await chat.say("bahasa")
    await chat.say("English")


async def step_of(database: Database, chat: Chat) -> tuple[str | None, str | None]:
    return await position(database, chat)


# -- ambiguous amounts ask, never guess ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "question", "meant"),
    [
        ("1,5", "Maksudnya Rp1.500.000 (1,5 juta)?", 1_500_000),
        ("1.5", "Maksudnya Rp1.500.000 (1,5 juta)?", 1_500_000),
        ("2", "Maksudnya Rp2.000.000 (2 juta)?", 2_000_000),
        ("150", "Maksudnya Rp150.000 (150 ribu)?", 150_000),
    ],
)
async def test_a_bare_income_below_any_monthly_income_asks_what_was_meant(
    engine, database, cadre, typed, question, meant
):
    chat = new_chat(engine)
    await reach(chat, database, "income")
    replies = await chat.send(typed)
    assert [r.text for r in replies] == [question]
    assert [o.label for o in replies[0].options] == ["Ya, benar", "Bukan"]
    assert (await step_of(database, chat)) == ("register", "income")
    await chat.say("ya")
    summary = await answer_from(chat, "payer")
    declared = max(meant, 1_000_000)  # 150 ribu is then raised to the minimum, and says so
    assert f"Penghasilan per bulan: {ID.money(declared)}" in summary


async def test_no_to_the_reading_asks_the_income_again_and_a_whole_amount_needs_no_question(engine, database, cadre):
    chat = new_chat(engine)
    await reach(chat, database, "income")
    await chat.say("1,5")
    ask = ID("register.income.ask", minimum="Rp1.000.000", maximum="Rp20.700.000")
    assert await chat.say("bukan") == "\n\n".join([ID("common.unsure.again"), ask])
    assert (await chat.say("1,5 juta")).startswith(ID("register.payer.ask"))


async def test_the_income_question_asks_in_english_too(engine, database, cadre):
    chat = new_chat(engine)
    await in_english(chat)
    await reach(chat, database, "income")
    replies = await chat.send("1.5")
    assert [r.text for r in replies] == ["Do you mean Rp1,500,000 (1.5 million)?"]
    assert [o.label for o in replies[0].options] == ["Yes, that is right", "No"]


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("05-08-1980", "date"),  # was read as Rp1.993
        ("2 3", "several"),  # was Rp5
        ("-5 juta", "sign"),  # was Rp5.000.000
        ("1 juta 2 juta", "several"),
    ],
)
async def test_numbers_are_read_whole_never_summed(engine, database, cadre, typed, reason):
    chat = new_chat(engine)
    await reach(chat, database, "income")
    shown = await chat.say(typed)
    assert shown.startswith(ID(f"amount.invalid.{reason}")), shown
    assert (await step_of(database, chat)) == ("register", "income")


async def add_siti(database: Database) -> None:
    await factories.add_worker(database, SITI, "Siti Aminah", date(1980, 8, 5), sex="F")


async def at_amount(chat: Chat) -> None:
    await chat.say("bayar")
    await chat.say(SITI)
    await chat.say("1")


async def test_a_bare_payment_amount_asks_whether_thousands_were_meant(engine, database, cadre):
    await add_siti(database)
    chat = Chat(engine, "tg-pay", channel="telegram", phone=CADRE_PHONE)
    await at_amount(chat)
    replies = await chat.send("20")
    assert [r.text for r in replies] == ["Maksudnya Rp20.000 (20 ribu)?"]
    mismatch = await chat.say("ya")  # Rp20.000 is then checked against the Rp16.800 due, as any amount is
    assert mismatch.startswith("Jumlah Rp20.000 berbeda dari iuran Rp16.800.")


async def test_a_payment_amount_of_two_numbers_is_refused_not_added_up(engine, database, cadre):
    await add_siti(database)
    chat = Chat(engine, "tg-pay", channel="telegram", phone=CADRE_PHONE)
    await at_amount(chat)
    assert (await chat.say("16000 800")).startswith(ID("amount.invalid.several"))  # was Rp16.000.800
    assert (await chat.say("16.800")).startswith("Ketik nomor kwitansi")
    await chat.say("KW-1")
    await chat.say("ya")
    async with database.transaction() as session:
        (payment,) = list(await session.scalars(select(Payment)))
    assert payment.amount == 16_800


async def test_months_in_words(engine, database, cadre):
    await add_siti(database)
    chat = Chat(engine, "tg-pay", channel="telegram", phone=CADRE_PHONE)
    await chat.say("bayar")
    await chat.say(SITI)
    for typed, months in (("setahun", 12), ("3 bln", 3), ("tiga bulan", 3), ("2 bulan", 2)):
        assert (await chat.say(typed)).startswith(f"Iuran {months} bulan untuk Siti Aminah"), typed
        await chat.say("kembali")


# -- filler words are never data ----------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["ya", "Ya.", "ok", "OKE", "lewati", "tidak", "gak", "menu utama", "1234", "S"])
async def test_a_filler_word_is_never_a_name(engine, database, cadre, word):
    chat = new_chat(engine)
    await reach(chat, database, "name")
    await chat.say(word)
    flow, step = await step_of(database, chat)
    assert (flow, step) in {("register", "name"), ("menu", "item")}, word


async def test_titles_and_degrees_are_kept(engine, database, cadre):
    chat = new_chat(engine)
    await reach(chat, database, "name")
    await chat.say("h. abdul karim, s.pd")
    summary = await answer_from(chat, "birth_date")
    assert "Nama: H. Abdul Karim, S.Pd" in summary


@pytest.mark.parametrize("word", ["ok", "ya", "lewati"])
async def test_filler_words_are_no_sponsor(engine, database, cadre, word):
    chat = new_chat(engine)
    await reach(chat, database, "sponsor", payer="3")
    shown = await chat.say(word)
    assert shown.startswith(ID("common.free_text.filler")), shown
    assert (await step_of(database, chat)) == ("register", "sponsor")


async def test_an_ok_at_the_heir_question_is_no_heir_name(engine, database, cadre):
    chat = new_chat(engine)
    await reach(chat, database, "heir_name")
    assert (await chat.say("ok")).startswith(ID("common.free_text.filler"))
    assert (await step_of(database, chat)) == ("register", "heir_name")
    assert "Ahli waris: tidak ada" in await chat.say("tdk ada")


async def test_punctuation_or_an_emoji_alone_is_no_skip_but_a_dash_is(engine, database, cadre):
    chat = new_chat(engine)
    await reach(chat, database, "phone")
    for typed in ("...", "👍", "?!"):
        await chat.say(typed)
        assert (await step_of(database, chat)) == ("register", "phone"), typed
    await chat.say("-")
    assert (await step_of(database, chat)) == ("register", "occupation")


async def test_a_phone_with_odd_separators_is_refused(engine, database, cadre):
    chat = new_chat(engine)
    await reach(chat, database, "phone")
    assert (await chat.say(".81.01//--. 19033/2.72")).startswith(ID("register.phone.invalid.format"))
    await chat.say("(0813) 5000-1234")
    assert (await step_of(database, chat)) == ("register", "occupation")


# -- what people type, accepted ----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["05081980", "5 agust 1980", "5 agst 1980", "lima agustus 1980", "5 Agustus, 1980"])
async def test_birth_dates_as_people_type_them(engine, database, cadre, typed):
    chat = new_chat(engine)
    await reach(chat, database, "birth_date")
    await chat.say(typed)
    assert (await step_of(database, chat)) == ("register", "sex"), typed


@pytest.mark.parametrize(("typed", "sex"), [("P", "Perempuan"), ("perempuan", "Perempuan"), ("ya", "Perempuan")])
async def test_the_sex_question_takes_a_letter_a_word_or_yes_to_the_nik(engine, database, cadre, typed, sex):
    chat = new_chat(engine)
    await reach(chat, database, "sex")
    await chat.say(typed)
    summary = await answer_from(chat, "phone")
    assert f"Jenis kelamin: {sex}" in summary


async def test_a_man_typed_laki_against_a_womans_nik_is_confirmed(engine, database, cadre):
    chat = new_chat(engine)
    await reach(chat, database, "sex")
    await chat.say("laki")
    assert (await step_of(database, chat)) == ("register", "sex_confirm")


@pytest.mark.parametrize("word", ["sdh", "udah", "sudah"])
async def test_everyday_yes_saves_at_the_summary(engine, database, cadre, word):
    chat = new_chat(engine)
    await reach(chat, database, "nik")
    await answer_from(chat, "nik")
    assert (await chat.say(word)).startswith("Tersimpan.")
    assert len(await stored_workers(database)) == 1


@pytest.mark.parametrize("word", ["gak", "nggak", "tdk"])
async def test_everyday_no_refuses_consent(engine, database, cadre, word):
    chat = new_chat(engine)
    await chat.say("daftar")
    assert (await chat.say(word)).startswith(ID("register.consent.refused"))
    assert await stored_workers(database) == []


# -- a NIK field that recognises a menu number -------------------------------------------------------------


async def test_a_menu_number_typed_for_a_nik_says_how_to_reach_the_menu(engine, database, cadre):
    chat = new_chat(engine)
    await reach(chat, database, "nik")
    assert (await chat.say("3")).startswith(ID("nik.invalid.menu_number", number="3"))
    assert (await chat.say("12")).startswith(ID("nik.invalid.menu_number", number="12"))


async def test_a_menu_number_for_a_nik_in_english(engine, database, cadre):
    chat = new_chat(engine)
    await in_english(chat)
    await reach(chat, database, "nik")
    assert (await chat.say("3")).startswith("A NIK has 16 digits; 3 looks like a menu choice.")


# -- keywords inside a registration --------------------------------------------------------------------------


async def test_a_death_named_in_the_middle_of_a_registration_offers_the_report(engine, database, cadre):
    chat = new_chat(engine)
    await reach(chat, database, "name")
    replies = await chat.send("bapak saya meninggal kemarin")
    assert replies[-1].text == ID("common.leave.ask", service=ID("menu.item.report_death"))
    assert (await step_of(database, chat)) == ("register", "name")


async def test_a_service_named_in_english_in_the_middle_of_a_registration(engine, database, cadre):
    chat = new_chat(engine)
    await in_english(chat)
    await reach(chat, database, "name")
    replies = await chat.send("I want to check status")
    assert replies[-1].text == EN("common.leave.ask", service=EN("menu.item.status"))
    await chat.send("Carry on with the form")
    assert (await step_of(database, chat)) == ("register", "name")
