"""The verbs every flow shares: menu, batal, kembali, bantuan, ubah N, the confirmation and the resume offer."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest

from flows.engine import IDLE_RESUME_AFTER, Engine
from flows.i18n import Translator
from flows.menu import menu_flow
from flows.model import Choice, Context, Flow, Invalid, Outcome, Registry, Step, Valid
from storage import audit
from storage.database import Database
from tests.chat import Chat
from tests.factories import Clock, add_messages, conversation_of

ID = Translator("id")

# A registration-like flow built for these tests: a name, a job (a choice), a boat (asked of fishermen
# only), an age, then a summary to confirm. Its completion writes an audit event.
MESSAGES = {
    "uji.title": "Daftar uji",
    "uji.nama.ask": "Siapa nama lengkapnya?",
    "uji.nama.help": "Tulis nama lengkap sesuai KTP, misalnya Budi Santoso.",
    "uji.nama.invalid": "Nama terlalu pendek.",
    "uji.kerja.ask": "Apa pekerjaannya?",
    "uji.kerja.petani": "Petani",
    "uji.kerja.nelayan": "Nelayan",
    "uji.perahu.ask": "Apa nama perahunya?",
    "uji.umur.ask": "Berapa umurnya?",
    "uji.umur.invalid": "Umur harus angka.",
    "uji.label.nama": "Nama",
    "uji.label.kerja": "Pekerjaan",
    "uji.label.perahu": "Perahu",
    "uji.label.umur": "Umur",
    "uji.saved": "Tersimpan: {nama}.",
}


@pytest.fixture(autouse=True)
def test_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test flow's messages, added to both catalogues for the duration of a test."""
    add_messages(monkeypatch, MESSAGES)


def _name(text: str, ctx: Context) -> Valid | Invalid:
    name = " ".join(text.split())
    return Valid(name) if len(name) >= 2 else Invalid("uji.nama.invalid")


def _age(text: str, ctx: Context) -> Valid | Invalid:
    return Valid(int(text)) if text.strip().isdigit() else Invalid("uji.umur.invalid")


async def _save(ctx: Context) -> Outcome:
    await audit.record_event(ctx.session, "uji.saved", contact_id=ctx.contact.id, details=dict(ctx.answers))
    return Outcome(texts=[ctx.t("uji.saved", nama=ctx.answers["nama"])], then="menu")


UJI = Flow(
    name="uji",
    title="uji.title",
    steps=(
        Step("nama", "uji.nama.ask", parse=_name, summary_label="uji.label.nama"),
        Step(
            "kerja",
            "uji.kerja.ask",
            choices=(
                Choice("petani", "uji.kerja.petani", aliases=("tani",)),
                Choice("nelayan", "uji.kerja.nelayan", aliases=("nelayan",)),
            ),
            summary_label="uji.label.kerja",
        ),
        Step(
            "perahu",
            "uji.perahu.ask",
            condition=lambda ctx: ctx.answers.get("kerja") == "nelayan",
            summary_label="uji.label.perahu",
        ),
        Step("umur", "uji.umur.ask", parse=_age, summary_label="uji.label.umur"),
    ),
    complete=_save,
    confirm=True,
)


def registry() -> Registry:
    reg = Registry()
    reg.add(menu_flow())
    reg.add(UJI, "uji")
    return reg


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def bot(database: Database, clock: Clock) -> Engine:
    return Engine(database, registry(), clock=clock)


@pytest.fixture
def chat(bot: Engine) -> Chat:
    return Chat(bot, "+6281300000042")


async def stored(database: Database, chat: Chat) -> tuple[str | None, str | None, dict[str, Any]]:
    """The conversation as the database holds it: flow, step and the JSON state."""
    row = await conversation_of(database, chat.channel, chat.address)
    return row.flow, row.step, copy.deepcopy(row.state)


async def saved_events(database: Database) -> list[dict[str, Any]]:
    async with database.transaction() as session:
        return [event.details for event in await audit.events(session, "uji.saved")]


