"""Arranging tests: villages, cadres and admins, workers and their payments, a hand-moved clock, and reading back
where a conversation stands. Every helper takes an open database (and runs in a transaction of its own) or a session
(and runs inside the caller's transaction)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from flows.i18n import catalogue
from rules.regions import village_info
from storage import contacts, payments, people, workers
from storage.database import Database
from storage.models import Conversation
from storage.payments import NewPayment
from storage.villages import ensure_village
from tests.chat import Chat

VILLAGE = "63.10.02.2003"  # Sungai Lembu, Kusan Hilir, Tanah Bumbu
CONSENT_AT = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
MONTHLY = 16_800  # JKK + JKM, a month

Target = Database | AsyncSession


@asynccontextmanager
async def _session(target: Target) -> AsyncIterator[AsyncSession]:
    """The session given, or a new transaction of the database given."""
    if isinstance(target, AsyncSession):
        yield target
    else:
        async with target.transaction() as session:
            yield session


async def add_village(target: Target, code: str) -> None:
    """Adds the Kemendagri village with this code unless it is there already."""
    info = village_info(code)
    assert info is not None
    async with _session(target) as session:
        await ensure_village(session, info)


async def add_staff(
    target: Target,
    phone: str,
    villages: Iterable[str] = (VILLAGE,),
    name: str = "Rina Wati",
    admin: bool = False,
) -> int:
    """Adds a cadre of the villages (and admin when asked), villages included; returns the person's id."""
    codes = list(villages)
    async with _session(target) as session:
        for code in codes:
            await add_village(session, code)
        return (await people.add_person(session, name, phone, codes, admin=admin)).id


def new_worker(
    nik: str,
    name: str,
    birth: date,
    *,
    village: str = VILLAGE,
    sex: str | None = None,
    phone: str | None = None,
    registered_by: int | None = None,
    segment: str = "BPU",
    occupation: str = "petani",
    income: int = 1_000_000,
    programmes: tuple[str, ...] = ("JKK", "JKM"),
    payer: str = "village",
    consent_at: datetime = CONSENT_AT,
) -> workers.NewWorker:
    """A registration with no heir or sponsor; the sex is read from the NIK (day above 40: female) unless given."""
    return workers.NewWorker(
        nik=nik,
        name=name,
        birth_date=birth,
        sex=sex or ("F" if int(nik[6:8]) > 40 else "M"),
        phone=phone,
        occupation=occupation,
        occupation_other=None,
        segment=segment,
        declared_income=income,
        programmes=programmes,
        payer=payer,
        sponsor=None,
        heir_name=None,
        heir_relation=None,
        heir_phone=None,
        village_code=village,
        registered_by=registered_by,
        consent_at=consent_at,
    )


async def add_payment(
    target: Target,
    worker_id: int,
    first_month: date,
    months: int,
    amount: int | None = None,
    source: str = payments.IMPORT,
    reference: str = "BR-1",
) -> bool:
    """Records a payment (JKK + JKM for the months unless an amount is given); whether it was new."""
    paid = NewPayment(worker_id, first_month, months, MONTHLY * months if amount is None else amount, source, reference)
    async with _session(target) as session:
        return await payments.add_payment(session, paid)


async def add_worker(
    target: Target,
    nik: str,
    name: str,
    birth: date,
    *,
    village: str = VILLAGE,
    paid: Iterable[tuple[date, int]] = (),
    deceased_on: date | None = None,
    **registration: Any,
) -> int:
    """Registers a worker (see new_worker), village included, with their payments as (first month, months); the id."""
    async with _session(target) as session:
        await add_village(session, village)
        worker = await workers.add_worker(session, new_worker(nik, name, birth, village=village, **registration))
        worker.deceased_on = deceased_on
        for number, (first, months) in enumerate(paid):
            assert await add_payment(session, worker.id, first, months, reference=f"BR-{number}")
        return worker.id


class Clock:
    """A clock the test moves by hand: from `start`, or from the wall clock when no start is given."""

    def __init__(self, start: datetime | None = None) -> None:
        self.start = start
        self.offset = timedelta(0)

    @property
    def now(self) -> datetime:
        """The time the clock shows."""
        return (self.start if self.start is not None else datetime.now(UTC)) + self.offset

    @now.setter
    def now(self, moment: datetime) -> None:
        self.start, self.offset = moment, timedelta(0)

    def __call__(self) -> datetime:
        """The time the clock shows, as the engine and channels ask for it."""
        return self.now

    def advance(self, delta: timedelta) -> None:
        """Moves the clock forward."""
        self.offset += delta


def add_messages(monkeypatch: pytest.MonkeyPatch, messages: Mapping[str, str]) -> None:
    """Adds messages to both catalogues until the test ends."""
    for language in ("id", "en"):
        for key, text in messages.items():
            monkeypatch.setitem(catalogue(language), key, text)


async def conversation_of(database: Database, channel: str, address: str) -> Conversation:
    """The stored conversation of the contact at this address."""
    async with database.transaction() as session:
        contact = await contacts.find_contact(session, channel, address)
        assert contact is not None
        row = await session.get(Conversation, contact.id)
        assert row is not None
        return row


async def position(database: Database, chat: Chat) -> tuple[str | None, str | None]:
    """The flow and step a chat's conversation stands at."""
    row = await conversation_of(database, chat.channel, chat.address)
    return row.flow, row.step
