"""The engine reads what villagers type: services named anywhere, readings to confirm, a way out after two misses,
answers that end a flow, keyboards of closed questions, and Bahasa Indonesia first."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from flows.engine import Engine
from flows.i18n import Translator
from flows.menu import menu_flow
from flows.model import Choice, Context, Flow, Invalid, Outcome, Parsed, Registry, Step, Stop, Unsure, Valid
from flows.registry import default_registry
from storage import audit, contacts
from storage.database import Database
from tests.chat import Chat
from tests.factories import add_messages, conversation_of

ID = Translator("id")
EN = Translator("en")

MESSAGES = {
    "uji.title": "Daftar uji",
    "uji.setuju.ask": "Setuju datanya disimpan?",
    "uji.setuju.ya": "Setuju",
    "uji.setuju.tidak": "Tidak setuju",
    "uji.setuju.stopped": "Baik, tidak ada yang disimpan.",
    "uji.nama.ask": "Siapa nama lengkapnya?",
    "uji.nama.invalid": "Nama terlalu pendek.",
    "uji.kerja.ask": "Apa pekerjaannya?",
    "uji.kerja.petani": "Petani",
    "uji.kerja.nelayan": "Nelayan",
    "uji.gaji.ask": "Berapa penghasilan sebulan?",
    "uji.gaji.unsure": "Maksudnya Rp{amount}?",
    "uji.gaji.invalid": "Penghasilan harus angka.",
    "uji.label.nama": "Nama",
    "uji.saved": "Tersimpan: {nama}, Rp{gaji}.",
    "bayar.title": "Bayar uji",
    "bayar.jumlah.ask": "Berapa jumlahnya?",
}


@pytest.fixture(autouse=True)
def test_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    add_messages(monkeypatch, MESSAGES)


def _consent(text: str, ctx: Context) -> Parsed:
    return Stop("uji.setuju.stopped") if text == "gak" else Valid(True)


def _name(text: str, ctx: Context) -> Parsed:
    return Valid(text) if len(text) >= 2 else Invalid("uji.nama.invalid")


def _income(text: str, ctx: Context) -> Parsed:
    if not text.replace(",", "").isdigit():
        return Invalid("uji.gaji.invalid")
    amount = int(text.replace(",", ""))
    if amount >= 100:
        return Valid(amount)
    return Unsure(amount * 1_000_000, "uji.gaji.unsure", {"amount": amount * 1_000_000})


async def _save(ctx: Context) -> Outcome:
    await audit.record_event(ctx.session, "uji.saved", contact_id=ctx.contact.id, details=dict(ctx.answers))
    return Outcome(texts=[ctx.t("uji.saved", nama=ctx.answers["nama"], gaji=ctx.answers["gaji"])], then="menu")


UJI = Flow(
    name="uji",
    title="uji.title",
    steps=(
        Step(
            "setuju",
            "uji.setuju.ask",
            choices=(
                Choice("ya", "uji.setuju.ya"),
                Choice("tidak", "uji.setuju.tidak", ends_flow="uji.setuju.stopped"),
            ),
            parse=_consent,
        ),
        Step("nama", "uji.nama.ask", parse=_name, summary_label="uji.label.nama"),
        Step(
            "kerja",
            "uji.kerja.ask",
            choices=(Choice("petani", "uji.kerja.petani"), Choice("nelayan", "uji.kerja.nelayan")),
        ),
        Step("gaji", "uji.gaji.ask", parse=_income),
    ),
    complete=_save,
)
BAYAR = Flow(name="payment", title="bayar.title", steps=(Step("jumlah", "bayar.jumlah.ask"),), complete=_save)


def registry() -> Registry:
    reg = Registry()
    reg.add(menu_flow())
    reg.add(UJI, "uji")
    reg.add(BAYAR)
    reg.listen("payment", "bayar iuran", "bayar")
    return reg


@pytest.fixture
def chat(database: Database) -> Chat:
    return Chat(Engine(database, registry()), "+6281300000077")


async def stored(database: Database, chat: Chat) -> tuple[str | None, str | None, dict[str, Any]]:
    row = await conversation_of(database, chat.channel, chat.address)
    return row.flow, row.step, copy.deepcopy(row.state)


async def saved(database: Database) -> list[dict[str, Any]]:
    async with database.transaction() as session:
        return [event.details for event in await audit.events(session, "uji.saved")]


async def at_income(chat: Chat) -> None:
    await chat.send("uji")
    await chat.send("ya")
    await chat.send("Budi Santoso")
    await chat.send("petani")


# -- a reading to confirm ------------------------------------------------------------------


async def test_an_unsure_reading_asks_and_yes_keeps_it(chat, database):
    await at_income(chat)
    replies = await chat.send("2")
    assert [r.text for r in replies] == ["Maksudnya Rp2000000?"]
    assert [o.label for o in replies[0].options] == [ID("common.unsure.yes"), ID("common.unsure.no")]
    assert (await stored(database, chat))[2]["answers"].get("gaji") is None  # nothing kept before the yes
    assert ID("menu.ask", greeting=ID("menu.greeting.anyone")) in await chat.say("ya")
    assert (await saved(database))[0]["gaji"] == 2_000_000


async def test_no_to_an_unsure_reading_asks_the_question_again_and_a_new_answer_is_read_afresh(chat, database):
    await at_income(chat)
    await chat.send("2")
    replies = await chat.send("bukan")
    assert [r.text for r in replies] == [ID("common.unsure.again"), "Berapa penghasilan sebulan?"]
    await chat.send("3")
    await chat.send("2500000")  # not a yes or no: the answer to the question, read afresh
    assert (await saved(database))[0]["gaji"] == 2_500_000


# -- an answer that ends the flow ------------------------------------------------------------


@pytest.mark.parametrize("answer", ["tidak", "2", "gak"])  # the choice, its number, or the parser's Stop
async def test_a_stop_ends_the_flow_and_keeps_none_of_its_answers(chat, database, answer):
    await chat.send("uji")
    replies = await chat.send(answer)
    assert replies[0].text == "Baik, tidak ada yang disimpan."
    flow, step, state = await stored(database, chat)
    assert (flow, step) == ("menu", "item") and state["answers"] == {}
    assert await saved(database) == []


# -- services named anywhere -------------------------------------------------------------------


async def test_a_service_named_in_a_form_asks_before_leaving_and_staying_keeps_the_answers(chat, database):
    await chat.send("uji")
    await chat.send("ya")
    replies = await chat.send("saya mau bayar iuran dulu")
    assert replies[0].text == ID("common.leave.ask", service=ID("menu.item.payment"))
    assert [o.value for o in replies[0].options] == ["leave", "stay"]
    assert (await stored(database, chat))[:2] == ("uji", "nama")
    replies = await chat.press("stay")
    assert replies[-1].text == "Siapa nama lengkapnya?"
    # Having stayed, the next answer is an answer even with the word in it.
    await chat.send("Bayar Siregar")
    flow, step, state = await stored(database, chat)
    assert (flow, step, state["answers"]["nama"]) == ("uji", "kerja", "Bayar Siregar")


async def test_leaving_a_form_opens_the_named_service(chat, database):
    await chat.send("uji")
    await chat.send("ya")
    await chat.send("bayar")
    replies = await chat.send("1")
    assert replies[-1].text == "Berapa jumlahnya?"
    assert (await stored(database, chat))[:2] == ("payment", "jumlah")


async def test_a_service_named_outside_a_form_starts_it_at_once(chat, database):
    replies = await chat.send("mau bayar")
    assert replies[-1].text == "Berapa jumlahnya?"


async def test_a_greeting_in_a_form_greets_and_repeats_the_question(chat, database):
    await chat.send("uji")
    await chat.send("ya")
    replies = await chat.send("Assalamualaikum")
    assert [r.text for r in replies] == [ID("common.greeting_in_form"), "Siapa nama lengkapnya?"]
    assert (await stored(database, chat))[:2] == ("uji", "nama")


@pytest.mark.parametrize("name", ["Abdul Salam", "Salam Harahap", "Hi Tanaka"])
async def test_a_name_that_holds_a_greeting_word_is_a_name(chat, database, name):
    await chat.send("uji")
    await chat.send("ya")
    await chat.send(name)
    flow, step, state = await stored(database, chat)
    assert (flow, step, state["answers"]["nama"]) == ("uji", "kerja", name)


async def test_a_choice_that_holds_a_service_word_is_still_the_choice(database):
    reg = registry()
    reg.listen("menu", "petani")  # a word that is both a choice here and a service word
    chat = Chat(Engine(database, reg))
    await chat.send("uji")
    await chat.send("ya")
    await chat.send("Budi")
    assert (await chat.send("petani"))[-1].text == "Berapa penghasilan sebulan?"


@pytest.mark.parametrize(
    "first",
    ["bapak saya meninggal kemarin", "Ibu sudah WAFAT tadi pagi", "my father passed away yesterday"],
)
async def test_a_death_named_in_a_first_message_reaches_the_death_report(engine, database, first):
    await reaches(engine, database, first, "report_death")


async def test_a_work_accident_named_in_a_first_message_reaches_the_accident_report(engine, database):
    await reaches(engine, database, "tolong, suami saya kecelakaan di sawah", "report_accident")


async def reaches(engine: Engine, database: Database, first: str, report: str) -> None:
    """The report's flow is where the conversation stands; until it is built, the answer says where to report."""
    chat = Chat(engine)
    replies = await chat.send(first)
    if report in default_registry().flows:
        assert (await stored(database, chat))[0] == report
    else:
        assert replies[0].text == ID(f"menu.meanwhile.{report}")