async def to_summary(chat: Chat, name: str = "Budi Santoso", job: str = "petani", age: str = "40") -> str:
    await chat.say("uji")
    await chat.say(name)
    await chat.say(job)
    if job == "nelayan":
        await chat.say("Sri Rejeki")
    return await chat.say(age)


# -- menu ------------------------------------------------------------------------------


async def test_menu_from_inside_a_flow_shows_the_menu_and_drops_the_answers(chat, database):
    await chat.say("uji")
    await chat.say("Budi Santoso")
    assert (await stored(database, chat))[:2] == ("uji", "kerja")
    shown = await chat.say("menu")
    assert ID("menu.greeting.anyone") in shown and ID("menu.item.info") in shown
    flow, step, state = await stored(database, chat)
    assert (flow, step) == ("menu", "item")
    assert state["answers"] == {}


async def test_menu_at_the_summary_and_as_a_telegram_command(chat, database):
    await to_summary(chat)
    shown = await chat.say("/menu@kader_bot")
    assert ID("menu.item.info") in shown
    assert (await stored(database, chat))[:2] == ("menu", "item")
    assert await saved_events(database) == []


# -- batal -------------------------------------------------------------------------------


async def test_batal_inside_a_flow_discards_the_answers_and_returns_to_the_menu(chat, database):
    await chat.say("uji")
    await chat.say("Budi Santoso")
    await chat.say("1")
    shown = await chat.say("batal")
    assert "Tidak ada yang disimpan" in shown
    assert ID("menu.item.info") in shown
    flow, step, state = await stored(database, chat)
    assert (flow, step, state["answers"]) == ("menu", "item", {})
    assert await saved_events(database) == []
    # Starting again asks every question, and the old name is gone from the summary.
    summary = await to_summary(chat, name="Siti Aminah")
    assert "Siti Aminah" in summary and "Budi" not in summary


async def test_batal_at_the_summary_saves_nothing(chat, database):
    await to_summary(chat)
    assert "Tidak ada yang disimpan" in await chat.say("Batal!")
    assert await saved_events(database) == []
    assert (await stored(database, chat))[:2] == ("menu", "item")


async def test_batal_with_nothing_running_says_so(chat):
    shown = await chat.say("batal")
    assert ID("common.nothing_to_cancel") in shown and "Tidak ada yang disimpan" not in shown


# -- kembali -----------------------------------------------------------------------------


async def test_kembali_re_asks_the_previous_step_with_its_answer_removed(chat, database):
    await chat.say("uji")
    await chat.say("Budi Santoso")
    await chat.say("petani")
    assert (await stored(database, chat))[:2] == ("uji", "umur")

    shown = await chat.say("kembali")
    assert "Apa pekerjaannya?" in shown and "1. Petani" in shown
    flow, step, state = await stored(database, chat)
    assert (flow, step) == ("uji", "kerja")
    assert state["answers"] == {"nama": "Budi Santoso"}

    assert "Siapa nama lengkapnya?" in await chat.say("kembali")
    flow, step, state = await stored(database, chat)
    assert (flow, step, state["answers"]) == ("uji", "nama", {})

    # From the first step, back leads to the menu.
    shown = await chat.say("kembali")
    assert ID("menu.item.info") in shown
    assert (await stored(database, chat))[:2] == ("menu", "item")


async def test_kembali_skips_steps_that_were_not_asked(chat, database):
    await chat.say("uji")
    await chat.say("Budi Santoso")
    await chat.say("nelayan")
    await chat.say("Sri Rejeki")
    assert "Apa nama perahunya?" in await chat.say("kembali")
    await chat.say("kembali")
    await chat.say("petani")  # now the boat question does not apply
    assert (await stored(database, chat))[:2] == ("uji", "umur")
    assert "Apa pekerjaannya?" in await chat.say("kembali")


async def test_kembali_from_the_summary_re_asks_the_last_step(chat, database):
    await to_summary(chat)
    assert "Berapa umurnya?" in await chat.say("kembali")
    flow, step, state = await stored(database, chat)
    assert (flow, step) == ("uji", "umur") and "umur" not in state["answers"]
    assert "Umur: 41" in await chat.say("41")


