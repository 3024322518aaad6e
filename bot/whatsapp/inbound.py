"""Turning a Twilio WhatsApp form POST into an Inbound, and recognising the opt-out and opt-in words."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from flows.text import fold
from flows.turn import Inbound, Media
from rules.phones import InvalidPhoneError, normalise_mobile

CHANNEL = "whatsapp"
PREFIX = "whatsapp:"
MAX_MEDIA = 10
MAX_SID = 100  # what the inbox and the received ids keep (Twilio's are 34 characters)
STOP_WORDS = frozenset({"stop", "berhenti", "unsubscribe"})
START_WORDS = frozenset({"start", "mulai"})
STOP = "stop"
START = "start"
_E164 = re.compile(r"\+[1-9][0-9]{6,14}", re.ASCII)


class InvalidWebhookError(ValueError):
    """A signed webhook that is not a WhatsApp message we can read (no MessageSid, not a WhatsApp sender)."""


def sender_phone(sender: str) -> str:
    """The E.164 phone of a `whatsapp:+62…` sender: normalised when Indonesian, as given otherwise."""
    if not sender.lower().startswith(PREFIX):
        raise InvalidWebhookError("not a whatsapp sender")
    raw = sender[len(PREFIX) :].strip()
    try:
        return normalise_mobile(raw)
    except InvalidPhoneError:
        if _E164.fullmatch(raw):
            return raw
        raise InvalidWebhookError("sender is not an E.164 number") from None


def parse_inbound(form: Mapping[str, str], received_at: datetime) -> Inbound:
    """The Inbound for one Twilio message webhook: verified phone, MessageSid, text, media or unsupported."""
    message_sid = (form.get("MessageSid") or form.get("SmsMessageSid") or "").strip()
    if not message_sid:
        raise InvalidWebhookError("no MessageSid")
    if len(message_sid) > MAX_SID:
        raise InvalidWebhookError("MessageSid too long")
    phone = sender_phone(form.get("From") or "")
    text = form.get("Body") or ""
    media = _media(form)
    unsupported = None
    if not text.strip() and not media:
        unsupported = form.get("MessageType") or ("location" if form.get("Latitude") else "empty")
    return Inbound(
        channel=CHANNEL,
        address=phone,
        text=text if text.strip() else None,
        message_id=message_sid,
        verified_phone=phone,
        media=media,
        unsupported=unsupported,
        received_at=received_at,
    )


def _media(form: Mapping[str, str]) -> tuple[Media, ...]:
    try:
        count = int(form.get("NumMedia") or 0)
    except ValueError:
        count = 0
    media = []
    for index in range(max(0, min(count, MAX_MEDIA))):
        url = form.get(f"MediaUrl{index}")
        if url:
            media.append(Media(ref=url, content_type=form.get(f"MediaContentType{index}") or None))
    return tuple(media)


def opt_command(inbound: Inbound) -> str | None:
    """STOP for `STOP`, `BERHENTI`, `UNSUBSCRIBE`; START for `START`, `MULAI` (any case, alone); else None."""
    if inbound.media or not inbound.text:
        return None
    word = fold(inbound.text)
    if word in STOP_WORDS:
        return STOP
    if word in START_WORDS:
        return START
    return None
