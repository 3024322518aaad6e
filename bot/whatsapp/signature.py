"""Checking Twilio's `X-Twilio-Signature` against the public URL, so it holds behind a TLS-terminating proxy.

The form is read only when a signature is there to check, and only up to the cap (`bot.web.read_body`).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.datastructures import FormData
from starlette.requests import Request
from twilio.request_validator import RequestValidator

from bot.web import read_body

SIGNATURE_HEADER = "X-Twilio-Signature"


def public_request_url(public_url: str, request: Request) -> str:
    """The URL Twilio called: PUBLIC_URL plus the path and the query string as received."""
    query = request.url.query
    return public_url.rstrip("/") + request.url.path + (f"?{query}" if query else "")


def parse_form(body: bytes) -> FormData:
    """The urlencoded form Twilio posts, blank values kept (they are signed too); parsed without python-multipart."""
    return FormData(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))


async def read_form(request: Request, max_bytes: int) -> FormData:
    """The request's form, its body read up to `max_bytes` (BodyTooLargeError beyond)."""
    return parse_form(await read_body(request, max_bytes))


class SignatureVerifier:
    """Validates Twilio webhooks with the account's auth token and the configured public URL."""

    def __init__(self, auth_token: str, public_url: str | None) -> None:
        self._validator = RequestValidator(auth_token)
        self.public_url = public_url

    async def verified_form(self, request: Request, max_bytes: int) -> FormData | None:
        """The form when its signature is right, else None; BodyTooLargeError past `max_bytes` (read no further)."""
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature or not self.public_url:
            return None
        form = await read_form(request, max_bytes)
        url = public_request_url(self.public_url, request)
        # The account auth token's HMAC-SHA1, Twilio's default; webhooks signed with a SharedKey are not supported.
        if not self._validator.validate(url, form, signature):
            return None
        return form
