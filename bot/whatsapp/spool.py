"""The WhatsApp spool: messages kept on local disk while the database is down, replayed into the inbox when it is back.

Twilio does not retry a webhook, so a message that cannot be written to the inbox is written here instead: one JSON
file per message, named by its MessageSid, holding the signed form and when it arrived. The directory is 0700 and
every file 0600 (the form carries the person's text and phone); a file is written to a temporary name, flushed to
disk and renamed, so it appears whole or not at all. A file is deleted only after its inbox row is committed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.private_directory import ensure_private_directory
from bot.settings import Settings
from storage.urls import sqlite_path

log = logging.getLogger("kader.whatsapp.spool")

SPOOL_SUBDIRECTORY = "inbox-spool"
SUFFIX = ".json"
_TEMP_PREFIX = ".incoming-"
_SAFE_NAME = re.compile(r"[A-Za-z0-9_-]{1,100}", re.ASCII)


def default_spool_dir(database_url: str) -> Path:
    """`inbox-spool/` beside the SQLite database file, or in the working directory for a server database."""
    database_file = sqlite_path(database_url)
    if database_file is not None:
        return database_file.parent / SPOOL_SUBDIRECTORY
    return Path(SPOOL_SUBDIRECTORY)


def file_name(message_sid: str) -> str:
    """The spool file of a MessageSid: the sid itself when it is a safe name, else its SHA-256 (never a path)."""
    if _SAFE_NAME.fullmatch(message_sid):
        return message_sid + SUFFIX
    return "sid-" + hashlib.sha256(message_sid.encode()).hexdigest() + SUFFIX


@dataclass(frozen=True)
class Spooled:
    """One message waiting on disk: its file, the signed form and when the webhook received it."""

    path: Path
    form: dict[str, str]
    received_at: datetime


class Spool:
    """A directory of messages that arrived while the database was down (created on first use, 0700)."""

    def __init__(self, directory: Path | str) -> None:
        """The spool over `directory`."""
        self.directory = Path(directory)

    @classmethod
    def from_settings(cls, settings: Settings) -> Spool:
        """The spool INBOX_SPOOL_DIR names, or the default beside the database."""
        return cls(settings.inbox_spool_dir or default_spool_dir(settings.database_url))

    def keep(self, message_sid: str, form: Mapping[str, str], received_at: datetime) -> Path:
        """Writes the message durably (temporary file, fsync, rename, fsync of the directory); its path."""
        self._ensure_directory()
        target = self.directory / file_name(message_sid)
        document = {"message_sid": message_sid, "received_at": received_at.isoformat(), "form": dict(form)}
        descriptor, name = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=self.directory)  # created 0600
        temp = Path(name)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                json.dump(document, file, ensure_ascii=False)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temp, target)  # atomic: the file appears whole or not at all
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        self._sync_directory()
        return target

    def waiting(self) -> list[Spooled]:
        """The messages on disk, oldest first; a file that cannot be read is left alone and logged."""
        if not self.directory.is_dir():
            return []
        found: list[Spooled] = []
        for path in self.directory.glob("*" + SUFFIX):
            try:
                document = json.loads(path.read_text(encoding="utf-8"))
                form = {str(k): str(v) for k, v in document["form"].items()}
                found.append(Spooled(path, form, datetime.fromisoformat(document["received_at"])))
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
                log.error("spool file unreadable, left in place file=%s error=%s", path.name, type(error).__name__)
        return sorted(found, key=lambda spooled: (spooled.received_at, spooled.path.name))

    def remove(self, spooled: Spooled) -> None:
        """Deletes a message's file, once its inbox row is committed."""
        spooled.path.unlink(missing_ok=True)
        self._sync_directory()

    def _ensure_directory(self) -> None:
        ensure_private_directory(self.directory, "spool")

    def _sync_directory(self) -> None:
        descriptor = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
