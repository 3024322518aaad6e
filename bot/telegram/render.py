"""Replies as Telegram messages: inline buttons for choices, a share-my-number keyboard, long texts split."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import InlineKeyboardButtonLimit, MessageLimit

from flows.i18n import Translator
from flows.render import split_text
from flows.turn import PHONE, Option, Reply

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove

MAX_TEXT = int(MessageLimit.MAX_TEXT_LENGTH)
MAX_CALLBACK_DATA = int(InlineKeyboardButtonLimit.MAX_CALLBACK_DATA)
_SPLIT_STEP = 256


@dataclass(frozen=True)
class Outgoing:
    """One Telegram message to send: plain text (no parse mode) and its keyboard, if any."""

    text: str
    markup: Markup | None = None


def render_replies(replies: Sequence[Reply]) -> list[Outgoing]:
    """Every reply of one turn as the messages to send, in order."""
    return [message for reply in replies for message in render(reply)]


def render(reply: Reply) -> list[Outgoing]:
    """One reply as one or more messages; the keyboard goes with the last part."""
    parts = message_parts(reply.text)
    if not parts:
        return []
    markup = keyboard(reply, Translator(reply.language))
    return [Outgoing(part) for part in parts[:-1]] + [Outgoing(parts[-1], markup)]


def message_parts(text: str) -> list[str]:
    """The text cut into parts Telegram accepts (4096 UTF-16 code units each), at paragraph, line or word ends."""
    limit = MAX_TEXT
    parts = split_text(text.strip(), limit)
    while limit > _SPLIT_STEP and any(_utf16_length(part) > MAX_TEXT for part in parts):
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
                [InlineKeyboardButton(option.label, callback_data=callback_data(option, number))]
                for number, option in enumerate(reply.options, start=1)
            ]
        )
    # Free text is expected: a share-my-number keyboard shown earlier must not linger.
    return ReplyKeyboardRemove()


def callback_data(option: Option, number: int) -> str:
    """The option's value when it fits Telegram's 64 bytes, else its number (the engine accepts both)."""
    if 0 < len(option.value.encode("utf-8")) <= MAX_CALLBACK_DATA:
        return option.value
    return str(number)


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
