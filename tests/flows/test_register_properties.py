"""Whatever is typed at a registration question (emoji, control characters, 5,000 characters), the bot answers,
never fails, and either moves on with a valid answer or stays on the question."""

from __future__ import annotations

import copy
import itertools
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from flows.engine import Engine
from flows.i18n import Translator
from flows.registry import default_registry
from flows.text import NO_WORDS, SKIP_WORDS, YES_WORDS, command_word, is_yes, verb_of
from rules.age import age_on
from rules.dates import InvalidDateError, parse_date
from rules.nik import InvalidNikError, parse_nik
from rules.phones import normalise_mobile
from storage import contacts, conversations
from storage.conversations import ConversationState
from storage.database import Database
from storage.models import Conversation
from tests.chat import Chat
from tests.factories import add_staff, conversation_of

NOW = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)  # before the wall clock: see test_register_transcripts.py
TODAY = NOW.date()
VILLAGE = "63.10.02.2003"
CADRE_PHONE = "+6281200000001"
UNEXPECTED = {Translator(language)("error.unexpected") for language in ("id", "en")}

# How to reach each question, and where a valid answer there may lead.
ROUTE = (
    "daftar", "setuju", "6310054508800001", "Siti Aminah", "ya", "1", "lewati", "lainnya", "penjahit", "1jt", "donatur"
)  # fmt: skip
STEPS: dict[str, tuple[int, set[str]]] = {
    "nik": (2, {"name"}),
    "name": (3, {"birth_date"}),
    "birth_date": (4, {"birth_confirm", "sex"}),
    "phone": (6, {"occupation"}),
    "occupation_other": (8, {"income"}),
    "income": (9, {"payer"}),
    "sponsor": (11, {"programmes"}),
}
FREE_TEXT_STEPS = ("name", "occupation_other", "sponsor")

LONG = ("6310054508800001 " * 300)[:5000]
_odd = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "ab\x00cd",
        "\x1b[31mSiti\x1b[0m",
        "\u200d\u200d",
        "👩‍🌾👩‍🌾",
        "Siti 👩‍🌾",
        "\t\n\r",
        LONG,
        "A" * 1000,
        "A" * 1001,
        "1" * 5000,
        "𝟔𝟑𝟏𝟎𝟎𝟓𝟒𝟓𝟎𝟖𝟖𝟎𝟎𝟎𝟏",
        "٦٣١٠٠٥٤٥٠٨٨٠٠٠٠١",
        "6310054508800001\x00",
        "1e999",
        "9" * 400,
        "-1jt",
        "Rp ∞",
        "0812\x003456\x007890",
        "null",
        "{}",
        "'; DROP TABLE worker; --",
    ]
)
_plausible = st.one_of(
    st.from_regex(r"\d{16}", fullmatch=True),
    st.sampled_from(["6310054508800001", "6310 0545 0880 0002", "6310.0545.0880.0003", "6310-0545-0880-0004"]),
    st.sampled_from(["siti AMINAH", "O'Neil", "Ni Luh Putu Ayu", "S", "Andi.", "Abdul-Rahman", "Siti 2"]),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2040, 12, 31)).flatmap(
        lambda d: st.sampled_from(
            [d.strftime("%d-%m-%Y"), f"{d.day}/{d.month}/{d.year}", d.isoformat(), d.strftime("%d %B %Y")]
        )
    ),
    st.sampled_from(["ya", "lewati", "0812-3456-7890", "+62 813 5000 1234", "021 5550123", "+1 202 555 0123"]),
    st.integers(min_value=-10, max_value=10**10).map(str),
    st.sampled_from(["1jt", "1,5 juta", "Rp 2 juta", "500rb", "25 juta", "2.500.000", "20.700.001", "abc"]),
)
answers = st.one_of(st.text(), st.text(min_size=50, max_size=300), _odd, _plausible)

_addresses = itertools.count(1)
_templates: dict[tuple[str, str], tuple[ConversationState, str]] = {}


@pytest.fixture
def engine(database: Database) -> Engine:
    return Engine(database, default_registry(), clock=lambda: NOW)


