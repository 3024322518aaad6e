"""A WhatsApp user as Twilio presents them: form posts signed with twilio's own RequestValidator."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping

import httpx
import pytest
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
PUBLIC_URL = "https://kader.example.org"
SENDER = "whatsapp:+14155238886"
TEMPLATE_SID = "HX" + "1" * 32
NUMBER = "+6281234567801"
# twilio 9.13's async client passes aiohttp a BasicAuth, which aiohttp 3.14 deprecates: theirs, not ours.
TWILIO_CLIENT_WARNINGS = pytest.mark.filterwarnings(
    "ignore:BasicAuth is deprecated:DeprecationWarning", "ignore:The 'auth' parameter is deprecated:DeprecationWarning"
)


def message_sid() -> str:
    """A fresh Twilio-like MessageSid."""
    return "SM" + uuid.uuid4().hex


def sign(path: str, form: Mapping[str, str], *, token: str = AUTH_TOKEN, base: str = PUBLIC_URL) -> str:
    """The X-Twilio-Signature Twilio would send for this form posted to PUBLIC_URL + path."""
    return RequestValidator(token).compute_signature(base + path, dict(form))


def twiml_messages(text: str) -> list[str]:
    """The bodies of the <Message> elements of a TwiML answer."""
    root = ET.fromstring(text)
    assert root.tag == "Response"
    return [message.text or "" for message in root.findall("Message")]


class Phone:
    """One WhatsApp number writing to the bot through Twilio."""

    def __init__(self, client: httpx.AsyncClient, number: str = NUMBER) -> None:
        self.client = client
        self.number = number

    def form(self, text: str | None = "", sid: str | None = None, **extra: str) -> dict[str, str]:
        """The fields Twilio posts for an inbound WhatsApp message."""
        sid = sid or message_sid()
        form = {
            "SmsMessageSid": sid,
            "MessageSid": sid,
            "SmsSid": sid,
            "AccountSid": ACCOUNT_SID,
            "MessagingServiceSid": "",
            "From": f"whatsapp:{self.number}",
            "To": SENDER,
            "WaId": self.number.lstrip("+"),
            "ProfileName": "Budi",
            "Body": text or "",
            "NumMedia": "0",
            "NumSegments": "1",
            "MessageType": "text",
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        form.update(extra)
        return form

    async def post(
        self,
        form: Mapping[str, str],
        *,
        path: str = "/whatsapp/inbound",
        signature: str | None = None,
        signed: bool = True,
    ) -> httpx.Response:
        """Posts the form, signed as Twilio would unless told otherwise."""
        headers = {}
        if signed:
            headers["X-Twilio-Signature"] = signature if signature is not None else sign(path, form)
        return await self.client.post(path, data=dict(form), headers=headers)

    async def send(self, text: str, **extra: str) -> list[str]:
        """Sends a text message and returns the TwiML replies' bodies."""
        response = await self.post(self.form(text, **extra))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/xml")
        return twiml_messages(response.text)

    async def say(self, text: str) -> str:
        """Sends a text message and returns the replies joined as one text."""
        return "\n\n".join(await self.send(text))
