"""Queries on registered workers."""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import Person, Village, Worker
from storage.types import utcnow

# What stands for a forgotten worker's NIK and name, with its id: "anon-17" (storage/data_rights.py).
ANONYMOUS_PREFIX = "anon-"


class DuplicateNikError(ValueError):
    """A worker with this NIK is already registered."""


@dataclass(frozen=True)
class NewWorker:
    """Everything a registration stores about a worker."""

    nik: str
    name: str
    birth_date: date
    sex: str
    phone: str | None
    occupation: str
    occupation_other: str | None
    segment: str
    declared_income: int
    programmes: tuple[str, ...]
    payer: str
    sponsor: str | None
    heir_name: str | None
    heir_relation: str | None
    heir_phone: str | None
    village_code: str
    registered_by: int | None
    consent_at: datetime


def registration_number(village_code: str, worker_id: int) -> str:
    """A short, unique, human-friendly number: REG-<province+regency>-<id>, e.g. REG-6310-000123."""
    regency = village_code.replace(".", "")[:4]
    return f"REG-{regency}-{worker_id:06d}"


async def add_worker(session: AsyncSession, new: NewWorker) -> Worker:
    """Stores a worker and gives it its registration number; DuplicateNikError if the NIK is taken."""
    values = asdict(new) | {"programmes": ",".join(new.programmes)}
    worker = Worker(**values, registered_at=utcnow())
    try:
        async with session.begin_nested():
            session.add(worker)
            await session.flush()
    except IntegrityError as error:
        raise DuplicateNikError(new.nik) from error
    worker.registration_number = registration_number(new.village_code, worker.id)
    await session.flush()
    return worker


async def find_by_nik(session: AsyncSession, nik: str) -> Worker | None:
    """The worker registered with this NIK, with their village."""
    return await session.scalar(select(Worker).where(Worker.nik == nik).options(selectinload(Worker.village)))


async def find_by_kpj(session: AsyncSession, kpj: str) -> Worker | None:
    """The worker holding this KPJ number (11 digits, as stored), with their village."""
    return await session.scalar(select(Worker).where(Worker.kpj == kpj).options(selectinload(Worker.village)))


async def worker_with_kpj(session: AsyncSession, kpj: str) -> Worker | None:
    """The worker holding this KPJ number and nothing else: one query, whether or not there is one."""
    return await session.scalar(select(Worker).where(Worker.kpj == kpj))


_IN_BATCH = 1_000


async def workers_by_nik(session: AsyncSession, niks: Sequence[str]) -> dict[str, Worker]:
    """The workers registered with these NIKs, by NIK (a batch of queries for a whole file)."""
    found: dict[str, Worker] = {}
    for start in range(0, len(niks), _IN_BATCH):
        query = select(Worker).where(Worker.nik.in_(niks[start : start + _IN_BATCH]))
        found.update((worker.nik, worker) for worker in await session.scalars(query))
    return found


async def kpj_holders(session: AsyncSession, kpjs: Sequence[str]) -> dict[str, int]:
    """The ids of the workers holding these KPJ numbers, by KPJ."""
    found: dict[str, int] = {}
    for start in range(0, len(kpjs), _IN_BATCH):
        query = select(Worker.kpj, Worker.id).where(Worker.kpj.in_(kpjs[start : start + _IN_BATCH]))
        found.update((str(kpj), worker_id) for kpj, worker_id in await session.execute(query))
    return found


async def worker_with_nik(session: AsyncSession, nik: str) -> Worker | None:
    """The worker registered with this NIK and nothing else: one query, whether or not there is one."""
    return await session.scalar(select(Worker).where(Worker.nik == nik))


async def workers_with_phone(session: AsyncSession, phone: str) -> list[Worker]:
    """Every worker registered with this phone (several may share one)."""
    return list(await session.scalars(select(Worker).where(Worker.phone == phone).order_by(Worker.name)))


