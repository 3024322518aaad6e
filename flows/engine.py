"""The conversation engine: one inbound message in, replies out, in one transaction."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flows.failures import failure_trace
from flows.i18n import DEFAULT_LANGUAGE, Translator
from flows.locks import KeyedLocks
from flows.model import Choice, Context, Flow, Invalid, Outcome, Registry, Step, Stop, Unsure, Valid, resolve
from flows.person_to_ask import person_to_ask
from flows.text import (
    BACK,
    CANCEL,
    EDIT,
    HELP,
    HELP_WORDS,
    MENU,
    command_word,
    find_phrase,
    fold,
    is_greeting,
    is_no,
    is_yes,
    match_choice,
    verb_of,
)
from flows.turn import CHOICE, DOCUMENT, Inbound, Option, Reply
from storage import contacts, conversations, people, received_messages
from storage.conversations import ConversationState
from storage.database import Database

log = logging.getLogger("kader.engine")

MAX_TEXT_LENGTH = 1000
IDLE_RESUME_AFTER = timedelta(minutes=30)
CONFIRM_STEP = "_confirm"
MENU_FLOW = "menu"
VERB_CHOICES = frozenset({BACK, CANCEL, MENU})
_SAVE_WORDS = {"simpan", "save"}
_RESUME = {"lanjut", "lanjutkan", "continue", "ya", "yes", "1"}
_RESTART = {"2", "tidak", "no", "ulang", "mulai ulang", "restart"}
_CONFIRM_CHOICES = (Choice("ya", "common.confirm.yes"), Choice("batal", "common.confirm.cancel"))
_RESUME_CHOICES = (Choice("lanjut", "common.resume.continue"), Choice("menu", "common.resume.menu"))
_UNSURE_CHOICES = (Choice("ya", "common.unsure.yes"), Choice("tidak", "common.unsure.no"))
_STAY_WORDS = ("lanjut", "lanjutkan", "continue", "tetap", "tetap di sini")
# The menu's questions keep one token, so an older menu keyboard still works wherever the menu is shown.
_MENU_RUN = "m"
# Misses at one question after which the refusal also says how to leave and whom to ask.
MISSES_BEFORE_WAY_OUT = 2
GREETING = "greeting"


def _log_failure(
    what: str, contact_id: int | None, inbound: Inbound, flow: str | None, step: str | None, error: Exception
) -> None:
    """Logs a failure with ids and the stack, never the message text or the exception's message."""
    log.error(
        "%s contact=%s message=%s flow=%s step=%s error=%s",
        what,
        contact_id,
        inbound.message_id,
        flow,
        step,
        failure_trace(error),
    )


def _failure_reply(language: str, inbound: Inbound) -> Reply:
    """The polite answer when a message failed: nothing changed, so a pressed keyboard stays as it was."""
    pressed = inbound.question is not None
    return Reply(Translator(language)("error.unexpected"), language=language, refused_press=pressed)


@dataclass
class _Turn:
    """The state of one message being handled: the conversation and the replies so far."""

    ctx: Context
    state: ConversationState
    replies: list[Reply]
    expired: bool

    def say(
        self,
        text: str,
        options: tuple[Option, ...] = (),
        expects: str = "text",
        numbered: bool = True,
        *,
        question: str | None = None,
        refused_press: bool = False,
    ) -> None:
        """Adds a reply; one with options names the question it asks, which becomes the one open question."""
        reply = Reply(
            text=text,
            options=options,
            expects=expects,
            language=self.ctx.language,
            numbered=numbered,
            question=question if options else None,
            refused_press=refused_press,
        )
        self.state.data["question"] = reply.question
        self.replies.append(reply)

    def token(self, suffix: str) -> str:
        """The token of a question of this flow run ("3f9a.4"): a press on another run's keyboard is refused."""
        return f"{self.state.data.get('run', _MENU_RUN)}.{suffix}"


