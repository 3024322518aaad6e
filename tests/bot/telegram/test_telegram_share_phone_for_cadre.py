"""Over Telegram with the real client: an unlinked cadre who types "daftar" gets the share-my-number keyboard, not
"only cadres", and sharing their own contact opens the registration at once."""

from __future__ import annotations

from bot.telegram.channel import TelegramChannel
from flows.engine import Engine
from flows.i18n import Translator
from tests.bot.telegram import tg
from tests.bot.telegram.harness import FAST, polling, settings_for
from tests.bot.telegram.tg import TelegramUser
from tests.factories import add_staff
from tests.flows.test_share_phone_for_cadre_services import asking_registry

ID = Translator("id")
CADRE_PHONE = "+6281200000001"
CADRE_CHAT = 8601


async def test_daftar_before_sharing_asks_for_the_number_then_opens_the_registration(bot_api, database):
    await add_staff(database, CADRE_PHONE)
    engine = Engine(database, asking_registry())
    channel = TelegramChannel(settings_for(bot_api), database, engine, polling=True, limits=FAST)

    async def deliver(update):  # type: ignore[no-untyped-def]
        bot_api.push(update)

    async with polling(channel):
        cadre = TelegramUser(bot_api, CADRE_CHAT, deliver)
        (asked,) = await cadre.say("daftar")
        assert asked.text == ID("common.share_phone_for_staff")
        assert "hanya" not in asked.text
        (share,) = asked.keyboard
        assert share == {"text": ID("telegram.share_phone"), "request_contact": True}

        opened = await cadre.send(
            tg.contact(CADRE_CHAT, "0812-0000-0001", owner=CADRE_CHAT),
            until=lambda sent: bool(sent) and "apakah pekerja sudah mendengar ini" in sent[-1].text,
        )
        texts = "\n\n".join(m.text for m in opened)
        assert texts.startswith(ID("common.phone_linked"))
        assert "Pemberitahuan privasi:" in texts
        assert [label for label, _ in opened[-1].buttons] == ["Ya, pekerja setuju", "Tidak setuju"]
