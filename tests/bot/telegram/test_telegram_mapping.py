"""Updates to Inbound and replies to Telegram messages, as pure functions (no server, no database)."""

from __future__ import annotations

import pytest
from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update

from bot.telegram.botapi import file_url_for
from bot.telegram.inbound import to_inbound
from bot.telegram.render import MAX_TEXT, Outgoing, message_parts, render
from flows.turn import CHOICE, PHONE, Media, Option, Reply
from tests.bot.telegram import tg


def _inbound(update: dict, update_id: int = 42):
    return to_inbound(Update.de_json({"update_id": update_id, **update}, None))


def test_a_typed_message_keeps_its_text_and_is_keyed_by_bot_chat_and_message_not_by_update_id():
    update = tg.text(10, "/start kader-undangan-7", language="en-GB")
    inbound = to_inbound(Update.de_json({"update_id": 42, **update}, None), bot_id=123456)
    assert inbound is not None
    key = f"tg:123456:m:10:{update['message']['message_id']}"
    assert (inbound.channel, inbound.address, inbound.message_id) == ("telegram", "10", key)
    assert inbound.text == "/start kader-undangan-7" and inbound.language_hint == "en-GB"


COMMANDS = ["/menu", "/daftar", "/status", "/lapor", "/batal", "/bantuan", "/daftar@kader_bot"]


@pytest.mark.parametrize("command", COMMANDS)
def test_commands_pass_through_as_typed_for_the_engine(command):
    inbound = _inbound(tg.text(10, command))
    assert inbound is not None and inbound.text == command


def test_a_button_press_is_its_callback_data():
    inbound = _inbound(tg.press(10, "info"))
    assert inbound is not None and inbound.text == "info" and inbound.address == "10"


@pytest.mark.parametrize(
    ("phone", "owner", "text", "verified"),
    [
        ("6281234567890", 10, "+6281234567890", "+6281234567890"),  # one's own card: verified
        ("+62 812-3456-7890", 99, "+6281234567890", None),  # someone else's: only text
        ("+6281234567890", None, "+6281234567890", None),  # not a Telegram user's card
        ("+14155550123", 10, "+14155550123", None),  # not an Indonesian mobile: the text as given
    ],
)
def test_a_shared_contact_is_verified_only_when_it_is_the_senders_own(phone, owner, text, verified):
    inbound = _inbound(tg.contact(10, phone, owner))
    assert inbound is not None and (inbound.text, inbound.verified_phone) == (text, verified)


def test_photos_carry_the_largest_size_and_documents_their_type():
    photo = _inbound(tg.photo(10, caption="KTP"))
    assert photo is not None and photo.media == (Media("ph-large", "image/jpeg"),) and photo.text == "KTP"
    document = _inbound(tg.document(10))
    assert document is not None and document.media == (Media("doc-1", "application/pdf"),)


@pytest.mark.parametrize(
    ("update", "kind"),
    [(tg.sticker(10), "sticker"), (tg.voice(10), "voice"), (tg.location(10), "location")],
)
def test_what_the_engine_cannot_read_is_named(update, kind):
    inbound = _inbound(update)
    assert inbound is not None and inbound.unsupported == kind and inbound.text is None


def test_groups_and_channels_are_not_answered():
    assert _inbound(tg.message(-100, chat_type="group", text="/start")) is None
    assert _inbound(tg.message(-100, chat_type="supergroup", text="/start")) is None


def test_choices_become_one_inline_button_per_row_with_the_value_as_callback_data():
    reply = Reply("Pilih:", (Option("info", "Info program"), Option("language", "Bahasa")), CHOICE)
    [message] = render(reply)
    assert isinstance(message.markup, InlineKeyboardMarkup)
    rows = message.markup.inline_keyboard
    assert [[(b.text, b.callback_data) for b in row] for row in rows] == [
        [("Info program", "info")],
        [("Bahasa", "language")],
    ]


def test_a_value_longer_than_64_bytes_is_sent_as_its_number():
    reply = Reply("Pilih:", (Option("a", "A"), Option("é" * 40, "Panjang")), CHOICE)
    [message] = render(reply)
    assert isinstance(message.markup, InlineKeyboardMarkup)
    assert [row[0].callback_data for row in message.markup.inline_keyboard] == ["a", "2"]


@pytest.mark.parametrize(("language", "label"), [("id", "Bagikan nomor saya"), ("en", "Share my number")])
def test_asking_for_the_users_phone_offers_the_share_button_and_typing(language, label):
    [message] = render(Reply("Nomor HP Anda?", expects=PHONE, language=language))
    assert isinstance(message.markup, ReplyKeyboardMarkup)
    [[button]] = message.markup.keyboard
    assert button.text == label and button.request_contact is True
    assert message.markup.one_time_keyboard and message.markup.input_field_placeholder  # typing stays possible


def test_free_text_removes_any_reply_keyboard():
    [message] = render(Reply("Nama lengkap?"))
    assert isinstance(message.markup, ReplyKeyboardRemove)


def test_long_texts_are_cut_at_paragraphs_and_emoji_count_twice():
    text = "\n\n".join(f"Paragraf {n}. " + "kata " * 300 for n in range(8))
    parts = message_parts(text)
    assert len(parts) > 1 and all(len(p) <= MAX_TEXT for p in parts)
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())  # cut between words, nothing lost
    emoji = message_parts("🙂" * 3000)  # 6000 UTF-16 code units
    assert len(emoji) == 2 and all(len(p.encode("utf-16-le")) // 2 <= MAX_TEXT for p in emoji)


def test_only_the_last_part_of_a_long_reply_carries_the_buttons():
    reply = Reply("x " * 5000, (Option("menu", "Menu"),), CHOICE)
    messages = render(reply)
    assert len(messages) == 3
    assert [m.markup is None for m in messages] == [True, True, False]
    assert isinstance(messages[-1], Outgoing) and isinstance(messages[-1].markup, InlineKeyboardMarkup)


@pytest.mark.parametrize(
    ("api_url", "file_url"),
    [
        ("https://api.telegram.org/bot", "https://api.telegram.org/file/bot"),
        ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot"),
        ("https://tg.example.org/bot{token}/test", "https://tg.example.org/file/bot{token}/test"),
        ("https://tg.example.org/api/", "https://tg.example.org/file/bot"),
    ],
)
def test_the_file_url_follows_the_api_url(api_url, file_url):
    assert file_url_for(api_url) == file_url
