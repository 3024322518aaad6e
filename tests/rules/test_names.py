"""People's names: one script, no digits, nothing invisible; tidied, titles and degrees in their usual form."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from rules.name_titles import DEGREES, TITLES, canonical_degree, canonical_title
from rules.names import InvalidNameError, is_invisible, read_person_name, script_of, tidy_name

REASONS = {"length", "characters", "invisible", "mixed_scripts", "one_letter", "digits"}


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("Siti Aminah", "Siti Aminah"),
        ("siti  AMINAH", "Siti Aminah"),
        ("  siti aminah\n", "Siti Aminah"),
        ("Siti Aminah Binti Ahmad", "Siti Aminah Binti Ahmad"),
        ("o'neil-SMITH", "O'Neil-Smith"),
        ("ma\u2019ruf", "Ma\u2019Ruf"),
        ("I Gusti Ngurah Rai", "I Gusti Ngurah Rai"),
        ("Ni Luh Putu", "Ni Luh Putu"),
        ("La Ode", "La Ode"),
        ("Jose\u0301", "José"),  # a combining accent, composed
        ("MÜLLER", "Müller"),
        ("Иван Петров", "Иван Петров"),
        ("王一博", "王一博"),
        ("山田 さくら", "山田 さくら"),
        ("Siti.", "Siti."),
        ("Ab", "Ab"),
        ("ß" + "a" * 98, "Ss" + "a" * 98),
        # titles and degrees, in their usual form
        ("H. Abdul Karim, S.Pd", "H. Abdul Karim, S.Pd"),
        ("h. abdul karim, s.pd", "H. Abdul Karim, S.Pd"),
        ("hj. siti aminah", "Hj. Siti Aminah"),
        ("HJ. SITI AMINAH", "Hj. Siti Aminah"),
        ("Drs. Bambang, M.Si", "Drs. Bambang, M.Si"),
        ("drs. bambang, m.si", "Drs. Bambang, M.Si"),
        ("dr. Ayu", "dr. Ayu"),
        ("dr. ayu lestari", "dr. Ayu Lestari"),
        ("Dr. Ayu", "Dr. Ayu"),
        ("DR. Ayu", "Dr. Ayu"),
        ("Ir. Joko, S.T.", "Ir. Joko, S.T."),
        ("ir. joko, s.t.", "Ir. Joko, S.T."),
        ("Siti, A.Md.", "Siti, A.Md."),
        ("siti, a.md", "Siti, A.Md"),
        ("siti, amd", "Siti, Amd"),
        ("Prof. Dr. Ir. Joko Widodo", "Prof. Dr. Ir. Joko Widodo"),
        ("k.h. ahmad dahlan", "K.H. Ahmad Dahlan"),
        ("KH Ahmad Dahlan", "KH Ahmad Dahlan"),
        ("ust. abdul somad", "Ust. Abdul Somad"),
        ("ustadzah siti", "Ustadzah Siti"),
        ("budi, s.ip", "Budi, S.IP"),
        ("budi, s.pd.i", "Budi, S.Pd.I"),
        ("budi, s.kom, m.kom", "Budi, S.Kom, M.Kom"),
        ("budi, s.e., m.m.", "Budi, S.E., M.M."),
        ("budi, se", "Budi, SE"),
        ("budi, spd", "Budi, SPd"),
        ("budi , s.sos", "Budi, S.Sos"),
        ("budi,s.h.", "Budi, S.H."),
        ("budi, s.farm", "Budi, S.Farm"),  # not in the table, degree-shaped
        ("budi, s. pd", "Budi, S. Pd"),
        ("budi s.ip", "Budi S.IP"),  # a degree written without the comma
        ("budi, mba", "Budi, MBA"),
        ("budi, ph.d.", "Budi, Ph.D."),
    ],
)
def test_a_name_is_accepted_and_tidied(typed: str, name: str) -> None:
    assert read_person_name(typed) == name


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "length"),
        ("S", "length"),
        ("A" * 101, "length"),
        ("ß" + "a" * 99, "length"),  # 101 letters once capitalised ("Ss")
        ("x" * 5000, "length"),
        ("Siti 2", "digits"),
        ("S1ti", "digits"),
        ("Siti²", "digits"),
        ("Siti Ⅳ", "digits"),
        ("Siti ٣", "digits"),
        ("Siti_Aminah", "characters"),
        ("Siti@Aminah", "characters"),
        ("Siti 😀", "characters"),
        ("'Siti", "characters"),
        ("-Siti", "characters"),
        ("ab\x00cd", "characters"),
        ("\x1bSiti", "characters"),
        ("𝐒𝐢𝐭𝐢", "characters"),  # mathematical bold letters
        ("Siti, Aminah", "characters"),  # after a comma only degrees
        ("Siti,", "characters"),
        ("Siti,, S.Pd", "characters"),
        (", S.Pd", "characters"),
        ("Siti, S.Pd Aminah", "characters"),
        ("Siti /Aminah", "characters"),
        ("Si\u0301\u0301\u0301\u0301\u0301ti", "characters"),  # too many accents on one letter
        ("Siti \u0301Aminah", "characters"),  # an accent on nothing
        ("ʼʼ", "characters"),
        ("Siti\u200bAminah", "invisible"),  # zero-width space
        ("Siti\u200dAminah", "invisible"),  # zero-width joiner
        ("\u3164", "invisible"),  # Hangul filler
        ("Siti \u3164", "invisible"),
        ("\u115f\u1160", "invisible"),
        ("Siti\u200e", "invisible"),  # left-to-right mark
        ("\u202eanimA itiS", "invisible"),  # right-to-left override
        ("Siti\u2066Aminah\u2069", "invisible"),
        ("Si\u00adti", "invisible"),  # soft hyphen
        ("\ufeffSiti", "invisible"),
        ("Siti\ue000", "invisible"),  # private use
        ("Siti\u034fAminah", "invisible"),  # combining grapheme joiner
        ("Siti\ufe0f", "invisible"),  # a variation selector
        ("Sіti", "mixed_scripts"),  # a Cyrillic і
        ("Siti Аминах", "mixed_scripts"),
        ("Αlex", "mixed_scripts"),  # a Greek capital alpha
        ("Siti 山田", "mixed_scripts"),
        ("S.", "one_letter"),
        ("A-", "one_letter"),
        ("é.", "one_letter"),
    ],
)
def test_refused_with_reason(typed: str, reason: str) -> None:
    with pytest.raises(InvalidNameError) as caught:
        read_person_name(typed)
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError)


def test_the_tables_hold_the_usual_titles_and_degrees() -> None:
    for title in ("H.", "Hj.", "Dr.", "Drs.", "Dra.", "Ir.", "Prof.", "K.H.", "Ust.", "Ustadz", "Ustadzah"):
        assert title in TITLES
        assert canonical_title(title.upper()) == canonical_title(title.lower().capitalize()) or title == "Dr."
    for degree in (
        "S.Pd",
        "S.Ag",
        "S.Pd.I",
        "S.E.",
        "S.H.",
        "S.Kom",
        "S.T.",
        "S.Sos",
        "S.Kep",
        "S.IP",
        "M.Pd",
        "M.Si",
        "M.M.",
        "A.Md",
        "A.Ma",
        "Amd",
    ):
        assert degree in DEGREES
        assert canonical_degree(degree.lower()) == degree
        assert canonical_degree(degree.upper()) == degree


def test_canonical_forms_keep_the_typed_dots() -> None:
    assert canonical_title("hj") == "Hj"
    assert canonical_title("dr") == "dr"
    assert canonical_title("Dr") == "Dr"
    assert canonical_degree("s.t") == "S.T"
    assert canonical_degree("amd.") == "Amd."
    assert canonical_title("siti") is None
    assert canonical_degree("siti") is None


def test_tidy_name() -> None:
    assert tidy_name("siti  AMINAH") == "Siti Aminah"
    assert tidy_name("hj. siti, s.pd") == "Hj. Siti, S.Pd"


def test_scripts() -> None:
    assert script_of("a") == script_of("é") == script_of("Ａ") == "LATIN"
    assert script_of("и") == "CYRILLIC"
    assert script_of("山") == script_of("さ") == script_of("한") == "CJK"
    assert script_of("ʼ") is None


@pytest.mark.parametrize("char", ["\u200b", "\u3164", "\u115f", "\u1160", "\u00ad", "\ufeff", "\u202e", "\u2066"])
def test_invisible_characters(char: str) -> None:
    assert is_invisible(char)


name_like = st.text(
    alphabet=st.one_of(
        st.characters(categories=["L", "M", "Zs"]),
        st.sampled_from(list(" .'-,\u2019") + ["\u200b", "\u3164", "\u0301", "ß", "ŉ", "İ", "ǆ"]),
    ),
    max_size=40,
)
titled = st.tuples(
    st.sampled_from(["", *TITLES, "dr.", "hj", "DR"]),
    st.sampled_from(["siti aminah", "ABDUL KARIM", "ni luh", "o'neil-smith"]),
    st.lists(st.sampled_from([*DEGREES, "s.farm", "spd", "a.md."]), max_size=2),
).map(lambda parts: " ".join(filter(None, [parts[0], parts[1]])) + "".join(f", {d}" for d in parts[2]))


@given(st.one_of(st.text(max_size=60), name_like, titled))
@example("ŉa")
@example("İstanbul")
@example("ǆeni")
@example("ß" + "a" * 98)
@example("a\u0345\u0345")
def test_a_name_read_has_nothing_invisible_and_no_digit_and_reads_back_to_itself(text: str) -> None:
    try:
        name = read_person_name(text)
    except InvalidNameError as error:
        assert error.reason in REASONS
        return
    assert not any(unicodedata.category(char) in ("Cf", "Co", "Cn", "Cc") or is_invisible(char) for char in name)
    assert not any(unicodedata.category(char)[0] == "N" for char in name)
    assert 2 <= len(name) <= 100
    assert name == " ".join(name.split())
    assert read_person_name(name) == name


@given(titled)
def test_titled_names_are_accepted(text: str) -> None:
    assert read_person_name(text) == read_person_name(read_person_name(text))
