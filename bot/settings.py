"""Settings read from the environment, each with a documented default."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.media_types import SNIFFABLE_TYPES
from storage.urls import DEFAULT_DATABASE_URL

DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org/bot"
TEMPLATE_PREFIX = "TWILIO_TEMPLATE_"
MAX_MONTHS_AHEAD_LIMIT = 120
DEFAULT_MEDIA_MAX_BYTES = 10 * 1024 * 1024
MEDIA_MAX_BYTES_LIMIT = 100 * 1024 * 1024
DEFAULT_MEDIA_TYPES = ("image/jpeg", "image/png", "image/webp", "application/pdf")


@dataclass(frozen=True)
class Settings:
    """The process's configuration; a channel whose settings are missing is simply off."""

    database_url: str = DEFAULT_DATABASE_URL
    log_level: str = "WARNING"
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = None
    telegram_bot_token: str | None = None
    telegram_api_url: str = DEFAULT_TELEGRAM_API_URL
    telegram_webhook_secret: str | None = None
    telegram_bot_username: str | None = None
    # Messages a second to Telegram in all, and the share proactive ones may take (replies are never paced).
    telegram_max_per_second: int = 30
    telegram_proactive_per_second: int = 25
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_whatsapp_from: str | None = None
    twilio_api_url: str | None = None
    twilio_templates: Mapping[str, str] = field(default_factory=dict)
    worker_min_age: int = 15
    worker_max_age: int = 65
    stranger_checks_per_hour: int = 60
    messages_per_minute: int = 30
    max_request_bytes: int = 256 * 1024
    payment_void_days: int = 30
    payment_max_months_ahead: int = 12
    cadre_invite_hours: int = 72
    # Days a received message id is remembered for de-duplication (Telegram retries for about a day at most).
    received_retention_days: int = 14
    # Documents people send: None keeps them in media/ beside the SQLite file (or the working directory).
    media_dir: str | None = None
    media_max_bytes: int = DEFAULT_MEDIA_MAX_BYTES
    media_types: tuple[str, ...] = DEFAULT_MEDIA_TYPES
    # WhatsApp messages kept on disk while the database is down: None keeps them in inbox-spool/ beside the SQLite
    # file (or in the working directory), replayed into the inbox when the database is back.
    inbox_spool_dir: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from environment variables; see the README for each one."""
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        templates = {
            name[len(TEMPLATE_PREFIX) :].lower(): value.strip()
            for name, value in env.items()
            if name.startswith(TEMPLATE_PREFIX) and value.strip()
        }
        return cls(
            database_url=get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            log_level=(get("LOG_LEVEL") or "WARNING").upper(),
            host=get("HOST") or "127.0.0.1",
            port=int(get("PORT") or 8000),
            public_url=(get("PUBLIC_URL") or "").rstrip("/") or None,
            telegram_bot_token=get("TELEGRAM_BOT_TOKEN"),
            telegram_api_url=get("TELEGRAM_API_URL") or DEFAULT_TELEGRAM_API_URL,
            telegram_webhook_secret=get("TELEGRAM_WEBHOOK_SECRET"),
            telegram_bot_username=(get("TELEGRAM_BOT_USERNAME") or "").lstrip("@") or None,
            telegram_max_per_second=_telegram_rate(get("TELEGRAM_MAX_PER_SECOND")),
            telegram_proactive_per_second=_proactive_rate(
                get("TELEGRAM_PROACTIVE_PER_SECOND"), _telegram_rate(get("TELEGRAM_MAX_PER_SECOND"))
            ),
            twilio_account_sid=get("TWILIO_ACCOUNT_SID"),
            twilio_auth_token=get("TWILIO_AUTH_TOKEN"),
            twilio_whatsapp_from=get("TWILIO_WHATSAPP_FROM"),
            twilio_api_url=(get("TWILIO_API_URL") or "").rstrip("/") or None,
            twilio_templates=templates,
            worker_min_age=int(get("WORKER_MIN_AGE") or 15),
            worker_max_age=int(get("WORKER_MAX_AGE") or 65),
            stranger_checks_per_hour=int(get("STRANGER_CHECKS_PER_HOUR") or 60),
            messages_per_minute=int(get("MESSAGES_PER_MINUTE") or 30),
            max_request_bytes=int(get("MAX_REQUEST_BYTES") or 256 * 1024),
            payment_void_days=_within("PAYMENT_VOID_DAYS", get("PAYMENT_VOID_DAYS"), 30, 0, 3650),
            payment_max_months_ahead=_within(
                "PAYMENT_MAX_MONTHS_AHEAD", get("PAYMENT_MAX_MONTHS_AHEAD"), 12, 0, MAX_MONTHS_AHEAD_LIMIT
            ),
            cadre_invite_hours=_within("CADRE_INVITE_HOURS", get("CADRE_INVITE_HOURS"), 72, 1, 24 * 30),
            received_retention_days=_within("RECEIVED_RETENTION_DAYS", get("RECEIVED_RETENTION_DAYS"), 14, 1, 3650),
            media_dir=get("MEDIA_DIR"),
            media_max_bytes=_within(
                "MEDIA_MAX_BYTES", get("MEDIA_MAX_BYTES"), DEFAULT_MEDIA_MAX_BYTES, 1, MEDIA_MAX_BYTES_LIMIT
            ),
            media_types=_media_types(get("MEDIA_TYPES")),
            inbox_spool_dir=get("INBOX_SPOOL_DIR"),
        )

    @property
    def telegram_enabled(self) -> bool:
        """Whether Telegram is configured (a bot token is set)."""
        return self.telegram_bot_token is not None

    @property
    def whatsapp_enabled(self) -> bool:
        """Whether WhatsApp through Twilio is configured (account, token and sender are set)."""
        return bool(self.twilio_account_sid and self.twilio_auth_token and self.twilio_whatsapp_from)


def _media_types(value: str | None) -> tuple[str, ...]:
    """MEDIA_TYPES: a comma-separated list of types the media store recognises (the default when unset)."""
    if value is None:
        return DEFAULT_MEDIA_TYPES
    types = tuple(dict.fromkeys(part.strip().lower() for part in value.split(",") if part.strip()))
    unknown = [t for t in types if t not in SNIFFABLE_TYPES]
    if not types or unknown:
        known = ", ".join(sorted(SNIFFABLE_TYPES))
        raise ValueError(f"MEDIA_TYPES must list types from {known}, not {value!r}")
    return types


def _telegram_rate(value: str | None) -> int:
    """TELEGRAM_MAX_PER_SECOND: the messages a second the bot may send to Telegram in all (default 30)."""
    return _within("TELEGRAM_MAX_PER_SECOND", value, 30, 1, 1000)


def _proactive_rate(value: str | None, overall: int) -> int:
    """TELEGRAM_PROACTIVE_PER_SECOND: the share of the overall rate proactive messages may take (default 25)."""
    return _within("TELEGRAM_PROACTIVE_PER_SECOND", value, min(25, overall), 1, overall)


def _within(name: str, value: str | None, default: int, low: int, high: int) -> int:
    """A whole-number setting from low to high (the default when unset), or a ValueError naming it."""
    if value is None:
        return default
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, not {value!r}")
    return int(value)
