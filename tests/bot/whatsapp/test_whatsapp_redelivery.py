"""WhatsApp de-duplication: keyed by Twilio's MessageSid, and a recent one survives the pruning of old ids."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.runtime import prune_received
from storage.models import ReceivedMessage
from storage.types import utcnow
from tests.bot.whatsapp.phone import TWILIO_CLIENT_WARNINGS, Phone, message_sid, twiml_messages

pytestmark = TWILIO_CLIENT_WARNINGS


async def test_a_message_sid_delivered_again_after_pruning_is_still_answered_once(phone: Phone, database):
    old, recent = message_sid(), message_sid()
    first = await phone.send("menu", sid=old)
    assert any("Info program" in text for text in first)
    assert await phone.send("4", sid=recent)
    async with database.transaction() as session:
        stored = sorted(await session.scalars(select(ReceivedMessage.external_id)))
        await session.execute(
            update(ReceivedMessage)
            .where(ReceivedMessage.external_id == old)
            .values(received_at=utcnow() - timedelta(days=15))
        )
    assert stored == sorted([old, recent])  # the MessageSid itself, nothing else
    assert await prune_received(database, 14) == 1
    again = await phone.post(phone.form("4", sid=recent))
    assert again.status_code == 200 and twiml_messages(again.text) == []
