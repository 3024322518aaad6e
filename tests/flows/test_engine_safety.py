"""What must never go wrong: redeliveries, failing steps, oversized, empty, voice and media messages."""

from __future__ import annotations

import copy
import logging
from typing import Any

import pytest

from flows.engine import MAX_TEXT_LENGTH, Engine
from flows.i18n import Translator
from flows.menu import menu_flow
from flows.model import Choice, Context, Flow, Invalid, Outcome, Registry, Step, Valid
from flows.turn import Media
from storage import audit, contacts
from storage.database import Database
from storage.models import ReceivedMessage
from tests.chat import Chat
from tests.factories import add_messages, conversation_of

ID = Translator("id")
SECRET = "Siti Aminah 6310020101900001"

MESSAGES = {
    "aman.title": "Isian uji",
    "aman.nama.ask": "Siapa namanya?",
    "aman.warna.ask": "Pilih warna:",
    "aman.warna.merah": "Merah",
    "aman.warna.biru": "Biru",
    "aman.catatan.ask": "Ada catatan?",
    "aman.label.nama": "Nama",
    "aman.label.warna": "Warna",
    "aman.label.catatan": "Catatan",
    "aman.saved": "Tersimpan.",
}


@pytest.fixture(autouse=True)
def test_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    add_messages(monkeypatch, MESSAGES)


async def _note(text: str, ctx: Context) -> Valid | Invalid:
    """Writes to the database first, then fails on demand: the write must not survive the failure."""
    await audit.record_event(ctx.session, "aman.parsed", contact_id=ctx.contact.id)
    if "meledak" in text:
        raise RuntimeError(f"cannot read {text!r}")
    return Valid(text)


async def _save(ctx: Context) -> Outcome:
    await audit.record_event(ctx.session, "aman.saved", contact_id=ctx.contact.id, details=dict(ctx.answers))
    if ctx.answers["nama"] == "Gagal":
        raise RuntimeError("the save failed after writing")
    return Outcome(texts=[ctx.t("aman.saved")], then="menu")


AMAN = Flow(
    name="aman",
    title="aman.title",
    steps=(
        Step("nama", "aman.nama.ask", summary_label="aman.label.nama"),
        Step(
            "warna",
            "aman.warna.ask",
            choices=(Choice("merah", "aman.warna.merah"), Choice("biru", "aman.warna.biru")),
            summary_label="aman.label.warna",
        ),
        Step("catatan", "aman.catatan.ask", parse=_note, summary_label="aman.label.catatan"),
    ),
    complete=_save,
    confirm=True,
)


@pytest.fixture
def bot(database: Database) -> Engine:
    registry = Registry()
    registry.add(menu_flow())
    registry.add(AMAN, "aman")
    return Engine(database, registry)


@pytest.fixture
def chat(bot: Engine) -> Chat:
    return Chat(bot, "+6281300000077")


async def stored(database: Database, chat: Chat) -> tuple[Any, ...]:
    """The conversation row exactly as stored: flow, step, JSON state and when it was last saved."""
    row = await conversation_of(database, chat.channel, chat.address)
    return row.flow, row.step, copy.deepcopy(row.state), row.updated_at


async def count_events(database: Database, action: str) -> int:
    async with database.transaction() as session:
        return len(await audit.events(session, action))


async def at_step(chat: Chat, step: str, name: str = "Budi") -> None:
    await chat.say("aman")
    if step in ("warna", "catatan", "summary"):
        await chat.say(name)
    if step in ("catatan", "summary"):
        await chat.say("merah")
    if step == "summary":
        await chat.say("tidak ada")


# -- redelivered messages -------------------------------------------------------------------


async def test_the_same_message_id_twice_has_no_second_effect(chat, database):
    await at_step(chat, "summary")
    first = await chat.send("ya", message_id="wamid.confirm-1")
    assert any(r.text == "Tersimpan." for r in first)
    after_first = await stored(database, chat)
    assert await count_events(database, "aman.saved") == 1

    assert await chat.send("ya", message_id="wamid.confirm-1") == []
    assert await stored(database, chat) == after_first
    assert await count_events(database, "aman.saved") == 1


async def test_a_redelivered_answer_mid_flow_changes_nothing(chat, database):
    await at_step(chat, "warna")
    await chat.send("1", message_id="tg-500")
    before = await stored(database, chat)
    assert before[:2] == ("aman", "catatan")
    # The same id again, even with other text, is the same message: ignored.
    assert await chat.send("2", message_id="tg-500") == []
    assert await stored(database, chat) == before
    assert before[2]["answers"] == {"nama": "Budi", "warna": "merah"}


async def test_message_ids_are_unique_per_channel_not_across_channels(bot, database):
    telegram, whatsapp = Chat(bot, "1001", channel="telegram"), Chat(bot, "+6281300000078", channel="whatsapp")
    assert await telegram.send("menu", message_id="42")
    assert await whatsapp.send("menu", message_id="42")
    async with database.transaction() as session:
        assert await session.get(ReceivedMessage, ("telegram", "42")) is not None
        assert await session.get(ReceivedMessage, ("whatsapp", "42")) is not None


# -- a failing step ----------------------------------------------------------------------------


