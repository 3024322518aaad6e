"""`kader export workers`: data for the branch office, NIKs masked unless --full-nik (which is audited)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from bot.commands.base import CommandError, add_command, add_database_option, database_url, known_village
from bot.settings import Settings


def register(commands: Any) -> None:
    """Adds the `export` group to the `kader` parser."""
    export = add_command(commands, "export", "export data for the branch office")
    export_commands = export.add_subparsers(dest="export_command", metavar="COMMAND", required=True)
    workers = add_command(export_commands, "workers", "one row per registered worker (CSV to stdout by default)")
    workers.add_argument("--village", metavar="CODE", help="only this Kemendagri village")
    workers.add_argument("--format", choices=("csv", "xlsx"), default="csv", help="file format (default csv)")
    workers.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    workers.add_argument(
        "--full-nik", action="store_true", help="whole NIKs instead of 631002******0001 (recorded in the audit trail)"
    )
    workers.add_argument("--actor", metavar="PHONE", help="the admin exporting, recorded with --full-nik")
    add_database_option(workers)
    workers.set_defaults(run=_export_workers, is_async=True)


async def _export_workers(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import date

    from bot.commands.audit import acting_admin
    from bot.export import export_csv, export_xlsx
    from bot.runtime import prepare_database

    village = known_village(args.village).code if args.village else None
    if args.format == "xlsx" and not args.output:
        raise CommandError("XLSX needs a file: add -o workers.xlsx")
    database = prepare_database(database_url(args, settings))
    today = date.today()
    try:
        actor = None
        if args.actor:
            async with database.transaction() as session:
                actor = await acting_admin(session, args.actor)
        options = {"full_nik": args.full_nik, "actor_person_id": actor}
        if args.output:
            _private_file(Path(args.output))
        if args.format == "xlsx":
            count = await export_xlsx(database, Path(args.output), today, village, **options)
        elif args.output:
            with open(args.output, "w", newline="", encoding="utf-8") as output:
                count = await export_csv(database, output, today, village, **options)
        else:
            stdout = _PipeOutput(sys.stdout)
            count = await export_csv(database, stdout, today, village, **options)
            if stdout.closed_early:
                raise BrokenPipeError("the reader closed standard output")  # main() ends quietly
    finally:
        await database.close()
    if args.output:
        print(f"{count} worker(s) written to {args.output}", file=sys.stderr)
    return 0


def _private_file(path: Path) -> None:
    """Creates (or narrows) the export file as its owner's only before any personal data is written to it."""
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)


class _PipeOutput:
    """Standard output that drops what follows once its reader has gone (`| head -2`), so the rows' transaction ends
    normally instead of being torn down mid-read."""

    def __init__(self, output: TextIO) -> None:
        self.output = output
        self.closed_early = False

    def write(self, text: str) -> int:
        """Writes the text, or drops it once the reader has gone."""
        if not self.closed_early:
            try:
                return self.output.write(text)
            except BrokenPipeError:
                self.closed_early = True
        return len(text)
