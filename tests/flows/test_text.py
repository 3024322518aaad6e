"""Reading what people type: folding, the shared verbs, slash commands and choice matching."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from flows.engine import Engine
from flows.i18n import Translator, catalogue
from flows.menu import menu_flow
from flows.model import Choice, Context, Flow, Outcome, Registry, Step
from flows.text import BACK, CANCEL, EDIT, HELP, MENU, Verb, command_word, fold, match_choice, verb_of
from storage import audit, contacts
from storage.database import Database
from storage.models import Conversation
from tests.chat import Chat

T = Translator("id")

FRUIT = (
    Choice("apple", label="Apel Merah", aliases=("apel",)),
    Choice("apricot", label="Aprikot Kering"),
    Choice("banana", label="Pisang Raja", aliases=("gedang",)),
)
MENU_LIKE = (
    Choice("report_death", "menu.item.report_death", aliases=("kematian",)),
    Choice("report_accident", "menu.item.report_accident", aliases=("kecelakaan",)),
    Choice("info", "menu.item.info"),
)


# -- fold ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("  Batal!  ", "batal"),
        ("MENU", "menu"),
        ("Café  Crème", "cafe creme"),
        ("ubah   no.\t2", "ubah no 2"),
        ("Straße", "strasse"),
        ("apa?", "apa?"),
        ("/menu@kader_bot", "/menu kader_bot"),
        ("👍👍", ""),
        ("２", "2"),
    ],
)
def test_fold_lowers_drops_accents_and_punctuation_and_collapses_spaces(text, folded):
    assert fold(text) == folded


def test_fold_is_idempotent_on_examples():
    for text in ("Batal!", "Café  Crème", "ubah no. 2", "  x  y  "):
        assert fold(fold(text)) == fold(text)


# -- command_word ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("/daftar@kader_bot x", "daftar"),
        ("/LAPOR", "lapor"),
        ("  /menu  ", "menu"),
        ("/start payload", "start"),
        ("/", None),
        ("/@kader_bot", None),
        ("menu", None),
        ("lapor /x", None),
        ("", None),
    ],
)
def test_command_word_reads_slash_commands_only(text, command):
    assert command_word(text) == command


# -- verb_of -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "verb"),
    [
        ("menu", Verb(MENU)),
        ("/menu@kader_bot", Verb(MENU)),
        ("/start", Verb(MENU)),
        ("Menu Utama", Verb(MENU)),
        ("Batal!", Verb(CANCEL)),
        ("cancel", Verb(CANCEL)),
        ("/batal", Verb(CANCEL)),
        ("kembali", Verb(BACK)),
        ("Back.", Verb(BACK)),
        ("bantuan", Verb(HELP)),
        ("?", Verb(HELP)),
        ("help", Verb(HELP)),
        ("UBAH 3", Verb(EDIT, 3)),
        ("edit 2", Verb(EDIT, 2)),
        ("ubah no. 12", Verb(EDIT, 12)),
        ("ganti nomor 4", Verb(EDIT, 4)),
        ("ubah2", Verb(EDIT, 2)),
    ],
)
def test_verb_of_recognises_the_shared_verbs(text, verb):
    assert verb_of(text) == verb


@pytest.mark.parametrize(
    "text", ["ubah", "ubah 100", "ubah dua", "menu saya", "batalkan semua", "kembali lagi", "1", ""]
)
def test_verb_of_is_none_for_ordinary_answers(text):
    assert verb_of(text) is None


# -- match_choice ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1", "apple"),
        ("3", "banana"),
        ("2.", "apricot"),
        ("3)", "banana"),
        ("apple", "apple"),
        ("APEL MERAH", "apple"),
        ("apel", "apple"),
        ("gedang!", "banana"),
        ("pisang", "banana"),
        ("apri", "apricot"),
    ],
)
def test_match_choice_by_number_value_label_alias_or_unique_prefix(text, value):
    picked = match_choice(text, FRUIT, T)
    assert picked is not None and picked.value == value


@pytest.mark.parametrize("text", ["0", "4", "99", "1000", "", "  ", "!!", "apelx", "mangga"])
def test_match_choice_refuses_what_matches_nothing(text):
    assert match_choice(text, FRUIT, T) is None


def test_match_choice_refuses_an_ambiguous_prefix():
    assert match_choice("ap", FRUIT, T) is None  # too short, and both Apel and Aprikot
    assert match_choice("lapor", MENU_LIKE, T) is None  # both reports start with "Lapor"
    assert match_choice("lapor kem", MENU_LIKE, T).value == "report_death"  # type: ignore[union-attr]


def test_match_choice_reads_label_keys_in_the_translators_language():
    english = Translator("en")
    assert match_choice("Programme information", MENU_LIKE, english).value == "info"  # type: ignore[union-attr]
    assert match_choice("Info program", MENU_LIKE, T).value == "info"  # type: ignore[union-attr]
    assert match_choice("Programme information", MENU_LIKE, T) is None


def test_match_choice_with_no_choices_is_none():
    assert match_choice("1", (), T) is None
    assert match_choice("apa saja", (), T) is None


# -- properties ------------------------------------------------------------------------


@given(st.text(max_size=60))
def test_verb_of_and_command_word_never_raise(text):
    verb = verb_of(text)
    assert verb is None or verb.name in (MENU, CANCEL, BACK, HELP, EDIT)
    if verb is not None and verb.name == EDIT:
        assert verb.number is not None and 0 <= verb.number <= 99
    word = command_word(text)
    assert word is None or (word and "@" not in word)


@given(st.text(max_size=60))
def test_match_choice_never_raises_and_only_returns_offered_choices(text):
    for choices in (FRUIT, MENU_LIKE, ()):
        picked = match_choice(text, choices, T)
        assert picked is None or picked in choices


@given(st.integers(min_value=0, max_value=999))
def test_match_choice_by_number_is_exactly_the_offered_range(number):
    picked = match_choice(str(number), FRUIT, T)
    if 1 <= number <= len(FRUIT):
        assert picked == FRUIT[number - 1]
    else:
        assert picked is None


# -- at the engine: any text at a choice step picks a choice or changes nothing ---------------

COLOURS = (
    Choice("merah", "pilih.merah", aliases=("abang",)),
    Choice("biru", "pilih.biru"),
    Choice("biru_muda", "pilih.biru_muda"),
    Choice("hijau", "pilih.hijau", aliases=("ijo",)),
)
PICK_MESSAGES = {
    "pilih.title": "Pilih warna",
    "pilih.ask": "Warna apa?",
    "pilih.merah": "Merah",
    "pilih.biru": "Biru tua",
    "pilih.biru_muda": "Biru muda",
    "pilih.hijau": "Hijau daun",
    "pilih.done": "Dipilih: {value}",
}


async def _picked(ctx: Context) -> Outcome:
    value = str(ctx.answers["warna"])
    await audit.record_event(ctx.session, "pilih", contact_id=ctx.contact.id, details={"value": value})
    return Outcome(texts=[ctx.t("pilih.done", value=value)])


@pytest.fixture
def picker(database: Database, monkeypatch: pytest.MonkeyPatch) -> Engine:
    for language in ("id", "en"):
        for key, text in PICK_MESSAGES.items():
            monkeypatch.setitem(catalogue(language), key, text)
    registry = Registry()
    registry.add(menu_flow())
    registry.add(Flow("pilih", "pilih.title", (Step("warna", "pilih.ask", choices=COLOURS),), _picked), "pilih")
    return Engine(database, registry)


_addresses = itertools.count(1)
_answers = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["1", "2", "4", "5", "0", "2.", "Merah", "ABANG", "biru", "biru m", "hijau", "ijo!", "bir", "👍"]),
    st.integers(min_value=-3, max_value=12).map(str),
)


async def _after(database: Database, chat: Chat) -> tuple[tuple[str | None, str | None], list[str]]:
    async with database.transaction() as session:
        contact = await contacts.find_contact(session, chat.channel, chat.address)
        assert contact is not None
        row = await session.get(Conversation, contact.id)
        assert row is not None
        picks = [e.details["value"] for e in await audit.events(session, "pilih") if e.actor_contact_id == contact.id]
        return (row.flow, row.step), picks


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_answers)
async def test_any_text_at_a_choice_step_picks_a_choice_or_changes_nothing(picker, database, text):
    assume(verb_of(text) is None)
    chat = Chat(picker, f"prop-{next(_addresses)}")
    await chat.send("pilih")
    assert await _after(database, chat) == (("pilih", "warna"), [])

    replies = await chat.send(text)

    expected = match_choice(text, COLOURS, T)
    where, picks = await _after(database, chat)
    if expected is not None:
        assert picks == [expected.value]
        assert replies[0].text == f"Dipilih: {expected.value}"
    else:
        assert (where, picks) == (("pilih", "warna"), [])
        assert replies[-1].text == "Warna apa?"
