"""An inline button's callback data: which question it answers and the answer, within Telegram's 64 bytes.

The data is `question|answer`. The answer is the option's value when it fits; otherwise `#n`, its 1-based position,
for options the engine reads by position (`Reply.numbered`), or the option's label (cut to fit if need be) where a
typed number is itself a value ("1, 3, 6 or 12 months": `#3` read as "3" would pick the wrong option). A reply without
a question token (or one that cannot carry it) gets the encoding older keyboards have: the bare value, else the number
(the label where numbers are values). Data without a `|` is read the old way, as the typed answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from telegram.constants import InlineKeyboardButtonLimit

from flows.turn import Option, Reply

MAX_CALLBACK_DATA = int(InlineKeyboardButtonLimit.MAX_CALLBACK_DATA)
SEPARATOR = "|"
_POSITION = re.compile(r"#(\d{1,3})")


def callback_data(reply: Reply, number: int) -> str:
    """The callback data of the reply's option at this 1-based position: its question and answer, within 64 bytes."""
    option = reply.options[number - 1]
    question = reply.question
    if question and SEPARATOR not in question:
        for answer in _answers(option, number, numbered=reply.numbered, position=f"#{number}"):
            if _fits(f"{question}{SEPARATOR}{answer}"):
                return f"{question}{SEPARATOR}{answer}"
        prefix = _cut(option.label, MAX_CALLBACK_DATA - _size(question + SEPARATOR))
        if not reply.numbered and prefix:
            return f"{question}{SEPARATOR}{prefix}"
    for answer in _answers(option, number, numbered=reply.numbered, position=str(number)):
        if SEPARATOR not in answer and _fits(answer):
            return answer
    if reply.numbered:
        return str(number)
    return _cut(option.label.replace(SEPARATOR, " "), MAX_CALLBACK_DATA) or str(number)


def read_callback_data(data: str) -> tuple[str, str | None]:
    """The answer a press stands for and the question token it carries (None for data from older keyboards)."""
    question, separator, answer = data.partition(SEPARATOR)
    if not separator or not question:
        return data, None
    position = _POSITION.fullmatch(answer)
    return (position.group(1) if position else answer), question


def _answers(option: Option, number: int, *, numbered: bool, position: str) -> Iterator[str]:
    """What may stand for the option, best first: its value, then its position or (numbers being values) its label."""
    if option.value and not _POSITION.fullmatch(option.value):
        yield option.value
    if numbered:
        yield position
    elif option.label:
        yield option.label


def _fits(data: str) -> bool:
    return 0 < _size(data) <= MAX_CALLBACK_DATA


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _cut(text: str, limit: int) -> str:
    """The longest start of the text within `limit` UTF-8 bytes, cut between characters and trimmed."""
    if limit <= 0:
        return ""
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore").strip()
