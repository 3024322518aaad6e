"""Queries on contacts: one address on one channel."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import Insert, bindparam, case, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Contact
from storage.types import utcnow
from storage.upsert import insert_ignoring_conflict


async def get_or_create_contact(session: AsyncSession, channel: str, address: str, language: str = "id") -> Contact:
    """The contact for a channel address, created on first contact (safe when two arrive at once)."""
    contact = await find_contact(session, channel, address)
    if contact is None:
        await insert_ignoring_conflict(
            session,
            Contact,
            {
                "channel": channel,
                "address": address,
                "language": language,
                "opted_out": False,
                "created_at": utcnow(),
            },
        )
        contact = await find_contact(session, channel, address)
    assert contact is not None
    return contact


@cache
def _turn_upsert(dialect_name: str) -> Insert:
    """The upsert of contact_for_turn for the dialect, built once: it runs on every turn."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    columns = Contact.__table__.c
    statement = dialect.insert(Contact).values(
        channel=bindparam("turn_channel", type_=columns.channel.type),
        address=bindparam("turn_address", type_=columns.address.type),
        language=bindparam("turn_language", type_=columns.language.type),
        opted_out=False,
        unreachable=False,
        last_inbound_at=bindparam("turn_at", type_=columns.last_inbound_at.type),
        created_at=bindparam("turn_created_at", type_=columns.created_at.type),
    )
    written = statement.excluded.last_inbound_at
    later = case(
        (or_(Contact.last_inbound_at.is_(None), written > Contact.last_inbound_at), written),
        else_=Contact.last_inbound_at,
    )
    return statement.on_conflict_do_update(
        index_elements=[Contact.channel, Contact.address], set_={"last_inbound_at": later, "unreachable": False}
    ).returning(Contact)


async def contact_for_turn(session: AsyncSession, channel: str, address: str, language: str, at: datetime) -> Contact:
    """The contact writing now, created on first contact, with when it last wrote (the later of the two) and
    reachable again: one INSERT … ON CONFLICT DO UPDATE … RETURNING, safe when two arrive at once."""
    params = {
        "turn_channel": channel,
        "turn_address": address,
        "turn_language": language,
        "turn_at": at,
        "turn_created_at": utcnow(),
    }
    statement = _turn_upsert(session.get_bind().dialect.name)
    result = await session.scalars(statement, params, execution_options={"populate_existing": True})
    return result.one()


async def find_contact(session: AsyncSession, channel: str, address: str) -> Contact | None:
    """The contact for a channel address, if it has written before."""
    return await session.scalar(select(Contact).where(Contact.channel == channel, Contact.address == address))


async def get_contact(session: AsyncSession, contact_id: int) -> Contact | None:
    """A contact by id."""
    return await session.get(Contact, contact_id)


def note_inbound(contact: Contact, at: datetime) -> None:
    """Remembers when the contact last wrote (WhatsApp's 24-hour window starts there)."""
    if contact.last_inbound_at is None or at > contact.last_inbound_at:
        contact.last_inbound_at = at
    contact.unreachable = False


def set_language(contact: Contact, language: str) -> None:
    """Remembers the contact's language."""
    contact.language = language


def set_verified_phone(contact: Contact, phone: str, person_id: int | None) -> None:
    """Links a phone the channel has verified, and the person who owns it, to the contact."""
    contact.phone = phone
    contact.person_id = person_id


async def contacts_with_phone(session: AsyncSession, phone: str) -> list[Contact]:
    """Every contact whose verified phone is this one."""
    return list(await session.scalars(select(Contact).where(Contact.phone == phone).order_by(Contact.id)))


async def link_person_to_contacts(session: AsyncSession, person_id: int, phone: str) -> int:
    """Links a newly added person to the contacts already verified with their phone; how many."""
    contacts = await contacts_with_phone(session, phone)
    for contact in contacts:
        contact.person_id = person_id
    return len(contacts)


async def mark_unreachable(session: AsyncSession, channel: str, address: str) -> bool:
    """Marks a contact the channel can no longer reach (blocked the bot); True if it was found."""
    contact = await find_contact(session, channel, address)
    if contact is None:
        return False
    contact.unreachable = True
    return True


def set_opted_out(contact: Contact, opted_out: bool) -> None:
    """Stops (or resumes) proactive messages to a contact."""
    contact.opted_out = opted_out


async def opt_out(session: AsyncSession, contact_id: int) -> bool:
    """Stops proactive messages to a contact the channel reports unsubscribed; True if that changed anything."""
    contact = await session.get(Contact, contact_id)
    if contact is None or contact.opted_out:
        return False
    contact.opted_out = True
    return True


def is_reachable_for_proactive(contact: Contact) -> bool:
    """Whether proactive messages (reminders, notices) may go to this contact."""
    return not contact.opted_out and not contact.unreachable
