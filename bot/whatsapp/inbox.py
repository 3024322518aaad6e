"""WhatsApp's side of the durable inbox: each signed form is written to the inbox before it is handled, or, while the
database is down, to the spool on disk (Twilio does not retry), and replayed from there into the inbox later."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.whatsapp.inbound import CHANNEL
from bot.whatsapp.spool import Spool
from flows.failures import failure_trace
from storage import inbox
from storage.database import Database

log = logging.getLogger("kader.whatsapp.inbox")


class NotKeptError(RuntimeError):
    """Neither the inbox nor the spool took the message: the webhook must not say it was received."""


@dataclass(frozen=True)
class Kept:
    """A message in the inbox, to be handled: its row, its form, and when it arrived."""

    inbox_id: int
    form: dict[str, str]
    received_at: datetime


def sender_of(form: Mapping[str, str]) -> str:
    """The address the inbox keeps for a form: the sender's `whatsapp:+62…`."""
    return (form.get("From") or "").strip()


class WhatsAppInbox:
    """Writes forms to the inbox (or the spool), replays the spool and lists what is left to handle."""

    def __init__(self, database: Database, spool: Spool) -> None:
        """The inbox over this database, with this spool for when it is down."""
        self.database = database
        self.spool = spool

    async def keep(self, message_sid: str, form: Mapping[str, str], received_at: datetime) -> int | None:
        """The inbox row's id of the message, written now; None when the database failed and it went to the spool."""
        try:
            return await self._store(message_sid, form)
        except Exception as error:  # noqa: BLE001 - any database failure: the message goes to disk instead
            log.warning("inbox unreachable, message spooled sid=%s error=%s", message_sid, failure_trace(error))
        try:
            await asyncio.to_thread(self.spool.keep, message_sid, form, received_at)
        except OSError as error:
            raise NotKeptError(f"message {message_sid} kept neither in the inbox nor on disk") from error
        return None

    async def replay(self) -> list[Kept]:
        """Moves every spooled message into the inbox, oldest first, deleting each file once its row is committed.

        Returns those to handle now (not yet handled), with the time they first arrived; stops at the first database
        failure, leaving the rest on disk for the next sweep.
        """
        kept: list[Kept] = []
        for spooled in await asyncio.to_thread(self.spool.waiting):
            sid = spooled.path.stem
            form_sid = (spooled.form.get("MessageSid") or spooled.form.get("SmsMessageSid") or "").strip()
            if form_sid:
                sid = form_sid
            try:
                async with self.database.transaction() as session:
                    stored = await inbox.store(session, CHANNEL, sid, sender_of(spooled.form), spooled.form)
                    handled = not stored.new and (await inbox.is_handled(session, [stored.id])).get(stored.id, False)
                inbox_id = stored.id
            except Exception as error:  # noqa: BLE001 - still down: the file stays for the next sweep
                log.warning("spool replay stopped, database unreachable error=%s", failure_trace(error))
                break
            await asyncio.to_thread(self.spool.remove, spooled)
            log.info("spooled message moved to the inbox sid=%s inbox=%s", sid, inbox_id)
            if not handled:
                kept.append(Kept(inbox_id, spooled.form, spooled.received_at))
        return kept

    async def pending(self, received_before: datetime, limit: int = 500) -> list[Kept]:
        """The inbox's WhatsApp rows not handled yet that arrived before `received_before`, in arrival order."""
        async with self.database.transaction() as session:
            rows = await inbox.pending(session, CHANNEL, limit=limit, received_before=received_before)
            return [Kept(row.id, {str(k): str(v) for k, v in row.payload.items()}, row.received_at) for row in rows]

    async def is_handled(self, inbox_id: int) -> bool:
        """Whether the row's turn committed."""
        async with self.database.transaction() as session:
            return (await inbox.is_handled(session, [inbox_id])).get(inbox_id, False)

    async def note_failure(self, inbox_id: int, error: str) -> None:
        """Counts a failed attempt at the row (best effort: the database may still be failing)."""
        try:
            async with self.database.transaction() as session:
                await inbox.note_failure(session, inbox_id, error)
        except Exception as failure:  # noqa: BLE001 - the row simply stays pending
            log.warning("inbox failure not noted inbox=%s error=%s", inbox_id, failure_trace(failure))

    async def mark_handled(self, inbox_id: int) -> None:
        """Marks a row handled that no turn will ever handle (a form that cannot be read)."""
        async with self.database.transaction() as session:
            await inbox.mark_handled(session, inbox_id)

    async def _store(self, message_sid: str, form: Mapping[str, str]) -> int:
        async with self.database.transaction() as session:
            stored = await inbox.store(session, CHANNEL, message_sid, sender_of(form), dict(form))
        return stored.id
