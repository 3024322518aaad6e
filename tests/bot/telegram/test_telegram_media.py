"""Photos and documents sent on Telegram reach the engine already kept in the media store, or refused with the reason.

The real python-telegram-bot client fetches them from the loopback Bot API (getFile, then `/file/bot<token>/…`);
a recording Engine, built the way the app builds it, shows what the engine was handed.
"""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

from bot.telegram.channel import TelegramChannel
from flows.engine import Engine
from flows.registry import default_registry
from flows.turn import TOO_LARGE, UNAVAILABLE, WRONG_TYPE, Inbound
from tests.bot.telegram import tg
from tests.bot.telegram.harness import FAST, polling, settings_for
from tests.bot.telegram.tg import TelegramUser

CHAT = 5601
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + bytes(range(256)) * 40 + b"\xff\xd9"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 500


class RecordingEngine(Engine):
    """The product's engine, remembering every Inbound it was handed."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.seen: list[Inbound] = []

    async def handle(self, inbound: Inbound):
        self.seen.append(inbound)
        return await super().handle(inbound)


def _user(bot_api) -> TelegramUser:
    async def deliver(update):
        bot_api.push(update)

    return TelegramUser(bot_api, CHAT, deliver)


def _photo(file_id: str, size: int) -> dict:
    sizes = [
        {"file_id": f"{file_id}-thumb", "file_unique_id": "t", "width": 90, "height": 68, "file_size": 900},
        {"file_id": file_id, "file_unique_id": "l", "width": 1280, "height": 960, "file_size": size},
    ]
    return tg.message(CHAT, photo=sizes, caption="surat kematian")


def _document(file_id: str, mime_type: str, size: int | None) -> dict:
    body = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": "surat.pdf", "mime_type": mime_type}
    if size is not None:
        body["file_size"] = size
    return tg.message(CHAT, document=body)


async def _received(bot_api, database, tmp_path, update) -> tuple[RecordingEngine, Inbound]:
    engine = RecordingEngine(database, default_registry())
    settings = settings_for(bot_api, media_dir=str(tmp_path / "media"))
    channel = TelegramChannel(settings, database, engine, polling=True, limits=FAST)
    async with polling(channel):
        user = _user(bot_api)
        await user.say("/start")
        replies = await user.send(update)
    assert replies, "the bot answered the file"
    return engine, engine.seen[-1]


async def test_a_photo_arrives_at_the_engine_kept_with_its_checksum(bot_api, database, tmp_path):
    bot_api.add_file("ph-big", JPEG)
    _, inbound = await _received(bot_api, database, tmp_path, _photo("ph-big", len(JPEG)))

    (media,) = inbound.media
    assert media.ref == "ph-big" and media.refused is None
    assert media.sha256 == hashlib.sha256(JPEG).hexdigest()
    assert (media.size_bytes, media.content_type) == (len(JPEG), "image/jpeg")
    stored = Path(media.stored_path)
    assert stored.parent == (tmp_path / "media").resolve() and stored.read_bytes() == JPEG
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    assert inbound.text == "surat kematian"
    assert bot_api.called("getFile") == [{"file_id": "ph-big"}]  # the largest size only
    assert bot_api.downloads == ["documents/ph-big"]


async def test_a_file_telegram_says_is_too_large_is_refused_without_downloading(bot_api, database, tmp_path):
    bot_api.add_file("doc-huge", PDF)
    _, inbound = await _received(bot_api, database, tmp_path, _document("doc-huge", "application/pdf", 15_000_000))

    (media,) = inbound.media
    assert (media.refused, media.stored_path, media.sha256) == (TOO_LARGE, None, None)
    assert bot_api.called("getFile") == [] and bot_api.downloads == []
    assert not (tmp_path / "media").exists() or list((tmp_path / "media").iterdir()) == []


async def test_the_size_getfile_reports_also_refuses_before_the_download(bot_api, database, tmp_path):
    bot_api.add_file("doc-big", b"%PDF-1.4\n" + b"0" * 10_485_760)
    _, inbound = await _received(bot_api, database, tmp_path, _document("doc-big", "application/pdf", None))

    assert inbound.media[0].refused == TOO_LARGE
    assert len(bot_api.called("getFile")) == 1 and bot_api.downloads == []


async def test_a_program_sent_as_a_pdf_is_refused_as_the_wrong_type_and_not_kept(bot_api, database, tmp_path):
    bot_api.add_file("doc-exe", EXE)
    _, inbound = await _received(bot_api, database, tmp_path, _document("doc-exe", "application/pdf", len(EXE)))

    (media,) = inbound.media
    assert (media.refused, media.stored_path) == (WRONG_TYPE, None)
    assert bot_api.downloads == ["documents/doc-exe"]
    assert list((tmp_path / "media").iterdir()) == []  # not even a temporary file


async def test_a_declared_type_outside_the_allowed_ones_is_refused_before_downloading(bot_api, database, tmp_path):
    bot_api.add_file("doc-zip", b"PK\x03\x04")
    _, inbound = await _received(bot_api, database, tmp_path, _document("doc-zip", "application/zip", 4))

    assert inbound.media[0].refused == WRONG_TYPE
    assert bot_api.called("getFile") == []


async def test_a_file_the_bot_api_cannot_serve_is_unavailable(bot_api, database, tmp_path):
    _, inbound = await _received(bot_api, database, tmp_path, _photo("ph-gone", 5000))

    assert inbound.media[0].refused == UNAVAILABLE and inbound.media[0].stored_path is None
    assert bot_api.called("getFile") == [{"file_id": "ph-gone"}]


async def test_the_same_photo_sent_twice_is_stored_once(bot_api, database, tmp_path):
    bot_api.add_file("ph-a", JPEG)
    bot_api.add_file("ph-b", JPEG)
    engine = RecordingEngine(database, default_registry())
    settings = settings_for(bot_api, media_dir=str(tmp_path / "media"))
    channel = TelegramChannel(settings, database, engine, polling=True, limits=FAST)
    async with polling(channel):
        user = _user(bot_api)
        await user.say("/start")
        await user.send(_photo("ph-a", len(JPEG)))
        await user.send(_photo("ph-b", len(JPEG)))
    first, second = (inbound.media[0] for inbound in engine.seen if inbound.media)
    assert first.stored_path == second.stored_path and first.sha256 == second.sha256
    assert len(list((tmp_path / "media").iterdir())) == 1
