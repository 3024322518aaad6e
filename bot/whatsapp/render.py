"""WhatsApp text: a turn's replies joined into as few messages as possible, each under 1600 characters."""

from __future__ import annotations

from collections.abc import Sequence

from twilio.twiml.messaging_response import MessagingResponse

from flows.render import numbered, split_text
from flows.turn import Reply

MAX_BODY = 1600
PARAGRAPH = "\n\n"


def reply_parts(replies: Sequence[Reply], limit: int = MAX_BODY) -> list[str]:
    """The turn's replies, options as numbered lists, joined by blank lines and split at `limit` characters."""
    text = PARAGRAPH.join(numbered(reply).strip() for reply in replies if reply.text or reply.options)
    return split_text(text, limit) if text else []


def twiml(parts: Sequence[str]) -> str:
    """A TwiML MessagingResponse with one <Message> per part (none: an empty <Response/>)."""
    response = MessagingResponse()
    for part in parts:
        response.message(part)
    return str(response)
