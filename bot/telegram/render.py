"""Replies as Telegram messages: a turn in as few messages as possible, inline buttons for choices, a share-my-number
keyboard, long texts split, and the edit that takes a pressed keyboard off its message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import MessageLimit

from bot.telegram.callback import callback_data
from flows.i18n import Translator
from flows.render import split_text
from flows.turn import PHONE, Reply

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove

MAX_TEXT = int(MessageLimit.MAX_TEXT_LENGTH)
PRESSED_MARK = "✓"
_SPLIT_STEP = 256


@dataclass(frozen=True)
class Outgoing:
    """One Telegram message to send: plain text (no parse mode) and its keyboard, if any."""

    text: str
    markup: Markup | None = None
    # The outbox rows of the replies this message completes: marked sent once Telegram accepts it.
    outbox_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Edit:
    """A change to a message the bot sent: its inline keyboard taken off and, with `text`, its text replaced."""

    message_id: int
    text: str | None = None


def render_replies(replies: Sequence[Reply]) -> list[Outgoing]:
    """One turn's replies as few messages as possible: texts joined by a blank line, at most one keyboard each."""
    # A reply with options or a phone request ends its message, which carries that reply's keyboard; replies without
    # either join whatever follows. A message over Telegram's limit is split, its keyboard on the last part. The last
    # part carries the outbox ids of every reply it completes (see `carried_ids` for those no message carries).
    messages: list[Outgoing] = []
    texts: list[str] = []
    ids: list[int] = []
    last: Reply | None = None
    for reply in replies:
        last = reply
        if reply.text.strip():
            texts.append(reply.text.strip())
        if reply.outbox_id is not None:
            ids.append(reply.outbox_id)
        if reply.options or reply.expects == PHONE:
            made = _message("\n\n".join(texts), reply, tuple(ids))
            messages += made
            texts = []
            if made:
                ids = []
    if texts and last is not None:
        messages += _message("\n\n".join(texts), last, tuple(ids))
    return messages


def carried_ids(messages: Sequence[Outgoing | Edit]) -> set[int]:
    """The outbox ids the messages carry (a reply with nothing to show is carried by none)."""
    return {outbox_id for message in messages if isinstance(message, Outgoing) for outbox_id in message.outbox_ids}


def render(reply: Reply) -> list[Outgoing]:
    """One reply as one or more messages; the keyboard (and the reply's outbox id) goes with the last part."""
    return _message(reply.text, reply, () if reply.outbox_id is None else (reply.outbox_id,))


def _message(text: str, keyboard_of: Reply, outbox_ids: tuple[int, ...] = ()) -> list[Outgoing]:
    """The text as the parts of one message, the last carrying the keyboard of `keyboard_of` and the outbox ids."""
    parts = message_parts(text)
    if not parts:
        return []
    markup = keyboard(keyboard_of, Translator(keyboard_of.language))
    return [Outgoing(part) for part in parts[:-1]] + [Outgoing(parts[-1], markup, outbox_ids)]


def message_parts(text: str) -> list[str]:
    """The text cut into parts Telegram accepts (4096 UTF-16 code units each), at paragraph, line or word ends."""
    limit = MAX_TEXT
    parts = split_text(text.strip(), limit)
    while limit > _SPLIT_STEP and any(utf16_length(part) > MAX_TEXT for part in parts):
        limit -= _SPLIT_STEP  # characters outside the BMP (emoji) count twice for Telegram
        parts = split_text(text.strip(), limit)
    return parts


def keyboard(reply: Reply, t: Translator) -> Markup:
    """Share-my-number when the flow wants the user's phone, buttons for choices, else no keyboard at all."""
    if reply.expects == PHONE:
        rows = [[KeyboardButton(t("telegram.share_phone"), request_contact=True)]]
        rows += [[KeyboardButton(option.label)] for option in reply.options]
        return ReplyKeyboardMarkup(
            rows,
            resize_keyboard=True,
            one_time_keyboard=True,
            input_field_placeholder=t("telegram.phone_placeholder"),
        )
    if reply.options:
        return InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(option.label, callback_data=callback_data(reply, number))]
                for number, option in enumerate(reply.options, start=1)
            ]
        )
    # Free text is expected: a share-my-number keyboard shown earlier must not linger.
    return ReplyKeyboardRemove()


def press_edit(query: CallbackQuery, *, echo: bool) -> Edit | None:
    """The edit taking a pressed keyboard off its message, echoing "✓ <label>" in its text when `echo` and it fits."""
    # Without the message's text or the pressed button's label (an inaccessible message, a caption), or when the
    # echoed text would pass Telegram's limit, only the keyboard is taken off. None when the press names no message.
    message = query.message
    if message is None:
        return None
    if echo and isinstance(message, Message) and message.text:
        label = pressed_label(message, query.data)
        echoed = f"{message.text}\n\n{PRESSED_MARK} {label}" if label else None
        if echoed is not None and utf16_length(echoed) <= MAX_TEXT:
            return Edit(message.message_id, echoed)
    return Edit(message.message_id)


def pressed_label(message: Message, data: str | None) -> str | None:
    """The label of the message's inline button whose callback data was pressed, if the message still shows it."""
    markup = message.reply_markup
    if markup is None or not data:
        return None
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


def utf16_length(text: str) -> int:
    """The text's length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts twice)."""
    return len(text.encode("utf-16-le")) // 2
