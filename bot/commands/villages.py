"""`kader village search`: Kemendagri villages."""

from __future__ import annotations

import argparse
from typing import Any

from rich.console import Console
from rich.table import Table

from bot.commands.base import CommandError, add_command
from bot.settings import Settings
from rules.timezones import zone_label


def register(commands: Any) -> None:
    """Adds the `village` group to the `kader` parser."""
    village = add_command(commands, "village", "Kemendagri villages")
    village_commands = village.add_subparsers(dest="village_command", metavar="COMMAND", required=True)
    search = add_command(village_commands, "search", "find villages by name, kecamatan or code prefix")
    search.add_argument(
        "text", nargs="+", help="part of a village name (sungai lembu, sei lembu), a kecamatan, or a code prefix"
    )
    search.add_argument("--limit", type=int, default=20, help="at most this many results (default 20)")
    search.set_defaults(run=_village_search, is_async=False)


def _village_search(args: argparse.Namespace, settings: Settings) -> int:
    from rules.regions import find_villages

    if args.limit < 1:
        raise CommandError("--limit must be at least 1")
    matches = find_villages(" ".join(args.text), limit=args.limit)
    found = matches.villages
    if not matches.total:
        print("No village matches. Try part of the name, or a code prefix such as 63.10.02.")
        return 1
    table = Table(title=f"Villages matching {' '.join(args.text)!r}")
    table.add_column("Code", no_wrap=True)  # a code must stay whole (and copyable) in a narrow terminal or pipe
    for column in ("Village", "Kecamatan", "Kabupaten/Kota", "Province", "Zone"):
        table.add_column(column)
    for v in found:
        table.add_row(v.code, v.name, v.district, v.regency, v.province, zone_label(v.timezone))
    if len(found) < matches.total:
        table.caption = f"showing {len(found)} of {matches.total}; use --limit {_all_of(matches.total)} to see all"
    Console().print(table)
    return 0


def _all_of(total: int) -> int:
    """A --limit that shows all `total` matches, rounded up to a ten (22 → 30)."""
    return -(-total // 10) * 10
