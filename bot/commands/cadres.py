"""`kader cadre add | list | deactivate`: cadres and admins."""

from __future__ import annotations

import argparse
from typing import Any

from rich.console import Console
from rich.table import Table

from bot.commands.base import CommandError, add_command, add_database_option, database_url, known_village, read_phone
from bot.settings import Settings


def register(commands: Any) -> None:
    """Adds the `cadre` group to the `kader` parser."""
    cadre = add_command(commands, "cadre", "cadres and admins")
    cadre_commands = cadre.add_subparsers(dest="cadre_command", metavar="COMMAND", required=True)
    add = add_command(cadre_commands, "add", "add a cadre of one or more villages, or an admin")
    add.add_argument("--name", required=True, help="full name")
    add.add_argument("--phone", required=True, help="Indonesian mobile number, e.g. 0812 3456 7890")
    add.add_argument(
        "--village", action="append", metavar="CODE", help="Kemendagri village code, e.g. 63.10.02.2003 (repeatable)"
    )
    add.add_argument("--admin", action="store_true", help="also an admin (all villages, manages cadres)")
    add_database_option(add)
    add.set_defaults(run=_cadre_add, is_async=True)
    listing = add_command(cadre_commands, "list", "list cadres and admins with their villages")
    add_database_option(listing)
    listing.set_defaults(run=_cadre_list, is_async=True)
    deactivate = add_command(
        cadre_commands, "deactivate", "take every role from a cadre or admin (their registered workers stay)"
    )
    deactivate.add_argument("--phone", required=True, help="the cadre's phone, e.g. 0812 3456 7890")
    add_database_option(deactivate)
    deactivate.set_defaults(run=_cadre_deactivate, is_async=True)


async def _cadre_add(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import prepare_database
    from storage import audit, contacts, people, villages

    phone = read_phone(args.phone)
    name = " ".join(args.name.split())
    if not 2 <= len(name) <= 100:
        raise CommandError("the name must be 2 to 100 characters")
    codes = args.village or []
    if not codes and not args.admin:
        raise CommandError("give at least one --village CODE (or --admin)")
    infos = [known_village(code) for code in codes]
    database = prepare_database(database_url(args, settings))
    try:
        async with database.transaction() as session:
            for info in infos:
                await villages.ensure_village(session, info)
            before = await people.find_person_by_phone(session, phone)
            had = people.staff_of(before) if before is not None else None
            person = await people.add_person(session, name, phone, [i.code for i in infos], admin=args.admin)
            now = people.staff_of(person)
            linked = await contacts.link_person_to_contacts(session, person.id, phone)
            added = [code for code in now.village_codes if had is None or code not in had.village_codes]
            await audit.record_event(
                session,
                "person.roles",
                subject_type="person",
                subject_id=str(person.id),
                details={"villages": [i.code for i in infos], "admin": bool(args.admin), "added": added},
            )
    finally:
        await database.close()
    linked_note = f" Linked to {linked} existing conversation(s)." if linked else ""
    if had is None:
        print(f"{name} ({phone}) is {_role(now.is_admin, now.village_codes)}.{linked_note}")
        return 0
    news = [_village(code) for code in added] + (["admin"] if now.is_admin and not had.is_admin else [])
    change = f"added {', '.join(news)}" if news else "nothing new added"
    print(
        f"{name} ({phone}) was already {_role(had.is_admin, had.village_codes)}; {change}."
        f" Now {_role(now.is_admin, now.village_codes)}.{linked_note}"
    )
    return 0


def _village(code: str) -> str:
    """A village as "Sungai Lembu (63.10.02.2003)", or its code alone when the Kemendagri list no longer has it."""
    from rules.regions import village_info

    info = village_info(code)
    return f"{info.name} ({code})" if info is not None else code


def _role(is_admin: bool, codes: tuple[str, ...]) -> str:
    """The roles in words: admin, cadre of its villages, both, or neither."""
    where = ", ".join(_village(code) for code in codes)
    if is_admin:
        return "admin" + (f" and cadre of {where}" if codes else "")
    return f"cadre of {where}" if codes else "neither cadre nor admin"


async def _cadre_deactivate(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import prepare_database
    from storage import audit, people

    phone = read_phone(args.phone)
    database = prepare_database(database_url(args, settings))
    try:
        async with database.transaction() as session:
            found = await people.remove_roles(session, phone)
            if found is None:
                raise CommandError(f"no cadre or admin has the phone {phone} (see `kader cadre list`)")
            person, removed = found
            workers = await people.count_registered_by(session, person.id)
            if removed:
                await audit.record_event(
                    session,
                    "person.deactivated",
                    subject_type="person",
                    subject_id=str(person.id),
                    details={
                        "villages": [code for role, code in removed if role == people.CADRE],
                        "admin": any(role == people.ADMIN for role, _ in removed),
                    },
                )
            name = person.name
    finally:
        await database.close()
    if not removed:
        print(f"{name} ({phone}) has no roles already; nothing changed.")
        return 0
    was = _role(
        any(role == people.ADMIN for role, _ in removed),
        tuple(code for role, code in removed if role == people.CADRE and code),
    )
    print(
        f"{name} ({phone}) is no longer {was}."
        f" The {workers} worker(s) they registered stay registered."
    )
    return 0


async def _cadre_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import prepare_database
    from storage import people

    database = prepare_database(database_url(args, settings))
    try:
        async with database.transaction() as session:
            rows = await people.list_staff(session)
            table = Table(title="Cadres and admins")
            table.add_column("Name")
            table.add_column("Phone", no_wrap=True)  # an E.164 number must stay whole in a narrow terminal or pipe
            table.add_column("Role")
            table.add_column("Villages")
            for person, served in rows:
                staff = people.staff_of(person)
                role = ", ".join(r for r, on in (("admin", staff.is_admin), ("cadre", staff.is_cadre)) if on) or "none"
                table.add_row(person.name, person.phone, role, "\n".join(f"{v.code} {v.name}" for v in served))
    finally:
        await database.close()
    Console().print(table if rows else "No cadres yet: add one with `kader cadre add`.")
    return 0
