"""Cadre invites: single-use, expiring Telegram deep links; only a token's SHA-256 is kept, never the token."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage.models import CadreInvite
from storage.types import utcnow

# 32 random bytes as 43 characters of [A-Za-z0-9_-]: within Telegram's 64-character start parameter.
TOKEN_BYTES = 32
# What a Telegram start parameter may be; anything else cannot be one of our tokens.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class NewInvite:
    """An invite just created: its token (shown once, never stored), when it expires, how many older ones it revoked."""

    invite_id: int
    token: str
    expires_at: datetime
    revoked: int


def token_hash(token: str) -> str:
    """The SHA-256 of a token in hex: what the database keeps and looks tokens up by."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def is_token_shaped(text: str) -> bool:
    """Whether the text could be a token (1-64 characters of A-Z, a-z, 0-9, _ and -)."""
    return TOKEN_SHAPE.fullmatch(text) is not None


async def create_invite(
    session: AsyncSession,
    person_id: int,
    phone: str,
    lifetime: timedelta,
    *,
    created_by: int | None = None,
    now: datetime | None = None,
) -> NewInvite:
    """A new invite for the person's phone, valid for `lifetime`; their older unused invites stop working (revoked
    by expiring them now), so only the link handed over last can link an account. Audited without the token."""
    now = now or utcnow()
    revoked = await session.execute(
        update(CadreInvite)
        .where(CadreInvite.person_id == person_id, CadreInvite.used_at.is_(None), CadreInvite.expires_at > now)
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invite = CadreInvite(
        token_hash=token_hash(token),
        person_id=person_id,
        phone=phone,
        created_by=created_by,
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(invite)
    await session.flush()
    count = int(getattr(revoked, "rowcount", 0) or 0)
    await audit.record_event(
        session,
        "cadre_invite.created",
        person_id=created_by,
        subject_type="person",
        subject_id=str(person_id),
        details={"invite": invite.id, "expires_at": invite.expires_at.isoformat(), "revoked": count},
        at=now,
    )
    return NewInvite(invite.id, token, invite.expires_at, count)


async def find_valid(session: AsyncSession, token: str, now: datetime) -> CadreInvite | None:
    """The invite with this token while it is unused and not expired, else None."""
    if not is_token_shaped(token):
        return None
    query = select(CadreInvite).where(CadreInvite.token_hash == token_hash(token))
    return _valid(await session.scalar(query), now)


async def valid_by_id(session: AsyncSession, invite_id: int, now: datetime) -> CadreInvite | None:
    """The invite with this id while it is unused and not expired, else None."""
    return _valid(await session.get(CadreInvite, invite_id), now)


def _valid(invite: CadreInvite | None, now: datetime) -> CadreInvite | None:
    if invite is None or invite.used_at is not None or invite.expires_at <= now:
        return None
    return invite


async def mark_used(session: AsyncSession, invite_id: int, contact_id: int, now: datetime) -> bool:
    """Marks a valid invite used by the contact, audited; False when it was used or expired meanwhile (one use only,
    even when two chats try at once: the update only takes an unused row)."""
    result = await session.execute(
        update(CadreInvite)
        .where(CadreInvite.id == invite_id, CadreInvite.used_at.is_(None), CadreInvite.expires_at > now)
        .values(used_at=now, used_by_contact_id=contact_id)
        .execution_options(synchronize_session=False)
    )
    if not getattr(result, "rowcount", 0):
        return False
    invite = await session.get(CadreInvite, invite_id)
    assert invite is not None
    await session.refresh(invite)
    await audit.record_event(
        session,
        "cadre_invite.used",
        contact_id=contact_id,
        person_id=invite.person_id,
        subject_type="person",
        subject_id=str(invite.person_id),
        details={"invite": invite_id},
        at=now,
    )
    return True


async def record_other_phone(session: AsyncSession, invite: CadreInvite, contact_id: int, now: datetime) -> None:
    """Audits a chat that opened the invite but shared another number (the invite stays unused)."""
    await audit.record_event(
        session,
        "cadre_invite.refused",
        contact_id=contact_id,
        subject_type="person",
        subject_id=str(invite.person_id),
        details={"invite": invite.id, "reason": "other_phone"},
        at=now,
    )


async def revoke_for_person(session: AsyncSession, person_id: int, now: datetime | None = None) -> int:
    """Stops every unused invite of a person from working (when their roles are taken); how many."""
    now = now or utcnow()
    result = await session.execute(
        update(CadreInvite)
        .where(CadreInvite.person_id == person_id, CadreInvite.used_at.is_(None), CadreInvite.expires_at > now)
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
