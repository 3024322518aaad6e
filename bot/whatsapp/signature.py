"""Checking Twilio's `X-Twilio-Signature` against the public URL, so it holds behind a TLS-terminating proxy."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.datastructures import FormData
from starlette.requests import Request
from twilio.request_validator import RequestValidator

SIGNATURE_HEADER = "X-Twilio-Signature"


def public_request_url(public_url: str, request: Request) -> str:
    """The URL Twilio called: PUBLIC_URL plus the path and the query string as received."""
    query = request.url.query
    return public_url.rstrip("/") + request.url.path + (f"?{query}" if query else "")


async def read_form(request: Request) -> FormData:
    """The urlencoded form Twilio posts, blank values kept (they are signed too); parsed without python-multipart."""
    body = await request.body()
    return FormData(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))


class SignatureVerifier:
    """Validates Twilio webhooks with the account's auth token and the configured public URL."""

    def __init__(self, auth_token: str, public_url: str | None) -> None:
        self._validator = RequestValidator(auth_token)
        self.public_url = public_url

    async def verified_form(self, request: Request) -> FormData | None:
        """The request's form parameters when its signature is right; None when missing, wrong or unverifiable."""
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature or not self.public_url:
            return None
        form = await read_form(request)
        url = public_request_url(self.public_url, request)
        # The account auth token's HMAC-SHA1, Twilio's default; webhooks signed with a SharedKey are not supported.
        if not self._validator.validate(url, form, signature):
            return None
        return form