# -- bantuan -----------------------------------------------------------------------------


async def test_bantuan_shows_the_steps_help_and_asks_the_same_step_again(chat, database):
    await chat.say("uji")
    before = await stored(database, chat)
    replies = await chat.send("bantuan")
    assert [r.text for r in replies] == [MESSAGES["uji.nama.help"], "Siapa nama lengkapnya?"]
    assert await stored(database, chat) == before


async def test_bantuan_without_a_step_help_shows_the_general_help(chat, database):
    await chat.say("uji")
    await chat.say("Budi Santoso")
    before = await stored(database, chat)
    replies = await chat.send("?")
    assert replies[0].text == ID("common.help")
    assert replies[1].text == "Apa pekerjaannya?" and [o.label for o in replies[1].options] == ["Petani", "Nelayan"]
    assert await stored(database, chat) == before


# -- ubah N and the confirmation ---------------------------------------------------------


async def test_the_summary_lists_the_answers_by_number(chat):
    summary = await to_summary(chat)
    assert "1. Nama: Budi Santoso" in summary
    assert "2. Pekerjaan: Petani" in summary
    assert "3. Umur: 40" in summary
    assert "Perahu" not in summary


async def test_ubah_n_edits_that_field_and_returns_to_the_summary_with_the_new_value(chat, database):
    await to_summary(chat)
    assert "Siapa nama lengkapnya?" in await chat.say("ubah 1")
    assert (await stored(database, chat))[:2] == ("uji", "nama")
    summary = await chat.say("Siti Aminah")
    assert "1. Nama: Siti Aminah" in summary and "Budi" not in summary
    assert "3. Umur: 40" in summary
    flow, step, state = await stored(database, chat)
    assert (flow, step) == ("uji", "_confirm")
    assert state["answers"] == {"nama": "Siti Aminah", "kerja": "petani", "umur": 40}


async def test_ubah_asks_a_step_the_edit_made_applicable_then_drops_it_again(chat, database):
    await to_summary(chat)
    assert "Apa pekerjaannya?" in await chat.say("UBAH 2")
    assert "Apa nama perahunya?" in await chat.say("nelayan")
    summary = await chat.say("Sri Rejeki")
    assert "2. Pekerjaan: Nelayan" in summary and "3. Perahu: Sri Rejeki" in summary and "4. Umur: 40" in summary
    await chat.say("edit 2")
    summary = await chat.say("petani")
    assert "Perahu" not in summary and "3. Umur: 40" in summary
    assert "perahu" not in (await stored(database, chat))[2]["answers"]


async def test_an_invalid_answer_while_editing_re_asks_and_still_returns_to_the_summary(chat):
    await to_summary(chat)
    await chat.say("ubah 3")
    assert "Umur harus angka." in await chat.say("empat puluh")
    assert "3. Umur: 45" in await chat.say("45")


async def test_ubah_a_number_not_in_the_summary_is_refused(chat, database):
    await to_summary(chat)
    before = await stored(database, chat)
    replies = await chat.send("ubah 99")
    # How to edit, with the summary's two answers; not the whole summary again.
    assert [r.text for r in replies] == [ID("common.edit_invalid", count=3)]
    assert [o.value for o in replies[0].options] == ["ya", "batal"]
    assert (await stored(database, chat))[:2] == before[:2]
    assert (await stored(database, chat))[2]["answers"] == before[2]["answers"]


async def test_ubah_outside_a_summary_is_refused(chat, database):
    await chat.say("uji")
    await chat.say("Budi Santoso")
    before = await stored(database, chat)
    replies = await chat.send("ubah 2")
    assert replies[0].text == ID("common.edit_only_at_summary")
    assert replies[1].text == "Apa pekerjaannya?"
    assert await stored(database, chat) == before


