"""Queries on people (admins and cadres) and their roles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, case, func, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage import audit
from storage.models import Person, Role, Village, Worker
from storage.workers import ANONYMOUS_PREFIX

ADMIN = "admin"
CADRE = "cadre"


@dataclass(frozen=True)
class Staff:
    """What a person may do: their id, name, whether admin, and the villages they serve as cadre."""

    person_id: int
    name: str
    phone: str
    is_admin: bool
    village_codes: tuple[str, ...]
    village_names: tuple[str, ...] = ()

    @property
    def is_cadre(self) -> bool:
        """Whether the person is a cadre of at least one village."""
        return bool(self.village_codes)

    @property
    def villages(self) -> tuple[tuple[str, str], ...]:
        """The villages the person serves as cadre, as (code, name) pairs."""
        return tuple(zip(self.village_codes, self.village_names, strict=True))


async def find_person_by_phone(session: AsyncSession, phone: str) -> Person | None:
    """The person with this E.164 phone, roles and their villages loaded."""
    query = select(Person).where(Person.phone == phone)
    return await session.scalar(query.options(selectinload(Person.roles).selectinload(Role.village)))


def _loaded_village_name(role: Role) -> str:
    village = inspect(role).attrs.village.loaded_value
    return village.name if isinstance(village, Village) else role.village_code or ""


def staff_of(person: Person) -> Staff:
    """The roles of a loaded person as a Staff value (village names when the villages were loaded)."""
    cadre_roles = sorted((r for r in person.roles if r.role == CADRE and r.village_code), key=lambda r: r.village_code)
    return Staff(
        person_id=person.id,
        name=person.name,
        phone=person.phone,
        is_admin=any(r.role == ADMIN for r in person.roles),
        village_codes=tuple(str(r.village_code) for r in cadre_roles),
        village_names=tuple(_loaded_village_name(r) for r in cadre_roles),
    )


_PERSON, _ROLE, _VILLAGE = Person.__table__, Role.__table__, Village.__table__
# Every turn of a cadre asks this: one Core SELECT of the person's role rows (instead of the ORM's three statements),
# built once so that SQLAlchemy neither rebuilds it nor recomputes its cache key per call.
_STAFF_ROWS = (
    select(
        _PERSON.c.id,
        _PERSON.c.name,
        _PERSON.c.phone,
        _ROLE.c.role,
        _ROLE.c.village_code,
        _VILLAGE.c.name.label("village_name"),
    )
    .select_from(
        _PERSON.outerjoin(_ROLE, _ROLE.c.person_id == _PERSON.c.id).outerjoin(
            _VILLAGE, _VILLAGE.c.code == _ROLE.c.village_code
        )
    )
    .where(_PERSON.c.phone == bindparam("staff_phone"))
)


async def staff_by_phone(session: AsyncSession, phone: str) -> Staff | None:
    """The admin or cadre with this phone, or None: one SELECT (pending changes are flushed first, as a query would)."""
    await session.flush()
    rows = (await session.execute(_STAFF_ROWS, {"staff_phone": phone})).all()
    if not rows:
        return None
    cadre = sorted((r for r in rows if r.role == CADRE and r.village_code), key=lambda r: r.village_code)
    first = rows[0]
    return Staff(
        person_id=first.id,
        name=first.name,
        phone=first.phone,
        is_admin=any(r.role == ADMIN for r in rows),
        village_codes=tuple(str(r.village_code) for r in cadre),
        village_names=tuple(r.village_name if r.village_name is not None else r.village_code or "" for r in cadre),
    )


async def add_person(
    session: AsyncSession, name: str, phone: str, village_codes: list[str], admin: bool = False
) -> Person:
    """Adds a cadre of the villages (and admin when asked), or adds the roles to the person with that phone."""
    person = await find_person_by_phone(session, phone)
    if person is None:
        person = Person(name=name, phone=phone, roles=[])
        session.add(person)
    else:
        person.name = name
    have = {(r.role, r.village_code) for r in person.roles}
    for code in village_codes:
        if (CADRE, code) not in have:
            person.roles.append(Role(role=CADRE, village_code=code))
    if admin and (ADMIN, None) not in have:
        person.roles.append(Role(role=ADMIN, village_code=None))
    await session.flush()
    return person


async def list_staff(session: AsyncSession) -> list[tuple[Person, list[Village]]]:
    """Every person with the villages they serve, by name."""
    people = await session.scalars(
        select(Person).options(selectinload(Person.roles).selectinload(Role.village)).order_by(Person.name)
    )
    return [(p, [r.village for r in p.roles if r.village is not None]) for p in people]


async def count_people(session: AsyncSession) -> int:
    """How many admins and cadres there are."""
    return int(await session.scalar(select(func.count()).select_from(Person)) or 0)


async def cadre_for_village(session: AsyncSession, village_code: str, preferred_person_id: int | None) -> Person | None:
    """A cadre of the village: the preferred person while they still serve it, else its longest-serving one."""
    order: list[Any] = [Role.id]
    if preferred_person_id is not None:
        order.insert(0, case((Person.id == preferred_person_id, 0), else_=1))
    query = (
        select(Person)
        .join(Role, Role.person_id == Person.id)
        .where(Role.role == CADRE, Role.village_code == village_code)
        .order_by(*order)
        .limit(1)
    )
    return await session.scalar(query)


async def remove_roles(session: AsyncSession, phone: str) -> tuple[Person, list[tuple[str, str | None]]] | None:
    """Takes every role from the person with this phone, keeping the person (and the workers they registered); the
    person and the (role, village code) pairs removed, or None when no person has the phone."""
    person = await find_person_by_phone(session, phone)
    if person is None:
        return None
    removed = sorted(((r.role, r.village_code) for r in person.roles), key=lambda pair: (pair[0], pair[1] or ""))
    person.roles.clear()
    await session.flush()
    return person, removed


async def count_registered_by(session: AsyncSession, person_id: int) -> int:
    """How many workers this person registered."""
    query = select(func.count()).select_from(Worker).where(Worker.registered_by == person_id)
    return int(await session.scalar(query) or 0)


@dataclass(frozen=True)
class Moved:
    """What `move_workers` did: the ids of the workers moved, or the villages the new cadre does not serve (then
    nothing moved)."""

    worker_ids: tuple[int, ...]
    unserved: tuple[str, ...] = ()


async def move_workers(session: AsyncSession, source: Staff, target: Staff, village_code: str | None = None) -> Moved:
    """Makes `target` the registering cadre of the workers `source` registered (of one village when given), forgotten
    workers left out, each move audited with the old and new person; moves nothing when `target` is not a cadre of
    every village those workers live in."""
    query = select(Worker).where(Worker.registered_by == source.person_id, Worker.nik.not_like(f"{ANONYMOUS_PREFIX}%"))
    if village_code is not None:
        query = query.where(Worker.village_code == village_code)
    moving = list(await session.scalars(query.order_by(Worker.id)))
    unserved = sorted({w.village_code for w in moving} - set(target.village_codes))
    if unserved:
        return Moved((), tuple(unserved))
    for worker in moving:
        worker.registered_by = target.person_id
        await audit.record_event(
            session,
            "worker.moved",
            subject_type="worker",
            subject_id=str(worker.id),
            details={"village": worker.village_code, "from_person": source.person_id, "to_person": target.person_id},
        )
    await session.flush()
    return Moved(tuple(w.id for w in moving))
