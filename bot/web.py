"""The web process: a Starlette app with each enabled channel's webhooks and a health check.

Also what every webhook shares: a request body read only up to MAX_REQUEST_BYTES (`read_body`), refused with 413 as
soon as its Content-Length or what has streamed in passes the cap, before any signature check reads it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channel_protocol import Channel
from storage.database import Database

log = logging.getLogger("kader.web")

TOO_LARGE = 413


class ChannelStartError(RuntimeError):
    """A channel that could not start, said in one sentence (the cause is chained)."""


class BodyTooLargeError(Exception):
    """A request body over the cap: refused with 413 without reading the rest."""


class Channels:
    """The enabled channels, started once and stopped once, by the app's lifespan or by whoever started them first."""

    def __init__(self, channels: Sequence[Channel]) -> None:
        self.all = list(channels)
        self._running: list[Channel] = []
        self.started = False

    async def start(self) -> None:
        """Starts each channel in order; on a failure stops those already started and raises ChannelStartError."""
        if self.started:
            return
        self.started = True
        for channel in self.all:
            try:
                await channel.start()
            except Exception as error:
                await self.stop()
                raise ChannelStartError(f"the {channel.name} channel could not start: {_reason(error)}") from error
            self._running.append(channel)

    async def stop(self) -> None:
        """Stops the running channels, last started first; one's failure does not keep the others running."""
        while self._running:
            channel = self._running.pop()
            try:
                await channel.stop()
            except Exception:  # noqa: BLE001 - one channel's failure must not keep the others running
                log.exception("channel %s did not stop cleanly", channel.name)


def _reason(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def create_app(database: Database, channels: Sequence[Channel]) -> Starlette:
    """The ASGI app: `GET /healthz` plus the routes of every enabled channel (`app.state.channels` starts them)."""
    group = Channels(channels)

    async def healthz(_request: Request) -> JSONResponse:
        if await database.is_reachable():
            return JSONResponse({"status": "ok", "channels": [c.name for c in group.all]})
        return JSONResponse({"status": "database unreachable"}, status_code=503)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        # `kader serve` starts them before the server, to report a failure in one line; tests leave it to the app.
        await group.start()
        try:
            yield
        finally:
            await group.stop()

    routes: list[BaseRoute] = [Route("/healthz", healthz, methods=["GET"])]
    for channel in group.all:
        routes.extend(channel.routes())
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.channels = group
    return app


# -- request bodies -------------------------------------------------------------------------------


def declared_too_large(request: Request, limit: int) -> bool:
    """Whether the request's Content-Length says its body is over `limit` bytes (a missing one says nothing)."""
    declared = request.headers.get("content-length")
    if declared is None:
        return False
    try:
        return int(declared) > limit
    except ValueError:
        return False  # the server refuses a malformed length itself; the stream is capped anyway


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body, read chunk by chunk; BodyTooLargeError as soon as it passes `limit` bytes."""
    if declared_too_large(request, limit):
        raise BodyTooLargeError
    chunks: list[bytes] = []
    size = 0
    stream = request.stream()
    try:
        async for chunk in stream:
            size += len(chunk)
            if size > limit:
                raise BodyTooLargeError
            chunks.append(chunk)
    finally:
        await stream.aclose()
    return b"".join(chunks)


def too_large(what: str, limit: int) -> Response:
    """The 413 answer for a body over the cap, logged without anything from the body."""
    log.warning("refused %s: request body over %d bytes", what, limit)
    return PlainTextResponse("request body too large", status_code=TOO_LARGE)
