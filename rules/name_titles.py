"""Indonesian titles written before a name (H., Hj., dr., Prof.) and degrees written after it (S.Pd, M.Si, A.Md), in
their usual capitalisation, and how to write a typed one that way."""

from __future__ import annotations

import re

# "dr." (a physician) and "Dr." (a doctorate) differ only by case: which one was typed decides (see canonical_title).
TITLES = (
    "H.",
    "Hj.",
    "Dr.",
    "Drs.",
    "Dra.",
    "Ir.",
    "Prof.",
    "K.H.",
    "Ust.",
    "Ustadz",
    "Ustadzah",
    "Ustaz",
    "Ustazah",
    "Ns.",
    "Tgk.",
)
PHYSICIAN, DOCTORATE = "dr.", "Dr."
DEGREES = (
    "S.Pd",
    "S.Pd.I",
    "S.Pd.SD",
    "S.Ag",
    "S.E.",
    "S.H.",
    "S.H.I.",
    "S.Kom",
    "S.T.",
    "S.ST",
    "S.Sos",
    "S.Sos.I",
    "S.Kep",
    "S.Keb",
    "S.Ked",
    "S.KM",
    "S.IP",
    "S.I.Kom",
    "S.Psi",
    "S.Farm",
    "S.Hum",
    "S.Si",
    "S.P.",
    "S.Pt",
    "S.Ak",
    "S.Tr",
    "S.Gz",
    "M.Pd",
    "M.Pd.I",
    "M.Si",
    "M.M.",
    "M.Ag",
    "M.H.",
    "M.T.",
    "M.E.",
    "M.Kom",
    "M.Kes",
    "M.Sc",
    "M.A.",
    "MBA",
    "Ph.D.",
    "Lc",
    "A.Md",
    "A.Md.Kep",
    "A.Md.Keb",
    "A.Ma",
    "Amd",
    "B.Sc",
)
_NOT_LETTER = re.compile(r"[^A-Za-z]")


def _key(word: str) -> str:
    return word.lower().rstrip(".")


def _forms(canonical_forms: tuple[str, ...]) -> dict[str, str]:
    """Each form's key (lower case, no final dot: "s.pd"), then each dotless key ("spd") no two forms share."""
    forms = {_key(form): form for form in canonical_forms}
    dotless: dict[str, set[str]] = {}
    for form in canonical_forms:
        dotless.setdefault(_NOT_LETTER.sub("", form).lower(), set()).add(form)
    for key, candidates in dotless.items():
        if key not in forms and len(candidates) == 1:
            forms[key] = candidates.pop()
    return forms


_TITLE_FORMS = _forms(TITLES)
_DEGREE_FORMS = _forms(DEGREES)


def _cased_as(typed: str, canonical: str) -> str:
    """The typed word's letters in the canonical form's case, its dots as typed: ("s.pd.", "S.Pd") → "S.Pd."."""
    capitals = iter(char for char in canonical if char.isalpha())
    return "".join(next(capitals, char) if char.isalpha() else char for char in typed)


def canonical_title(word: str) -> str | None:
    """A typed title in its usual capitalisation ("hj." → "Hj.", "DRS" → "Drs", "dr." → "dr."), or None."""
    key = _key(word)
    if key == "dr":
        return _cased_as(word, PHYSICIAN if word[:1] == "d" else DOCTORATE)
    form = _TITLE_FORMS.get(key)
    return None if form is None else _cased_as(word, form)


def canonical_degree(word: str) -> str | None:
    """A typed degree in its usual capitalisation ("s.ip" → "S.IP", "s.t." → "S.T.", "spd" → "SPd"), or None."""
    form = _DEGREE_FORMS.get(_key(word))
    return None if form is None else _cased_as(word, form)
