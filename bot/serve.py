"""`kader serve`: the web process under uvicorn.

The channels start before the server does, so a channel that cannot start (an unreachable Bot API) ends the command
with one `kader: error:` line; they stop inside the server's shutdown, after the last request. uvicorn writes through
kader's own logging (bot/logs.py: redacted, libraries at WARNING and above), not through a configuration of its own.
"""

from __future__ import annotations

import logging

import uvicorn

from bot.commands.base import CommandError
from bot.enabled_channels import enabled_channels
from bot.runtime import build_engine, housekeep_at_start, prepare_database
from bot.settings import Settings
from bot.web import Channels, ChannelStartError, create_app

log = logging.getLogger("kader.serve")


async def serve(settings: Settings, host: str, port: int) -> None:
    """Runs the web app with every enabled channel until interrupted."""
    database = prepare_database(settings.database_url)
    try:
        await housekeep_at_start(database, settings)
        engine = build_engine(database, settings, keep_replies=True)  # both channels confirm each reply sent
        app = create_app(database, enabled_channels(settings, database, engine))
        channels: Channels = app.state.channels
        try:
            await channels.start()
        except ChannelStartError as error:
            raise CommandError(str(error)) from error
        config = uvicorn.Config(
            app, host=host, port=port, log_config=None, log_level=None, access_log=False, lifespan="on"
        )
        server = uvicorn.Server(config)
        log.info("serving on http://%s:%d channels=%s", host, port, ",".join(c.name for c in channels.all) or "none")
        try:
            await server.serve()
        except SystemExit as exit_:
            if exit_.code:  # uvicorn has logged why (an address in use, say)
                raise CommandError(f"the web server could not start on {host}:{port} (see the error above)") from None
            raise
        finally:
            await channels.stop()  # nothing left to do when the server's shutdown has stopped them
    finally:
        await database.close()
