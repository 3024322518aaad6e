"""Over Telegram with the real client: the heir recorded at registration shares their number, reports the death
with the buttons, and sends a photo of the village death letter, which is kept with the case."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path

from bot.telegram.channel import TelegramChannel
from flows.engine import Engine
from flows.i18n import Translator
from flows.registry import default_registry
from tests.bot.telegram import tg
from tests.bot.telegram.harness import FAST, polling, settings_for
from tests.bot.telegram.tg import TelegramUser, joined
from tests.flows.claim_arrange import BUDI_NIK, HEIR_PHONE, add_budi, claims_in, documents_in, worker_row

ID = Translator("id")
CHAT = 5701
NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)  # 11.00 WITA in Sungai Lembu
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + bytes(range(256)) * 40 + b"\xff\xd9"


def _any(sent: list) -> bool:
    return bool(sent)


async def test_the_heir_reports_a_death_on_telegram_with_a_photo_of_the_letter(bot_api, database, tmp_path):
    worker_id = await add_budi(database)
    bot_api.add_file("ph-surat", JPEG)
    engine = Engine(database, default_registry(), clock=lambda: NOW)
    settings = settings_for(bot_api, media_dir=str(tmp_path / "media"))
    channel = TelegramChannel(settings, database, engine, polling=True, limits=FAST)

    async def deliver(update):  # type: ignore[no-untyped-def]
        bot_api.push(update)

    async with polling(channel):
        heir = TelegramUser(bot_api, CHAT, deliver)
        await heir.say("/start")
        await heir.send(tg.contact(CHAT, "0813-5555-0001", owner=CHAT))
        first = joined(await heir.say("bapak saya meninggal kemarin", until=_any))
        assert first.startswith("Turut berduka cita")
        found = await heir.say(BUDI_NIK)
        assert found[-1].text.startswith("Kami menemukan: Budi (NIK 631002******0001).")
        await heir.tap("Ya, benar", until=_any)
        await heir.say("kemarin")
        await heir.tap(ID("claims.cause.natural"), until=_any)
        await heir.say("Siti Aminah")
        (letter,) = await heir.tap(ID("claims.relation.child"), until=_any)
        assert letter.text == ID("claims.death.letter")
        photo = [
            {"file_id": "ph-surat-thumb", "file_unique_id": "t", "width": 90, "height": 68, "file_size": 900},
            {"file_id": "ph-surat", "file_unique_id": "l", "width": 1280, "height": 960, "file_size": len(JPEG)},
        ]
        summary = joined(await heir.send(tg.message(CHAT, photo=photo, caption="surat kematian")))
        assert "6. Surat kematian dari desa: 1 foto diterima" in summary
        answer = joined(await heir.tap(ID("common.confirm.yes")))

    assert "KLM-" in answer and "Rp42.000.000" in answer and "☐ Kartu Keluarga" in answer
    (claim,) = await claims_in(database)
    assert (claim.match, claim.reporter_phone) == ("confirmed", HEIR_PHONE)
    assert (await worker_row(database, worker_id)).deceased_on == date(2026, 11, 28)
    (document,) = await documents_in(database)
    assert document.sha256 == hashlib.sha256(JPEG).hexdigest()
    assert Path(document.path).read_bytes() == JPEG
    assert Path(document.path).parent == (tmp_path / "media").resolve()
