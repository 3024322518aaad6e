"""The channels a process runs: each is on when its settings are present, and says so once when off."""

from __future__ import annotations

import logging

from bot.channel_protocol import Channel
from bot.settings import Settings
from flows.engine import Engine
from storage.database import Database

log = logging.getLogger("kader.channels")


def enabled_channels(settings: Settings, database: Database, engine: Engine) -> list[Channel]:
    """The channel adapters whose settings are complete; the others are logged as off."""
    channels: list[Channel] = []
    if settings.telegram_enabled:
        from bot.telegram.channel import TelegramChannel

        channels.append(TelegramChannel(settings, database, engine))
    else:
        log.warning("telegram is off: TELEGRAM_BOT_TOKEN is not set")
    if settings.whatsapp_enabled:
        from bot.whatsapp.channel import WhatsAppChannel

        channels.append(WhatsAppChannel(settings, database, engine))
    else:
        log.warning("whatsapp is off: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_WHATSAPP_FROM are not all set")
    return channels
