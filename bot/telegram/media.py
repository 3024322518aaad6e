"""Photos and documents from Telegram, downloaded into the media store before the engine sees the message.

The size Telegram declares in the message refuses a file early (TOO_LARGE, nothing fetched); otherwise the file is
fetched through the Bot API with python-telegram-bot's own client: `getFile`, then the file download. Bots can fetch
at most 20 MB, so the file is read into memory and handed to the store, which checks size, type and magic bytes.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from telegram import Bot, Update
from telegram.error import BadRequest, TelegramError

from bot.media_store import MediaStore
from flows.turn import TOO_LARGE, UNAVAILABLE, Inbound, Media

log = logging.getLogger("kader.telegram")

DOWNLOAD_TIMEOUT_SECONDS = 30.0
READ_TIMEOUT_SECONDS = 20.0


async def fetch_media(bot: Bot, store: MediaStore, update: Update, inbound: Inbound) -> Inbound:
    """The Inbound with every attachment kept in the store (stored_path, size, sha256, type) or refused."""
    if not inbound.media:
        return inbound
    sizes = declared_sizes(update)
    kept = []
    for media in inbound.media:
        kept.append(await _fetch(bot, store, media, sizes.get(media.ref), update.update_id))
    return replace(inbound, media=tuple(kept))


def declared_sizes(update: Update) -> dict[str, int]:
    """The file size Telegram declared for each file id in the update's message (photo sizes, document)."""
    message = update.message
    if message is None:
        return {}
    files = [*message.photo, *([message.document] if message.document is not None else [])]
    return {item.file_id: item.file_size for item in files if item.file_size is not None}


async def _fetch(bot: Bot, store: MediaStore, media: Media, size: int | None, update_id: int) -> Media:
    early = store.precheck(media.content_type, size)
    if early is not None:
        log.info("telegram file refused before download update=%s reason=%s", update_id, early)
        return store.refused(media, early)
    try:
        async with asyncio.timeout(DOWNLOAD_TIMEOUT_SECONDS):
            file = await bot.get_file(media.ref)
            early = store.precheck(None, file.file_size)
            if early is not None:
                log.info("telegram file refused before download update=%s reason=%s", update_id, early)
                return store.refused(media, early)
            data = await file.download_as_bytearray(read_timeout=READ_TIMEOUT_SECONDS)
    except BadRequest as error:
        reason = TOO_LARGE if "too big" in str(error).lower() else UNAVAILABLE
        log.warning("telegram file not fetched update=%s reason=%s", update_id, reason)
        return store.refused(media, reason)
    except (TelegramError, TimeoutError) as error:
        log.warning("telegram file not fetched update=%s error=%s", update_id, type(error).__name__)
        return store.refused(media, UNAVAILABLE)
    try:
        kept = store.keep_bytes(media, data)
    except OSError as error:
        log.error("media store failed update=%s error=%s", update_id, type(error).__name__)
        return store.refused(media, UNAVAILABLE)
    log.info(
        "telegram file update=%s bytes=%s refused=%s sha256=%s",
        update_id,
        len(data),
        kept.refused,
        (kept.sha256 or "")[:12],
    )
    return kept