@pytest.fixture
async def cadre(database: Database) -> None:
    await add_staff(database, CADRE_PHONE, (VILLAGE,))


async def row_of(database: Database, chat: Chat) -> Conversation:
    return await conversation_of(database, chat.channel, chat.address)


async def chat_at(engine: Engine, database: Database, step: str) -> tuple[Chat, str]:
    """A new person's conversation standing at `step`, and the question asked there.

    The first time, a cadre types the way there; later chats get a copy of the conversation that produced
    (a fresh address each, as if they had typed the same answers), which keeps many examples fast.
    """
    key = (database.url, step)
    chat = Chat(engine, f"prop-{next(_addresses)}", channel="telegram", phone=CADRE_PHONE)
    if key not in _templates:
        for text in ROUTE[: STEPS[step][0]]:
            await chat.say(text)
        row = await row_of(database, chat)
        assert (row.flow, row.step) == ("register", step)
        _templates[key] = ConversationState(row.flow, row.step, copy.deepcopy(row.state)), chat.last[-1].text
        return chat, chat.last[-1].text
    template, question = _templates[key]
    async with database.transaction() as session:
        contact = await contacts.get_or_create_contact(session, chat.channel, chat.address)
        state = await conversations.load_for_update(session, contact.id)
        state.flow, state.step, state.data = template.flow, template.step, copy.deepcopy(template.data)
        await conversations.save(session, contact.id, state)
    return chat, question


@pytest.fixture(autouse=True)
def _fresh_templates() -> None:
    _templates.clear()


def _typed(text: str) -> str:
    return text.strip()


def _valid_nik(text: str) -> bool:
    try:
        parse_nik(text, TODAY)
    except InvalidNikError:
        return False
    return True


def _name_ok(text: str, value: Any) -> bool:
    return (
        isinstance(value, str)
        and 2 <= len(value) <= 100
        and value == " ".join(value.split())
        and not any(c.isdigit() or c == "_" or unicodedata.category(c).startswith("C") for c in value)
        and value[0].isupper()
        and value.casefold() == " ".join(unicodedata.normalize("NFC", text).split()).casefold()
    )


def _birth_ok(text: str, value: Any) -> bool:
    born = date.fromisoformat(value)
    if not is_yes(text):
        try:
            if parse_date(text, TODAY) != born:
                return False
        except InvalidDateError:
            return False
    return born <= TODAY and 15 <= age_on(born, TODAY) <= 65


def _phone_ok(text: str, value: Any) -> bool:
    return value is None or (re.fullmatch(r"\+628[0-9]{8,11}", value) is not None and normalise_mobile(text) == value)


def _income_ok(text: str, value: Any) -> bool:
    amount = value["amount"]
    return 1_000_000 <= amount <= 20_700_000 and amount % 100_000 == 0 and value["typed"] <= 20_700_000


def _free_text_ok(text: str, value: Any) -> bool:
    return (
        2 <= len(value) <= 100
        and any(c.isalpha() for c in value)
        and not any(unicodedata.category(c) in ("Cc", "Cs") for c in value)
    )


CHECKS: dict[str, Callable[[str, Any], bool]] = {
    "nik": lambda text, value: _valid_nik(text) and value["number"] == parse_nik(text, TODAY).number,
    "name": _name_ok,
    "birth_date": _birth_ok,
    "phone": _phone_ok,
    "occupation_other": _free_text_ok,
    "income": _income_ok,
    "sponsor": _free_text_ok,
}


