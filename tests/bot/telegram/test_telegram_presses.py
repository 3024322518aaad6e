"""One message per turn, and pressed keyboards taken off, over the real python-telegram-bot client and the loopback
Bot API: the echo of the pressed choice, presses on questions no longer asked, long callback data, old keyboards,
and edits sent through the same paced per-chat queue as the replies."""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.botapi import make_bot
from bot.telegram.callback import read_callback_data
from bot.telegram.render import Edit, Outgoing
from bot.telegram.sender import SendLimits, TelegramSender
from flows.engine import Engine
from flows.i18n import Translator
from flows.model import Choice, Context, Flow, Outcome, Step
from flows.registry import default_registry
from storage.database import Database
from tests.bot.telegram import tg
from tests.bot.telegram.fake_bot_api import FakeBotAPI, Sent
from tests.bot.telegram.harness import Webhook, settings_for, webhook
from tests.bot.telegram.tg import TelegramUser
from tests.factories import add_staff, conversation_of

ID = Translator("id")
CHAT = 9101
CADRE_CHAT = 9201
CADRE_PHONE = "+6281200000009"
LONG_VALUE = "village-budget-" + "x" * 55  # 70 bytes: the question token and it do not fit in 64
SIX_MONTHS = "six-months-paid-at-once-" + "y" * 50
MONTHS = (
    Choice("1", label="1 bulan"),
    Choice("3", label="3 bulan"),
    Choice(SIX_MONTHS, label="6 bulan"),
    Choice("12", label="12 bulan"),
)
_update_ids = itertools.count(80_000)


async def _save(ctx: Context) -> Outcome:
    answers = ctx.answers
    return Outcome(texts=[f"Tersimpan: {answers['topic']}, {answers['payer']}, {answers['months']}."], then="menu")


# Three questions with buttons: plain values, a value too long for the callback data where positions are read, and
# a value too long where numbers are themselves answers (1, 3, 6 or 12 months: "3" must never mean the third).
SURVEY = Flow(
    name="survey",
    title="menu.title",
    steps=(
        Step("topic", "info.ask", choices=(Choice("a", label="Alpha"), Choice("b", label="Beta"))),
        Step(
            "payer", "register.payer.ask", choices=(Choice(LONG_VALUE, label="Desa"), Choice("self", label="Sendiri"))
        ),
        Step("months", "report.ask", choices=MONTHS, positions=False),
    ),
    complete=_save,
)


@pytest.fixture
def survey_engine(database: Database) -> Engine:
    """The real engine and flows, with the survey flow started by `survei`."""
    registry = default_registry()
    registry.add(SURVEY, "survei")
    return Engine(database, registry)


@pytest.fixture
async def hook(bot_api: FakeBotAPI, database: Database, survey_engine: Engine) -> AsyncIterator[Webhook]:
    """The web app with the Telegram channel, running."""
    async with webhook(bot_api, database, survey_engine) as running:
        yield running


def user_of(bot_api: FakeBotAPI, hook: Webhook, chat_id: int = CHAT) -> TelegramUser:
    """A user posting to the webhook; each of their turns is read once the bot has sent all of it."""

    async def deliver(update: dict[str, Any]) -> None:
        """Posts the update as Telegram would."""
        response = await hook.post(update | {"update_id": next(_update_ids)})
        assert response.status_code == 200

    async def settle() -> None:
        """Waits until every queued message and edit has gone out."""
        assert await hook.channel.sender.join(5)

    return TelegramUser(bot_api, chat_id, deliver, settle)


def anything(messages: list[Sent]) -> bool:
    """A turn is there once its first message is (settling then waits for the rest)."""
    return bool(messages)


def labels(message: Sent) -> list[str]:
    """The labels of the message's inline buttons, in order."""
    return [label for label, _ in message.buttons]


def call_index(bot_api: FakeBotAPI, method: str, **match: Any) -> int:
    """Where in the order of Bot API calls the first call of `method` with these parameters came."""
    for index, (name, params) in enumerate(bot_api.calls):
        if name == method and all(str(params.get(key)) == str(value) for key, value in match.items()):
            return index
    raise AssertionError(f"no {method} with {match}")


