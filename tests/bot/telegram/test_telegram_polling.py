"""Long polling with the real python-telegram-bot client against the loopback Bot API: whole conversations."""

from __future__ import annotations

from bot.telegram.channel import TelegramChannel
from storage import contacts, people
from tests.bot.telegram import tg
from tests.bot.telegram.harness import FAST, polling, settings_for
from tests.bot.telegram.tg import TelegramUser, joined

CHAT = 5001


def _user(bot_api, chat_id: int = CHAT) -> TelegramUser:
    async def deliver(update):
        """Hands the update to the fake, for the next getUpdates."""
        bot_api.push(update)

    return TelegramUser(bot_api, chat_id, deliver)


async def _contact(database, chat_id: int):
    async with database.transaction() as session:
        return await contacts.find_contact(session, "telegram", str(chat_id))


async def test_polling_carries_a_user_through_menu_information_and_a_language_change(bot_api, database, engine):
    channel = TelegramChannel(settings_for(bot_api), database, engine, polling=True, limits=FAST)
    async with polling(channel):
        user = _user(bot_api)
        start = await user.say("/start")
        assert len(start) == 1
        menu = start[0]
        assert "Silakan pilih layanan" in menu.text
        assert ("Info program", "info") in tg.answers(menu) and ("Bahasa / Language", "language") in tg.answers(menu)

        topics = await user.tap("Info program")
        assert ("Berapa iurannya", "cost") in tg.answers(topics[-1])
        cost = await user.tap("Berapa iurannya")
        assert "Rp16.800" in joined(cost) and "Rp36.800" in joined(cost)

        await user.tap("Kembali ke menu utama")
        languages = await user.tap("Bahasa / Language")
        assert [label for label, _ in languages[-1].buttons] == ["Bahasa Indonesia", "English"]
        english = await user.tap("English")
        assert len(english) == 1  # the confirmation and the menu, in one message
        assert "All right, we will continue in English." in english[0].text
        assert "Please choose a service:" in english[-1].text
        assert ("Programme information", "info") in tg.answers(english[-1])

        topics = await user.tap("Programme information")
        assert ("What it costs", "cost") in tg.answers(topics[-1])
        cost = await user.tap("What it costs")
        assert "Rp16,800" in joined(cost) and "The monthly contribution" in joined(cost)

    # Every press was answered (the button's spinner stops), and nothing else was.
    assert len(bot_api.callback_answers) == 7
    assert all(m.params.get("parse_mode") is None for m in bot_api.sent)
    assert (await _contact(database, CHAT)).language == "en"

    # The command menu was set at start: Indonesian for everyone, English for English-language users.
    indonesian = {c["command"]: c["description"] for c in bot_api.commands[None]}
    english = {c["command"]: c["description"] for c in bot_api.commands["en"]}
    assert list(indonesian) == ["menu", "daftar", "status", "lapor", "batal", "bantuan"] == list(english)
    assert indonesian["daftar"] == "Daftarkan pekerja" and english["daftar"] == "Register a worker"


async def test_polling_deletes_a_webhook_first_and_keeps_what_was_pending(bot_api, database, engine):
    bot_api.webhook = {"url": "https://old.example.org/telegram/webhook"}
    bot_api.push(tg.text(CHAT, "/menu"))
    channel = TelegramChannel(settings_for(bot_api), database, engine, polling=True, limits=FAST)
    async with polling(channel):
        await bot_api.wait_until(lambda: len(bot_api.to(CHAT)) >= 1, what="the pending update's reply")
    assert bot_api.webhook["url"] == ""
    assert bot_api.called("deleteWebhook")[0].get("drop_pending_updates") in (None, False)
    assert "Silakan pilih layanan" in bot_api.to(CHAT)[-1].text
    assert bot_api.called("getUpdates")[0]["allowed_updates"] == ["message", "callback_query"]


async def test_an_update_fetched_again_after_a_restart_has_one_effect(bot_api, database, engine):
    update = tg.text(CHAT, "/start")
    channel = TelegramChannel(settings_for(bot_api), database, engine, polling=True, limits=FAST)
    async with polling(channel):
        bot_api.push(update, update_id=9100)
        await bot_api.wait_until(lambda: len(bot_api.to(CHAT)) == 1, what="the first answer")
    first = len(bot_api.to(CHAT))
    # The same update served again (Telegram had not seen the offset confirmed), to a fresh process.
    channel = TelegramChannel(settings_for(bot_api), database, engine, polling=True, limits=FAST)
    async with polling(channel):
        bot_api.push(update, update_id=9100)
        bot_api.push(tg.text(CHAT, "/bantuan"), update_id=9101)
        await bot_api.wait_until(lambda: len(bot_api.to(CHAT)) >= first + 1, what="the next update's answer")
    # Stopped: both fetched updates were processed (the duplicate first), and their replies sent.
    (later,) = bot_api.to(CHAT)[first:]  # the help and the menu, in one message
    assert later.text.startswith("Cara memakai layanan ini:") and "Silakan pilih layanan" in later.text


async def test_a_shared_own_contact_links_the_phone_and_someone_elses_does_not(bot_api, database, engine):
    channel = TelegramChannel(settings_for(bot_api), database, engine, polling=True, limits=FAST)
    async with polling(channel):
        own = _user(bot_api, 5101)
        await own.say("/start")
        await own.send(tg.contact(5101, "6281234567890", owner=5101))
        other = _user(bot_api, 5102)
        await other.say("/start")
        await other.send(tg.contact(5102, "+62 812-3456-7891", owner=999))
        stranger = _user(bot_api, 5103)
        await stranger.say("/start")
        await stranger.send(tg.contact(5103, "+6281234567892", owner=None))
    assert (await _contact(database, 5101)).phone == "+6281234567890"
    assert (await _contact(database, 5102)).phone is None
    assert (await _contact(database, 5103)).phone is None


async def test_a_cadre_name_with_markdown_characters_arrives_intact(bot_api, database, engine):
    name = "Siti_*[Rahmah]*(~>#+-=|{}.!) `O'Neil`"
    async with database.transaction() as session:
        await people.add_person(session, name, "+6281234567893", [], admin=True)
    channel = TelegramChannel(settings_for(bot_api), database, engine, polling=True, limits=FAST)
    async with polling(channel):
        user = _user(bot_api, 5201)
        replies = await user.send(tg.contact(5201, "081234567893", owner=5201))
        menu = await user.say("/menu")
    assert f"Halo, Kader {name}!" in menu[-1].text
    assert replies and all(m.params.get("parse_mode") is None for m in bot_api.sent)


async def test_stickers_voice_notes_locations_and_stray_photos_get_the_please_type_answer(bot_api, database, engine):
    channel = TelegramChannel(settings_for(bot_api), database, engine, polling=True, limits=FAST)
    async with polling(channel):
        user = _user(bot_api, 5301)
        await user.say("/start")
        for update in (tg.sticker(5301), tg.voice(5301), tg.location(5301), tg.photo(5301, "ktp")):
            replies = await user.send(update)
            assert "Silakan ketik jawaban Anda" in replies[0].text
            assert "Silakan pilih layanan" in replies[-1].text  # and the question again, with its buttons


async def test_group_chats_are_not_answered(bot_api, database, engine):
    channel = TelegramChannel(settings_for(bot_api), database, engine, polling=True, limits=FAST)
    async with polling(channel):
        bot_api.push(tg.message(-100123, chat_type="group", text="/start"))
        user = _user(bot_api, 5401)
        await user.say("/start")  # handled after the group message: it was read and ignored
    assert bot_api.to(-100123) == []
    assert await _contact(database, -100123) is None
