"""A loopback fake of Twilio's Messages API, served by uvicorn on 127.0.0.1 in a thread, recording every request."""

from __future__ import annotations

import asyncio
import base64
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from email.utils import formatdate
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

START_TIMEOUT_SECONDS = 5.0
STOP_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class Created:
    """One request to create a message: the account in the path, the basic-auth user and the form."""

    account: str
    username: str
    form: dict[str, str]
    sid: str | None
    at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class MediaFetch:
    """One request for media: the API's MediaUrl (with its basic-auth user) or the storage URL it redirects to."""

    where: str  # "api" or "storage"
    media_sid: str
    username: str | None
    authorised: bool


@dataclass
class FakeTwilio:
    """Answers `POST /2010-04-01/Accounts/{sid}/Messages.json` like Twilio; `fail_next` queues error answers."""

    account_sid: str
    auth_token: str
    requests: list[Created] = field(default_factory=list)
    _failures: list[tuple[int, int]] = field(default_factory=list)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    media_fetches: list[MediaFetch] = field(default_factory=list)
    storage_delay: float = 0.0
    # Slow mode: each create waits this long before Twilio takes the message and answers; `in_flight` holds the
    # creates received and not yet answered, as (To, Body). A create whose caller hung up meanwhile (a killed
    # process) may have reached Twilio or not: every `take_hung_up_every`-th one is taken (its MessageSid never
    # learnt), the others are not; `hung_up` lists them all.
    create_delay: float = 0.0
    take_hung_up_every: int = 1
    in_flight: list[tuple[str, str]] = field(default_factory=list)
    hung_up: list[tuple[str, str]] = field(default_factory=list)
    lists: int = 0  # requests listing the messages sent to a number
    url: str = ""
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    def fail_next(self, code: int, status: int = 400) -> None:
        """The next create answers this Twilio error code with this HTTP status."""
        self._failures.append((code, status))

    def add_media(self, sid: str, content: bytes, content_type: str) -> str:
        """Media a user sent: returns its MediaUrl, which redirects (with auth) to a storage URL on another origin."""
        self.media[sid] = (content, content_type)
        return f"{self.url}/2010-04-01/Accounts/{self.account_sid}/Messages/MM{sid}/Media/{sid}"

    def _credentials(self, request: Request) -> tuple[str | None, str | None]:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            return None, None
        username, _, password = base64.b64decode(header.split()[1]).decode().partition(":")
        return username, password

    async def _media(self, request: Request) -> Response:
        """The MediaUrl: 401 without the account's credentials, else a redirect to the storage, as Twilio does."""
        sid = request.path_params["media"]
        username, password = self._credentials(request)
        authorised = username == self.account_sid == request.path_params["account"] and password == self.auth_token
        self.media_fetches.append(MediaFetch("api", sid, username, authorised))
        if not authorised:
            return JSONResponse({"code": 20003, "message": "Authenticate", "status": 401}, status_code=401)
        if sid not in self.media:
            return JSONResponse({"code": 20404, "message": "Not found", "status": 404}, status_code=404)
        # localhost, not 127.0.0.1: another origin, as Twilio's storage is, so the client must drop the credentials.
        port = self.url.rsplit(":", 1)[1]
        return RedirectResponse(f"http://localhost:{port}/storage/{sid}?Expires=1&Signature=sig", status_code=307)

    async def _storage(self, request: Request) -> Response:
        """The storage URL: serves the bytes to anyone holding the signed URL, records whether credentials came."""
        sid = request.path_params["media"]
        username, _ = self._credentials(request)
        self.media_fetches.append(MediaFetch("storage", sid, username, request.query_params.get("Signature") == "sig"))
        if self.storage_delay:
            await asyncio.sleep(self.storage_delay)
        if sid not in self.media:  # forgotten by a reset while the request waited
            return Response("Not Found", status_code=404)
        content, content_type = self.media[sid]
        return Response(content, media_type=content_type)

    async def _create(self, request: Request) -> JSONResponse:
        username, _, password = base64.b64decode(request.headers["authorization"].split()[1]).decode().partition(":")
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        account = request.path_params["account"]
        if password != self.auth_token:
            self.requests.append(Created(account, username, form, None))
            return JSONResponse({"code": 20003, "message": "Authenticate", "status": 401}, status_code=401)
        if self.create_delay:
            pending = (form.get("To", ""), form.get("Body", ""))
            self.in_flight.append(pending)
            try:
                await asyncio.sleep(self.create_delay)
                if await request.is_disconnected():
                    self.hung_up.append(pending)
                    if len(self.hung_up) % max(1, self.take_hung_up_every):
                        return JSONResponse({"code": 20500, "message": "hung up", "status": 499}, status_code=499)
            finally:
                if pending in self.in_flight:  # a reset may have forgotten it meanwhile
                    self.in_flight.remove(pending)
        if self._failures:
            code, status = self._failures.pop(0)
            self.requests.append(Created(account, username, form, None))
            body = {"code": code, "message": f"error {code}", "more_info": f"https://www.twilio.com/docs/errors/{code}"}
            return JSONResponse({**body, "status": status}, status_code=status)
        sid = "SM" + uuid.uuid4().hex
        created = Created(account, username, form, sid)
        self.requests.append(created)
        return JSONResponse(self._message(created), status_code=201)

    def _message(self, created: Created) -> dict[str, object]:
        """A message resource as Twilio shows it."""
        account, form, sid = created.account, created.form, created.sid
        now = formatdate(created.at, usegmt=True)
        return {
            "sid": sid,
            "account_sid": account,
            "to": form.get("To"),
            "from": form.get("From"),
            "body": form.get("Body", ""),
            "status": "queued",
            "direction": "outbound-api",
            "num_segments": "1",
            "num_media": "0",
            "date_created": now,
            "date_updated": now,
            "date_sent": None,
            "error_code": None,
            "error_message": None,
            "price": None,
            "api_version": "2010-04-01",
            "messaging_service_sid": None,
            "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
            "subresource_uris": {"media": f"/2010-04-01/Accounts/{account}/Messages/{sid}/Media.json"},
        }

    async def _list(self, request: Request) -> JSONResponse:
        """The messages sent To (and From) the numbers asked, newest first, one page of PageSize."""
        self.lists += 1
        to, sender = request.query_params.get("To"), request.query_params.get("From")
        size = int(request.query_params.get("PageSize", "50"))
        chosen = [
            c
            for c in reversed(self.sent)
            if (to is None or c.form.get("To") == to) and (sender is None or c.form.get("From") == sender)
        ][:size]
        uri = request.url.path
        return JSONResponse(
            {
                "messages": [self._message(c) for c in chosen],
                "first_page_uri": uri,
                "next_page_uri": None,
                "previous_page_uri": None,
                "page": 0,
                "page_size": size,
                "start": 0,
                "end": len(chosen),
                "uri": uri,
            }
        )

    def start(self) -> None:
        """Serves on a free loopback port, in a thread with its own event loop, until `stop`."""
        media_path = "/2010-04-01/Accounts/{account}/Messages/{message}/Media/{media}"
        app = Starlette(
            routes=[
                Route("/2010-04-01/Accounts/{account}/Messages.json", self._create, methods=["POST"]),
                Route("/2010-04-01/Accounts/{account}/Messages.json", self._list, methods=["GET"]),
                Route(media_path, self._media, methods=["GET"]),
                Route("/storage/{media}", self._storage, methods=["GET"]),
            ]
        )
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle wait (~40 ms) on kept-alive requests
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake Twilio API did not start")
            time.sleep(0.01)
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        """Stops the server and joins its thread (bounded)."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(STOP_TIMEOUT_SECONDS)
            if self._thread.is_alive():
                raise RuntimeError("the fake Twilio API did not stop")

    def reset(self) -> None:
        """Forgets the requests and the queued failures (between tests)."""
        self.requests.clear()
        self._failures.clear()
        self.media.clear()
        self.media_fetches.clear()
        self.storage_delay = 0.0
        self.create_delay = 0.0
        self.take_hung_up_every = 1
        self.in_flight.clear()
        self.hung_up.clear()
        self.lists = 0

    @property
    def sent(self) -> list[Created]:
        """The requests that created a message (Twilio answered with a sid)."""
        return [r for r in self.requests if r.sid is not None]