class Engine:
    """Runs the registered flows for inbound messages from any channel."""

    def __init__(self, database: Database, registry: Registry, *, clock: Any = None) -> None:
        self.database = database
        self.registry = registry
        self._clock = clock or (lambda: datetime.now(UTC))
        self._locks = KeyedLocks()

    async def handle(self, inbound: Inbound) -> list[Reply]:
        """Handles one message; a redelivered message id returns no replies and changes nothing."""
        async with self._locks.hold((inbound.channel, inbound.address)):
            return await self._handle_locked(inbound)

    async def _handle_locked(self, inbound: Inbound) -> list[Reply]:
        seen: dict[str, Any] = {"language": DEFAULT_LANGUAGE, "contact": None}
        try:
            return await self._handle_in_transaction(inbound, seen)
        except Exception as error:  # noqa: BLE001 - the database failed around the step: nothing was committed
            _log_failure("message failed", seen["contact"], inbound, None, None, error)
            language = seen["language"]
            return [_failure_reply(language, inbound)]

    async def _handle_in_transaction(self, inbound: Inbound, seen: dict[str, Any]) -> list[Reply]:
        async with self.database.transaction() as session:
            # Bahasa Indonesia for everyone new, whatever the phone's language: English only by choice.
            contact = await contacts.get_or_create_contact(session, inbound.channel, inbound.address, DEFAULT_LANGUAGE)
            contact_id = contact.id
            seen.update(language=contact.language, contact=contact_id)
            if inbound.message_id and not await received_messages.record_received(
                session, inbound.channel, inbound.message_id, contact_id
            ):
                log.info("duplicate message contact=%s message=%s", contact_id, inbound.message_id)
                return []
            contacts.note_inbound(contact, inbound.received_at)
            staff = await self._identify(session, contact, inbound)
            state = await conversations.load_for_update(session, contact_id)
            now = self._clock()
            ctx = Context(
                session=session,
                contact=contact,
                staff=staff,
                inbound=inbound,
                now=now,
                answers=state.data.setdefault("answers", {}),
                t=Translator(contact.language),
            )
            language = ctx.language
            expired = bool(
                state.flow not in (None, MENU_FLOW)
                and state.updated_at is not None
                and now - state.updated_at > IDLE_RESUME_AFTER
            )
            turn = _Turn(ctx=ctx, state=state, replies=[], expired=expired)
            try:
                async with session.begin_nested():
                    await self._dispatch(turn)
            except Exception as error:  # noqa: BLE001 - any failure must leave the conversation untouched
                _log_failure("step failed", contact_id, inbound, state.flow, state.step, error)
                return [_failure_reply(language, inbound)]
            await conversations.save(session, contact_id, turn.state, at=now)
            return turn.replies

    async def _identify(self, session: Any, contact: Any, inbound: Inbound) -> people.Staff | None:
        """Links a channel-verified phone to the contact and finds the contact's admin or cadre roles."""
        phone = inbound.verified_phone or contact.phone
        if not phone:
            return None
        staff = await people.staff_by_phone(session, phone)
        person_id = staff.person_id if staff else None
        if contact.phone != phone or contact.person_id != person_id:
            contacts.set_verified_phone(contact, phone, person_id)
        return staff

    async def _dispatch(self, turn: _Turn) -> None:
        inbound, state, t = turn.ctx.inbound, turn.state, turn.ctx.t
        text = (inbound.text or "").strip()
        flow = self.registry.get(state.flow)
        step = self._current_step(flow, state)

        if inbound.media and step is not None and step.expects == DOCUMENT:
            await self._answer(turn, flow, step, "", media=[m.ref for m in inbound.media])
            return
        if inbound.unsupported or inbound.media or (not text and not inbound.verified_phone):
            turn.say(t("common.unsupported"))
            await self._reprompt(turn, flow, step)
            return
        # A shared own contact (Telegram sends its number as the text too), unless a step is asking for a phone.
        idle = flow is None or flow.name == MENU_FLOW or bool(flow.restart_on_phone)
        if not text or (idle and text == inbound.verified_phone):
            await self._phone_shared(turn, flow, step)
            return
        if len(text) > MAX_TEXT_LENGTH:
            turn.say(t("common.too_long", limit=t.number(MAX_TEXT_LENGTH)))
            await self._reprompt(turn, flow, step)
            return

        if inbound.question is not None and not self._is_open(turn, flow, inbound.question):
            turn.say(t("common.question_closed"), refused_press=True)
            await self._ask_again(turn, flow, step)
            return

        verb = verb_of(text) if text else None
        if state.data.get("resume_offered") and (verb is None or verb.name not in (MENU, CANCEL)):
            await self._resume_answer(turn, flow, step, text)
            return
        if turn.expired and flow is not None and verb is None:
            self._offer_resume(turn, flow)
            return
        if state.data.get("leave_offer") and verb is None:
            await self._leave_answer(turn, flow, step, text)
            return
        if verb is not None:
            await self._verb(turn, flow, step, verb.name, verb.number)
            return
        command = command_word(text)
        if command is not None:
            shortcut = self.registry.shortcuts.get(command)
            if shortcut:
                await self._start(turn, shortcut)
            elif flow is None:
                turn.say(t("common.unknown_command"))
                await self._start(turn, MENU_FLOW)
            else:
                turn.say(t("common.unknown_command"))
                await self._ask_again(turn, flow, step)
            return
        unsure = state.data.pop("unsure", None)
        if unsure is not None and flow is not None and step is not None:
            picked = match_choice(text, _UNSURE_CHOICES, t)
            if is_yes(text) or picked is _UNSURE_CHOICES[0]:
                await self._accept(turn, flow, step, unsure["value"])
                return
            if is_no(text) or picked is _UNSURE_CHOICES[1]:
                turn.say(t("common.unsure.again"))
                await self._prompt(turn, flow, step)
                return
        if flow is None or flow.name == MENU_FLOW:
            await self._idle(turn, flow, step, text)
            return
        await self._in_form(turn, flow, step, text)

    async def _idle(self, turn: _Turn, flow: Flow | None, step: Step | None, text: str) -> None:
        """A message outside any form: a service named anywhere in it starts that service; else the menu's answer."""
        shortcut = self.registry.shortcuts.get(fold(text))
        if shortcut:
            await self._start(turn, shortcut)
            return
        if flow is not None and step is not None and match_choice(text, await step.options(turn.ctx), turn.ctx.t):
            await self._answer(turn, flow, step, text)
            return
        service = self._service_in(text)
        if service == HELP:
            await self._verb(turn, flow, step, HELP, None)
        elif service == GREETING or (flow is None and service is None):
            await self._start(turn, MENU_FLOW, {"welcome": True})
        elif service is not None:
            await self._start(turn, service)
        else:
            assert flow is not None and step is not None
            await self._answer(turn, flow, step, text)

    async def _in_form(self, turn: _Turn, flow: Flow, step: Step | None, text: str) -> None:
        """A message inside a form: an answer, unless it plainly asks for another service (then: leave the form?)."""
        state = turn.state
        if state.step != CONFIRM_STEP and step is None:
            await self._start(turn, MENU_FLOW, {"welcome": True})
            return
        declined = state.data.get("leave_declined") == state.step
        is_choice = step is not None and step.expects_choice and match_choice(
            text, await step.options(turn.ctx), turn.ctx.t, positions=step.positions
        )
        service = None if declined or is_choice else self._service_in(text)
        if service == HELP:
            await self._verb(turn, flow, step, HELP, None)
            return
        if service == GREETING:
            turn.say(turn.ctx.t("common.greeting_in_form"))
            await self._ask_again(turn, flow, step)
            return
        if service is not None and service != flow.name and not flow.name.startswith(f"{service}_"):
            self._offer_leave(turn, service)
            return
        if state.step == CONFIRM_STEP:
            await self._confirm_answer(turn, flow, text)
            return
        assert step is not None
        await self._answer(turn, flow, step, text)

    def _service_in(self, text: str) -> str | None:
        """The service a message names anywhere in it (whole words): a flow's name, or GREETING."""
        phrase = find_phrase(text, self.registry.keyword_phrases)
        if phrase is not None:
            return self.registry.keywords[phrase]
        if find_phrase(text, HELP_WORDS) is not None:
            return HELP
        return GREETING if is_greeting(text) else None

    def _is_open(self, turn: _Turn, flow: Flow | None, question: str) -> bool:
        """Whether a pressed keyboard belongs to the question asked now (any menu keyboard while at the menu)."""
        if question == turn.state.data.get("question"):
            return True
        return question.startswith(f"{_MENU_RUN}.") and (flow is None or flow.name == MENU_FLOW)

    async def _ask_again(self, turn: _Turn, flow: Flow | None, step: Step | None) -> None:
        """Asks again whatever is open: an offer to resume or leave, a reading to confirm, or the question."""
        data = turn.state.data
        if data.get("resume_offered") and flow is not None:
            self._offer_resume(turn, flow)
        elif data.get("leave_offer"):
            self._offer_leave(turn, str(data["leave_offer"]))
        elif data.get("unsure") is not None and step is not None:
            self._ask_unsure(turn, step, data["unsure"])
        elif flow is None:
            await self._start(turn, MENU_FLOW)
        else:
            await self._reprompt(turn, flow, step)

    async def _phone_shared(self, turn: _Turn, flow: Flow | None, step: Step | None) -> None:
        """A phone the channel verified, sent without text: linked already; the flow may start over with it."""
        turn.say(turn.ctx.t("common.phone_linked"))
        if flow is not None and flow.restart_on_phone:
            await self._start(turn, flow.restart_on_phone)
        elif flow is not None and flow.name != MENU_FLOW:
            await self._reprompt(turn, flow, step)
        else:
            await self._start(turn, MENU_FLOW)

    # -- flows and steps ----------------------------------------------------------------

    def _current_step(self, flow: Flow | None, state: ConversationState) -> Step | None:
        if flow is None or state.step is None or state.step == CONFIRM_STEP:
            return None
        try:
            return flow.step(state.step)
        except KeyError:
            return None

    async def _start(self, turn: _Turn, name: str, carry: dict[str, Any] | None = None) -> None:
        """Starts a flow from its first applicable step, or says it is not available."""
        flow = self.registry.get(name)
        ctx, state = turn.ctx, turn.state
        state.flow, state.step = None, None
        run = _MENU_RUN if name == MENU_FLOW else secrets.token_hex(2)
        state.data = {"answers": dict(carry or {}), "history": [], "run": run}
        ctx.answers = state.data["answers"]
        if flow is None:
            label, meanwhile = f"menu.item.{name}", f"menu.meanwhile.{name}"
            if ctx.t.has(meanwhile):  # not built here, but there is a way to get it done meanwhile
                turn.say(ctx.t(meanwhile))
            else:
                turn.say(ctx.t("menu.not_built", feature=ctx.t(label) if ctx.t.has(label) else name))
            menu = self.registry.get(MENU_FLOW)
            if menu is not None:
                state.flow, state.step = menu.name, menu.steps[0].name
            return
        if not flow.is_allowed(ctx):
            turn.say(ctx.t(flow.denied or "common.not_allowed"))
            if name != MENU_FLOW:
                await self._start(turn, MENU_FLOW)
            return
        state.flow = flow.name
        if flow.intro:
            turn.say(ctx.t(flow.intro))
        await self._advance(turn, flow, after=None)

    async def _advance(self, turn: _Turn, flow: Flow, after: str | None) -> None:
        """Moves to the next step that applies after `after`, or to the confirmation, or completes."""
        ctx, state = turn.ctx, turn.state
        names = [s.name for s in flow.steps]
        start = names.index(after) + 1 if after is not None else 0
        for step in flow.steps[start:]:
            if step.applies(ctx):
                state.step = step.name
                await self._prompt(turn, flow, step)
                return
        if flow.confirm:
            state.step = CONFIRM_STEP
            await self._summary(turn, flow)
            return
        await self._complete(turn, flow)

    async def _complete(self, turn: _Turn, flow: Flow) -> None:
        ctx, state = turn.ctx, turn.state
        outcome: Outcome = await flow.complete(ctx)
        for text in outcome.texts:
            turn.say(text)
        state.flow, state.step, state.data = None, None, {}
        if outcome.then:
            await self._start(turn, outcome.then, outcome.carry)

    async def _prompt(self, turn: _Turn, flow: Flow, step: Step) -> None:
        ctx = turn.ctx
        for pending in ("unsure", "leave_offer", "leave_declined"):
            turn.state.data.pop(pending, None)
        params = await resolve(step.prompt_params(ctx)) if step.prompt_params else {}
        options = tuple(Option(c.value, c.text(ctx.t)) for c in await step.options(ctx))
        expects = CHOICE if options and step.expects == "text" else step.expects
        question = turn.token(str(flow.steps.index(step)))
        turn.say(ctx.t(step.prompt, **params).strip(), options, expects, numbered=step.positions, question=question)

    async def _reprompt(self, turn: _Turn, flow: Flow | None, step: Step | None) -> None:
        if flow is not None and step is not None:
            await self._prompt(turn, flow, step)
        elif flow is not None and turn.state.step == CONFIRM_STEP:
            await self._summary(turn, flow)

    async def _answer(self, turn: _Turn, flow: Flow | None, step: Step, text: str, media: Any = None) -> None:
        assert flow is not None
        ctx = turn.ctx
        parsed = await self._parse(step, text, ctx, media)
        if isinstance(parsed, Invalid):
            turn.say(await self._refusal(turn, step, ctx.t(parsed.reason, **parsed.params)))
            await self._prompt(turn, flow, step)
            return
        if isinstance(parsed, Stop):
            turn.say(ctx.t(parsed.reason, **parsed.params))
            await self._start(turn, MENU_FLOW)  # the flow's answers go with it: nothing of it is kept
            return
        if isinstance(parsed, Unsure):
            unsure = {"value": parsed.value, "question": parsed.question, "params": parsed.params}
            turn.state.data["unsure"] = unsure
            self._ask_unsure(turn, step, unsure)
            return
        if step.expects_choice and parsed.value in VERB_CHOICES:
            # A button such as "Ubah jumlahnya" whose value is a shared verb does what the verb does.
            await self._verb(turn, flow, step, str(parsed.value), None)
            return
        await self._accept(turn, flow, step, parsed.value)

    async def _accept(self, turn: _Turn, flow: Flow, step: Step, value: Any) -> None:
        """Keeps an answer and moves on: the next question, or back to the summary after `ubah N`."""
        ctx, state = turn.ctx, turn.state
        ctx.answers[step.name] = value
        state.data.pop("misses", None)
        if state.data.pop("editing", False) and flow.confirm:
            self._drop_inapplicable(ctx, flow)
            await self._after_edit(turn, flow, step)
            return
        state.data.setdefault("history", []).append(step.name)
        await self._advance(turn, flow, after=step.name)

    async def _refusal(self, turn: _Turn, step: Step | None, reason: str) -> str:
        """Why an answer was refused; from the second miss at one question, also how to leave and whom to ask."""
        state, t = turn.state, turn.ctx.t
        where = step.name if step is not None else str(state.step)
        misses = state.data.get("misses") or {}
        count = int(misses.get(where, 0)) + 1 if isinstance(misses, dict) else 1
        state.data["misses"] = {where: count}
        if count < MISSES_BEFORE_WAY_OUT:
            return reason
        person = await person_to_ask(turn.ctx)
        return "\n".join([reason, t("common.way_out"), *([person] if person else [])])

    def _ask_unsure(self, turn: _Turn, step: Step, unsure: dict[str, Any]) -> None:
        """Asks whether a reading is what was meant, with yes and no."""
        t = turn.ctx.t
        options = tuple(Option(c.value, c.text(t)) for c in _UNSURE_CHOICES)
        text = t(str(unsure["question"]), **dict(unsure.get("params") or {}))
        turn.say(text, options, CHOICE, question=turn.token(f"{step.name}?"))

    async def _after_edit(self, turn: _Turn, flow: Flow, edited: Step) -> None:
        """After `ubah N`: asks any newly applicable unanswered step, then shows the summary again."""
        ctx, state = turn.ctx, turn.state
        for step in flow.steps:
            if step.applies(ctx) and step.name not in ctx.answers:
                state.data["editing"] = True
                state.step = step.name
                await self._prompt(turn, flow, step)
                return
        state.step = CONFIRM_STEP
        await self._summary(turn, flow)

    def _drop_inapplicable(self, ctx: Context, flow: Flow) -> None:
        for step in flow.steps:
            if step.name in ctx.answers and not step.applies(ctx):
                del ctx.answers[step.name]

    async def _parse(self, step: Step, text: str, ctx: Context, media: Any) -> Valid | Invalid:
        if media is not None:
            return Valid({"media": media, "text": text})
        if step.expects_choice:
            choices = await step.options(ctx)
            picked = match_choice(text, choices, ctx.t, positions=step.positions)
            if picked is not None:
                return Stop(picked.ends_flow) if picked.ends_flow else Valid(picked.value)
            if step.parse is None:
                return Invalid("common.choice_invalid", {"count": len(choices)})
        if step.parse is None:
            return Valid(text)
        return await resolve(step.parse(text, ctx))

    # -- the confirmation ---------------------------------------------------------------

    def _summary_steps(self, flow: Flow, ctx: Context) -> list[Step]:
        return [s for s in flow.steps if s.summary_label and s.applies(ctx) and s.name in ctx.answers]

    async def _summary(self, turn: _Turn, flow: Flow) -> None:
        ctx = turn.ctx
        lines = []
        for number, step in enumerate(self._summary_steps(flow, ctx), start=1):
            lines.append(f"{number}. {ctx.t(step.summary_label or step.name)}: {await self._shown(step, ctx)}")
        options = tuple(Option(c.value, c.text(ctx.t)) for c in _CONFIRM_CHOICES)
        # The summary's lines are numbered for `ubah N`; its two answers are words, so "2" never means "batal".
        text = ctx.t("common.confirm.summary", lines="\n".join(lines))
        turn.say(text, options, CHOICE, numbered=False, question=turn.token("summary"))

    async def _shown(self, step: Step, ctx: Context) -> str:
        value = ctx.answers.get(step.name)
        if step.show is not None:
            return await resolve(step.show(value, ctx))
        for choice in await step.options(ctx):
            if choice.value == value:
                return choice.text(ctx.t)
        return "-" if value in (None, "") else str(value)

    async def _confirm_answer(self, turn: _Turn, flow: Flow, text: str) -> None:
        ctx = turn.ctx
        picked = match_choice(text, _CONFIRM_CHOICES, ctx.t, positions=False)  # the words or labels shown
        if is_yes(text) or fold(text) in _SAVE_WORDS or picked is _CONFIRM_CHOICES[0]:
            await self._complete(turn, flow)
            return
        if picked is _CONFIRM_CHOICES[1]:
            await self._verb(turn, flow, None, CANCEL, None)
            return
        if fold(text).isdigit():
            # A bare number at a numbered summary most likely means "that line": say how to edit it, keep all.
            turn.say(ctx.t("common.confirm.number", number=fold(text)))
            return
        # Only the question again, not the whole summary: it is just above.
        options = tuple(Option(c.value, c.text(ctx.t)) for c in _CONFIRM_CHOICES)
        text = await self._refusal(turn, None, ctx.t("common.confirm.invalid"))
        turn.say(text, options, CHOICE, numbered=False, question=turn.token("summary"))

    # -- the shared verbs ---------------------------------------------------------------

    async def _verb(self, turn: _Turn, flow: Flow | None, step: Step | None, verb: str, number: int | None) -> None:
        ctx, state = turn.ctx, turn.state
        if verb == MENU:
            await self._start(turn, MENU_FLOW)
        elif verb == CANCEL:
            in_flow = flow is not None and flow.name != MENU_FLOW
            turn.say(ctx.t("common.cancelled" if in_flow else "common.nothing_to_cancel"))
            await self._start(turn, MENU_FLOW)
        elif verb == HELP:
            key = f"{flow.name}.{step.name}.help" if flow is not None and step is not None else ""
            turn.say(ctx.t(key) if key and ctx.t.has(key) else ctx.t("common.help"))
            await self._reprompt(turn, flow, step)
        elif verb == BACK:
            await self._back(turn, flow)
        elif verb == EDIT:
            if flow is None or state.step != CONFIRM_STEP:
                turn.say(ctx.t("common.edit_only_at_summary"))
                await self._reprompt(turn, flow, step)
                return
            editable = self._summary_steps(flow, ctx)
            if number is None or not 1 <= number <= len(editable):
                # The summary is just above: its two answers again, not its every line.
                options = tuple(Option(c.value, c.text(ctx.t)) for c in _CONFIRM_CHOICES)
                text = ctx.t("common.edit_invalid", count=len(editable))
                turn.say(text, options, CHOICE, numbered=False, question=turn.token("summary"))
                return
            target = editable[number - 1]
            state.data["editing"] = True
            state.step = target.name
            await self._prompt(turn, flow, target)

    async def _back(self, turn: _Turn, flow: Flow | None) -> None:
        ctx, state = turn.ctx, turn.state
        history: list[str] = state.data.get("history", [])
        if flow is None or flow.name == MENU_FLOW:
            await self._start(turn, MENU_FLOW)
            return
        current = self._current_step(flow, state)
        if state.data.pop("editing", None) and flow.confirm and current is not None:
            # Back from an `ubah N` answer leaves the edit: to the summary, after any question still missing.
            await self._after_edit(turn, flow, current)
            return
        while history:
            target = history.pop()
            if target in {s.name for s in flow.steps} and flow.step(target).applies(ctx):
                break  # an answer an edit made inapplicable is not asked again
        else:
            await self._start(turn, MENU_FLOW)
            return
        ctx.answers.pop(target, None)
        state.step = target
        await self._prompt(turn, flow, flow.step(target))

    # -- resuming after a pause ---------------------------------------------------------

    def _offer_resume(self, turn: _Turn, flow: Flow) -> None:
        ctx = turn.ctx
        turn.state.data["resume_offered"] = True
        options = tuple(Option(c.value, c.text(ctx.t)) for c in _RESUME_CHOICES)
        turn.say(ctx.t("common.resume.offer", flow=ctx.t(flow.title)), options, CHOICE, question=turn.token("resume"))

    async def _resume_answer(self, turn: _Turn, flow: Flow | None, step: Step | None, text: str) -> None:
        folded = fold(text)
        picked = match_choice(text, _RESUME_CHOICES, turn.ctx.t)  # the offered labels, as at any choice
        turn.state.data.pop("resume_offered", None)
        if (folded in _RESUME or picked is _RESUME_CHOICES[0]) and flow is not None:
            await self._reprompt(turn, flow, step)
        elif folded in _RESTART or picked is _RESUME_CHOICES[1] or flow is None:
            await self._start(turn, MENU_FLOW)
        else:
            self._offer_resume(turn, flow)

    # -- leaving a form for another service ---------------------------------------------

    def _service_label(self, t: Translator, service: str) -> str:
        flow = self.registry.get(service)
        key = f"menu.item.{service}"
        return t(key) if t.has(key) else t(flow.title) if flow is not None else service

    def _offer_leave(self, turn: _Turn, service: str) -> None:
        """Asks whether to leave the form for the service the message named; the answers so far stay until then."""
        t = turn.ctx.t
        turn.state.data["leave_offer"] = service
        label = self._service_label(t, service)
        options = tuple(Option(c.value, c.text(t)) for c in self._leave_choices(t, service))
        turn.say(t("common.leave.ask", service=label), options, CHOICE, question=turn.token("leave"))

    def _leave_choices(self, t: Translator, service: str) -> tuple[Choice, Choice]:
        label = self._service_label(t, service)
        leave = Choice("leave", label=t("common.leave.yes", service=label), aliases=(label,))
        return leave, Choice("stay", label=t("common.leave.no"), aliases=tuple(_STAY_WORDS))

    async def _leave_answer(self, turn: _Turn, flow: Flow | None, step: Step | None, text: str) -> None:
        data, t = turn.state.data, turn.ctx.t
        service = str(data.pop("leave_offer"))
        leave, stay = self._leave_choices(t, service)
        picked = match_choice(text, (leave, stay), t)
        if picked is leave or is_yes(text):
            await self._start(turn, service)
            return
        if picked is stay or is_no(text):
            await self._ask_again(turn, flow, step)
            data["leave_declined"] = turn.state.step  # the next answer here is an answer, whatever words it holds
            return
        await self._dispatch(turn)  # neither: read the message afresh
