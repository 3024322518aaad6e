"""People's names as typed: checked (letters of one script, no digits, nothing invisible) and tidied, titles such as
"Hj." and "dr." and degrees such as "S.Pd" written the usual way: "hj. siti  AMINAH, s.pd" → "Hj. Siti Aminah, S.Pd"."""

from __future__ import annotations

import re
import unicodedata

from rules.name_titles import canonical_degree, canonical_title
from rules.refusals import RefusedInputError

MIN_LENGTH, MAX_LENGTH = 2, 100
_MAX_INPUT = 1_000
_MAX_MARKS = 3  # combining marks on one letter; more is "Zalgo" text, not a name
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Co", "Cn"})
# Blank-looking characters outside those categories: the Hangul fillers (Lo), the combining grapheme joiner, the
# Khmer inherent vowels, the Mongolian free variation selectors, the variation selectors and the blank braille cell.
_INVISIBLE = frozenset(
    {0x115F, 0x1160, 0x3164, 0xFFA0, 0x034F, 0x17B4, 0x17B5, 0x2800}
    | set(range(0x180B, 0x1810))
    | set(range(0xFE00, 0xFE10))
    | set(range(0xE0100, 0xE01F0))
)
_SEPARATORS = frozenset(" .'-\u2019")  # "’" is the apostrophe phones type
# Letters styled as symbols (𝐒𝐢𝐭𝐢, ℭ), whose Unicode names start so: refused as characters, not read as a script.
_STYLED = ("MATHEMATICAL ", "SCRIPT ", "BLACK-LETTER ", "DOUBLE-STRUCK ", "PLANCK ")
_WIDTH_PREFIXES = ("FULLWIDTH ", "HALFWIDTH ")
# Scripts one name may mix: Japanese writes kanji with kana, Korean may add hanja.
_EAST_ASIAN = frozenset({"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO", "IDEOGRAPHIC"})
# A degree not in the table: letters and dots ("S.Farm", "M.Kes."), or up to three letters ("Pd" in "S. Pd").
_DEGREE_SHAPE = re.compile(r"[A-Za-z]{1,5}(?:\.[A-Za-z]{1,5})*\.?")
_SHORT_DEGREE = 3
_CAPITAL = re.compile(r"(^|[\s\-'\u2019.])([^\W\d_])")


class InvalidNameError(RefusedInputError):
    """A typed name refused: "length", "characters", "invisible", "mixed_scripts", "one_letter" or "digits"."""

    what = "a person's name"


def is_invisible(char: str) -> bool:
    """Whether a character shows nothing: format, private-use and unassigned characters, the Hangul fillers, …"""
    return unicodedata.category(char) in _INVISIBLE_CATEGORIES or ord(char) in _INVISIBLE


def script_of(letter: str) -> str | None:
    """A letter's script from its Unicode name ("LATIN", "CYRILLIC", "CJK"); None for modifier letters such as "ʼ"."""
    name = unicodedata.name(letter, "")
    for prefix in _WIDTH_PREFIXES:
        name = name.removeprefix(prefix)
    script = name.split(" ", 1)[0]
    if script == "MODIFIER" or not script:
        return None
    return "CJK" if script in _EAST_ASIAN else script


def _split_degrees(name: str) -> tuple[str, list[list[str]]]:
    """The name before the first comma and the degrees after it, each as its words: ("Budi", [["S.Pd"], ["M.Pd"]])."""
    head, comma, tail = name.partition(",")
    if not comma:
        return name, []
    return head.strip(), [part.split() for part in tail.split(",")]


def _is_degree(word: str) -> bool:
    if canonical_degree(word) is not None:
        return True
    return _DEGREE_SHAPE.fullmatch(word) is not None and ("." in word or len(word) <= _SHORT_DEGREE)


def _characters_refused(head: str) -> bool:
    """Whether the name (before any degree) holds anything but letters, their accents, spaces, . ' ’ and -."""
    if not head or not head[0].isalpha():
        return True
    after_letter, marks = False, 0
    for char in head:
        category = unicodedata.category(char)
        if category[0] == "M":
            marks += 1
            if not after_letter or marks > _MAX_MARKS:
                return True
        elif char in _SEPARATORS:
            after_letter, marks = False, 0
        elif category[0] == "L" and not unicodedata.name(char, "").startswith(_STYLED):
            after_letter, marks = True, 0
        else:
            return True
    return False


def _refusal(name: str) -> str | None:
    """Why a whitespace-collapsed, NFC-normalised name is refused, or None when it is accepted."""
    if not MIN_LENGTH <= len(name) <= MAX_LENGTH:
        return "length"
    if any(unicodedata.category(char)[0] == "N" for char in name):
        return "digits"
    head, degrees = _split_degrees(name)
    if _characters_refused(head) or not all(part and all(map(_is_degree, part)) for part in degrees):
        return "characters"
    scripts = [script_of(char) for char in name if unicodedata.category(char)[0] == "L"]
    if not any(scripts):
        return "characters"
    if len(scripts) == 1:
        return "one_letter"
    if len(set(filter(None, scripts))) > 1:
        return "mixed_scripts"
    return None


def _capitalise(text: str) -> str:
    """Lower case, a capital at the start of each part, as names were always tidied: "siti-AMINAH" → "Siti-Aminah"."""
    return _CAPITAL.sub(lambda m: m.group(1) + m.group(2).title(), text.lower())


def _tidy_once(name: str) -> str:
    typed_head, typed_degrees = _split_degrees(" ".join(name.split()))
    typed_words = typed_head.split(" ")
    words = _capitalise(typed_head).split(" ")
    at = 0
    while at < len(words) - 1 and (title := canonical_title(typed_words[at])) is not None:
        words[at] = title
        at += 1
    for index in range(at + 1, len(words)):  # a degree written without a comma: "Abdul Karim S.IP"
        if "." in words[index].rstrip(".") and (degree := canonical_degree(words[index])) is not None:
            words[index] = degree
    degrees = [" ".join(canonical_degree(word) or _capitalise(word) for word in part) for part in typed_degrees]
    return ", ".join([" ".join(words), *degrees])


def tidy_name(text: str) -> str:
    """Spaces collapsed, parts capitalised, titles and degrees as usual: "hj. siti  AMINAH" → "Hj. Siti Aminah"."""
    tidy = unicodedata.normalize("NFC", _tidy_once(text))
    for _ in range(3):  # capitalising can change other letters ("ŉ" → "ʼN"); tidy until tidying changes nothing
        again = unicodedata.normalize("NFC", _tidy_once(tidy))
        if again == tidy:
            break
        tidy = again
    return tidy


def read_person_name(text: str) -> str:
    """A person's name, tidied; raises InvalidNameError with the reason it is not one."""
    if len(text) > _MAX_INPUT:
        raise InvalidNameError(text, "length")
    if any(is_invisible(char) for char in text):
        raise InvalidNameError(text, "invisible")
    name = unicodedata.normalize("NFC", " ".join(text.split()))
    reason = _refusal(name)
    if reason:
        raise InvalidNameError(text, reason)
    tidy = tidy_name(name)
    if len(tidy) > MAX_LENGTH:  # capitalising can lengthen a name ("ß" → "Ss")
        raise InvalidNameError(text, "length")
    return tidy