# -- a way out after two misses ---------------------------------------------------------------


async def test_the_second_miss_at_a_question_says_how_to_leave(chat):
    await chat.send("uji")
    await chat.send("ya")
    first = await chat.send("B")
    assert first[0].text == "Nama terlalu pendek."
    second = await chat.send("C")
    # ... and, for someone who is neither a known worker nor staff, a person to ask: BPJS Ketenagakerjaan's 175.
    assert second[0].text == "\n".join(["Nama terlalu pendek.", ID("common.way_out"), ID("common.way_out_official")])
    # An accepted answer starts the count again at the next question.
    await chat.send("Budi")
    assert (await chat.send("tukang"))[0].text == ID("common.choice_invalid", count=2)


# -- keyboards of closed questions ------------------------------------------------------------


async def test_a_press_on_the_keyboard_of_a_question_no_longer_asked_changes_nothing(chat, database):
    await chat.send("uji")
    consent = chat.last[-1]
    await chat.press("ya", consent)
    await chat.send("Budi")
    job = chat.last[-1]
    before = await stored(database, chat)
    replies = await chat.press("tidak", consent)  # the consent keyboard, pressed again later
    assert replies[0].text == ID("common.question_closed") and replies[0].refused_press
    assert replies[-1].text == "Apa pekerjaannya?"
    assert (await stored(database, chat))[:2] == before[:2]
    assert (await stored(database, chat))[2]["answers"] == before[2]["answers"]
    # The open question's own keyboard still works.
    assert (await chat.press("nelayan", job))[-1].text == "Berapa penghasilan sebulan?"


