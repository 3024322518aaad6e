"""Plain-text rendering of replies for channels without buttons: numbered choices and a short hint."""

from __future__ import annotations

from babel.lists import format_list

from flows.i18n import Translator
from flows.turn import Reply

_LIST_ALL_UP_TO = 3


def reply_hint(count: int, t: Translator) -> str:
    """ "Balas 1, 2, atau 3" for a few choices, "Balas angka 1-8" for more."""
    if count <= _LIST_ALL_UP_TO:
        numbers = format_list([str(n) for n in range(1, count + 1)], style="or", locale=t.language)
        return t("common.reply_hint.few", numbers=numbers)
    return t("common.reply_hint.many", last=count)


def numbered(reply: Reply) -> str:
    """The reply's text followed by its options as a numbered list and how to answer, in the reply's language."""
    if not reply.options:
        return reply.text
    if not reply.numbered:
        return "\n".join([reply.text, "", *(f"- {option.label}" for option in reply.options)])
    t = Translator(reply.language)
    lines = [reply.text, ""]
    lines += [f"{n}. {option.label}" for n, option in enumerate(reply.options, start=1)]
    lines += ["", reply_hint(len(reply.options), t)]
    return "\n".join(lines)


def _cut_point(text: str, limit: int) -> int:
    """Where to cut: the last paragraph break in the second half of the limit, else a line end, else a space."""
    for separator in ("\n\n", "\n", " "):
        cut = text.rfind(separator, 0, limit)
        if cut > limit // 2:
            return cut
    cut = max(text.rfind(separator, 0, limit) for separator in ("\n", " "))
    return cut if cut > 0 else limit


def split_text(text: str, limit: int) -> list[str]:
    """Splits a long text into parts of at most `limit` characters, at paragraph, line or word ends."""
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = _cut_point(rest, limit)
        part = rest[:cut].rstrip()
        if part:  # leading blanks would otherwise become an empty, unsendable message
            parts.append(part)
        rest = rest[cut:].lstrip()
    if rest.strip():
        parts.append(rest)
    return parts
