"""A transcript helper: send what a user types, read what the bot answers as plain text."""

from __future__ import annotations

import itertools
from datetime import datetime

from flows.engine import Engine
from flows.render import numbered
from flows.turn import Inbound, Media, Reply

_ids = itertools.count(1)


class Chat:
    """One person talking to the engine on one channel."""

    def __init__(
        self, engine: Engine, address: str = "+6281300000001", *, channel: str = "console", phone: str | None = None
    ) -> None:
        self.engine = engine
        self.address = address
        self.channel = channel
        self.phone = phone
        self.last: list[Reply] = []

    async def send(
        self,
        text: str | None,
        *,
        message_id: str | None = None,
        media: tuple[Media, ...] = (),
        unsupported: str | None = None,
        at: datetime | None = None,
        question: str | None = None,
        language_hint: str | None = None,
    ) -> list[Reply]:
        """Sends one message (a button press when `question` names the keyboard's question); returns the replies."""
        extra = {"received_at": at} if at is not None else {}
        inbound = Inbound(
            channel=self.channel,
            address=self.address,
            text=text,
            message_id=message_id or f"test-{next(_ids)}",
            verified_phone=self.phone,
            media=media,
            unsupported=unsupported,
            question=question,
            language_hint=language_hint,
            **extra,
        )
        self.last = await self.engine.handle(inbound)
        return self.last

    async def press(self, value: str, reply: Reply | None = None) -> list[Reply]:
        """Presses the button with this value on a reply's keyboard (the last reply with options by default)."""
        keyboard = reply or next(r for r in reversed(self.last) if r.options)
        assert value in [option.value for option in keyboard.options], (value, keyboard.options)
        return await self.send(value, question=keyboard.question)

    async def say(self, text: str, **options: object) -> str:
        """Sends one message and returns the replies as the console shows them, joined."""
        replies = await self.send(text, **options)  # type: ignore[arg-type]
        return self.render(replies)

    def render(self, replies: list[Reply]) -> str:
        """The replies as plain numbered text, each in its own language."""
        return "\n\n".join(numbered(r) for r in replies)
