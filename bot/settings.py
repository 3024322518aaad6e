"""Settings read from the environment, each with a documented default."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from storage.urls import DEFAULT_DATABASE_URL

DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org/bot"
TEMPLATE_PREFIX = "TWILIO_TEMPLATE_"
MAX_MONTHS_AHEAD_LIMIT = 120


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
        )

    @property
    def telegram_enabled(self) -> bool:
        """Whether Telegram is configured (a bot token is set)."""
        return self.telegram_bot_token is not None

    @property
    def whatsapp_enabled(self) -> bool:
        """Whether WhatsApp through Twilio is configured (account, token and sender are set)."""
        return bool(self.twilio_account_sid and self.twilio_auth_token and self.twilio_whatsapp_from)


def _within(name: str, value: str | None, default: int, low: int, high: int) -> int:
    """A whole-number setting from low to high (the default when unset), or a ValueError naming it."""
    if value is None:
        return default
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, not {value!r}")
    return int(value)
