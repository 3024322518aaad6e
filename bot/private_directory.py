"""A directory only its owner may read: the media store and the WhatsApp spool keep personal data there."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger("kader.files")

PRIVATE_DIRECTORY_MODE = 0o700


def ensure_private_directory(directory: Path, what: str) -> None:
    """Creates the directory 0700, or narrows an existing one that others could read (logged, naming `what`)."""
    directory.mkdir(mode=PRIVATE_DIRECTORY_MODE, parents=True, exist_ok=True)
    mode = stat.S_IMODE(directory.stat().st_mode)
    if mode & 0o077:
        log.info("%s directory narrowed to 0700 (was %o)", what, mode)
        os.chmod(directory, PRIVATE_DIRECTORY_MODE)
