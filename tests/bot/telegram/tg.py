"""Telegram users for the tests: the updates their app would send, and a user who reads replies and presses buttons."""

from __future__ import annotations

import itertools
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bot.telegram.callback import read_callback_data
from tests.bot.telegram.fake_bot_api import FakeBotAPI, Sent

_message_ids = itertools.count(1)
_callback_ids = itertools.count(1)


def _user(user_id: int, language: str) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Budi", "language_code": language}


def _chat(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "type": "private", "first_name": "Budi"}


def message(chat_id: int, language: str = "id", chat_type: str = "private", **content: Any) -> dict[str, Any]:
    """An update carrying one message from the chat's own user (private chat: chat id == user id)."""
    chat = _chat(chat_id) | {"type": chat_type}
    body = {"message_id": next(_message_ids), "date": int(time.time()), "chat": chat, "from": _user(chat_id, language)}
    return {"message": body | content}


def text(chat_id: int, words: str, language: str = "id") -> dict[str, Any]:
    """A typed message; a leading /command carries its bot_command entity as Telegram sends it."""
    extra: dict[str, Any] = {}
    if words.startswith("/"):
        extra["entities"] = [{"type": "bot_command", "offset": 0, "length": len(words.split()[0])}]
    return message(chat_id, language, text=words, **extra)


def press(chat_id: int, data: str, language: str = "id", on: dict[str, Any] | None = None) -> dict[str, Any]:
    """An inline-button press on a message of the bot: `on` as the Bot API describes it, else a made-up one."""
    if on is None:
        on = {"message_id": next(_message_ids), "date": int(time.time()), "chat": _chat(chat_id), "text": "..."}
    query = {
        "id": f"cb-{next(_callback_ids)}",
        "from": _user(chat_id, language),
        "chat_instance": f"ci-{chat_id}",
        "data": data,
        "message": on,
    }
    return {"callback_query": query}


def contact(chat_id: int, phone: str, owner: int | None) -> dict[str, Any]:
    """A shared contact card; `owner` is the Telegram user it belongs to (None: not a Telegram user)."""
    card: dict[str, Any] = {"phone_number": phone, "first_name": "Budi"}
    if owner is not None:
        card["user_id"] = owner
    return message(chat_id, contact=card)


def sticker(chat_id: int) -> dict[str, Any]:
    """A sticker."""
    body = {"file_id": "st1", "file_unique_id": "ust1", "type": "regular", "width": 512, "height": 512}
    return message(chat_id, sticker=body | {"is_animated": False, "is_video": False})


def voice(chat_id: int) -> dict[str, Any]:
    """A voice note."""
    return message(chat_id, voice={"file_id": "vo1", "file_unique_id": "uvo1", "duration": 3})


def location(chat_id: int) -> dict[str, Any]:
    """A shared location."""
    return message(chat_id, location={"latitude": -3.5, "longitude": 115.9})


def photo(chat_id: int, caption: str | None = None) -> dict[str, Any]:
    """A photo in two sizes, as Telegram sends them."""
    sizes = [
        {"file_id": "ph-small", "file_unique_id": "u1", "width": 90, "height": 68, "file_size": 1200},
        {"file_id": "ph-large", "file_unique_id": "u2", "width": 1280, "height": 960, "file_size": 98000},
    ]
    return message(chat_id, photo=sizes, **({"caption": caption} if caption else {}))


def document(chat_id: int) -> dict[str, Any]:
    """A PDF document."""
    body = {"file_id": "doc-1", "file_unique_id": "ud1", "file_name": "ktp.pdf", "mime_type": "application/pdf"}
    return message(chat_id, document=body)


def answers(message: Sent) -> list[tuple[str, str]]:
    """The inline buttons as (label, the answer a press stands for), whatever question token the data carries."""
    return [(label, read_callback_data(data)[0]) for label, data in message.buttons]


def has_buttons(messages: list[Sent]) -> bool:
    """Whether the last message offers a keyboard (the turn's closing prompt)."""
    return bool(messages) and bool(messages[-1].buttons or messages[-1].keyboard)


class TelegramUser:
    """One person in a private chat with the bot, reading what each of their messages brought back."""

    def __init__(
        self,
        api: FakeBotAPI,
        chat_id: int,
        deliver: Callable[[dict[str, Any]], Awaitable[object]],
        settle: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self.api = api
        self.chat_id = chat_id
        self._deliver = deliver
        # Waits until the bot has sent everything queued (its sender's join), so a turn's messages are all counted.
        self._settle = settle
        self._seen = 0

    async def send(
        self, update: dict[str, Any], until: Callable[[list[Sent]], bool] = has_buttons, timeout: float = 5.0
    ) -> list[Sent]:
        """Delivers an update and returns the messages it brought, once `until` holds for them."""
        start = self._seen
        await self._deliver(update)
        await self.api.wait_until(lambda: until(self.api.to(self.chat_id)[start:]), timeout, f"chat {self.chat_id}")
        if self._settle is not None:
            await self._settle()
        new = self.api.to(self.chat_id)[start:]
        self._seen = start + len(new)
        return new

    async def say(self, words: str, **options: Any) -> list[Sent]:
        """Types a message."""
        return await self.send(text(self.chat_id, words), **options)

    async def tap(self, label: str, **options: Any) -> list[Sent]:
        """Presses the inline button with this label on the last message that still shows buttons."""
        with_buttons = [m for m in self.api.to(self.chat_id) if self.api.current(m).buttons]
        assert with_buttons, "no message with buttons (left)"
        return await self.tap_on(with_buttons[-1], label, **options)

    async def tap_on(self, message: Sent, label: str, **options: Any) -> list[Sent]:
        """Presses the button with this label on that message, as it is shown now (an older keyboard, say)."""
        buttons = dict(self.api.current(message).buttons)
        assert label in buttons, f"{label!r} not among {list(buttons)}"
        on = self.api.as_message(message)
        return await self.send(press(self.chat_id, buttons[label], on=on), **options)


def joined(messages: list[Sent]) -> str:
    """The texts of the messages, joined."""
    return "\n\n".join(m.text for m in messages)
