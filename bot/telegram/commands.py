"""`kader poll` and `kader telegram set-webhook | delete-webhook | webhook-info`.

Only argparse is imported here, so other commands do not pay for importing python-telegram-bot.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import Any

from bot.commands.base import CommandError, add_command, add_database_option, database_url
from bot.settings import Settings


def register(commands: Any) -> None:
    """Adds `poll` and the `telegram` group to the `kader` parser."""
    poll = add_command(commands, "poll", "run the Telegram bot by long polling (for a host with no public URL)")
    poll.add_argument("--drop-pending", action="store_true", help="discard updates that waited while the bot was down")
    add_database_option(poll)
    poll.set_defaults(run=_poll, is_async=True)

    telegram = add_command(commands, "telegram", "Telegram Bot API setup")
    telegram_commands = telegram.add_subparsers(dest="telegram_command", metavar="COMMAND", required=True)
    set_hook = add_command(
        telegram_commands, "set-webhook", "register PUBLIC_URL/telegram/webhook with TELEGRAM_WEBHOOK_SECRET"
    )
    set_hook.add_argument("--drop-pending", action="store_true", help="discard updates waiting at Telegram")
    set_hook.set_defaults(run=_set_webhook, is_async=True)
    delete_hook = add_command(telegram_commands, "delete-webhook", "remove the webhook (then run `kader poll`)")
    delete_hook.add_argument("--drop-pending", action="store_true", help="discard updates waiting at Telegram")
    delete_hook.set_defaults(run=_delete_webhook, is_async=True)
    info = add_command(telegram_commands, "webhook-info", "show the registered webhook and pending updates")
    info.set_defaults(run=_webhook_info, is_async=True)


async def _poll(args: argparse.Namespace, settings: Settings) -> int:
    from telegram.error import TelegramError

    from bot.runtime import build_engine, housekeep_at_start, prepare_database
    from bot.telegram.botapi import explain
    from bot.telegram.channel import TelegramChannel

    if not settings.telegram_bot_token:
        raise CommandError("TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and set its token")
    database = prepare_database(database_url(args, settings))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)

    def request_stop() -> None:
        """Stops gracefully on the first signal; a second one interrupts at once."""
        stop.set()  # a graceful stop: updates in flight are finished and answered
        for sig in signals:
            loop.remove_signal_handler(sig)  # a second Ctrl-C interrupts at once

    for sig in signals:
        loop.add_signal_handler(sig, request_stop)
    try:
        await housekeep_at_start(database, settings)
        engine = build_engine(database, settings, keep_replies=True)  # sent replies are confirmed, see channel.py
        channel = TelegramChannel(settings, database, engine, polling=True)

        def ready(username: str) -> None:
            """Says on standard error that polling runs, and as which bot."""
            print(f"kader: polling Telegram as @{username} (Ctrl-C to stop)", file=sys.stderr, flush=True)

        await channel.poll(stop, drop_pending=args.drop_pending, on_ready=ready)
    except TelegramError as error:
        raise CommandError(explain(error, settings)) from error
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
        await database.close()
    print("kader: polling stopped", file=sys.stderr, flush=True)
    return 0


async def _set_webhook(args: argparse.Namespace, settings: Settings) -> int:
    from bot.telegram.botapi import TelegramSetupError, set_webhook

    try:
        info = await set_webhook(settings, drop_pending=args.drop_pending)
    except TelegramSetupError as error:
        raise CommandError(str(error)) from error
    print(f"webhook set: {info.url} (pending updates: {info.pending_update_count})")
    return 0


async def _delete_webhook(args: argparse.Namespace, settings: Settings) -> int:
    from bot.telegram.botapi import TelegramSetupError, delete_webhook

    try:
        info = await delete_webhook(settings, drop_pending=args.drop_pending)
    except TelegramSetupError as error:
        raise CommandError(str(error)) from error
    print(f"webhook deleted (pending updates: {info.pending_update_count}); run `kader poll` to receive them")
    return 0


async def _webhook_info(_args: argparse.Namespace, settings: Settings) -> int:
    from bot.telegram.botapi import TelegramSetupError, webhook_info

    try:
        info = await webhook_info(settings)
    except TelegramSetupError as error:
        raise CommandError(str(error)) from error
    print(f"url: {info.url or '(none: updates wait for `kader poll`)'}")
    print(f"pending updates: {info.pending_update_count}")
    if info.allowed_updates:
        print(f"update types: {', '.join(info.allowed_updates)}")
    if info.last_error_message:
        print(f"last error: {info.last_error_message} at {info.last_error_date}")
    return 0
