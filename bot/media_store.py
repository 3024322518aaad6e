"""The media store: documents people send (photos of letters, PDFs) kept on disk, named by their SHA-256.

A file is streamed into a private temporary file in MEDIA_DIR while its size is counted and its checksum computed;
reading stops as soon as it passes MEDIA_MAX_BYTES. It is kept only when its magic bytes say it is one of MEDIA_TYPES
and agree with the type the channel declared; it is then renamed (atomically) to `<sha256>.<ext>`, so the same
photo sent twice is stored once. The directory is 0700 and every file 0600: these are personal documents.
A refused file leaves nothing behind, and the Media says why (TOO_LARGE, WRONG_TYPE or UNAVAILABLE).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import AsyncIterable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from bot.media_types import EXTENSIONS, SNIFF_BYTES, normalised_type, sniff, types_agree, undeclared
from bot.private_directory import ensure_private_directory
from bot.settings import Settings
from flows.turn import TOO_LARGE, UNAVAILABLE, WRONG_TYPE, Media
from storage.urls import sqlite_path

log = logging.getLogger("kader.media")

MEDIA_SUBDIRECTORY = "media"
CHUNK_BYTES = 64 * 1024
_TEMP_PREFIX = ".incoming-"


class MediaRefusedError(Exception):
    """A file the store will not keep; `reason` is TOO_LARGE, WRONG_TYPE or UNAVAILABLE."""

    def __init__(self, reason: str) -> None:
        """Keeps the reason, one of the flows.turn refusal constants."""
        super().__init__(reason)
        self.reason = reason


def default_media_dir(database_url: str) -> Path:
    """`media/` beside the SQLite database file, or in the working directory for a server database."""
    database_file = sqlite_path(database_url)
    if database_file is not None:
        return database_file.parent / MEDIA_SUBDIRECTORY
    return Path(MEDIA_SUBDIRECTORY)


class MediaStore:
    """A directory of kept documents with a size limit and a set of allowed types."""

    def __init__(self, directory: Path | str, *, max_bytes: int, types: Iterable[str]) -> None:
        """The store over `directory` (created on first use, 0700)."""
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.types = frozenset(normalised_type(t) for t in types)

    @classmethod
    def from_settings(cls, settings: Settings, directory: Path | str | None = None) -> MediaStore:
        """The store MEDIA_DIR, MEDIA_MAX_BYTES and MEDIA_TYPES describe (`directory` overrides MEDIA_DIR)."""
        chosen = directory or settings.media_dir or default_media_dir(settings.database_url)
        return cls(chosen, max_bytes=settings.media_max_bytes, types=settings.media_types)

    # -- before downloading ---------------------------------------------------------------

    def precheck(self, content_type: str | None, size: int | None) -> str | None:
        """The refusal a file earns from what the channel declared (type, size), before anything is downloaded."""
        if size is not None and size > self.max_bytes:
            return TOO_LARGE
        declared = normalised_type(content_type)
        if not undeclared(declared) and declared not in self.types:
            return WRONG_TYPE
        return None

    @staticmethod
    def refused(media: Media, reason: str) -> Media:
        """The Media with its refusal and nothing stored."""
        return replace(media, stored_path=None, size_bytes=None, sha256=None, refused=reason)

    # -- keeping a file -------------------------------------------------------------------

    async def keep_stream(self, media: Media, chunks: AsyncIterable[bytes]) -> Media:
        """Keeps a streamed download; reading stops as soon as it passes the limit. The Media says what happened."""
        writer = self._writer()
        try:
            async for chunk in chunks:
                writer.write(chunk)
            return writer.finish(media)
        except MediaRefusedError as refusal:
            return self.refused(media, refusal.reason)
        finally:
            writer.discard()

    def keep_bytes(self, media: Media, data: bytes | bytearray) -> Media:
        """Keeps a file already in memory."""
        writer = self._writer()
        try:
            for start in range(0, len(data), CHUNK_BYTES):
                writer.write(bytes(data[start : start + CHUNK_BYTES]))
            return writer.finish(media)
        except MediaRefusedError as refusal:
            return self.refused(media, refusal.reason)
        finally:
            writer.discard()

    def keep_file(self, media: Media, source: BinaryIO) -> Media:
        """Keeps a local file, read in chunks (the console's `/foto PATH`)."""
        writer = self._writer()
        try:
            while chunk := source.read(CHUNK_BYTES):
                writer.write(chunk)
            return writer.finish(media)
        except MediaRefusedError as refusal:
            return self.refused(media, refusal.reason)
        finally:
            writer.discard()

    def path_of(self, sha256: str, content_type: str) -> Path:
        """Where the file with this checksum and type is kept."""
        return self.directory / f"{sha256}.{EXTENSIONS[content_type]}"

    def _writer(self) -> _Writer:
        self._ensure_directory()
        return _Writer(self)

    def _ensure_directory(self) -> None:
        ensure_private_directory(self.directory, "media")


class _Writer:
    """One file on its way in: a 0600 temporary file in the store, its size and its checksum."""

    def __init__(self, store: MediaStore) -> None:
        self.store = store
        descriptor, name = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=store.directory)  # created 0600
        self.temp = Path(name)
        self.file = os.fdopen(descriptor, "wb")
        self.size = 0
        self.digest = hashlib.sha256()
        self.head = b""

    def write(self, chunk: bytes) -> None:
        """Appends a chunk; MediaRefusedError(TOO_LARGE) as soon as the file passes the limit."""
        self.size += len(chunk)
        if self.size > self.store.max_bytes:
            raise MediaRefusedError(TOO_LARGE)
        if len(self.head) < SNIFF_BYTES:
            self.head += chunk[: SNIFF_BYTES - len(self.head)]
        self.digest.update(chunk)
        self.file.write(chunk)

    def finish(self, media: Media) -> Media:
        """Checks the type, then renames the file to its checksum; the Media with where and what it is."""
        if self.size == 0:
            raise MediaRefusedError(UNAVAILABLE)
        actual = sniff(self.head)
        declared = normalised_type(media.content_type)
        if actual is None or actual not in self.store.types:
            raise MediaRefusedError(WRONG_TYPE)
        if not undeclared(declared) and (declared not in self.store.types or not types_agree(declared, actual)):
            raise MediaRefusedError(WRONG_TYPE)
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        sha256 = self.digest.hexdigest()
        target = self.store.path_of(sha256, actual)
        if target.exists():
            log.info("media already kept sha256=%s", sha256[:12])
        else:
            os.replace(self.temp, target)  # atomic: the file appears whole or not at all
        return replace(
            media, content_type=actual, stored_path=str(target.resolve()), size_bytes=self.size, sha256=sha256
        )

    def discard(self) -> None:
        """Closes and removes the temporary file if it is still there (refused, failed or already kept)."""
        if not self.file.closed:
            self.file.close()
        self.temp.unlink(missing_ok=True)
