"""`kader serve`: the web process."""

from __future__ import annotations

import argparse
from typing import Any

from bot.commands.base import add_command
from bot.settings import Settings


def register(commands: Any) -> None:
    """Adds `serve` to the `kader` parser."""
    serve = add_command(commands, "serve", "run the web process: webhooks of the enabled channels, /healthz")
    serve.add_argument("--host", help="address to listen on (default: $HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default: $PORT or 8000)")
    serve.set_defaults(run=_serve, is_async=True)


async def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.serve import serve

    await serve(settings, args.host or settings.host, args.port or settings.port)
    return 0
