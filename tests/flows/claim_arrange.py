"""Arranging the death and accident report tests: a village with its cadre, a worker with a registered heir and
paid months, a stored photo as the channel's media store leaves it, and reading back cases and messages."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from flows.engine import Engine
from flows.turn import Media
from storage import contacts, outbox
from storage.database import Database
from storage.models import Claim, ClaimDocument, OutboundMessage, Worker
from tests import factories
from tests.chat import Chat
from tests.factories import add_staff

VILLAGE = "63.10.02.2003"  # Sungai Lembu, Kusan Hilir, Tanah Bumbu (Kalimantan Selatan, WITA)
WIB_VILLAGE = "16.12.05.2001"  # a village in PALI, Sumatera Selatan (WIB)
CADRE_PHONE = "+6281200000001"
ADMIN_PHONE = "+6281200000009"
HEIR_PHONE = "+6281355550001"
STRANGER_PHONE = "+6281399990001"
BUDI_NIK = "6310021508800001"
REGISTERED_AT = datetime(2024, 1, 10, 2, 0, tzinfo=UTC)


async def add_budi(
    database: Database,
    *,
    village: str = VILLAGE,
    nik: str = BUDI_NIK,
    paid: tuple[tuple[date, int], ...] = ((date(2025, 1, 1), 24),),
    income: int = 1_000_000,
) -> int:
    """Budi Santoso, registered in January 2024 with his daughter's phone as the heir's, paid from January 2025."""
    worker_id = await factories.add_worker(
        database, nik, "Budi Santoso", date(1980, 8, 15), village=village, paid=paid, income=income
    )
    async with database.transaction() as session:
        worker = await session.get(Worker, worker_id)
        assert worker is not None
        worker.heir_name, worker.heir_relation, worker.heir_phone = "Siti Aminah", "anak", HEIR_PHONE
        worker.registered_at = REGISTERED_AT
    return worker_id


async def contact_id(database: Database, chat: Chat) -> int:
    """The id of the contact a chat talks from."""
    async with database.transaction() as session:
        contact = await contacts.find_contact(session, chat.channel, chat.address)
        assert contact is not None
        return contact.id


async def village_cadre(engine: Engine, database: Database, village: str = VILLAGE) -> tuple[Chat, int]:
    """Rina, the village's cadre, who has opened the bot on Telegram (so the outbox can reach her): her chat and
    contact id."""
    await add_staff(database, CADRE_PHONE, (village,), "Rina Wati")
    chat = Chat(engine, "tg-cadre", channel="telegram", phone=CADRE_PHONE)
    await chat.send("menu")
    return chat, await contact_id(database, chat)


def photo(tmp_path: Path, name: str = "surat.jpg", content: bytes = b"\xff\xd8\xff fake jpeg") -> Media:
    """A photo as the media store leaves it: written to disk, with its size and checksum."""
    path = tmp_path / name
    path.write_bytes(content)
    return Media(
        ref=f"media-{name}",
        content_type="image/jpeg",
        stored_path=str(path),
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


async def claims_in(database: Database) -> list[Claim]:
    """Every case, oldest first."""
    async with database.transaction() as session:
        return list(await session.scalars(select(Claim).order_by(Claim.id)))


async def documents_in(database: Database) -> list[ClaimDocument]:
    """Every file kept with a case."""
    async with database.transaction() as session:
        return list(await session.scalars(select(ClaimDocument).order_by(ClaimDocument.id)))


async def messages_to(database: Database, contact_id: int) -> list[OutboundMessage]:
    """What the outbox holds for a contact."""
    async with database.transaction() as session:
        return await outbox.messages_for(session, contact_id)


async def worker_row(database: Database, worker_id: int) -> Worker:
    """The worker as stored now."""
    async with database.transaction() as session:
        worker = await session.get(Worker, worker_id)
        assert worker is not None
        return worker


def reply_texts(chat: Chat) -> str:
    """The last replies as one text."""
    return chat.render(chat.last)