async def test_ya_at_the_summary_runs_the_completion_exactly_once(chat, database):
    await to_summary(chat)
    shown = await chat.say("ya")
    assert "Tersimpan: Budi Santoso." in shown
    assert ID("menu.item.info") in shown
    assert await saved_events(database) == [{"nama": "Budi Santoso", "kerja": "petani", "umur": 40}]
    assert (await stored(database, chat))[:2] == ("menu", "item")
    # A second "ya" is now an answer to the menu, not a second save.
    assert ID("common.choice_invalid", count=5) in await chat.say("ya")
    assert len(await saved_events(database)) == 1


async def test_other_words_repeat_only_the_question_and_a_bare_number_explains_ubah(chat, database):
    await to_summary(chat)
    replies = await chat.send("mungkin")
    # Only the question again, with its two answers: the whole summary is just above, not sent twice.
    assert [r.text for r in replies] == [ID("common.confirm.invalid")]
    assert [o.value for o in replies[0].options] == ["ya", "batal"]
    # A second miss also says how to leave.
    way_out = [ID("common.way_out"), ID("common.way_out_official")]
    assert (await chat.send("entahlah"))[0].text == "\n".join([ID("common.confirm.invalid"), *way_out])
    assert await saved_events(database) == []
    # The summary's lines are numbered: "2" means line 2, not "Batal", and "1" does not save either.
    for number in ("1", "2"):
        assert [r.text for r in await chat.send(number)] == [ID("common.confirm.number", number=number)]
        assert await saved_events(database) == []
        assert (await stored(database, chat))[1] == "_confirm"
    assert "Tersimpan" in await chat.say("ya")
    assert len(await saved_events(database)) == 1


# -- resuming after a pause ----------------------------------------------------------------


async def test_after_thirty_idle_minutes_the_flow_offers_to_resume(chat, database, clock):
    await chat.say("uji")
    await chat.say("Budi Santoso")
    clock.offset = IDLE_RESUME_AFTER + timedelta(minutes=1)
    replies = await chat.send("1")
    assert len(replies) == 1
    assert replies[0].text == ID("common.resume.offer", flow="Daftar uji")
    assert [o.label for o in replies[0].options] == [ID("common.resume.continue"), ID("common.resume.menu")]
    flow, step, state = await stored(database, chat)
    assert (flow, step) == ("uji", "kerja")
    assert state["answers"] == {"nama": "Budi Santoso"}  # the "1" was not taken as the job


@pytest.mark.parametrize("answer", ["lanjut", "Lanjutkan", "1"])
async def test_lanjut_re_asks_the_same_step_with_the_answers_kept(chat, database, clock, answer):
    await chat.say("uji")
    await chat.say("Budi Santoso")
    clock.offset = timedelta(hours=5)
    await chat.say("petani")
    shown = await chat.say(answer)
    assert "Apa pekerjaannya?" in shown and ID("common.resume.offer", flow="Daftar uji") not in shown
    flow, step, state = await stored(database, chat)
    assert (flow, step, state["answers"]) == ("uji", "kerja", {"nama": "Budi Santoso"})
    assert "resume_offered" not in state
    # The clock does not go back: the pause is over once the person has answered the offer.
    # (See test_the_pause_is_measured_on_the_engines_clock for why this continues at wall-clock time.)
    clock.offset = timedelta(0)
    assert "Berapa umurnya?" in await chat.say("petani")
    assert "2. Pekerjaan: Petani" in await chat.say("40")


async def test_lanjut_at_the_summary_shows_the_summary_again(chat, clock):
    await to_summary(chat)
    clock.offset = timedelta(days=1)
    assert ID("common.resume.offer", flow="Daftar uji") in await chat.say("ya")
    assert "1. Nama: Budi Santoso" in await chat.say("lanjut")


@pytest.mark.parametrize("answer", ["2", "menu", "Ke menu utama", "ke menu"])
async def test_declining_the_resume_offer_goes_to_the_menu(chat, database, clock, answer):
    await chat.say("uji")
    await chat.say("Budi Santoso")
    clock.offset = timedelta(minutes=45)
    await chat.say("petani")
    shown = await chat.say(answer)
    assert ID("menu.item.info") in shown
    flow, step, state = await stored(database, chat)
    assert (flow, step, state["answers"]) == ("menu", "item", {})