async def position(database: Database, chat_id: int) -> tuple[str | None, str | None, dict[str, Any]]:
    """The flow and step the chat's conversation stands at, and its answers so far."""
    row = await conversation_of(database, "telegram", str(chat_id))
    return row.flow, row.step, dict((row.state or {}).get("answers", {}))


# -- one message per turn -----------------------------------------------------------------------------------------


async def test_registration_starts_in_one_message_and_a_refusal_comes_with_the_question_in_one(
    bot_api, database, engine
):
    await add_staff(database, CADRE_PHONE)
    async with webhook(bot_api, database, engine) as running:
        cadre = user_of(bot_api, running, CADRE_CHAT)
        (menu,) = await cadre.send(tg.contact(CADRE_CHAT, CADRE_PHONE, owner=CADRE_CHAT))
        assert menu.text.startswith(ID("common.phone_linked")) and "Daftarkan pekerja" in labels(menu)

        (started,) = await cadre.tap("Daftarkan pekerja", until=anything)  # the introduction and the first question
        intro, question = started.text.split("\n\n", 1)
        assert intro == ID("register.intro") and question

        (again,) = await cadre.say("zz 123", until=anything)  # the refusal and the same question, one message
        refusal, _ = again.text.split("\n\n", 1)
        assert refusal and again.text.endswith(question) and labels(again) == labels(started)
    assert len(bot_api.to(CADRE_CHAT)) == 3


async def test_saved_and_the_menu_arrive_as_one_message_with_the_menus_buttons(bot_api, database, hook):
    user = user_of(bot_api, hook)
    await user.say("survei")
    await user.tap("Alpha")
    await user.tap("Desa")
    (saved,) = await user.tap("6 bulan")
    assert saved.text.startswith(f"Tersimpan: a, {LONG_VALUE}, {SIX_MONTHS}.\n\n")
    assert "Silakan pilih layanan" in saved.text
    assert "Info program" in labels(saved) and "Bahasa / Language" in labels(saved)
    assert (await position(database, CHAT))[0] in (None, "menu")


# -- a press takes its keyboard off and echoes the choice ---------------------------------------------------------


async def test_a_press_echoes_the_choice_and_takes_the_keyboard_off_before_the_next_question(bot_api, hook):
    user = user_of(bot_api, hook)
    (topic,) = await user.say("survei")
    token, answer = topic.buttons[0][1].split("|")
    assert (topic.buttons[0][0], answer) == ("Alpha", "a") and token

    (payer,) = await user.tap("Alpha")
    [edit] = bot_api.edits_of(CHAT)
    assert (edit.method, edit.message_id) == ("editMessageText", topic.message_id)
    assert edit.text == f"{topic.text}\n\n✓ Alpha" and edit.reply_markup is None
    assert bot_api.current(topic).text.endswith("✓ Alpha") and bot_api.current(topic).buttons == []
    # The edit reached Telegram before the next question was sent.
    edited_at = call_index(bot_api, "editMessageText", message_id=topic.message_id)
    assert edited_at < call_index(bot_api, "sendMessage", text=payer.text)
    assert payer.text == ID("register.payer.ask") and labels(payer) == ["Desa", "Sendiri"]
    assert len(bot_api.callback_answers) == 1


async def test_values_over_64_bytes_fall_back_to_the_position_or_where_numbers_are_answers_to_the_label(
    bot_api, database, hook
):
    user = user_of(bot_api, hook)
    await user.say("survei")
    (payer,) = await user.tap("Alpha")
    desa = dict(payer.buttons)["Desa"]
    assert desa.endswith("|#1") and len(desa.encode()) <= 64  # numbered options: the position
    (months,) = await user.tap("Desa")
    assert (await position(database, CHAT))[2]["payer"] == LONG_VALUE
    six = dict(months.buttons)["6 bulan"]
    assert read_callback_data(six)[0] == "6 bulan"  # "#3" would have been read as three months
    assert [read_callback_data(data)[0] for _, data in months.buttons] == ["1", "3", "6 bulan", "12"]
    await user.tap("6 bulan")
    assert bot_api.current(months).text.endswith("✓ 6 bulan")


