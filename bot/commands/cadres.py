"""`kader cadre add | list`: cadres and admins."""

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
            person = await people.add_person(session, name, phone, [i.code for i in infos], admin=args.admin)
            linked = await contacts.link_person_to_contacts(session, person.id, phone)
            await audit.record_event(
                session,
                "person.roles",
                subject_type="person",
                subject_id=str(person.id),
                details={"villages": [i.code for i in infos], "admin": bool(args.admin)},
            )
    finally:
        await database.close()
    where = ", ".join(f"{i.name} ({i.code})" for i in infos)
    role = "admin" + (f" and cadre of {where}" if infos else "") if args.admin else f"cadre of {where}"
    print(f"{name} ({phone}) is {role}." + (f" Linked to {linked} existing conversation(s)." if linked else ""))
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
                role = ", ".join(r for r, on in (("admin", staff.is_admin), ("cadre", staff.is_cadre)) if on)
                table.add_row(person.name, person.phone, role, "\n".join(f"{v.code} {v.name}" for v in served))
    finally:
        await database.close()
    Console().print(table if rows else "No cadres yet: add one with `kader cadre add`.")
    return 0
