"""The web process: a Starlette app with each enabled channel's webhooks and a health check."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from bot.channel_protocol import Channel
from storage.database import Database

log = logging.getLogger("kader.web")


def create_app(database: Database, channels: Sequence[Channel]) -> Starlette:
    """The ASGI app: `GET /healthz` plus the routes of every enabled channel."""

    async def healthz(_request: Request) -> JSONResponse:
        if await database.is_reachable():
            return JSONResponse({"status": "ok", "channels": [c.name for c in channels]})
        return JSONResponse({"status": "database unreachable"}, status_code=503)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        started: list[Channel] = []
        try:
            for channel in channels:
                await channel.start()
                started.append(channel)
            yield
        finally:
            for channel in reversed(started):
                try:
                    await channel.stop()
                except Exception:  # noqa: BLE001 - one channel's failure must not keep the others running
                    log.exception("channel %s did not stop cleanly", channel.name)

    routes: list[BaseRoute] = [Route("/healthz", healthz, methods=["GET"])]
    for channel in channels:
        routes.extend(channel.routes())
    return Starlette(routes=routes, lifespan=lifespan)