async def any_text_at(step: str, engine: Engine, database: Database, text: str) -> None:
    typed = _typed(text)
    assume(verb_of(typed) is None and command_word(typed) is None)  # the shared verbs leave on purpose
    chat, question = await chat_at(engine, database, step)
    before = _templates[(database.url, step)][0].data["answers"]

    replies = await chat.send(text)

    assert replies, "every message gets an answer"
    assert not UNEXPECTED & {r.text for r in replies}
    after = await row_of(database, chat)
    assert after.flow == "register"
    if after.step == step:
        assert after.state["answers"] == before, "a refused answer changes nothing"
        # A text naming another service ("0:MENU") is offered the way there instead, the answers kept.
        offered_to_leave = [option.value for option in replies[-1].options] == ["leave", "stay"]
        # A bare number below any income ("1", "1,5") is asked about ("Rp1.000.000?"), never kept as it is.
        asked_to_confirm = [option.value for option in replies[-1].options] == ["ya", "tidak"]
        assert offered_to_leave or asked_to_confirm or replies[-1].text == question, "and the question is asked again"
    else:
        assert after.step in STEPS[step][1], after.step
        assert len(typed) <= 1000
        assert CHECKS[step](typed, after.state["answers"][step]), (typed, after.state["answers"][step])
    if step == "nik":
        assert (after.step != step) == (0 < len(typed) <= 1000 and _valid_nik(typed))


def strange_texts(test: Callable[..., Any]) -> Callable[..., Any]:
    """Always tries NUL in the middle, terminal escapes, an emoji sequence and 5,000 characters."""
    for text in ("ab\x00cd", "\x1b[31mSiti\x1b[0m", "👩‍🌾", LONG):
        test = example(text=text)(test)
    return test


PROPERTY = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPERTY
@given(text=answers)
@example(text="6310 0545 0880 0002")
@strange_texts
async def test_any_text_at_the_nik_question(engine, database, cadre, text):
    await any_text_at("nik", engine, database, text)


@PROPERTY
@given(text=answers)
@example(text="siti  AMINAH")
@strange_texts
async def test_any_text_at_the_name_question(engine, database, cadre, text):
    await any_text_at("name", engine, database, text)


@PROPERTY
@given(text=answers)
@example(text="5 Agustus 1980")
@strange_texts
async def test_any_text_at_the_birth_date_question(engine, database, cadre, text):
    await any_text_at("birth_date", engine, database, text)


@PROPERTY
@given(text=answers)
@example(text="0812-3456-7890")
@strange_texts
async def test_any_text_at_the_phone_question(engine, database, cadre, text):
    await any_text_at("phone", engine, database, text)


@PROPERTY
@given(text=answers)
@example(text="1jt")
@strange_texts
async def test_any_text_at_the_income_question(engine, database, cadre, text):
    await any_text_at("income", engine, database, text)


@PROPERTY
@given(text=answers)
@example(text="penjahit keliling")
@strange_texts
async def test_any_text_at_the_free_text_questions(engine, database, cadre, text):
    await any_text_at("occupation_other", engine, database, text)
    await any_text_at("sponsor", engine, database, text)


_filler = st.sampled_from(
    sorted(YES_WORDS | NO_WORDS | SKIP_WORDS | {"menu", "batal", "kembali", "bantuan", "ok", "Oke!", "iya", "-"})
).flatmap(
    lambda word: st.sampled_from([word, word.upper(), word.title(), f"{word}.", f" {word} ", f"{word}!!", f'"{word}"'])
)


@PROPERTY
@given(word=_filler, step=st.sampled_from(FREE_TEXT_STEPS))
async def test_no_yes_no_skip_or_menu_word_is_ever_stored_as_a_name_or_sponsor(engine, database, cadre, word, step):
    chat, _ = await chat_at(engine, database, step)
    await chat.send(word)
    after = await row_of(database, chat)
    assert after.state.get("answers", {}).get(step) is None, (word, after.state.get("answers"))


@PROPERTY
@given(word=_filler)
async def test_no_yes_no_skip_or_menu_word_is_ever_stored_as_an_heir(engine, database, cadre, word):
    chat, _ = await chat_at(engine, database, "name")
    for answer in ("Siti Aminah", "ya", "1", "lewati", "1", "1jt", "1", "1"):
        await chat.send(answer)
    assert (await row_of(database, chat)).step == "heir_name"
    await chat.send(word)
    answers = (await row_of(database, chat)).state.get("answers", {})
    assert answers.get("heir_name") is None, (word, answers)
