"""The turn's replies the outbox keeps, as the WhatsApp channel sends them: which rows, and whether Twilio already
holds one (sent just before a crash, its MessageSid never recorded)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.whatsapp.client import Recent
from flows.turn import Reply

CLOCK_SKEW = timedelta(seconds=2)  # between our clock and Twilio's (whose times are whole seconds)


@dataclass(frozen=True)
class KeptReply:
    """A reply kept and not confirmed, as the sweep needs it."""

    outbox_id: int
    body: str
    document: dict[str, Any]
    created_at: datetime
    opted_out: bool
    address: str


def already_sent(recent: Sequence[Recent], parts: Sequence[str], since: datetime) -> Recent | None:
    """The message Twilio holds that carries the reply (each part's text, in a message created since the reply was
    kept, give or take CLOCK_SKEW), or None: how a send in flight at a crash is not sent a second time."""
    candidates = [m for m in recent if m.created is None or m.created >= since - CLOCK_SKEW]
    found: Recent | None = None
    for part in parts:
        text = part.strip()
        found = next((m for m in candidates if text and text in m.body), None)
        if found is None:
            return None
    return found


def kept_ids(replies: Sequence[Reply]) -> list[int]:
    """The outbox rows of the replies the engine kept, in order."""
    return [reply.outbox_id for reply in replies if reply.outbox_id is not None]