def _not_forgotten() -> Any:
    """Leaves out workers whose personal data was erased (their NIK and name are anon-<id>, never a NIK)."""
    return Worker.nik.not_like(f"{ANONYMOUS_PREFIX}%")


async def page_in_village(session: AsyncSession, village_code: str, page: int, size: int) -> list[Worker]:
    """One page (from 0) of a village's workers, by name; forgotten workers are not listed."""
    query = (
        select(Worker)
        .where(Worker.village_code == village_code, _not_forgotten())
        .order_by(Worker.name, Worker.id)
        .offset(page * size)
        .limit(size)
    )
    return list(await session.scalars(query))


async def count_in_village(session: AsyncSession, village_code: str) -> int:
    """How many workers one village lists (forgotten workers not among them)."""
    query = select(func.count()).select_from(Worker).where(Worker.village_code == village_code, _not_forgotten())
    return int(await session.scalar(query) or 0)


async def stream_for_export(
    session: AsyncSession, village_code: str | None = None
) -> AsyncIterator[tuple[Worker, Village, Person | None]]:
    """Every worker (of one village, or all) with their village and registering cadre, by village and name."""
    query = (
        select(Worker, Village, Person)
        .join(Village, Worker.village_code == Village.code)
        .outerjoin(Person, Worker.registered_by == Person.id)
        .order_by(Worker.village_code, Worker.name, Worker.id)
    )
    if village_code is not None:
        query = query.where(Worker.village_code == village_code)
    result = await session.stream(query.execution_options(yield_per=1000))
    async for worker, village, person in result:
        yield worker, village, person


async def find_in_villages(session: AsyncSession, nik: str, village_codes: Sequence[str] | None) -> Worker | None:
    """The worker with this NIK if they live in one of the villages (None = every village)."""
    query = select(Worker).where(Worker.nik == nik).options(selectinload(Worker.village))
    if village_codes is not None:
        query = query.where(Worker.village_code.in_(village_codes))
    return await session.scalar(query)


def search_text(text: str) -> str:
    """Typed search words made safe to search: control characters (Unicode category Cc: NUL, escapes, ...) dropped,
    line breaks and tabs read as spaces, spaces collapsed. PostgreSQL refuses a NUL, and SQLite ends a LIKE pattern
    at one (so "\\x00" listed every worker there)."""
    kept = (" " if char.isspace() else char for char in text if char.isspace() or unicodedata.category(char) != "Cc")
    return " ".join("".join(kept).split())


LIKE_ESCAPE = "!"


def like_literal(text: str) -> str:
    """The text as a LIKE pattern that matches only itself: `%`, `_` and the escape character escaped (ESCAPE '!')."""
    return "".join(LIKE_ESCAPE + char if char in ("%", "_", LIKE_ESCAPE) else char for char in text)


async def search_by_name(
    session: AsyncSession, text: str, village_codes: Sequence[str] | None, limit: int = 10
) -> list[Worker]:
    """Workers whose name contains the text literally (any case), in the villages (None = every village), by name;
    nothing for a text with nothing searchable left (see search_text)."""
    words = search_text(text)
    if not words:
        return []
    pattern = "%" + like_literal(words.lower()) + "%"
    query = select(Worker).where(func.lower(Worker.name).like(pattern, escape=LIKE_ESCAPE), _not_forgotten())
    if village_codes is not None:
        query = query.where(Worker.village_code.in_(village_codes))
    return list(await session.scalars(query.order_by(Worker.name, Worker.id).limit(limit)))


async def get_worker(session: AsyncSession, worker_id: int) -> Worker | None:
    """A worker by id, with their village."""
    return await session.scalar(select(Worker).where(Worker.id == worker_id).options(selectinload(Worker.village)))


async def workers_in_villages(session: AsyncSession, village_codes: Sequence[str]) -> list[Worker]:
    """Every worker of the villages (for a village summary)."""
    query = select(Worker).where(Worker.village_code.in_(village_codes)).order_by(Worker.village_code, Worker.id)
    return list(await session.scalars(query))
