"""The real twilio client, asynchronous, pointed at TWILIO_API_URL when set: sends one WhatsApp message."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

REQUEST_TIMEOUT_SECONDS = 10.0
RECENT_LIMIT = 20
TOO_MANY_REQUESTS = 429
# Twilio's error codes this channel acts on.
UNSUBSCRIBED = 21610  # the recipient replied STOP (or is otherwise unsubscribed): never message them again
OUTSIDE_WINDOW = 63016  # free-form message outside the 24-hour window: only a template may go
_RATE_LIMIT_CODES = frozenset({20429, 63018})


@dataclass(frozen=True)
class SentMessage:
    """What Twilio answered for a created message: its MessageSid and first status."""

    sid: str
    status: str


@dataclass(frozen=True)
class Recent:
    """A message Twilio holds as sent to a number: its MessageSid, text and when it was created."""

    sid: str
    body: str
    created: datetime | None


class SendError(Exception):
    """Twilio refused a message, or whether it took it is unknown; `code` is Twilio's error code when given."""

    def __init__(self, reason: str, *, code: int | None = None, http_status: int | None = None) -> None:
        """Keeps Twilio's error code and HTTP status, and classifies the failure."""
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.http_status = http_status

    @property
    def retryable(self) -> bool:
        """Twilio answered and did not create the message (rate limit, server error, no connection): safe to retry."""
        if self.code in _RATE_LIMIT_CODES or self.http_status == TOO_MANY_REQUESTS:
            return True
        if self.http_status is not None:
            return self.http_status >= 500
        return self.reason == "connection refused"

    @property
    def outcome_unknown(self) -> bool:
        """The request may have reached Twilio (a timeout, a dropped connection): retrying could send it twice."""
        return self.http_status is None and not self.retryable

    @property
    def error_code(self) -> str | None:
        """The error code as stored on the message row."""
        if self.code is not None:
            return str(self.code)
        return str(self.http_status) if self.http_status is not None else None


def content_variables(variables: Mapping[str, Any]) -> str:
    """Template variables as the JSON object Twilio's Content API expects: {"1": "…", "2": "…"}.

    WhatsApp refuses a template whose variable is empty or holds new lines, tabs or more than four spaces in a row,
    so values are flattened to one line and an empty one becomes "-".
    """
    return json.dumps({str(key): _one_line(value) for key, value in variables.items()}, ensure_ascii=False)


def _one_line(value: Any) -> str:
    text = " ".join(str(value).split())
    return text or "-"


class TwilioSender:
    """Creates WhatsApp messages through twilio's async client; the HTTP session is opened on first use."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        sender: str,
        *,
        api_url: str | None = None,
        status_callback: str | None = None,
        timeout: float = REQUEST_TIMEOUT_SECONDS,
    ) -> None:
        self.account_sid = account_sid
        self._auth_token = auth_token
        self.sender = sender if sender.startswith("whatsapp:") else f"whatsapp:{sender}"
        self.api_url = api_url
        self.status_callback = status_callback
        self.timeout = timeout
        self._http: AsyncTwilioHttpClient | None = None
        self._client: Client | None = None

    def _twilio(self) -> Client:
        if self._client is None:
            # No retries: creating a message is not idempotent, a blind retry could send it twice.
            self._http = AsyncTwilioHttpClient(timeout=self.timeout, logger=logging.getLogger("twilio.http_client"))
            self._client = Client(self.account_sid, self._auth_token, http_client=self._http)
            if self.api_url:
                # The Messages resource lives on the `api` domain; point it at the loopback fake or the proxy.
                self._client.api.base_url = self.api_url
        return self._client

    async def send(
        self,
        to: str,
        *,
        body: str | None = None,
        content_sid: str | None = None,
        variables: Mapping[str, Any] | None = None,
    ) -> SentMessage:
        """Sends free-form text, or a template by content SID with its variables; raises SendError."""
        arguments: dict[str, Any] = {"to": to, "from_": self.sender}
        if content_sid:
            arguments["content_sid"] = content_sid
            arguments["content_variables"] = content_variables(variables or {})
        else:
            arguments["body"] = body or ""
        if self.status_callback:
            arguments["status_callback"] = self.status_callback
        try:
            message = await self._twilio().messages.create_async(**arguments)
        except (TwilioRestException, TwilioServiceException) as error:
            code = _int_or_none(getattr(error, "code", None))
            raise SendError("refused by twilio", code=code, http_status=error.status) from error
        except aiohttp.ClientConnectorError as error:
            raise SendError("connection refused") from error
        except (TimeoutError, aiohttp.ClientError, TwilioException) as error:
            raise SendError(f"no answer from twilio ({type(error).__name__})") from error
        return SentMessage(sid=str(message.sid), status=str(message.status or "queued"))

    async def recent(self, to: str, limit: int = RECENT_LIMIT) -> list[Recent]:
        """The latest messages this sender sent to `to`, newest first (one page); raises SendError."""
        try:
            messages = await self._twilio().messages.list_async(to=to, from_=self.sender, limit=limit, page_size=limit)
        except (TwilioRestException, TwilioServiceException) as error:
            code = _int_or_none(getattr(error, "code", None))
            raise SendError("refused by twilio", code=code, http_status=error.status) from error
        except (TimeoutError, aiohttp.ClientError, TwilioException) as error:
            raise SendError(f"no answer from twilio ({type(error).__name__})") from error
        return [
            Recent(str(m.sid), m.body or "", m.date_created if isinstance(m.date_created, datetime) else None)
            for m in messages
        ]

    async def close(self) -> None:
        """Closes the HTTP session, if one was opened."""
        if self._http is not None:
            await self._http.close()
        self._http = None
        self._client = None


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
