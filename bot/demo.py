"""The demo a fresh console database starts with: Sungai Lembu village and one cadre."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from rules.regions import village_info
from storage import contacts, people, villages
from storage.database import Database

DEMO_VILLAGE = "63.10.02.2003"
DEMO_PHONE = "+6281234567890"
DEMO_CADRE = "Siti Rahmah"


@dataclass(frozen=True)
class DemoSeed:
    """What seeding did: whether anything was created, and the demo cadre."""

    created: bool
    name: str
    phone: str


async def seed_demo_if_empty(database: Database) -> DemoSeed:
    """Creates the demo village and cadre when the database has no admin or cadre yet."""
    try:
        async with database.transaction() as session:
            if await people.count_people(session) > 0:
                return DemoSeed(False, DEMO_CADRE, DEMO_PHONE)
            info = village_info(DEMO_VILLAGE)
            assert info is not None, "the demo village is missing from the Kemendagri list"
            await villages.ensure_village(session, info)
            person = await people.add_person(session, DEMO_CADRE, DEMO_PHONE, [info.code])
            await contacts.link_person_to_contacts(session, person.id, DEMO_PHONE)
    except IntegrityError:
        # Another shell seeded the same empty database at the same moment.
        return DemoSeed(False, DEMO_CADRE, DEMO_PHONE)
    return DemoSeed(True, DEMO_CADRE, DEMO_PHONE)
