"""Logging with no personal data: libraries kept at WARNING, and every line redacted before it is written.

`configure_logging` (called by `kader` for every command) installs one handler on the root logger, through which every
library's logger then writes (handlers a library gave its own loggers are detached), with two filters:
- `LibraryGate` drops records below WARNING (or below LOG_LEVEL when it is higher) from every logger that is not
  kader's own, so no library's DEBUG or INFO output (aiosqlite's parameters, httpx's URLs with the bot token, the
  Twilio client's requests, PTB's whole updates) is written whatever LOG_LEVEL says;
- `Redactor`, the last line of defence, renders each record's message, exception and stack into one text and replaces
  in it any 16-digit NIK-like number, any Indonesian phone number, credentials in URLs, anything shaped like a
  Telegram bot token and the configured secrets (bot token, Twilio auth token, webhook secret, database password).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO
from urllib.parse import quote

from sqlalchemy.engine import make_url

from bot.settings import Settings

# Loggers of this project: they follow LOG_LEVEL. Every other logger is a library's.
OWN_LOGGERS = ("kader", "bot", "flows", "storage", "rules")
# Libraries known to log personal data or secrets below WARNING; each is set to WARNING (or LOG_LEVEL if higher) so
# its records are not even made. Any other library is stopped by LibraryGate at the handler.
LIBRARY_LOGGERS = (
    "aiosqlite",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "httpx",
    "httpcore",
    "h11",
    "h2",
    "hpack",
    "anyio",
    "telegram",
    "twilio",
    "aiohttp",
    "urllib3",
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "uvicorn.asgi",
    "starlette",
    "asyncio",
    "apscheduler",
    "openpyxl",
    "multipart",
    "python_multipart",
)
LIBRARY_FLOOR = logging.WARNING
FORMAT = "%(levelname)s %(name)s %(message)s"
SHORTEST_SECRET = 3  # a shorter "secret" would garble every line it occurs in, and protects nothing

NIK_MARK = "[nik]"
PHONE_MARK = "[phone]"
SECRET_MARK = "[secret]"

# 16 digits, alone or in groups separated by single spaces, dots or dashes ("6310 0545 0880 0001").
_NIK = re.compile(r"(?<!\d)(?:\d[ .-]?){15}\d(?!\d)")
# +62 followed by 7 to 13 digits (any Indonesian number), 62 8… (WhatsApp ids) and 08… mobiles, with the separators
# people type: spaces, dots, dashes, slashes and parentheses.
_PHONE = re.compile(
    r"(?<![\d+])(?:\+[ ]?62(?:[ .()/-]{0,2}\d){7,13}"
    r"|62[ .-]?8(?:[ .()/-]{0,2}\d){7,11}"
    r"|\(?0\)?[ .-]?8(?:[ .()/-]{0,2}\d){7,11})(?!\d)"
)
# user:password@ in any URL.
_URL_CREDENTIALS = re.compile(r"(?P<prefix>[A-Za-z][A-Za-z0-9+.-]*://[^:/?#@\s]*):[^@/?#\s]+@")
# A Telegram bot token: the bot's id, a colon, 30 or more URL-safe characters.
_BOT_TOKEN = re.compile(r"(?<!\d)\d{5,12}:[A-Za-z0-9_-]{30,}")


class Redaction:
    """Replaces personal data and secrets in a text: what the log handler and `kader: error:` lines use."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        variants: set[str] = set()
        for secret in secrets:
            if secret and len(secret) >= SHORTEST_SECRET:
                variants.update({secret, quote(secret, safe=""), quote(secret, safe="/:")})
        self._secrets = sorted(variants, key=len, reverse=True)

    def secrets(self, text: str) -> str:
        """The text with the configured secrets, bot tokens and URL passwords hidden (names and numbers kept)."""
        for secret in self._secrets:
            text = text.replace(secret, SECRET_MARK)
        text = _BOT_TOKEN.sub(SECRET_MARK, text)
        return _URL_CREDENTIALS.sub(r"\g<prefix>:***@", text)

    def all(self, text: str) -> str:
        """The text with secrets, NIK-like numbers and Indonesian phone numbers hidden."""
        text = self.secrets(text)
        text = _NIK.sub(NIK_MARK, text)
        return _PHONE.sub(PHONE_MARK, text)


