"""Turning a Telegram update into the engine's Inbound: text, commands, button presses, contacts, files."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from telegram import Contact, Message, Update
from telegram.constants import ChatType

from bot.telegram.callback import read_callback_data
from flows.turn import Inbound, Media
from rules.phones import InvalidPhoneError, normalise_mobile
from storage.received_messages import MAX_EXTERNAL_ID

CHANNEL = "telegram"
_START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")

# The update types the adapter reads; everything else is neither requested nor handled.
ALLOWED_UPDATES = ("message", "callback_query")

# Content the engine cannot read, named for the log and the Inbound. Order matters: a venue also carries a
# location, and an animation also carries a document.
_UNSUPPORTED_KINDS = (
    "animation",
    "sticker",
    "voice",
    "video_note",
    "audio",
    "video",
    "venue",
    "location",
    "poll",
    "dice",
    "game",
    "story",
)


def chat_id_of(update: Update) -> int | None:
    """The private chat the update belongs to, or None for updates the bot does not answer."""
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return None
    return chat.id


def to_inbound(update: Update, bot_id: int | None = None) -> Inbound | None:
    """The engine's message for an update from a private chat, or None when there is nothing to answer.

    `bot_id` defaults to the id in the token of the bot the update came through (see `received_key`).
    """
    chat_id = chat_id_of(update)
    if chat_id is None:
        return None
    user = update.effective_user
    common = {
        "channel": CHANNEL,
        "address": str(chat_id),
        "message_id": received_key(update, bot_id_of(update) if bot_id is None else bot_id),
        "language_hint": user.language_code if user is not None else None,
    }
    query = update.callback_query
    if query is not None:
        # `question|answer` from keyboards that name their question; older keyboards' data is the answer alone.
        answer, question = read_callback_data(query.data or "")
        return Inbound(text=answer, question=question, received_at=_now(), **common)
    message = update.message
    if message is None:
        return None
    received_at = message.date or _now()
    if message.text is not None:
        return Inbound(text=message.text, invite=start_parameter(message.text), received_at=received_at, **common)
    if message.contact is not None:
        text, verified = _shared_contact(message.contact, user.id if user is not None else None)
        return Inbound(text=text, verified_phone=verified, received_at=received_at, **common)
    unsupported = _unsupported_kind(message)
    if unsupported is not None:
        return Inbound(unsupported=unsupported, received_at=received_at, **common)
    if message.photo:
        largest = max(message.photo, key=lambda size: (size.width * size.height, size.file_size or 0))
        media = (Media(largest.file_id, "image/jpeg"),)
        return Inbound(text=message.caption, media=media, received_at=received_at, **common)
    if message.document is not None:
        media = (Media(message.document.file_id, message.document.mime_type),)
        return Inbound(text=message.caption, media=media, received_at=received_at, **common)
    return Inbound(unsupported="other", received_at=received_at, **common)


def received_key(update: Update, bot_id: int) -> str:
    """The update's de-duplication key: the same for every redelivery, never shared by two different updates.

    `update_id` alone collides: Telegram restarts the sequence after a week without updates, and another bot token
    has a sequence of its own. So a message is keyed by its chat and message id (Telegram never reuses those within a
    chat), a button press by its callback query id (unique), and only any other update by its update id, each under
    the bot's id. A message's key has at most 56 characters; a query id (unbounded in the docs, about 19 digits in
    practice) is cut to the width of `received_message.external_id`.
    """
    prefix = f"tg:{bot_id}"
    if update.callback_query is not None:
        return f"{prefix}:q:{update.callback_query.id}"[:MAX_EXTERNAL_ID]
    if update.message is not None:
        return f"{prefix}:m:{update.message.chat.id}:{update.message.message_id}"
    return f"{prefix}:u:{update.update_id}"


def bot_id_of(update: Update) -> int:
    """The id of the bot the update came through: the number before the colon of its token (0 when unknown)."""
    try:
        token = update.get_bot().token
    except RuntimeError:  # an update built without a bot (tests)
        return 0
    number = token.partition(":")[0]
    return int(number) if number.isascii() and number.isdigit() else 0


def start_parameter(text: str) -> str | None:
    """The parameter of a deep link the user opened (`t.me/<bot>?start=TOKEN` arrives as "/start TOKEN"), or None.

    Telegram allows 1-64 characters of A-Z, a-z, 0-9, _ and -; anything else after /start is not a deep link.
    """
    words = text.split()
    if len(words) != 2 or words[0].split("@", 1)[0].casefold() != "/start":
        return None
    return words[1] if _START_PARAMETER.fullmatch(words[1]) else None


def _shared_contact(contact: Contact, sender_id: int | None) -> tuple[str, str | None]:
    """The text and verified phone of a shared contact: verified only when it is the sender's own."""
    raw = contact.phone_number or ""
    try:
        phone = normalise_mobile(raw)
    except InvalidPhoneError:
        return raw, None
    own = sender_id is not None and contact.user_id == sender_id
    return phone, (phone if own else None)


def _unsupported_kind(message: Message) -> str | None:
    for kind in _UNSUPPORTED_KINDS:
        if getattr(message, kind, None):
            return kind
    return None


def _now() -> datetime:
    return datetime.now(UTC)
