"""A cadre-only service asked for before the phone is known (Telegram before a shared number): the phone is asked
for, and the service starts at once when the shared number is a cadre's; a known non-cadre is denied as before."""

from __future__ import annotations

from dataclasses import replace

import pytest

from flows.engine import Engine
from flows.i18n import Translator
from flows.model import Registry
from flows.registry import default_registry
from flows.turn import PHONE, TEXT
from storage.database import Database
from tests.chat import Chat
from tests.factories import add_staff, position

ID = Translator("id")
EN = Translator("en")
CADRE_PHONE = "+6281234567890"
STRANGER_PHONE = "+6281399990000"
MENU_STEP = ("menu", "item")
CADRE_ONLY = ("register", "payment", "my_workers")


def asking_registry() -> Registry:
    """Every built flow, the cadre-only ones asking for the phone when denied to a contact nobody has verified."""
    registry = default_registry()
    for name in CADRE_ONLY:
        registry.flows[name] = replace(registry.flows[name], ask_phone_when_denied=True)
    return registry


@pytest.fixture
def asking(database: Database) -> Engine:
    return Engine(database, asking_registry())


async def share_own_contact(chat: Chat, phone: str) -> list:
    """Telegram's own shared contact: the number as the text, the phone verified by the channel."""
    chat.phone = phone
    return await chat.send(phone)


@pytest.mark.parametrize(("word", "flow", "step"), [("daftar", "register", "consent"), ("bayar", "payment", None)])
async def test_an_unlinked_telegram_cadre_is_asked_for_the_phone_then_the_service_starts(
    asking, database, word, flow, step
):
    await add_staff(database, CADRE_PHONE)
    chat = Chat(asking, "tg-5001", channel="telegram")
    replies = await chat.send(word)
    assert [r.text for r in replies] == [ID("common.share_phone_for_staff")]
    assert replies[0].expects == PHONE, "Telegram shows its share-my-number button"
    assert "bagikan nomor HP Anda" in replies[0].text and "kader" in replies[0].text
    assert ID(f"{flow}.denied") not in chat.render(replies)
    assert await position(database, chat) == MENU_STEP

    replies = await share_own_contact(chat, CADRE_PHONE)
    assert replies[0].text == ID("common.phone_linked")
    started = await position(database, chat)
    assert started[0] == flow
    if step is not None:
        assert started == (flow, step)
        assert replies[-1].text == ID("register.consent.ask")


async def test_my_workers_opens_once_the_cadre_shares_the_phone(asking, database):
    await add_staff(database, CADRE_PHONE, name="Siti Rahmah")
    chat = Chat(asking, "tg-5002", channel="telegram")
    assert (await chat.send("pekerja"))[0].expects == PHONE
    replies = await share_own_contact(chat, CADRE_PHONE)
    assert ID("my_workers.denied") not in chat.render(replies)
    assert replies[0].text == ID("common.phone_linked")
    assert "Pekerja di Sungai Lembu" in chat.render(replies)
    assert (await position(database, chat))[0] == "my_workers"


async def test_the_menu_button_daftarkan_pekerja_asks_for_the_phone_too(asking, database):
    chat = Chat(asking, "tg-5003", channel="telegram")
    await chat.send("halo")
    replies = await chat.send("daftarkan pekerja")
    assert replies[-1].expects == PHONE and replies[-1].text == ID("common.share_phone_for_staff")


async def test_a_shared_phone_that_is_not_a_cadres_gets_the_denial(asking, database):
    await add_staff(database, CADRE_PHONE)
    chat = Chat(asking, "tg-5004", channel="telegram")
    await chat.send("daftar")
    replies = await share_own_contact(chat, STRANGER_PHONE)
    texts = [r.text for r in replies]
    assert texts[:2] == [ID("common.phone_linked"), ID("register.denied")]
    assert replies[-1].options and await position(database, chat) == MENU_STEP


async def test_a_contact_with_a_verified_phone_that_is_not_staff_is_denied_as_before(asking, database):
    chat = Chat(asking, "tg-5005", channel="telegram", phone=STRANGER_PHONE)
    await chat.send(STRANGER_PHONE)  # shared earlier: the phone is known
    chat.phone = None  # later messages carry no contact card
    replies = await chat.send("daftar")
    assert replies[0].text == ID("register.denied") and replies[0].expects == TEXT
    assert ID("common.share_phone_for_staff") not in chat.render(replies)


async def test_whatsapp_senders_are_verified_so_nothing_changes(asking, database):
    chat = Chat(asking, STRANGER_PHONE, channel="whatsapp", phone=STRANGER_PHONE)
    replies = await chat.send("bayar")
    assert replies[0].text == ID("payment.denied")
    assert all(r.expects != PHONE for r in replies)


async def test_after_the_ask_other_words_work_as_at_the_menu(asking, database):
    chat = Chat(asking, "tg-5006", channel="telegram")
    await chat.send("daftar")
    shown = await chat.say("menu")
    assert "Info program" in shown
    replies = await share_own_contact(chat, STRANGER_PHONE)  # no service waits any more: just linked, then the menu
    assert replies[0].text == ID("common.phone_linked") and ID("register.denied") not in chat.render(replies)


async def test_the_ask_in_english(asking, database):
    await add_staff(database, CADRE_PHONE)
    chat = Chat(asking, "tg-5007", channel="telegram")
    await chat.send("bahasa")
    await chat.send("2")
    replies = await chat.send("register")
    assert replies[-1].text == EN("common.share_phone_for_staff")
    assert "share your phone number" in replies[-1].text
    replies = await share_own_contact(chat, CADRE_PHONE)
    assert replies[0].text == EN("common.phone_linked")
    assert await position(database, chat) == ("register", "consent")
