"""`kader shell`: talk to the bot in this terminal."""

from __future__ import annotations

import argparse
from typing import Any

from bot.commands.base import add_command, add_database_option, database_url, read_phone
from bot.settings import Settings


def register(commands: Any) -> None:
    """Adds `shell` to the `kader` parser."""
    shell = add_command(commands, "shell", "talk to the bot in this terminal (no tokens needed)")
    shell.add_argument("--phone", help="the phone you talk as, e.g. +6281234567890 (default: the demo cadre)")
    shell.add_argument("--lang", choices=("id", "en"), help="conversation language (default: as remembered)")
    shell.add_argument("--echo", action="store_true", help="print each line read from a pipe ('> 1') before its answer")
    shell.add_argument(
        "--media-dir",
        metavar="DIR",
        help="where `/foto PATH` keeps files (default: $MEDIA_DIR, or media/ beside the SQLite database)",
    )
    add_database_option(shell)
    shell.set_defaults(run=_shell, is_async=True)


async def _shell(args: argparse.Namespace, settings: Settings) -> int:
    from bot.console import ConsoleShell
    from bot.demo import DEMO_PHONE, seed_demo_if_empty
    from bot.media_store import MediaStore, default_media_dir
    from bot.runtime import build_engine, prepare_database

    phone = read_phone(args.phone) if args.phone else DEMO_PHONE
    url = database_url(args, settings)
    database = prepare_database(url)
    media = MediaStore.from_settings(settings, args.media_dir or settings.media_dir or default_media_dir(url))
    try:
        seed = None if args.phone else await seed_demo_if_empty(database)
        shell = ConsoleShell(build_engine(database, settings), database, phone, echo=args.echo, media=media)
        if args.lang:
            await shell.set_language(args.lang)
        await shell.greet(seed)
        await shell.run()
    finally:
        await database.close()
    return 0
