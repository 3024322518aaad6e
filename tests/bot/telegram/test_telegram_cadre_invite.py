"""Over Telegram with the real client: `kader cadre invite` asks the Bot API for the bot's username (getMe) and prints
the deep link; opening it ("/start TOKEN") greets the cadre and shows the share-my-number button, and sharing the
invited number links the chat and shows the cadre menu: two taps."""

from __future__ import annotations

import asyncio
import re

from bot import cli
from bot.telegram.channel import TelegramChannel
from bot.telegram.inbound import start_parameter
from flows.engine import Engine
from flows.i18n import Translator
from flows.registry import default_registry
from storage import contacts
from tests.bot.telegram import tg
from tests.bot.telegram.fake_bot_api import BOT_USERNAME
from tests.bot.telegram.harness import FAST, polling, settings_for
from tests.bot.telegram.tg import TelegramUser
from tests.factories import add_staff

ID = Translator("id")
CADRE_PHONE = "+6281200000001"
CADRE_CHAT = 8701


def test_only_a_start_command_with_one_parameter_of_telegrams_alphabet_is_a_deep_link():
    assert start_parameter("/start abc_DEF-123") == "abc_DEF-123"
    assert start_parameter(f"/start@{BOT_USERNAME} abc") == "abc"
    for text in ("/start", "/start a b", "/menu abc", "start abc", "/start abc!", "/start " + "a" * 65):
        assert start_parameter(text) is None, text


async def test_invite_link_then_shared_number_links_the_cadre_in_two_taps(
    bot_api, database, database_url, monkeypatch, capsys
):
    person = await add_staff(database, CADRE_PHONE, name="Rina Wati")
    monkeypatch.delenv("TELEGRAM_BOT_USERNAME", raising=False)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", bot_api.token)
    monkeypatch.setenv("TELEGRAM_API_URL", bot_api.base_url)
    argv = ["cadre", "invite", "--phone", "0812 0000 0001", "--database", database_url]
    assert await asyncio.to_thread(cli.main, argv) == 0
    printed = capsys.readouterr().out.splitlines()
    link = re.fullmatch(rf"https://t\.me/{BOT_USERNAME}\?start=([A-Za-z0-9_-]{{1,64}})", printed[1])
    assert link is not None, printed
    assert bot_api.called("getMe")  # the username came from the Bot API

    engine = Engine(database, default_registry())
    channel = TelegramChannel(settings_for(bot_api), database, engine, polling=True, limits=FAST)

    async def deliver(update):  # type: ignore[no-untyped-def]
        bot_api.push(update)

    async with polling(channel):
        cadre = TelegramUser(bot_api, CADRE_CHAT, deliver)
        (asked,) = await cadre.say(f"/start {link.group(1)}")
        assert asked.text == ID("cadre_invite.ask_phone", name="Rina Wati")
        (share,) = asked.keyboard
        assert share == {"text": ID("telegram.share_phone"), "request_contact": True}

        opened = await cadre.send(tg.contact(CADRE_CHAT, "0812-0000-0001", owner=CADRE_CHAT))
        assert opened[0].text.startswith(ID("cadre_invite.linked", name="Rina Wati"))
        assert ID("menu.item.register") in [label for label, _ in opened[-1].buttons]

        again = await cadre.say(f"/start {link.group(1)}")
        assert again[0].text.startswith(ID("cadre_invite.invalid"))

    async with database.transaction() as session:
        contact = await contacts.find_contact(session, "telegram", str(CADRE_CHAT))
        assert contact is not None and (contact.phone, contact.person_id) == (CADRE_PHONE, person)