async def test_a_keyboard_of_an_earlier_run_of_the_same_form_is_closed(chat, database):
    await chat.send("uji")
    old = chat.last[-1]
    await chat.send("batal")
    await chat.send("uji")
    replies = await chat.press("tidak", old)
    assert replies[0].refused_press
    assert (await stored(database, chat))[:2] == ("uji", "setuju")


async def test_an_older_menu_keyboard_still_works_at_the_menu(chat, database):
    menu = (await chat.send("menu"))[-1]
    await chat.send("halo")
    replies = await chat.press(menu.options[0].value, menu)
    assert not replies[0].refused_press


# -- Bahasa Indonesia first -------------------------------------------------------------------


async def test_a_new_contact_is_answered_in_indonesian_whatever_the_phone_language(engine):
    chat = Chat(engine)
    replies = await chat.send("hello", language_hint="en-GB")
    assert replies[0].language == "id"
    assert replies[0].text.startswith(ID("common.welcome"))
    # English only by choice, as the greeting offers.
    await chat.send("english")
    assert (await chat.send("English"))[0].text == EN("language.saved")


# -- a contact sending faster than anyone types ---------------------------------------------------------


async def test_a_flood_is_answered_once_and_the_rest_dropped_unread(database):
    engine = Engine(database, registry(), messages_per_minute=3)
    ticks = iter(range(1000))
    engine.flood._clock = lambda: float(next(ticks))  # one message a second  # type: ignore[union-attr]
    chat = Chat(engine, "+6281300000088")
    for _ in range(3):
        assert (await chat.send("halo"))[0].text != ID("common.slow_down")
    assert [r.text for r in await chat.send("halo")] == [ID("common.slow_down")]
    for _ in range(5):
        assert await chat.send("uji") == []  # dropped: no flow started, nothing read
    assert engine.flood.dropped == 6  # type: ignore[union-attr]
    assert (await stored(database, chat))[0] == "menu"
    # Another contact is not slowed by this one.
    assert (await Chat(engine, "+6281300000099").send("halo"))[0].text != ID("common.slow_down")


async def test_after_a_quiet_minute_messages_are_handled_again_and_the_warning_is_in_the_contacts_language(database):
    engine = Engine(database, registry(), messages_per_minute=2)
    now = {"t": 0.0}
    engine.flood._clock = lambda: now["t"]  # type: ignore[union-attr]
    chat = Chat(engine, "+6281300000089")
    await chat.send("halo")
    async with database.transaction() as session:
        contact = await contacts.find_contact(session, chat.channel, chat.address)
        assert contact is not None
        contacts.set_language(contact, "en")
    await chat.send("halo")
    assert [r.text for r in await chat.send("halo")] == [EN("common.slow_down")]
    now["t"] = 61.0
    assert (await chat.send("uji"))[-1].text == "Setuju datanya disimpan?"
