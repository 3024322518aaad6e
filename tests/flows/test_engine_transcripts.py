"""The built flows read as conversations: the menu, programme information, language, the report chooser."""

from __future__ import annotations

import pytest

from flows.engine import Engine
from flows.i18n import Translator, catalogue, placeholders
from flows.info import TOPICS, figures
from flows.model import Registry
from flows.registry import default_registry
from storage import contacts, people
from storage.database import Database
from tests.chat import Chat
from tests.factories import add_staff, position

ID = Translator("id")
EN = Translator("en")
VILLAGE = "63.10.02.2003"
CADRE_PHONE = "+6281234567890"
CADRE_NAME = "Siti Rahmah"


async def language_of(database: Database, chat: Chat) -> str:
    async with database.transaction() as session:
        contact = await contacts.find_contact(session, chat.channel, chat.address)
        assert contact is not None
        return contact.language


def expected_figures(topic: str, t: Translator) -> list[str]:
    """The formatted figures the topic's text quotes, in the translator's language."""
    values = figures(t)
    return [str(values[name]) for name in sorted(placeholders(catalogue(t.language)[f"info.text.{topic}"]))]


# -- the menu ---------------------------------------------------------------------------------


async def test_a_first_message_gets_one_greeting_with_the_menu(engine):
    chat = Chat(engine)
    replies = await chat.send("halo")
    assert len(replies) == 1
    menu = replies[0]
    # One greeting, which offers English, then the menu: not a welcome and a second "Halo" after it.
    assert menu.text == ID("menu.ask", greeting=ID("common.welcome"))
    assert "english" in menu.text and ID("menu.greeting.anyone") not in menu.text
    assert [o.label for o in menu.options] == [
        ID("menu.item.status"),
        ID("menu.item.report_death"),
        ID("menu.item.report_accident"),
        ID("menu.item.info"),
        ID("menu.item.language"),
    ]
    shown = chat.render(replies)
    assert "1. Cek status kepesertaan" in shown and "4. Info program" in shown
    assert "Balas dengan angka 1 sampai 5." in shown


async def test_a_cadre_sees_cadre_work_and_a_stranger_does_not(engine, database):
    await add_staff(database, CADRE_PHONE, name=CADRE_NAME)
    cadre = Chat(engine, "tg-7001", channel="telegram", phone=CADRE_PHONE)
    stranger = Chat(engine, "tg-7002", channel="telegram", phone="+6281299998888")

    cadre_menu = await cadre.say("menu")
    assert f"Halo, Kader {CADRE_NAME}!" in cadre_menu
    assert "1. Daftarkan pekerja" in cadre_menu and "2. Pekerja saya" in cadre_menu
    assert "Cek status kepesertaan" in cadre_menu

    stranger_menu = await stranger.say("menu")
    assert "Daftarkan pekerja" not in stranger_menu and "Pekerja saya" not in stranger_menu
    assert CADRE_NAME not in stranger_menu
    assert "1. Cek status kepesertaan" in stranger_menu

    async with database.transaction() as session:
        contact = await contacts.find_contact(session, "telegram", "tg-7001")
        person = await people.find_person_by_phone(session, CADRE_PHONE)
        assert contact is not None and person is not None
        assert (contact.phone, contact.person_id) == (CADRE_PHONE, person.id)


async def test_the_same_number_picks_by_role(engine, database):
    await add_staff(database, CADRE_PHONE, name=CADRE_NAME)
    cadre = Chat(engine, CADRE_PHONE, phone=CADRE_PHONE)
    await cadre.say("menu")
    replies = await cadre.send("1")
    assert ID("menu.item.status") not in replies[0].text
    if "register" in default_registry().flows:
        assert (await position(database, cadre))[0] == "register"
    else:
        assert replies[0].text == ID("menu.not_built", feature=ID("menu.item.register"))
    # For a stranger, 1 is the first item everyone sees.
    stranger = Chat(engine, "+6281299998888")
    menu = (await stranger.send("menu"))[0]
    assert menu.options[0].value == "status"
    await stranger.send("1")
    assert await position(database, stranger) != await position(database, cadre)


