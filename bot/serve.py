"""`kader serve`: the web process under uvicorn."""

from __future__ import annotations

import logging

import uvicorn

from bot.enabled_channels import enabled_channels
from bot.runtime import build_engine, prepare_database
from bot.settings import Settings
from bot.web import create_app

log = logging.getLogger("kader.serve")


async def serve(settings: Settings, host: str, port: int) -> None:
    """Runs the web app with every enabled channel until interrupted."""
    database = prepare_database(settings.database_url)
    try:
        engine = build_engine(database, settings)
        app = create_app(database, enabled_channels(settings, database, engine))
        config = uvicorn.Config(app, host=host, port=port, log_level=settings.log_level.lower(), lifespan="on")
        await uvicorn.Server(config).serve()
    finally:
        await database.close()
