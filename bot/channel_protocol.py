"""What every channel adapter offers the web process: its routes and its start and stop."""

from __future__ import annotations

from typing import Protocol

from starlette.routing import BaseRoute


class Channel(Protocol):
    """A channel adapter (Telegram, WhatsApp) as the web process sees it."""

    name: str

    def routes(self) -> list[BaseRoute]:
        """The HTTP routes the channel serves (webhooks, callbacks)."""
        ...

    async def start(self) -> None:
        """Starts what the channel needs while the process runs (clients, senders)."""
        ...

    async def stop(self) -> None:
        """Stops it again, finishing what is under way."""
        ...
