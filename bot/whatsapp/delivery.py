"""Twilio delivery callbacks: a message's delivery state moves forward, never back; 21610 opts the contact out."""

from __future__ import annotations

import logging

from bot.whatsapp.client import UNSUBSCRIBED
from bot.whatsapp.inbound import CHANNEL
from storage import contacts, outbox
from storage.database import Database

log = logging.getLogger("kader.whatsapp.delivery")

UPDATED = "updated"
UNCHANGED = "unchanged"
UNKNOWN = "unknown"
IGNORED = "ignored"


async def record_delivery_status(database: Database, sid: str, status: str, error_code: str | None = None) -> str:
    """Applies one callback (MessageSid, MessageStatus, ErrorCode) to its outbound_message row; says what happened."""
    status = status.strip().lower()
    error_code = (error_code or "").strip() or None
    if status not in outbox.DELIVERY_STATES:
        log.info("status ignored sid=%s status=%s", sid, status)
        return IGNORED
    async with database.transaction() as session:
        message = await outbox.find_by_external_id(session, CHANNEL, sid)
        if message is None:
            log.info("status for an unknown message sid=%s", sid)
            return UNKNOWN
        changed = outbox.apply_delivery_status(message, status, error_code)
        if error_code == str(UNSUBSCRIBED) and await contacts.opt_out(session, message.contact_id):
            log.info("contact opted out by twilio 21610 contact=%s sid=%s", message.contact_id, sid)
        log.info("status sid=%s message=%s status=%s error=%s changed=%s", sid, message.id, status, error_code, changed)
        return UPDATED if changed else UNCHANGED
