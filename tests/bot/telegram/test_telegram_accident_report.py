"""Over Telegram with the real client, in English: a family member, then a cadre linked by sharing their contact,
report a work accident with the buttons and send a photo of the injury, which is fetched from the Bot API into the
media store and kept with the case; the village cadre (or, when the cadre reports, the admin) is told and reminded
through the outbox."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from bot.telegram.channel import TelegramChannel
from flows.engine import Engine
from flows.i18n import Translator
from flows.registry import default_registry
from storage import contacts
from tests.bot.telegram import tg
from tests.bot.telegram.harness import FAST, polling, settings_for
from tests.bot.telegram.tg import TelegramUser, joined
from tests.chat import Chat
from tests.factories import add_staff
from tests.flows.claim_arrange import (
    ADMIN_PHONE,
    BUDI_NIK,
    CADRE_PHONE,
    add_budi,
    claims_in,
    contact_id,
    documents_in,
    messages_to,
    village_cadre,
)

ID = Translator("id")
EN = Translator("en")
CHAT = 5702
CADRE_CHAT = 5703
NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)  # 11.00 WITA in Sungai Lembu
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + bytes(range(255, -1, -1)) * 48 + b"\xff\xd9"


def _any(sent: list) -> bool:
    return bool(sent)


def _photo(chat_id: int, file_id: str) -> dict:
    """A photo in two sizes as Telegram sends it, the larger one being the served file."""
    sizes = [
        {"file_id": f"{file_id}-thumb", "file_unique_id": "t", "width": 90, "height": 68, "file_size": 900},
        {"file_id": file_id, "file_unique_id": "l", "width": 1280, "height": 960, "file_size": len(JPEG)},
    ]
    return tg.message(chat_id, photo=sizes, caption="the injury")


async def _in_english(user: TelegramUser) -> None:
    """Chooses English from the menu, as the language flow offers it."""
    await user.tap("Bahasa / Language")
    (english,) = await user.tap("English")
    assert "All right, we will continue in English." in english.text


async def test_a_family_member_reports_an_accident_in_english_on_telegram_with_a_photo(bot_api, database, tmp_path):
    engine = Engine(database, default_registry(), clock=lambda: NOW)
    _, cadre_contact = await village_cadre(engine, database)
    worker_id = await add_budi(database)
    bot_api.add_file("ph-luka", JPEG)
    settings = settings_for(bot_api, media_dir=str(tmp_path / "media"))
    channel = TelegramChannel(settings, database, engine, polling=True, limits=FAST)

    async def deliver(update):  # type: ignore[no-untyped-def]
        bot_api.push(update)

    async with polling(channel):
        family = TelegramUser(bot_api, CHAT, deliver)
        await family.say("/start")
        await _in_english(family)

        first = joined(await family.say("my husband had an accident at work"))
        assert first.startswith("We hope for a quick recovery.") and EN("claims.accident.who") in first
        assert joined(await family.tap(EN("claims.who.family"), until=_any)) == EN("claims.accident.worker")
        found = await family.say(BUDI_NIK)
        assert found[-1].text.startswith("We found: Budi (NIK 631002******0001).")
        assert joined(await family.tap(EN("claims.worker.yes"), until=_any)) == EN("claims.accident.moment")
        assert joined(await family.say("yesterday at 3 pm", until=_any)) == EN("claims.accident.place")
        assert joined(await family.say("rice field near the river", until=_any)) == EN("claims.accident.story")
        assert joined(await family.say("fell from the dyke while harvesting")).startswith(EN("claims.accident.commute"))
        assert joined(await family.tap(EN("claims.commute.at_work"))).startswith(EN("claims.accident.road"))
        assert joined(await family.tap(EN("claims.road.no"), until=_any)) == EN("claims.accident.injuries")
        assert joined(await family.say("swollen left leg", until=_any)) == EN("claims.accident.treatment")
        assert joined(await family.say("Kusan Hilir health centre", until=_any)) == EN("claims.accident.witnesses")
        assert joined(await family.say("Pak Udin", until=_any)) == EN("claims.reporter.name")
        assert joined(await family.say("Siti Aminah", until=_any)) == EN("claims.reporter.phone")
        (photos,) = await family.say("0813-7777-0006", until=_any)  # not shared on Telegram: asked and typed
        assert photos.text == EN("claims.accident.photos")
        summary = joined(await family.send(_photo(CHAT, "ph-luka")))
        assert summary.startswith("Please check:\n1. Reported by: Family\n2. Worker: Budi (NIK 631002******0001)\n")
        assert "12. Mobile number: 0813-7777-0006\n13. Photos: 1 photo(s) received" in summary
        assert await claims_in(database) == []  # nothing opened before the confirmation
        answer = joined(await family.tap(EN("common.confirm.yes")))

    assert EN("claims.accident.opened", reference="KLM-2026-000001") in answer
    assert "Stage I report deadline (2 x 24 hours): 30 November 2026 at 15.00 WITA, 28 hours 0 minutes left." in answer
    assert "by land up to Rp5,000,000" in answer and "Santoso" not in answer

    (claim,) = await claims_in(database)
    assert (claim.reference, claim.kind, claim.worker_id, claim.cause) == (
        "KLM-2026-000001",
        "accident",
        worker_id,
        "at_work",
    )
    assert (claim.reporter_name, claim.reporter_relation, claim.reporter_phone) == ("Siti Aminah", "family", None)
    assert claim.details["typed_phone"] == "+6281377770006" and claim.details["road"] is False
    assert claim.event_at == datetime(2026, 11, 28, 7, 0, tzinfo=UTC)  # 15.00 WITA

    (document,) = await documents_in(database)
    assert (document.claim_id, document.kind) == (claim.id, "accident_photo")
    assert (document.sha256, document.size_bytes) == (hashlib.sha256(JPEG).hexdigest(), len(JPEG))
    assert Path(document.path).read_bytes() == JPEG
    assert Path(document.path).parent == (tmp_path / "media").resolve()

    notice, at_24h, at_40h = await messages_to(database, cadre_contact)  # the cadre reads Indonesian
    assert notice.body.startswith(
        "Laporan kecelakaan kerja KLM-2026-000001: Budi Santoso (REG-6310-000001), Desa Sungai Lembu, "
        "pada 28 November 2026 pukul 15.00 WITA di rice field near the river."
    )
    assert "Siti Aminah, 0813-7777-0006" in notice.body
    assert (at_24h.not_before, at_40h.not_before) == (
        datetime(2026, 11, 29, 7, 0, tzinfo=UTC),
        datetime(2026, 11, 29, 23, 0, tzinfo=UTC),
    )


async def test_a_cadre_linked_by_their_shared_contact_reports_in_english_and_the_admin_is_told(
    bot_api, database, tmp_path
):
    engine = Engine(database, default_registry(), clock=lambda: NOW)
    await add_staff(database, CADRE_PHONE, name="Rina Wati")
    await add_staff(database, ADMIN_PHONE, (), name="Ahmad Admin", admin=True)
    admin = Chat(engine, "tg-admin", channel="telegram", phone=ADMIN_PHONE)
    await admin.send("menu")  # the admin opened the bot once, so the outbox can reach them
    worker_id = await add_budi(database)
    bot_api.add_file("ph-kebun", JPEG)
    settings = settings_for(bot_api, media_dir=str(tmp_path / "media"))
    channel = TelegramChannel(settings, database, engine, polling=True, limits=FAST)

    async def deliver(update):  # type: ignore[no-untyped-def]
        bot_api.push(update)

    async with polling(channel):
        cadre = TelegramUser(bot_api, CADRE_CHAT, deliver)
        await cadre.say("/start")
        linked = joined(await cadre.send(tg.contact(CADRE_CHAT, "0812-0000-0001", owner=CADRE_CHAT)))
        assert linked.startswith(ID("common.phone_linked"))
        await _in_english(cadre)
        # A cadre is not asked who reports, nor their name and phone.
        first = joined(await cadre.say("report an accident", until=_any))
        assert first.startswith("We hope for a quick recovery.") and first.endswith(EN("claims.accident.worker"))
        found = await cadre.say(BUDI_NIK)
        assert found[-1].text.startswith("We found: Budi Santoso, REG-6310-000001.")  # the cadre sees the full name
        await cadre.tap(EN("claims.worker.yes"), until=_any)
        for typed in ("29/11 09.30", "rubber garden"):
            await cadre.say(typed, until=_any)
        await cadre.say("hit by a falling branch while tapping")
        await cadre.tap(EN("claims.commute.at_work"))
        await cadre.tap(EN("claims.road.no"), until=_any)
        for typed in ("bruised shoulder", "not yet"):
            await cadre.say(typed, until=_any)
        (photos,) = await cadre.say("skip", until=_any)
        assert photos.text == EN("claims.accident.photos")
        summary = joined(await cadre.send(_photo(CADRE_CHAT, "ph-kebun")))
        assert "Treated at: not treated yet" in summary and "Reporter" not in summary and "Mobile number" not in summary
        assert "Photos: 1 photo(s) received" in summary
        answer = joined(await cadre.tap(EN("common.confirm.yes")))

    assert EN("claims.accident.opened", reference="KLM-2026-000001") in answer
    assert EN("claims.coverage.accident_protected", date="29 November 2026") in answer
    assert "Stage I report deadline (2 x 24 hours): 1 December 2026 at 09.30 WITA, 46 hours 30 minutes left." in answer
    assert "total permanent disability: Rp56,000,000" in answer  # from the declared income: someone stands behind it

    (claim,) = await claims_in(database)
    assert (claim.worker_id, claim.match, claim.reporter_name, claim.reporter_relation) == (
        worker_id,
        "confirmed",
        "Rina Wati",
        "cadre",
    )
    assert claim.reporter_phone == CADRE_PHONE  # the number Telegram vouched for when the contact was shared
    (document,) = await documents_in(database)
    assert (document.claim_id, document.kind) == (claim.id, "accident_photo")
    assert document.sha256 == hashlib.sha256(JPEG).hexdigest()
    assert Path(document.path).read_bytes() == JPEG
    assert Path(document.path).parent == (tmp_path / "media").resolve()

    (notice,) = await messages_to(database, await contact_id(database, admin))  # reminders are for cadres only
    assert notice.body.startswith(
        "Laporan kecelakaan kerja KLM-2026-000001: Budi Santoso (REG-6310-000001), Desa Sungai Lembu, "
        "pada 29 November 2026 pukul 09.30 WITA di rubber garden."
    )
    assert "Pelapor: Rina Wati" in notice.body
    async with database.transaction() as session:  # the reporting cadre is neither told nor reminded
        cadre_contact = await contacts.find_contact(session, "telegram", str(CADRE_CHAT))
    assert cadre_contact is not None and cadre_contact.phone == CADRE_PHONE
    assert await messages_to(database, cadre_contact.id) == []
