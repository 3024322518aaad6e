"""A loopback Bot API: the methods the bot calls, recorded, with 429 and 403 answers on demand.

Messages the bot sent can be edited (editMessageText, editMessageReplyMarkup) as Telegram does: an edit of a message
that does not exist, or that changes nothing, is refused with Telegram's own descriptions, and every accepted edit is
recorded in `edits`; `current()` shows a message as the user now sees it.

It runs under uvicorn on its own thread and event loop (started once per test session, reset for every test),
so the bot under test talks to it over real HTTP on 127.0.0.1 exactly as it would to Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TOKEN = "123456:TEST-token_for-the-loopback-api"
BOT_ID = 123456
BOT_USERNAME = "kader_test_bot"
LONG_POLL_CAP = 0.2  # seconds a getUpdates with nothing to serve is held, whatever timeout was asked
MAX_TEXT = 4096  # UTF-16 code units
MAX_DOWNLOAD = 20 * 1024 * 1024  # the largest file a bot may fetch with getFile
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly the same"
    " as a current content and reply markup of the message"
)
_JSON_PARAMETERS = {
    "chat_id",
    "message_id",
    "offset",
    "timeout",
    "limit",
    "reply_markup",
    "allowed_updates",
    "commands",
    "scope",
    "drop_pending_updates",
    "max_connections",
}


@dataclass
class Sent:
    """One sendMessage the fake accepted."""

    chat_id: int
    text: str
    reply_markup: dict[str, Any] | None
    params: dict[str, Any]
    at: float
    message_id: int = 0

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """The inline buttons as (label, callback data), in order."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(button["text"], button.get("callback_data", "")) for row in rows for button in row]

    @property
    def keyboard(self) -> list[dict[str, Any]]:
        """The reply-keyboard buttons, in order."""
        rows = (self.reply_markup or {}).get("keyboard", [])
        return [button if isinstance(button, dict) else {"text": button} for row in rows for button in row]


@dataclass
class Edited:
    """One edit the fake accepted: the new text (None for a keyboard-only edit) and the keyboard left (None: none)."""

    chat_id: int
    message_id: int
    method: str
    text: str | None
    reply_markup: dict[str, Any] | None
    at: float


