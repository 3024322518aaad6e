"""Plain-text rendering of replies for channels without buttons: numbered choices and a short hint."""

from __future__ import annotations

from babel.lists import format_list

from flows.i18n import Translator
from flows.messages import Reply

_LIST_ALL_UP_TO = 3


def reply_hint(count: int, t: Translator) -> str:
    """ "Balas 1, 2, atau 3" for a few choices, "Balas angka 1-8" for more."""
    if count <= _LIST_ALL_UP_TO:
        numbers = format_list([str(n) for n in range(1, count + 1)], style="or", locale=t.language)
        return t("common.reply_hint.few", numbers=numbers)
    return t("common.reply_hint.many", last=count)


def numbered(reply: Reply, t: Translator) -> str:
    """The reply's text followed by its options as a numbered list and how to answer."""
    if not reply.options:
        return reply.text
    lines = [reply.text, ""]
    lines += [f"{n}. {option.label}" for n, option in enumerate(reply.options, start=1)]
    lines += ["", reply_hint(len(reply.options), t)]
    return "\n".join(lines)


def split_text(text: str, limit: int) -> list[str]:
    """Splits a long text into parts of at most `limit` characters, at paragraph, line or word ends."""
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = max(rest.rfind("\n\n", 0, limit), rest.rfind("\n", 0, limit), rest.rfind(" ", 0, limit))
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts
