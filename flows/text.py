"""Reading what people type: normalising words, matching choices, recognising the shared verbs."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from flows.i18n import Translator
from flows.model import Choice

MENU = "menu"
CANCEL = "batal"
BACK = "kembali"
HELP = "bantuan"
EDIT = "ubah"

HELP_WORDS = ("bantuan", "help", "tolong", "minta tolong", "bingung")
_VERBS = {
    MENU: {"menu", "start", "menu utama", "main menu", "home"},
    CANCEL: {"batal", "batalkan", "cancel"},
    BACK: {"kembali", "back", "balik"},
    HELP: {*HELP_WORDS, "?"},
}
_EDIT = re.compile(r"^(?:ubah|edit|change|ganti)\s*(?:no\.?|nomor|number)?\s*(\d{1,2})$")
_NUMBER = re.compile(r"^(\d{1,3})[.)]?$")
_PUNCT = re.compile(r"[^\w\s?/]+")
_SPACES = re.compile(r"\s+")


YES_WORDS = frozenset(
    {"ya", "y", "yes", "ok", "oke", "okay", "benar", "betul", "sama", "sesuai", "iya", "yaa", "sdh", "udah", "sudah"}
)
NO_WORDS = frozenset({"tidak", "tdk", "gak", "ga", "nggak", "ngga", "enggak", "engga", "no", "nope", "bukan", "salah"})
SKIP_WORDS = frozenset(
    {"lewati", "skip", "kosong", "none", "tidak", "tdk", "gak", "ga", "nggak", "ngga", "enggak", "no"}
    | {"tidak ada", "tdk ada", "gak ada", "ga ada", "nggak ada", "ngga ada", "enggak ada", "belum ada"}
)
_SKIP_MARKS = frozenset({"-", "--", "–", "—"})
GREETINGS = (
    "assalamualaikum",
    "assalamu alaikum",
    "asalamualaikum",
    "salam",
    "halo",
    "hallo",
    "helo",
    "hai",
    "hi",
    "hello",
    "selamat pagi",
    "selamat siang",
    "selamat sore",
    "selamat malam",
    "pagi",
    "good morning",
    "good afternoon",
    "good evening",
)


def _words(text: str) -> str:
    """Lower case, punctuation dropped, spaces collapsed; letters kept as typed ("Ý" stays no "y")."""
    return _SPACES.sub(" ", _PUNCT.sub(" ", text.casefold())).strip()


def is_yes(text: str) -> bool:
    """Whether the text says yes ("ya", "Ya.", "ok", "benar", "sesuai"), in either language."""
    return _words(text) in YES_WORDS


def is_no(text: str) -> bool:
    """Whether the text says no ("tidak", "gak", "nggak", "tdk", "no"), in either language."""
    return _words(text) in NO_WORDS


def is_skip(text: str) -> bool:
    """Whether the text skips an optional question ("lewati", "-", "tidak ada", "tdk ada", "skip"); punctuation or
    an emoji alone is no answer at all, not a skip."""
    return fold(text) in SKIP_WORDS or text.strip() in _SKIP_MARKS


def filler_refusal(text: str) -> str | None:
    """Why the text cannot be a name or other free text: the message key, or None when it may be one. Filler words
    (yes, no, skip, the shared verbs, greetings), digits alone and a single letter are never data."""
    words = fold(text)
    if words in YES_WORDS or words in SKIP_WORDS or words in NO_WORDS or verb_of(text) is not None:
        return "common.free_text.filler"
    if is_greeting(text):
        return "common.free_text.filler"
    compact = "".join(words.split())
    if compact.isdigit():
        return "common.free_text.digits"
    if len(compact) == 1:
        return "common.free_text.one_letter"
    return None


_HONORIFICS = frozenset({"pak", "bu", "bapak", "ibu", "kak", "mas", "mbak", "dik", "admin", "min", "semua", "all"})


def is_greeting(text: str) -> bool:
    """Whether the whole message is a greeting ("Assalamualaikum", "halo pak"): a name such as "Abdul Salam" or
    "Salam Harahap" is no greeting."""
    words = fold(text).split()
    if " ".join(words) in GREETINGS:
        return True
    return len(words) > 1 and words[-1] in _HONORIFICS and " ".join(words[:-1]) in GREETINGS


def find_phrase(text: str, phrases: Sequence[str]) -> str | None:
    """The first of the phrases that the text holds as whole words ("bapak saya meninggal kemarin" holds
    "meninggal"), in the order given; accents, case and punctuation do not count."""
    padded = f" {fold(text)} "
    for phrase in phrases:
        if _padded(phrase) in padded:
            return phrase
    return None


@lru_cache(maxsize=4096)
def _padded(phrase: str) -> str:
    """A known phrase folded and padded with spaces, computed once: the same phrases are sought in every message."""
    return f" {fold(phrase)} "


@lru_cache(maxsize=4096)
def _folded(word: str) -> str:
    """fold() of a known word (a choice's value, label or alias), computed once per word."""
    return fold(word)


def free_text(text: str, max_length: int = 100, *, letters: bool = True) -> str | None:
    """Typed words with spaces collapsed, or None unless 2 to max_length characters with a letter (or, without
    `letters`, a letter or digit) and no control characters or broken Unicode (PostgreSQL stores no NUL)."""
    value = " ".join(text.split())
    wanted = str.isalpha if letters else str.isalnum
    if not 2 <= len(value) <= max_length or not any(wanted(c) for c in value):
        return None
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in value):
        return None
    return value


@dataclass(frozen=True)
class Verb:
    """A shared command recognised in any flow; `number` is N of `ubah N`."""

    name: str
    number: int | None = None


def fold(text: str) -> str:
    """Lower case, accents and punctuation dropped, spaces collapsed: for comparing words."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return _SPACES.sub(" ", _PUNCT.sub(" ", plain)).strip()


def command_word(text: str) -> str | None:
    """The command of a slash command ("/daftar@kader_bot x" → "daftar"), or None."""
    stripped = text.strip()
    if not stripped.startswith("/"):
        return None
    word = stripped[1:].split(maxsplit=1)[0] if len(stripped) > 1 else ""
    return word.split("@", 1)[0].casefold() or None


def verb_of(text: str) -> Verb | None:
    """The shared verb the text is, if it is one."""
    word = command_word(text) or fold(text)
    for name, words in _VERBS.items():
        if word in words:
            return Verb(name)
    match = _EDIT.match(word)
    if match:
        return Verb(EDIT, int(match.group(1)))
    return None


def match_choice(text: str, choices: Sequence[Choice], t: Translator, *, positions: bool = True) -> Choice | None:
    """The choice picked by its number in the list (unless `positions` is off), value, label or an alias."""
    folded = fold(text)
    if not folded:
        return None
    number = _NUMBER.match(folded) if positions else None
    if number:
        index = int(number.group(1)) - 1
        return choices[index] if 0 <= index < len(choices) else None
    for choice in choices:
        words = {_folded(choice.value), _folded(choice.text(t)), *(_folded(a) for a in choice.aliases)}
        if folded in words:
            return choice
    starting = [c for c in choices if _folded(c.text(t)).startswith(folded) and len(folded) >= 3]
    return starting[0] if len(starting) == 1 else None
