"""The vocabulary flows are declared in: steps, choices, parse results, the context and the outcome."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from flows.i18n import Translator
from flows.turn import CHOICE, TEXT, Inbound
from rules.timezones import JAKARTA, zone_for_village
from storage.models import Contact
from storage.people import Staff


@dataclass(frozen=True)
class Valid:
    """A parsed answer: a JSON-serialisable value to keep in the conversation."""

    value: Any


@dataclass(frozen=True)
class Invalid:
    """A refused answer: the message key saying why, with its placeholders."""

    reason: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Unsure:
    """A reading the person must confirm before it is kept ("Maksudnya Rp1.500.000?"): yes keeps `value`, no asks
    the question again, and any other answer is read afresh as an answer to the question."""

    value: Any
    question: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Stop:
    """An answer that ends the flow at once, keeping nothing of it (a refused consent): says `reason`, then the menu."""

    reason: str
    params: dict[str, Any] = field(default_factory=dict)


Parsed = Valid | Invalid | Unsure | Stop


@dataclass
class Context:
    """Everything a step may look at: the contact, their roles, the answers so far, the clock, the database."""

    session: AsyncSession
    contact: Contact
    staff: Staff | None
    inbound: Inbound
    now: datetime
    answers: dict[str, Any]
    t: Translator
    # What this one message has already read from the database (a prompt, its choices and the summary often need
    # the same rows); it lives no longer than the message.
    memo: dict[Any, Any] = field(default_factory=dict)

    @property
    def language(self) -> str:
        """The language replies are written in."""
        return self.t.language

    @property
    def is_staff(self) -> bool:
        """Whether the contact is a cadre or an admin (who register workers, record payments, look workers up)."""
        return self.staff is not None and (self.staff.is_cadre or self.staff.is_admin)

    def today(self, village_code: str | None = None) -> date:
        """Today's date in the village's time zone (the asker's first village, else WIB)."""
        if village_code is None and self.staff is not None and self.staff.village_codes:
            village_code = self.staff.village_codes[0]
        zone = zone_for_village(village_code) if village_code else JAKARTA
        return self.now.astimezone(ZoneInfo(zone)).date()

    def switch_language(self, language: str) -> None:
        """Writes the following replies in another language."""
        self.t = Translator(language)


T = TypeVar("T")


async def resolve(value: T | Awaitable[T]) -> T:
    """The value itself, or what it resolves to when it is awaitable (steps may be sync or async)."""
    if inspect.isawaitable(value):
        return await value
    return value


Parser = Callable[[str, Context], Parsed | Awaitable[Parsed]]
Condition = Callable[[Context], bool]


@dataclass(frozen=True)
class Choice:
    """One of a step's fixed answers: a value, a label key (or a literal label), and extra words that pick it."""

    value: str
    label_key: str | None = None
    label: str | None = None
    aliases: tuple[str, ...] = ()
    # Picking it ends the flow at once, keeping nothing, with this message (as a parser's Stop does).
    ends_flow: str | None = None

    def text(self, t: Translator) -> str:
        """The label in the user's language."""
        if self.label is not None:
            return self.label
        return t(self.label_key or self.value)


ChoiceSource = Sequence[Choice] | Callable[[Context], Sequence[Choice] | Awaitable[Sequence[Choice]]]


@dataclass(frozen=True)
class Step:
    """One question: its prompt key, how the answer is parsed, its choices, and when it is asked."""

    name: str
    prompt: str
    parse: Parser | None = None
    choices: ChoiceSource | None = None
    condition: Condition | None = None
    expects: str = TEXT
    summary_label: str | None = None
    prompt_params: Callable[[Context], dict[str, Any] | Awaitable[dict[str, Any]]] | None = None
    show: Callable[[Any, Context], str | Awaitable[str]] | None = None
    # False where the answers are themselves numbers (1, 3, 6 or 12 months): a typed number is then a value, never
    # a position in the list, and text channels show the options without numbering them.
    positions: bool = True

    async def options(self, ctx: Context) -> Sequence[Choice]:
        """The choices offered now (fixed, or computed from the context, possibly from the database)."""
        if self.choices is None:
            return ()
        return await resolve(self.choices(ctx)) if callable(self.choices) else self.choices

    def applies(self, ctx: Context) -> bool:
        """Whether the step is asked given the answers so far."""
        return self.condition is None or self.condition(ctx)

    @property
    def expects_choice(self) -> bool:
        """Whether the step is answered by picking one of its choices."""
        return self.choices is not None and self.expects in (TEXT, CHOICE)


@dataclass
class Outcome:
    """What finishing a flow says, which flow (if any) follows, and answers that flow starts with."""

    texts: list[str] = field(default_factory=list)
    then: str | None = None
    carry: dict[str, Any] = field(default_factory=dict)


Completion = Callable[[Context], Awaitable[Outcome]]


@dataclass(frozen=True)
class Flow:
    """A conversation declared as data: named steps, an optional confirmation, a completion action."""

    name: str
    title: str
    steps: tuple[Step, ...]
    complete: Completion
    confirm: bool = False
    allowed: Condition | None = None
    denied: str | None = None
    intro: str | None = None
    restart_on_phone: str | None = None
    # Denied to a contact nobody has verified (Telegram before a shared number): ask for the phone instead, and start
    # the flow once the shared phone shows it may (a cadre's); a verified contact is still denied as usual.
    ask_phone_when_denied: bool = False

    def step(self, name: str) -> Step:
        """The step with this name."""
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    def is_allowed(self, ctx: Context) -> bool:
        """Whether this contact may start the flow."""
        return self.allowed is None or self.allowed(ctx)


@dataclass
class Registry:
    """The flows the engine knows, and the words and commands that start them."""

    flows: dict[str, Flow] = field(default_factory=dict)
    shortcuts: dict[str, str] = field(default_factory=dict)
    keywords: dict[str, str] = field(default_factory=dict)

    def add(self, flow: Flow, *shortcuts: str) -> None:
        """Adds a flow with the words that start it."""
        self.flows[flow.name] = flow
        for word in shortcuts:
            self.shortcuts[word] = flow.name

    def plan(self, name: str, *shortcuts: str) -> None:
        """Reserves words for a flow not built yet, so they are answered honestly instead of misread."""
        for word in shortcuts:
            self.shortcuts[word] = name

    def listen(self, name: str, *phrases: str) -> None:
        """Words that name a flow anywhere in a message, as whole words; phrases added first win over later ones."""
        for phrase in phrases:
            self.keywords.setdefault(phrase, name)

    @property
    def keyword_phrases(self) -> tuple[str, ...]:
        """Every listened-for phrase, in the order they win."""
        return tuple(self.keywords)

    def get(self, name: str | None) -> Flow | None:
        """The flow with this name, if there is one."""
        return self.flows.get(name) if name else None