@dataclass
class FakeBotAPI:
    """The state of the loopback Bot API; `app()` is the Starlette app serving it."""

    token: str = TOKEN
    port: int = 0
    updates: list[dict[str, Any]] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    callback_answers: list[str] = field(default_factory=list)
    commands: dict[str | None, list[dict[str, str]]] = field(default_factory=dict)
    webhook: dict[str, Any] = field(default_factory=lambda: {"url": ""})
    failures: dict[int, deque[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    edits: list[Edited] = field(default_factory=list)
    edit_failures: dict[int, deque[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    downloads: list[str] = field(default_factory=list)
    # Seconds each sendMessage takes before it is accepted (a slow Telegram): widens the window between a turn's
    # commit and its reply's send, where a crash test kills the bot.
    send_delay: float = 0.0
    _messages: dict[tuple[int, int], Sent] = field(default_factory=dict)
    _update_ids: Iterator[int] = field(default_factory=lambda: itertools.count(7001))
    _message_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        """Forgets everything a previous test arranged or caused; the port stays."""
        with self._lock:
            fresh = FakeBotAPI(token=self.token, port=self.port)
            fresh._lock = self._lock
            self.__dict__.update(fresh.__dict__)

    @property
    def base_url(self) -> str:
        """TELEGRAM_API_URL for this fake."""
        return f"http://127.0.0.1:{self.port}/bot"

    # -- what a test arranges ---------------------------------------------------------------

    def push(self, update: dict[str, Any], update_id: int | None = None) -> int:
        """Queues an update for getUpdates; returns its update_id."""
        with self._lock:
            update = {"update_id": update_id if update_id is not None else next(self._update_ids), **update}
            self.updates.append(update)
        return update["update_id"]

    def add_file(self, file_id: str, content: bytes) -> None:
        """A file users can send: getFile describes it, `/file/bot<token>/<file_path>` serves it."""
        self.files[file_id] = content

    def fail_next(self, chat_id: int, code: int, *, retry_after: int | None = None, times: int = 1) -> None:
        """The next `times` sendMessage calls to this chat fail with this HTTP code."""
        descriptions = {
            429: f"Too Many Requests: retry after {retry_after}",
            403: "Forbidden: bot was blocked by the user",
            500: "Internal Server Error",
            400: "Bad Request: chat not found",
        }
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": descriptions.get(code, "Error")}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        queue = self.failures.setdefault(chat_id, deque())
        queue.extend([(code, body)] * times)

    def fail_next_edit(self, chat_id: int, code: int, description: str, *, retry_after: int | None = None) -> None:
        """The next edit (editMessageText or editMessageReplyMarkup) in this chat fails with this code."""
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        self.edit_failures.setdefault(chat_id, deque()).append((code, body))

    # -- what a test reads ------------------------------------------------------------------

    def to(self, chat_id: int) -> list[Sent]:
        """Every message sent to one chat, in order."""
        return [message for message in self.sent if message.chat_id == chat_id]

    def called(self, method: str) -> list[dict[str, Any]]:
        """The parameters of every call of one method."""
        return [params for name, params in self.calls if name == method]

    def current(self, message: Sent) -> Sent:
        """The message as the user sees it now, after every edit (its text and keyboard)."""
        return self._messages.get((message.chat_id, message.message_id), message)

    def edits_of(self, chat_id: int) -> list[Edited]:
        """Every edit accepted in one chat, in order."""
        return [edit for edit in self.edits if edit.chat_id == chat_id]

    def as_message(self, message: Sent) -> dict[str, Any]:
        """The message as the Bot API describes it now (in a callback query, for instance), keyboard included."""
        now = self.current(message)
        chat = {"id": now.chat_id, "type": "private", "first_name": "User"}
        body: dict[str, Any] = {"message_id": now.message_id, "date": int(time.time()), "chat": chat, "text": now.text}
        if _inline(now.reply_markup) is not None:
            body["reply_markup"] = now.reply_markup
        body["from"] = {"id": BOT_ID, "is_bot": True, "first_name": "Kader", "username": BOT_USERNAME}
        return body

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 5.0, what: str = "") -> None:
        """Waits (bounded) until the condition holds; fails the test with what was sent otherwise."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                texts = [(m.chat_id, m.text[:60]) for m in self.sent]
                raise AssertionError(f"timed out waiting for {what or 'the condition'}; sent so far: {texts}")
            await asyncio.sleep(0.01)

    # -- the HTTP side ----------------------------------------------------------------------

    def app(self) -> Starlette:
        """The Bot API as `/bot<token>/<method>`."""
        return Starlette(
            routes=[
                Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"]),
                Route("/file/bot{token}/{file_path:path}", self._download, methods=["GET"]),
            ]
        )

    async def _download(self, request: Request) -> Response:
        """A file download, as `File.file_path` names it: `documents/<file_id>`; every request recorded."""
        if request.path_params["token"] != self.token:
            return Response("Unauthorized", status_code=401)
        file_path = request.path_params["file_path"]
        self.downloads.append(file_path)
        content = self.files.get(file_path.rpartition("/")[2])
        if content is None:
            return Response("Not Found", status_code=404)
        return Response(content, media_type="application/octet-stream")

    async def _endpoint(self, request: Request) -> JSONResponse:
        if request.path_params["token"] != self.token:
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401)
        method = request.path_params["method"]
        params = await _parameters(request)
        self.calls.append((method, params))
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        return await handler(params)

    async def _m_getMe(self, _params: dict[str, Any]) -> JSONResponse:
        return _ok(
            {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Kader",
                "username": BOT_USERNAME,
                "can_join_groups": False,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        )

    async def _m_getUpdates(self, params: dict[str, Any]) -> JSONResponse:
        if self.webhook["url"]:
            return _error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        if offset:
            with self._lock:  # confirmed updates are forgotten, as Telegram does
                self.updates[:] = [u for u in self.updates if u["update_id"] >= offset]
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), LONG_POLL_CAP)
        while not self.updates and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        with self._lock:
            return _ok(list(self.updates[: int(params.get("limit") or 100)]))

    async def _m_sendMessage(self, params: dict[str, Any]) -> JSONResponse:
        if self.send_delay:
            await asyncio.sleep(self.send_delay)
        chat_id = int(params["chat_id"])
        failures = self.failures.get(chat_id)
        if failures:
            code, body = failures.popleft()
            return JSONResponse(body, status_code=code)
        if _utf16_length(params["text"]) > MAX_TEXT:
            return _error(400, "Bad Request: message is too long")
        markup = params.get("reply_markup")
        message_id = next(self._message_ids)
        sent = Sent(chat_id, params["text"], markup, params, time.monotonic(), message_id)
        self.sent.append(sent)
        self._messages[(chat_id, message_id)] = sent
        chat = {"id": chat_id, "type": "private", "first_name": "User"}
        return _ok({"message_id": message_id, "date": int(time.time()), "chat": chat, "text": params["text"]})

    async def _m_editMessageText(self, params: dict[str, Any]) -> JSONResponse:
        return self._edit("editMessageText", params, params.get("text"))

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> JSONResponse:
        return self._edit("editMessageReplyMarkup", params, None)

    def _edit(self, method: str, params: dict[str, Any], text: str | None) -> JSONResponse:
        """An edit as Telegram answers it; a missing reply_markup leaves the message with no inline keyboard."""
        chat_id = int(params["chat_id"])
        failures = self.edit_failures.get(chat_id)
        if failures:
            code, body = failures.popleft()
            return JSONResponse(body, status_code=code)
        message = self._messages.get((chat_id, int(params["message_id"])))
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        if text is not None and _utf16_length(text) > MAX_TEXT:
            return _error(400, "Bad Request: MESSAGE_TOO_LONG")
        markup = _inline(params.get("reply_markup"))
        new_text = message.text if text is None else text
        if new_text == message.text and markup == _inline(message.reply_markup):
            return _error(400, NOT_MODIFIED)
        edited = Sent(chat_id, new_text, markup, message.params, message.at, message.message_id)
        self._messages[(chat_id, message.message_id)] = edited
        self.edits.append(Edited(chat_id, message.message_id, method, text, markup, time.monotonic()))
        return _ok(self.as_message(edited))

    async def _m_getFile(self, params: dict[str, Any]) -> JSONResponse:
        file_id = str(params.get("file_id") or "")
        content = self.files.get(file_id)
        if content is None:
            return _error(400, "Bad Request: invalid file_id")
        if len(content) > MAX_DOWNLOAD:
            return _error(400, "Bad Request: file is too big")
        body = {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_size": len(content)}
        return _ok(body | {"file_path": f"documents/{file_id}"})

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> JSONResponse:
        self.callback_answers.append(str(params["callback_query_id"]))
        return _ok(True)

    async def _m_setMyCommands(self, params: dict[str, Any]) -> JSONResponse:
        self.commands[params.get("language_code")] = params["commands"]
        return _ok(True)

    async def _m_setWebhook(self, params: dict[str, Any]) -> JSONResponse:
        self.webhook = {
            "url": params["url"],
            "secret_token": params.get("secret_token"),
            "allowed_updates": params.get("allowed_updates"),
        }
        if params.get("drop_pending_updates"):
            with self._lock:
                self.updates.clear()
        return _ok(True)

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> JSONResponse:
        self.webhook = {"url": ""}
        if params.get("drop_pending_updates"):
            with self._lock:
                self.updates.clear()
        return _ok(True)

    async def _m_getWebhookInfo(self, _params: dict[str, Any]) -> JSONResponse:
        info: dict[str, Any] = {
            "url": self.webhook["url"],
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }
        if self.webhook.get("allowed_updates"):
            info["allowed_updates"] = self.webhook["allowed_updates"]
        return _ok(info)


async def _parameters(request: Request) -> dict[str, Any]:
    """The call's parameters: PTB posts form fields whose non-string values are JSON."""
    if request.headers.get("content-type", "").startswith("application/json"):
        return dict(await request.json())
    raw: dict[str, Any] = dict(request.query_params)
    if request.method == "POST":  # application/x-www-form-urlencoded (the bot uploads no files)
        raw.update(parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True))
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _JSON_PARAMETERS and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        params[key] = value
    return params


def _inline(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """The inline keyboard of a markup (the only kind an edit can change), or None."""
    return markup if markup and "inline_keyboard" in markup else None


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _ok(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


def _error(code: int, description: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error_code": code, "description": description}, status_code=code)


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers: the test runner keeps Ctrl-C."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Installs no signal handlers."""
        yield


@contextlib.contextmanager
def serve_on_loopback(app: Any) -> Iterator[int]:
    """Runs an ASGI app under uvicorn on 127.0.0.1 and a free port, on its own thread; yields the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle wait (~40 ms) on kept-alive requests
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = _Server(uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=2))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 5
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the loopback server did not start")
            time.sleep(0.01)
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