def registry_planning_the_death_report() -> Registry:
    """Every flow, but the death report only planned: what the menu did before that flow was built."""
    registry = default_registry()
    del registry.flows["report_death"]
    registry.plan("report_death", "kematian", "death")
    return registry


async def test_an_item_not_built_says_so_and_the_next_number_still_picks_from_the_menu(database):
    chat = Chat(Engine(database, registry_planning_the_death_report()))
    menu = (await chat.send("menu"))[0]
    number = [o.value for o in menu.options].index("report_death") + 1
    shown = await chat.say(str(number))
    assert shown == ID("menu.meanwhile.report_death")
    assert "belum tersedia" in shown and "175" in shown
    assert await position(database, chat) == ("menu", "item")
    info = [o.value for o in menu.options].index("info") + 1
    assert ID("info.ask") in await chat.say(str(info))
    assert await position(database, chat) == ("info", "topic")


async def test_the_death_report_picked_from_the_menu_opens_with_condolences_and_the_menu_still_answers(
    engine, database
):
    chat = Chat(engine)
    menu = (await chat.send("menu"))[0]
    death = [o.value for o in menu.options].index("report_death") + 1
    reply = await chat.say(str(death))
    assert reply.startswith(ID("claims.death.intro"))
    assert (await position(database, chat))[0] == "report_death"
    await chat.say("menu")
    language = [o.value for o in menu.options].index("language") + 1
    assert ID("language.ask") in await chat.say(str(language))


async def test_a_planned_shortcut_is_answered_honestly(database):
    registry = registry_planning_the_death_report()
    # A command is one word: "/kematian", "/death" (a shortcut of several words is typed, not a command).
    planned = {w: name for w, name in registry.shortcuts.items() if name not in registry.flows and " " not in w}
    assert set(planned) >= {"kematian", "death"} and set(planned.values()) == {"report_death"}
    engine = Engine(database, registry)
    for word, name in planned.items():
        chat = Chat(engine, f"+62813555{len(word):02d}{sorted(planned).index(word):03d}")
        replies = await chat.send(f"/{word}")
        assert replies[0].text == ID(f"menu.meanwhile.{name}"), word
        assert await position(database, chat) == ("menu", "item")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("4", ID("info.ask")),  # by number
        ("Info program", ID("info.ask")),  # by the label's words
        ("info PROGRAM!", ID("info.ask")),  # folded
        ("Bahasa / Language", ID("language.ask")),  # a label with punctuation
        ("meninggal", ID("claims.death.intro")),  # by an alias
        ("kecelakaan", ID("claims.accident.intro")),
        ("Cek stat", ID("status.check.nik")),  # by a unique prefix
    ],
)
async def test_menu_choices_by_number_label_alias_and_prefix(engine, typed, expected):
    chat = Chat(engine)
    await chat.say("menu")
    replies = await chat.send(typed)
    assert replies[0].text == expected


async def test_an_ambiguous_or_unknown_menu_answer_is_refused(engine, database):
    chat = Chat(engine)
    await chat.say("menu")
    for number, typed in enumerate(("9", "0", "Lap", "mangga"), start=1):
        replies = await chat.send(typed)
        refused = ID("common.choice_invalid", count=5)
        # From the second miss on, the refusal also says how to leave.
        way_out = "\n".join([refused, ID("common.way_out"), ID("common.way_out_official")])
        assert replies[0].text == (refused if number == 1 else way_out), typed
        assert await position(database, chat) == ("menu", "item")


async def test_lapor_command_opens_the_report_chooser_from_anywhere(engine, database):
    chat = Chat(engine)
    replies = await chat.send("/lapor")
    assert replies[0].text == ID("report.ask")
    assert [o.label for o in replies[0].options] == [ID("menu.item.report_death"), ID("menu.item.report_accident")]
    assert ID("menu.greeting.anyone") in await chat.say("menu")
    await chat.say("info")
    assert await position(database, chat) == ("info", "topic")
    assert ID("report.ask") in await chat.say("/lapor@kader_bot")
    assert ID("claims.accident.intro") in await chat.say("2")


async def test_an_unknown_command_is_said_and_the_menu_shown(engine):
    chat = Chat(engine)
    replies = await chat.send("/entahlah")
    assert replies[0].text == ID("common.unknown_command")
    assert replies[1].text.startswith(ID("menu.greeting.anyone"))


