"""A turn as few Telegram messages as possible, callback data naming its question, and the edit after a press."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update

from bot.telegram.callback import MAX_CALLBACK_DATA, callback_data, read_callback_data
from bot.telegram.inbound import to_inbound
from bot.telegram.render import MAX_TEXT, Edit, Outgoing, press_edit, render_replies, utf16_length
from flows.turn import CHOICE, PHONE, Option, Reply
from tests.bot.telegram import tg

MENU = (Option("register", "Daftarkan pekerja"), Option("info", "Info program"))
YES_NO = (Option("ya", "Ya"), Option("tidak", "Tidak"))


def _buttons(message: Outgoing) -> list[tuple[str, str]]:
    assert isinstance(message.markup, InlineKeyboardMarkup)
    return [(button.text, str(button.callback_data)) for row in message.markup.inline_keyboard for button in row]


# -- one message per turn ---------------------------------------------------------------------------------------


def test_an_introduction_and_a_free_text_question_are_one_message():
    [message] = render_replies([Reply("Pendaftaran pekerja baru."), Reply("Ketik NIK pekerja.")])
    assert message.text == "Pendaftaran pekerja baru.\n\nKetik NIK pekerja."
    assert isinstance(message.markup, ReplyKeyboardRemove)  # free text: no keyboard lingers


def test_a_refusal_and_the_question_again_are_one_message_with_the_questions_buttons():
    replies = [Reply("Jawaban itu tidak dikenal."), Reply("Sudah setuju?", YES_NO, CHOICE, question="r1.0")]
    [message] = render_replies(replies)
    assert message.text == "Jawaban itu tidak dikenal.\n\nSudah setuju?"
    assert _buttons(message) == [("Ya", "r1.0|ya"), ("Tidak", "r1.0|tidak")]


def test_saved_and_the_menu_are_one_message_with_the_menus_buttons():
    replies = [Reply("Tersimpan. Siti terdaftar."), Reply("Silakan pilih layanan:", MENU, CHOICE, question="m.0")]
    [message] = render_replies(replies)
    assert message.text == "Tersimpan. Siti terdaftar.\n\nSilakan pilih layanan:"
    assert _buttons(message) == [("Daftarkan pekerja", "m.0|register"), ("Info program", "m.0|info")]


def test_a_reply_with_options_ends_its_message_so_each_message_has_at_most_one_keyboard():
    replies = [
        Reply("Lanjutkan isian?", YES_NO, CHOICE, question="r1.resume"),
        Reply("Atau:"),
        Reply("Silakan pilih layanan:", MENU, CHOICE, question="m.0"),
        Reply("Ketik menu kapan saja."),
    ]
    first, second, third = render_replies(replies)
    assert first.text == "Lanjutkan isian?" and _buttons(first)[0] == ("Ya", "r1.resume|ya")
    assert second.text == "Atau:\n\nSilakan pilih layanan:" and _buttons(second)[0][1] == "m.0|register"
    assert third.text == "Ketik menu kapan saja." and isinstance(third.markup, ReplyKeyboardRemove)


def test_a_phone_request_ends_its_message_with_the_share_my_number_keyboard():
    replies = [Reply("NIK harus 16 angka."), Reply("Ketik NIK atau bagikan nomor Anda.", expects=PHONE), Reply("Atau")]
    asked, after = render_replies(replies)
    assert asked.text == "NIK harus 16 angka.\n\nKetik NIK atau bagikan nomor Anda."
    assert isinstance(asked.markup, ReplyKeyboardMarkup) and asked.markup.keyboard[0][0].request_contact
    assert after.text == "Atau" and isinstance(after.markup, ReplyKeyboardRemove)


def test_empty_replies_add_nothing_and_an_empty_turn_sends_nothing():
    assert render_replies([]) == []
    assert render_replies([Reply("  "), Reply("")]) == []
    [message] = render_replies([Reply(" Satu "), Reply(""), Reply("Dua", YES_NO, CHOICE, question="q")])
    assert message.text == "Satu\n\nDua" and len(_buttons(message)) == 2


def test_a_turn_over_4096_utf16_units_is_split_with_the_keyboard_on_the_last_part_only():
    emoji = "🙂 " * 1500  # 1500 emoji: 3000 UTF-16 units in 3000 characters (with the spaces 4500 units)
    words = "kata " * 500
    replies = [Reply(emoji.strip()), Reply(words.strip()), Reply("Pilih:", YES_NO, CHOICE, question="q.1")]
    messages = render_replies(replies)
    assert len(messages) >= 2
    assert all(utf16_length(m.text) <= MAX_TEXT for m in messages)
    assert [m.markup for m in messages[:-1]] == [None] * (len(messages) - 1)
    assert _buttons(messages[-1]) == [("Ya", "q.1|ya"), ("Tidak", "q.1|tidak")]
    told = " ".join(" ".join(m.text for m in messages).split())
    assert told == " ".join(f"{emoji} {words} Pilih:".split())  # cut between words: nothing lost, nothing moved


# -- callback data ----------------------------------------------------------------------------------------------


LONG = "programme-" + "x" * 60  # 70 bytes: no room for it in 64
MONTHS = (Option("1", "1 bulan"), Option("3", "3 bulan"), Option(LONG, "6 bulan"), Option("12", "12 bulan"))


def test_the_question_travels_with_the_value():
    reply = Reply("Pilih:", MENU, CHOICE, question="3f9a.4")
    assert [callback_data(reply, n) for n in (1, 2)] == ["3f9a.4|register", "3f9a.4|info"]
    assert read_callback_data("3f9a.4|register") == ("register", "3f9a.4")


def test_a_value_over_64_bytes_falls_back_to_its_position_where_positions_are_read():
    reply = Reply("Pilih:", (Option("a", "A"), Option(LONG, "Panjang")), CHOICE, question="3f9a.4")
    assert callback_data(reply, 2) == "3f9a.4|#2"
    assert read_callback_data("3f9a.4|#2") == ("2", "3f9a.4")  # the engine reads "2" as the second option


def test_where_numbers_are_values_a_long_value_falls_back_to_the_label_never_the_position():
    reply = Reply("Berapa bulan?", MONTHS, CHOICE, numbered=False, question="3f9a.7")
    # "#3" would be read as "3": three months, not the third option (six months).
    assert callback_data(reply, 3) == "3f9a.7|6 bulan"
    assert [read_callback_data(callback_data(reply, n))[0] for n in (1, 2, 4)] == ["1", "3", "12"]


def test_a_label_too_long_as_well_is_cut_between_characters_to_fit():
    label = "Enam bulan sekaligus, dibayar tunai kepada kader desa ✓ " + "é" * 30
    reply = Reply("Berapa bulan?", (Option("1", "1 bulan"), Option(LONG, label)), CHOICE, numbered=False, question="q")
    data = callback_data(reply, 2)
    assert len(data.encode("utf-8")) <= MAX_CALLBACK_DATA
    answer, question = read_callback_data(data)
    assert question == "q" and label.startswith(answer) and len(answer) > 40


@pytest.mark.parametrize("question", [None, "a|b", "t" * 70])
def test_without_a_usable_question_token_buttons_are_encoded_as_older_keyboards_were(question):
    reply = Reply("Pilih:", (Option("a", "A"), Option(LONG, "Panjang")), CHOICE, question=question)
    assert [callback_data(reply, n) for n in (1, 2)] == ["a", "2"]
    unnumbered = Reply("Berapa bulan?", MONTHS, CHOICE, numbered=False, question=question)
    assert callback_data(unnumbered, 3) == "6 bulan"
    assert read_callback_data("a") == ("a", None)


def test_a_value_that_looks_like_a_position_is_not_sent_as_itself():
    reply = Reply("Pilih:", (Option("#3", "Tagar tiga"), Option("b", "B")), CHOICE, question="q")
    assert callback_data(reply, 1) == "q|#1"


def test_every_callback_data_fits_in_64_bytes():
    token = "t" * 58
    for numbered in (True, False):
        reply = Reply("Pilih:", MONTHS + (Option("é" * 40, "ü" * 40),), CHOICE, numbered=numbered, question=token)
        for number in range(1, len(reply.options) + 1):
            assert 0 < len(callback_data(reply, number).encode("utf-8")) <= MAX_CALLBACK_DATA


@pytest.mark.parametrize(
    ("data", "read"),
    [
        ("m.0|info", ("info", "m.0")),
        ("3f9a.2|#12", ("12", "3f9a.2")),
        ("3f9a.2|#x", ("#x", "3f9a.2")),
        ("q|a|b", ("a|b", "q")),
        ("info", ("info", None)),  # a keyboard sent before questions travelled with presses
        ("2", ("2", None)),
        ("|x", ("|x", None)),
    ],
)
def test_callback_data_is_read_into_the_answer_and_its_question(data, read):
    assert read_callback_data(data) == read


def test_a_press_becomes_an_inbound_naming_its_question_and_an_old_press_names_none():
    new = to_inbound(Update.de_json({"update_id": 1, **tg.press(10, "3f9a.2|#2")}, None))
    assert new is not None and (new.text, new.question, new.address) == ("2", "3f9a.2", "10")
    old = to_inbound(Update.de_json({"update_id": 2, **tg.press(10, "info")}, None))
    assert old is not None and (old.text, old.question) == ("info", None)
    typed = to_inbound(Update.de_json({"update_id": 3, **tg.text(10, "m.0|info")}, None))
    assert typed is not None and (typed.text, typed.question) == ("m.0|info", None)  # typed text is never decoded


# -- the edit after a press -------------------------------------------------------------------------------------


def _pressed(data: str, message: dict[str, Any] | None) -> Any:
    update = Update.de_json({"update_id": 9, **tg.press(10, data, on=message)}, None)
    return update.callback_query


def _message(text: str | None = "Silakan pilih layanan:", **extra: Any) -> dict[str, Any]:
    keyboard = {"inline_keyboard": [[{"text": "Info program", "callback_data": "m.0|info"}]]}
    body = {"message_id": 77, "date": 1_700_000_000, "chat": {"id": 10, "type": "private"}, "reply_markup": keyboard}
    if text is not None:
        body["text"] = text
    return body | extra


def test_a_press_echoes_the_pressed_label_under_the_text_and_drops_the_keyboard():
    assert press_edit(_pressed("m.0|info", _message()), echo=True) == Edit(
        77, "Silakan pilih layanan:\n\n✓ Info program"
    )


def test_a_refused_press_only_drops_the_keyboard():
    assert press_edit(_pressed("m.0|info", _message()), echo=False) == Edit(77)


def test_without_room_text_or_label_for_the_echo_only_the_keyboard_goes():
    long = "a" * (MAX_TEXT - 5)
    assert press_edit(_pressed("m.0|info", _message(long)), echo=True) == Edit(77)  # the echo would pass 4096
    assert press_edit(_pressed("m.0|info", _message(None, caption="foto")), echo=True) == Edit(77)
    assert press_edit(_pressed("m.0|other", _message()), echo=True) == Edit(77)  # no such button shown any more
    inaccessible = {"message_id": 77, "date": 0, "chat": {"id": 10, "type": "private"}}
    assert press_edit(_pressed("m.0|info", inaccessible), echo=True) == Edit(77)
