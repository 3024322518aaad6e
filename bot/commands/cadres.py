"""`kader cadre add | list | deactivate | invite | move`: cadres and admins, their Telegram invites and workers."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table

from bot.commands.base import CommandError, add_command, add_database_option, database_url, known_village, read_phone
from bot.settings import Settings

MIN_INVITE_HOURS = 1
MAX_INVITE_HOURS = 24 * 30


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
    invite = add_command(cadre_commands, "invite", "print a single-use, expiring Telegram link for a cadre")
    invite.add_argument("--phone", required=True, help="the cadre's phone, e.g. 0812 3456 7890")
    invite.add_argument(
        "--hours",
        type=int,
        metavar="N",
        help=f"hours the link stays valid, {MIN_INVITE_HOURS}-{MAX_INVITE_HOURS} (default: $CADRE_INVITE_HOURS or 72)",
    )
    add_database_option(invite)
    invite.set_defaults(run=_cadre_invite, is_async=True)
    move = add_command(cadre_commands, "move", "reassign the workers a cadre registered to another cadre")
    move.add_argument("--from", dest="source", required=True, metavar="PHONE", help="the phone of the cadre leaving")
    move.add_argument("--to", dest="target", required=True, metavar="PHONE", help="the phone of the cadre taking over")
    move.add_argument("--village", metavar="CODE", help="only the workers of this village (default: all of them)")
    add_database_option(move)
    move.set_defaults(run=_cadre_move, is_async=True)


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
    from storage import audit, cadre_invites, people

    phone = read_phone(args.phone)
    database = prepare_database(database_url(args, settings))
    try:
        async with database.transaction() as session:
            found = await people.remove_roles(session, phone)
            if found is None:
                raise CommandError(f"no cadre or admin has the phone {phone} (see `kader cadre list`)")
            person, removed = found
            workers = await people.count_registered_by(session, person.id)
            revoked = await cadre_invites.revoke_for_person(session, person.id)
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
    revoked_note = f" Their {revoked} unused Telegram invite link(s) no longer work." if revoked else ""
    move_hint = f" Reassign them with: kader cadre move --from {phone} --to PHONE" if workers else ""
    print(
        f"{name} ({phone}) is no longer {was}. The {workers} worker(s) they registered stay registered."
        f"{move_hint}{revoked_note}"
    )
    return 0


async def _cadre_invite(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import prepare_database
    from storage import cadre_invites, people

    phone = read_phone(args.phone)
    hours = settings.cadre_invite_hours if args.hours is None else args.hours
    if not MIN_INVITE_HOURS <= hours <= MAX_INVITE_HOURS:
        raise CommandError(f"--hours must be from {MIN_INVITE_HOURS} to {MAX_INVITE_HOURS}, not {hours}")
    database = prepare_database(database_url(args, settings))
    try:
        async with database.transaction() as session:
            staff = await people.staff_by_phone(session, phone)
        if staff is None or not (staff.is_cadre or staff.is_admin):
            raise CommandError(f"no active cadre or admin has the phone {phone} (see `kader cadre list`)")
        username = await _bot_username(settings)  # before the invite is made: a failure leaves nothing behind
        async with database.transaction() as session:
            invite = await cadre_invites.create_invite(session, staff.person_id, phone, timedelta(hours=hours))
    finally:
        await database.close()
    print(f"Telegram invite for {staff.name} ({phone}), {_role(staff.is_admin, staff.village_codes)}:")
    print(f"https://t.me/{username}?start={invite.token}")
    revoked = f" Their {invite.revoked} earlier link(s) no longer work." if invite.revoked else ""
    print(
        f"Valid once, until {_local_time(invite.expires_at, staff.village_codes)}: opening it and sharing the number"
        f" {phone} links their Telegram chat.{revoked} Send it to this cadre only."
    )
    return 0


def _local_time(moment: datetime, village_codes: tuple[str, ...]) -> str:
    """A time in the first village's time zone (WIB for an admin of no village): "2026-12-02 19:00 WITA"."""
    from rules.timezones import JAKARTA, zone_for_village, zone_label

    zone = zone_for_village(village_codes[0]) if village_codes else JAKARTA
    return f"{moment.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} {zone_label(zone)}"


async def _bot_username(settings: Settings) -> str:
    """The bot's @username for t.me links: TELEGRAM_BOT_USERNAME, else asked of the Bot API (getMe)."""
    if settings.telegram_bot_username:
        return settings.telegram_bot_username
    if not settings.telegram_bot_token:
        raise CommandError(
            "set TELEGRAM_BOT_USERNAME (the bot's @username, without the @) or TELEGRAM_BOT_TOKEN to build the link"
        )
    from telegram.error import TelegramError

    from bot.telegram.botapi import explain, make_bot

    try:
        async with make_bot(settings) as bot:
            me = await bot.get_me()
    except TelegramError as error:
        raise CommandError(explain(error, settings)) from error
    if not me.username:
        raise CommandError("the Bot API gave no username for this bot: set TELEGRAM_BOT_USERNAME")
    return me.username


async def _cadre_move(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import prepare_database
    from storage import people

    source_phone, target_phone = read_phone(args.source), read_phone(args.target)
    if source_phone == target_phone:
        raise CommandError("--from and --to are the same phone")
    village = known_village(args.village).code if args.village else None
    database = prepare_database(database_url(args, settings))
    try:
        async with database.transaction() as session:
            source = await people.staff_by_phone(session, source_phone)
            if source is None:
                raise CommandError(f"no cadre or admin has the phone {source_phone} (see `kader cadre list`)")
            target = await people.staff_by_phone(session, target_phone)
            if target is None or not target.is_cadre:
                raise CommandError(f"no active cadre has the phone {target_phone} (see `kader cadre list`)")
            if village is not None and village not in target.village_codes:
                raise CommandError(f"{target.name} is not a cadre of {_village(village)}: nothing moved")
            moved = await people.move_workers(session, source, target, village)
    finally:
        await database.close()
    if moved.unserved:
        raise CommandError(
            f"{target.name} is not a cadre of {', '.join(_village(code) for code in moved.unserved)},"
            f" where some of {source.name}'s workers live: nothing moved."
            " Add the village with `kader cadre add`, or move one village with --village CODE"
        )
    where = f" of {_village(village)}" if village else ""
    if not moved.worker_ids:
        print(f"{source.name} ({source_phone}) has no registered workers{where}; nothing moved.")
        return 0
    print(
        f"Moved {len(moved.worker_ids)} worker(s){where} from {source.name} ({source_phone})"
        f" to {target.name} ({target_phone})."
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