async def test_a_button_of_an_older_keyboard_still_works(bot_api, database, hook):
    user = user_of(bot_api, hook)
    (menu,) = await user.say("/start")
    # A menu sent before buttons carried their question: its data is the bare value.
    old = tg.press(CHAT, "info", on=bot_api.as_message(menu) | {"reply_markup": _old_menu_keyboard()})
    (topics,) = await user.send(old)
    assert topics.text.startswith(ID("info.ask")) and topics.buttons
    assert bot_api.current(menu).text == f"{menu.text}\n\n✓ Info program" and bot_api.current(menu).buttons == []
    assert (await position(database, CHAT))[0] == "info"


def _old_menu_keyboard() -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": "Info program", "callback_data": "info"}]]}


# -- presses on questions no longer asked ---------------------------------------------------------------------------


async def test_a_press_on_the_menu_after_the_flow_moved_on_changes_nothing(bot_api, database, hook):
    user = user_of(bot_api, hook)
    (menu,) = await user.say("/start")
    (topic,) = await user.say("survei")  # typed: the menu's keyboard is still there
    before = await position(database, CHAT)

    (closed,) = await user.tap_on(menu, "Info program")
    assert closed.text == f"{ID('common.question_closed')}\n\n{topic.text}"
    assert closed.buttons == topic.buttons  # the open question, with its buttons, in the same message
    assert await position(database, CHAT) == before == ("survey", "topic", {})
    # The old keyboard is gone, without a ✓: that choice was not taken.
    [edit] = bot_api.edits_of(CHAT)
    assert (edit.method, edit.message_id, edit.text, edit.reply_markup) == (
        "editMessageReplyMarkup",
        menu.message_id,
        None,
        None,
    )
    assert bot_api.current(menu).text == menu.text
    (payer,) = await user.tap("Alpha")  # the open question still takes its answer
    assert payer.text == ID("register.payer.ask")


async def test_a_press_on_a_step_keyboard_after_going_back_changes_nothing(bot_api, database, hook):
    user = user_of(bot_api, hook)
    await user.say("survei")
    (payer,) = await user.tap("Alpha")
    (topic_again,) = await user.say("kembali")  # typed: the payer keyboard is still there
    assert labels(topic_again) == ["Alpha", "Beta"]
    before = await position(database, CHAT)
    assert before[:2] == ("survey", "topic") and "payer" not in before[2]

    (closed,) = await user.tap_on(payer, "Sendiri")
    assert closed.text.startswith(ID("common.question_closed")) and labels(closed) == ["Alpha", "Beta"]
    assert await position(database, CHAT) == before
    assert bot_api.edits_of(CHAT)[-1].method == "editMessageReplyMarkup"
    assert bot_api.current(payer).buttons == [] and bot_api.current(payer).text == payer.text


async def test_a_second_press_on_the_same_keyboard_is_refused_and_its_failed_edit_blocks_nothing(
    bot_api, database, hook, caplog
):
    caplog.set_level(logging.INFO)
    user = user_of(bot_api, hook)
    (topic,) = await user.say("survei")
    stale = bot_api.as_message(topic)  # what the user's app showed when it was pressed twice
    alpha = dict(topic.buttons)["Alpha"]
    await user.send(tg.press(CHAT, alpha, on=stale))
    (closed,) = await user.send(tg.press(CHAT, alpha, on=stale))
    assert closed.text.startswith(ID("common.question_closed")) and labels(closed) == ["Desa", "Sendiri"]
    assert (await position(database, CHAT))[:2] == ("survey", "payer")
    assert hook.channel.sender.edits_failed == 1  # "message is not modified": the keyboard was already gone
    assert f"telegram edit refused chat={CHAT} message={topic.message_id} error=" in caplog.text
    assert "Alpha" not in caplog.text and ID("info.ask") not in caplog.text


async def test_an_edit_telegram_refuses_is_logged_by_id_and_the_replies_still_arrive(bot_api, hook, caplog):
    user = user_of(bot_api, hook)
    (topic,) = await user.say("survei")
    bot_api.fail_next_edit(CHAT, 400, "Bad Request: message can't be edited")
    (payer,) = await user.tap("Alpha")
    assert payer.text == ID("register.payer.ask")
    assert bot_api.edits_of(CHAT) == [] and hook.channel.sender.edits_failed == 1
    assert hook.channel.sender.failed == 0
    assert f"telegram edit refused chat={CHAT} message={topic.message_id}" in caplog.text