async def test_an_unrelated_answer_to_the_resume_offer_offers_again(chat, database, clock):
    await chat.say("uji")
    await chat.say("Budi Santoso")
    clock.offset = timedelta(minutes=45)
    await chat.say("petani")
    assert ID("common.resume.offer", flow="Daftar uji") in await chat.say("apa ini")
    assert (await stored(database, chat))[2]["answers"] == {"nama": "Budi Santoso"}


async def test_no_resume_offer_under_thirty_minutes(chat, database, clock):
    await chat.say("uji")
    await chat.say("Budi Santoso")
    clock.offset = IDLE_RESUME_AFTER - timedelta(minutes=1)
    shown = await chat.say("petani")
    assert "Berapa umurnya?" in shown and "belum selesai" not in shown
    assert (await stored(database, chat))[:2] == ("uji", "umur")


async def test_no_resume_offer_at_the_menu(chat, database, clock):
    await chat.say("menu")
    clock.offset = timedelta(days=2)
    shown = await chat.say("uji")
    assert "Siapa nama lengkapnya?" in shown and "belum selesai" not in shown


async def test_the_pause_is_measured_on_the_engines_clock(chat, clock):
    await chat.say("uji")
    await chat.say("Budi Santoso")
    clock.offset = timedelta(hours=2)
    await chat.say("petani")  # the resume offer
    await chat.say("lanjut")
    # A minute later on the same clock: no pause at all, so the answer must be taken.
    clock.offset += timedelta(minutes=1)
    assert "Berapa umurnya?" in await chat.say("petani")


async def test_kembali_never_re_asks_a_step_an_edit_made_inapplicable(chat, database):
    await to_summary(chat, job="nelayan")
    await chat.say("ubah 2")
    await chat.say("petani")  # the boat question no longer applies
    assert "Berapa umurnya?" in await chat.say("kembali")
    shown = await chat.say("kembali")
    assert "Apa nama perahunya?" not in shown and "Apa pekerjaannya?" in shown
    assert (await stored(database, chat))[:2] == ("uji", "kerja")


async def test_kembali_while_editing_returns_to_the_summary_with_every_answer_kept(chat, database):
    await to_summary(chat)
    assert "Siapa nama lengkapnya?" in await chat.say("ubah 1")
    summary = await chat.say("kembali")
    assert "1. Nama: Budi Santoso" in summary and "3. Umur: 40" in summary
    flow, step, state = await stored(database, chat)
    assert (flow, step) == ("uji", "_confirm")
    assert state["answers"] == {"nama": "Budi Santoso", "kerja": "petani", "umur": 40}


async def test_kembali_while_editing_never_skips_a_question_the_edit_made_necessary(chat, database):
    await to_summary(chat)
    await chat.say("ubah 2")
    assert "Apa nama perahunya?" in await chat.say("nelayan")  # asked because of the edit
    assert "Apa nama perahunya?" in await chat.say("kembali")  # still missing, so asked again
    summary = await chat.say("Sri Rejeki")
    assert "3. Perahu: Sri Rejeki" in summary and "4. Umur: 40" in summary
    await chat.say("ya")
    assert await saved_events(database) == [
        {"nama": "Budi Santoso", "kerja": "nelayan", "perahu": "Sri Rejeki", "umur": 40}
    ]


@pytest.mark.parametrize("answer", ["ya", "Ya, simpan", "YA SIMPAN", "Ya.", "oke"])
async def test_the_summary_is_confirmed_by_the_word_or_the_shown_label(chat, database, answer):
    await to_summary(chat)
    assert "Tersimpan: Budi Santoso." in await chat.say(answer)
    assert len(await saved_events(database)) == 1


@pytest.mark.parametrize("answer", ["Batal", "batal"])
async def test_the_summary_is_cancelled_by_the_word_or_the_shown_label(chat, database, answer):
    await to_summary(chat)
    assert "Tidak ada yang disimpan" in await chat.say(answer)
    assert await saved_events(database) == []