def settings_secrets(settings: Settings) -> list[str | None]:
    """The secrets among the settings: bot token, Twilio auth token, webhook secret, database password."""
    secrets: list[str | None] = [
        settings.telegram_bot_token,
        settings.twilio_auth_token,
        settings.telegram_webhook_secret,
    ]
    try:
        url = make_url(settings.database_url.strip())
    except Exception:  # noqa: BLE001 - an unreadable URL is refused elsewhere; here it only has no password
        return secrets
    secrets.append(url.password if isinstance(url.password, str) else None)
    for key in ("password", "sslpassword"):
        value = url.query.get(key)
        secrets.extend([value] if isinstance(value, str) else list(value or ()))
    return secrets


class LibraryGate(logging.Filter):
    """Lets through kader's own records at any level, and a library's only at WARNING or above (or LOG_LEVEL)."""

    def __init__(self, floor: int = LIBRARY_FLOOR) -> None:
        super().__init__()
        self.floor = floor

    def filter(self, record: logging.LogRecord) -> bool:
        """Whether the record is kader's own or a library's at the floor or above."""
        return is_own(str(getattr(record, "name", ""))) or _level(record) >= self.floor


class Redactor(logging.Filter):
    """Renders a record into one redacted message (exception and stack included); never lets a record crash."""

    def __init__(self, redaction: Redaction) -> None:
        super().__init__()
        self.redaction = redaction
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        """Always True: the record is kept, with its message replaced by the redacted rendering."""
        try:
            text = self.redaction.all(self._render(record))
        except Exception:  # noqa: BLE001 - a log line must never break the program, nor leak when redaction fails
            text = "[log message withheld: it could not be redacted]"
        record.msg = text
        record.args = None
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True

    def _render(self, record: logging.LogRecord) -> str:
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a message and arguments that do not fit: say so, show neither
            text = f"[unformattable log message from {record.pathname}:{record.lineno}]"
        parts = [text]
        if record.exc_info and record.exc_info[0] is not None:
            parts.append(self._formatter.formatException(record.exc_info))
        elif record.exc_text:
            parts.append(str(record.exc_text))
        if record.stack_info:
            parts.append(self._formatter.formatStack(record.stack_info))
        return "\n".join(parts)


class KaderHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The root handler kader installs: to the given stream, or to whatever sys.stderr is when a line is written."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self._fixed = stream

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        """The stream lines go to (sys.stderr looked up at each line unless one was given)."""
        return self._fixed if self._fixed is not None else sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        self._fixed = value


def is_own(name: str) -> bool:
    """Whether a logger name is one of kader's own (kader.*, or a module of bot, flows, storage, rules)."""
    return any(name == root or name.startswith(root + ".") for root in OWN_LOGGERS)


def _level(record: logging.LogRecord) -> int:
    level = getattr(record, "levelno", 0)
    return level if isinstance(level, int) else 0


def level_number(level: str) -> int:
    """The number of a logging level's name (DEBUG, INFO, WARNING, ERROR, CRITICAL); ValueError if it is none."""
    number = logging.getLevelNamesMapping().get(level.upper())
    if number is None:
        raise ValueError(f"LOG_LEVEL={level!r} is not a logging level (use DEBUG, INFO, WARNING or ERROR)")
    return number


_active = Redaction()


def redact_secrets(text: str) -> str:
    """The text with the configured secrets hidden: for `kader: error:` lines, which may quote what was typed."""
    return _active.secrets(text)


def _through_root_only() -> None:
    """Detaches the handlers a library gave its own loggers (uvicorn's default configuration, say), so that
    every line reaches the one filtered handler instead of bypassing it."""
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and not is_own(name) and logger.handlers:
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
            logger.propagate = True


def configure_logging(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    """Sets up logging for a process: kader's loggers at LOG_LEVEL, libraries at WARNING+, every line redacted."""
    global _active
    level = level_number(settings.log_level)
    _active = Redaction(settings_secrets(settings))
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, KaderHandler)]:
        root.removeHandler(handler)
        handler.close()
    handler = KaderHandler(stream)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(LibraryGate(max(LIBRARY_FLOOR, level)))
    handler.addFilter(Redactor(_active))
    root.addHandler(handler)
    root.setLevel(level)
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(max(LIBRARY_FLOOR, level))
    _through_root_only()
    logging.captureWarnings(True)  # warnings become py.warnings records, redacted like the rest
    return handler