# -- edits in the sender's queue ----------------------------------------------------------------------------------

KEYBOARD = {"inline_keyboard": [[{"text": "A", "callback_data": "q|a"}]]}


async def _sent_with_keyboard(bot_api: FakeBotAPI, sender: TelegramSender, chat_id: int) -> Sent:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="q|a")]])
    sender.enqueue(chat_id, [Outgoing("satu", keyboard)])
    assert await sender.join(timeout=5)
    return bot_api.to(chat_id)[-1]


async def test_an_edit_takes_its_place_in_the_chats_queue_and_goes_at_once_with_its_replies(bot_api):
    now = [1000.0]  # time stands still unless the test moves it: anything paced waits
    async with make_bot(settings_for(bot_api)) as bot:
        sender = TelegramSender(bot, SendLimits(chat_rate=1.0, chat_burst=1.0), clock=lambda: now[0])
        first = await _sent_with_keyboard(bot_api, sender, CHAT)
        sender.enqueue(CHAT, [Edit(first.message_id, "satu\n\n✓ A"), Outgoing("dua")])
        assert await sender.join(timeout=5)  # a reply, the edit included, waits for no pace
        [edit] = bot_api.edits_of(CHAT)
        assert edit.at < bot_api.to(CHAT)[-1].at and bot_api.to(CHAT)[-1].text == "dua"
        assert bot_api.current(first).reply_markup is None and first.reply_markup == KEYBOARD
        # Proactive, an edit keeps its place and its pace: the replies spent this second's token.
        sender.enqueue(CHAT, [Edit(first.message_id, "satu"), Outgoing("tiga")], proactive=True)
        assert not await sender.join(timeout=0.3) and len(bot_api.edits_of(CHAT)) == 1
        now[0] += 1.0
        await bot_api.wait_until(lambda: len(bot_api.edits_of(CHAT)) == 2, what="the paced edit")
        assert not await sender.join(timeout=0.3) and bot_api.to(CHAT)[-1].text == "dua"
        now[0] += 1.0
        assert await sender.join(timeout=5)
    assert bot_api.to(CHAT)[-1].text == "tiga" and bot_api.current(first).text == "satu"


async def test_a_429_on_an_edit_delays_it_and_what_follows_it(bot_api):
    async with make_bot(settings_for(bot_api)) as bot:
        sender = TelegramSender(bot)
        first = await _sent_with_keyboard(bot_api, sender, CHAT)
        bot_api.fail_next_edit(CHAT, 429, "Too Many Requests: retry after 1", retry_after=1)
        began = time.monotonic()
        sender.enqueue(CHAT, [Edit(first.message_id), Outgoing("dua")])
        assert await sender.join(timeout=5)
    [edit] = bot_api.edits_of(CHAT)
    assert edit.method == "editMessageReplyMarkup" and 1.0 <= edit.at - began < 2.0
    assert bot_api.to(CHAT)[-1].text == "dua" and bot_api.to(CHAT)[-1].at > edit.at
    assert sender.edits_failed == 0


async def test_a_403_on_an_edit_drops_the_chats_queue_as_for_a_message(bot_api):
    blocked: list[int] = []

    async def on_blocked(chat_id: int) -> None:
        """Records the chat found blocked."""
        blocked.append(chat_id)

    async with make_bot(settings_for(bot_api)) as bot:
        sender = TelegramSender(bot, on_blocked=on_blocked)
        first = await _sent_with_keyboard(bot_api, sender, CHAT)
        bot_api.fail_next_edit(CHAT, 403, "Forbidden: bot was blocked by the user")
        sender.enqueue(CHAT, [Edit(first.message_id, "satu\n\n✓ A"), Outgoing("dua")])
        assert await sender.join(timeout=5)
    assert blocked == [CHAT] and sender.dropped == 2
    assert [m.text for m in bot_api.to(CHAT)] == ["satu"]