async def test_a_failing_parser_answers_politely_and_leaves_everything_as_it_was(chat, database, caplog):
    await at_step(chat, "catatan")
    before = await stored(database, chat)
    assert before[:2] == ("aman", "catatan")
    parsed_before = await count_events(database, "aman.parsed")

    with caplog.at_level(logging.DEBUG):
        replies = await chat.send(f"meledak {SECRET}", message_id="tg-boom")

    assert [r.text for r in replies] == [ID("error.unexpected")]
    assert await stored(database, chat) == before
    assert await count_events(database, "aman.parsed") == parsed_before  # the step's own write rolled back
    assert await count_events(database, "aman.saved") == 0

    # The failure is logged, by contact and message id, without what the person typed.
    failures = [r for r in caplog.records if r.name.startswith("kader") and r.levelno >= logging.ERROR]
    assert failures, "the failure is logged"
    assert "tg-boom" in failures[0].getMessage() and "RuntimeError" in failures[0].getMessage()
    for record in caplog.records:
        text = record.getMessage() + (record.exc_text or "") + str(record.args)
        assert SECRET not in text and "meledak" not in text and "Aminah" not in text

    # The next valid answer is taken as if nothing had happened.
    summary = await chat.say("tidak ada")
    assert "3. Catatan: tidak ada" in summary
    assert "Tersimpan." in await chat.say("ya")
    assert await count_events(database, "aman.saved") == 1


async def test_a_failing_parser_in_english_answers_in_english(chat, database):
    async with database.transaction() as session:
        contact = await contacts.get_or_create_contact(session, chat.channel, chat.address)
        contacts.set_language(contact, "en")
    await at_step(chat, "catatan")
    replies = await chat.send("meledak")
    assert [r.text for r in replies] == [Translator("en")("error.unexpected")]


async def test_a_redelivery_of_a_failed_message_is_still_ignored(chat, database):
    """The failed message was answered (with an apology asking to send again), so a redelivery is a duplicate."""
    await at_step(chat, "catatan")
    await chat.send("meledak", message_id="tg-boom-2")
    before = await stored(database, chat)
    assert await chat.send("meledak", message_id="tg-boom-2") == []
    assert await stored(database, chat) == before


async def test_a_failing_completion_saves_nothing_and_keeps_the_summary(chat, database):
    await at_step(chat, "summary", name="Gagal")
    before = await stored(database, chat)
    assert before[:2] == ("aman", "_confirm")
    assert [r.text for r in await chat.send("ya")] == [ID("error.unexpected")]
    assert await count_events(database, "aman.saved") == 0
    assert await stored(database, chat) == before
    await chat.say("ubah 1")
    assert "1. Nama: Budi" in await chat.say("Budi")
    assert "Tersimpan." in await chat.say("ya")
    assert await count_events(database, "aman.saved") == 1


# -- text the engine refuses ------------------------------------------------------------------


async def test_a_very_long_message_is_refused_and_the_step_asked_again(chat, database):
    await at_step(chat, "nama")
    before = await stored(database, chat)
    replies = await chat.send("a" * 5000)
    assert replies[0].text == ID("common.too_long", limit="1.000")
    assert "terlalu panjang" in replies[0].text
    assert replies[1].text == "Siapa namanya?"
    assert (await stored(database, chat))[:3] == before[:3]


async def test_a_message_at_the_length_limit_is_accepted(chat, database):
    await at_step(chat, "nama")
    await chat.send("b" * MAX_TEXT_LENGTH)
    flow, step, state, _ = await stored(database, chat)
    assert step == "warna" and state["answers"]["nama"] == "b" * MAX_TEXT_LENGTH


async def test_an_emoji_only_answer_to_a_choice_is_refused_and_the_step_unchanged(chat, database):
    await at_step(chat, "warna")
    before = await stored(database, chat)
    replies = await chat.send("👍🙏")
    assert replies[0].text == ID("common.choice_invalid", count=2)
    assert replies[1].text == "Pilih warna:" and [o.label for o in replies[1].options] == ["Merah", "Biru"]
    after = await stored(database, chat)
    assert after[:2] == before[:2] and after[2]["answers"] == before[2]["answers"]


async def test_a_voice_note_asks_to_type_and_repeats_the_question(chat, database):
    await at_step(chat, "warna")
    before = await stored(database, chat)
    replies = await chat.send(None, unsupported="voice")
    assert replies[0].text == ID("common.unsupported") and "ketik" in replies[0].text
    assert replies[1].text == "Pilih warna:"
    assert (await stored(database, chat))[:3] == before[:3]


async def test_media_where_text_is_expected_asks_to_type_and_repeats_the_question(chat, database):
    await at_step(chat, "nama")
    before = await stored(database, chat)
    replies = await chat.send("foto KTP", media=(Media("file-123", "image/jpeg"),))
    assert replies[0].text == ID("common.unsupported")
    assert replies[1].text == "Siapa namanya?"
    assert (await stored(database, chat))[:3] == before[:3]
    assert "file-123" not in str(before[2])


async def test_media_at_the_summary_shows_the_summary_again_and_saves_nothing(chat, database):
    await at_step(chat, "summary")
    replies = await chat.send(None, media=(Media("file-9"),))
    assert replies[0].text == ID("common.unsupported")
    assert "1. Nama: Budi" in replies[1].text
    assert await count_events(database, "aman.saved") == 0


async def test_an_empty_message_outside_a_flow_is_answered(chat, database):
    replies = await chat.send("   ")
    assert replies[0].text == ID("common.unsupported")


async def test_a_database_failure_while_saving_answers_politely_and_commits_nothing(engine, database, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from storage import conversations as stored_conversations

    chat = Chat(engine)
    await chat.say("menu")

    async def broken_save(*args: object, **kwargs: object) -> None:
        raise OperationalError("UPDATE conversation", {}, Exception("disk I/O error"))

    monkeypatch.setattr(stored_conversations, "save", broken_save)
    replies = await chat.send("Info program", message_id="will-fail")
    assert [r.text for r in replies] == [ID("error.unexpected")]
    monkeypatch.undo()
    # Nothing was committed: the same message id is handled when it is delivered again.
    again = await chat.send("Info program", message_id="will-fail")
    assert again and again[0].text == ID("info.ask")