# -- programme information ------------------------------------------------------------------------


async def test_every_information_topic_quotes_its_figures_in_bahasa_indonesia(engine, database):
    chat = Chat(engine)
    await chat.say("menu")
    topics = await chat.say("Info program")
    for number, topic in enumerate(TOPICS, start=1):
        assert f"{number}. {ID(f'info.topic.{topic}')}" in topics
    for number, topic in enumerate(TOPICS, start=1):
        replies = await chat.send(str(number))
        assert replies[0].text == ID(f"info.text.{topic}", **figures(ID))
        for figure in expected_figures(topic, ID):
            assert figure in replies[0].text, (topic, figure)
        assert replies[1].text == ID("info.ask")  # and the topics again
        assert await position(database, chat) == ("info", "topic")
    assert ID("menu.greeting.anyone") in await chat.say(str(len(TOPICS) + 1))  # back to the menu
    assert await position(database, chat) == ("menu", "item")


async def test_the_headline_figures_in_bahasa_indonesia(engine):
    chat = Chat(engine)
    await chat.say("info")
    cost = await chat.say("Berapa iurannya")
    assert "Rp16.800" in cost and "Rp36.800" in cost and "Rp1.000.000" in cost
    assert "Rp42.000.000" in await chat.say("jkm")
    assert "Rp16.800" in await chat.say("1")
    assert "Rp36.800" in await chat.say("4")


async def test_kembali_ke_menu_leaves_the_information(engine, database):
    chat = Chat(engine)
    await chat.say("info")
    assert ID("menu.greeting.anyone") in await chat.say("kembali ke menu")
    assert await position(database, chat) == ("menu", "item")


# -- English ------------------------------------------------------------------------------------


async def test_choosing_english_switches_at_once_and_is_remembered(engine, database):
    chat = Chat(engine, "+6281300000555")
    await chat.say("menu")
    assert ID("language.ask") in await chat.say("bahasa")
    replies = await chat.send("English")
    assert replies[0].text == EN("language.saved")
    assert replies[1].text.startswith(EN("menu.greeting.anyone"))
    assert [o.label for o in replies[1].options][3] == EN("menu.item.info")
    assert await language_of(database, chat) == "en"

    # The next message is answered in English.
    replies = await chat.send("4")
    assert replies[0].text == EN("info.ask")
    assert EN("info.topic.cost") in [o.label for o in replies[0].options]

    # So is the first message to a new engine (another process): the language is stored on the contact.
    again = Chat(Engine(database, default_registry()), "+6281300000555")
    replies = await again.send("menu")
    assert replies[0].text.startswith(EN("menu.greeting.anyone"))


async def test_every_information_topic_quotes_its_figures_in_english(engine):
    chat = Chat(engine)
    await chat.say("bahasa")
    await chat.say("2")
    await chat.say("Programme information")
    for number, topic in enumerate(TOPICS, start=1):
        replies = await chat.send(str(number))
        assert replies[0].text == EN(f"info.text.{topic}", **figures(EN))
        for figure in expected_figures(topic, EN):
            assert figure in replies[0].text, (topic, figure)
    cost = (await chat.send("What it costs"))[0].text
    assert "Rp16,800" in cost and "Rp36,800" in cost and "Rp16.800" not in cost
    assert "Rp42,000,000" in (await chat.send("JKM: death"))[0].text


async def test_english_numbered_lists_end_with_the_english_hint(engine):
    chat = Chat(engine)
    await chat.say("bahasa")
    replies = await chat.send("2")
    shown = chat.render(replies)
    assert "Reply with a number from 1 to 5." in shown and "Balas" not in shown
    shown = chat.render(await chat.send("bahasa"))
    assert shown.endswith("Reply 1 or 2.")


async def test_switching_back_to_bahasa_indonesia(engine, database):
    chat = Chat(engine)
    await chat.say("language")
    await chat.say("english")
    await chat.say("language")
    replies = await chat.send("Bahasa Indonesia")
    assert replies[0].text == ID("language.saved")
    assert replies[1].text.startswith(ID("menu.greeting.anyone"))
    assert await language_of(database, chat) == "id"
