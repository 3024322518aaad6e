"""A loopback Telegram Bot API for the benchmarks: the few methods a bot calls, answered at once and without caps,
served by uvicorn on 127.0.0.1 on a thread of its own; and the updates Telegram would post."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


@dataclass
class LoopbackBotAPI:
    """The few Bot API methods a bot calls, answered at once; the time and text of each sendMessage per chat."""

    sent: dict[int, list[float]] = field(default_factory=dict)
    texts: dict[int, list[str]] = field(default_factory=dict)
    on_send: Callable[[int], None] | None = None  # told the chat id of every sendMessage (on the API's thread)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def app(self) -> Starlette:
        """`/bot<token>/<method>` as a Starlette app."""
        return Starlette(routes=[Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])])

    def last_text(self, chat_id: int) -> str:
        """The text of the last message sent to the chat ('' before any)."""
        found = self.texts.get(chat_id)
        return found[-1] if found else ""

    async def _endpoint(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        form = dict(parse_qsl((await request.body()).decode("utf-8"))) if request.method == "POST" else {}
        if method == "getMe":
            user = {"id": 123456, "is_bot": True, "first_name": "Kader", "username": "kader_bench_bot"}
            return JSONResponse({"ok": True, "result": user})
        if method == "sendMessage":
            chat_id = int(form["chat_id"])
            self.texts.setdefault(chat_id, []).append(form["text"])
            self.sent.setdefault(chat_id, []).append(time.monotonic())  # last: a waiter reads the text after this
            if self.on_send is not None:
                self.on_send(chat_id)
            chat = {"id": chat_id, "type": "private", "first_name": "User"}
            message = {"message_id": next(self._ids), "date": int(time.time()), "chat": chat, "text": form["text"]}
            return JSONResponse({"ok": True, "result": message})
        return JSONResponse({"ok": True, "result": True})  # setMyCommands, answerCallbackQuery, edits


class _Server(uvicorn.Server):
    """uvicorn without signal handlers."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Installs no signal handlers."""
        yield


@contextlib.contextmanager
def serve(app: Starlette) -> Iterator[int]:
    """The app under uvicorn on 127.0.0.1, on a thread and event loop of its own; yields the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    server = _Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.01)
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()


def _message(number: int, chat_id: int, **content: Any) -> dict[str, Any]:
    """An update carrying one message from the private chat's own user."""
    user = {"id": chat_id, "is_bot": False, "first_name": "Budi", "language_code": "id"}
    chat = {"id": chat_id, "type": "private", "first_name": "Budi"}
    message = {"message_id": number, "date": int(time.time()), "chat": chat, "from": user}
    return {"update_id": number, "message": message | content}


def update(number: int, chat_id: int, text: str) -> dict[str, Any]:
    """A private text message from the chat's own user, as Telegram posts it to the webhook."""
    if text.startswith("/"):
        entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return _message(number, chat_id, text=text, entities=entities)
    return _message(number, chat_id, text=text)


def contact_update(number: int, chat_id: int, phone: str) -> dict[str, Any]:
    """The chat's user sharing their own contact card (their phone number, verified by Telegram)."""
    return _message(number, chat_id, contact={"phone_number": phone, "first_name": "Budi", "user_id": chat_id})


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of the values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]
