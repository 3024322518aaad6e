"""The conversation engine: one inbound message in, replies out, in one transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flows.failures import failure_trace
from flows.i18n import Translator, supported
from flows.locks import KeyedLocks
from flows.model import Choice, Context, Flow, Invalid, Outcome, Registry, Step, Valid, resolve
from flows.text import BACK, CANCEL, EDIT, HELP, MENU, command_word, fold, is_yes, match_choice, verb_of
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


@dataclass
class _Turn:
    """The state of one message being handled: the conversation and the replies so far."""

    ctx: Context
    state: ConversationState
    replies: list[Reply]
    expired: bool

    def say(self, text: str, options: tuple[Option, ...] = (), expects: str = "text", numbered: bool = True) -> None:
        reply = Reply(text=text, options=options, expects=expects, language=self.ctx.language, numbered=numbered)
        self.replies.append(reply)


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
        seen: dict[str, Any] = {"language": supported(inbound.language_hint), "contact": None}
        try:
            return await self._handle_in_transaction(inbound, seen)
        except Exception as error:  # noqa: BLE001 - the database failed around the step: nothing was committed
            _log_failure("message failed", seen["contact"], inbound, None, None, error)
            language = seen["language"]
            return [Reply(Translator(language)("error.unexpected"), language=language)]

    async def _handle_in_transaction(self, inbound: Inbound, seen: dict[str, Any]) -> list[Reply]:
        async with self.database.transaction() as session:
            contact = await contacts.get_or_create_contact(
                session, inbound.channel, inbound.address, supported(inbound.language_hint)
            )
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
                return [Reply(Translator(language)("error.unexpected"), language=language)]
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

        verb = verb_of(text) if text else None
        if state.data.get("resume_offered") and (verb is None or verb.name not in (MENU, CANCEL)):
            await self._resume_answer(turn, flow, step, text)
            return
        if turn.expired and flow is not None and verb is None:
            self._offer_resume(turn, flow)
            return
        if verb is not None:
            await self._verb(turn, flow, step, verb.name, verb.number)
            return
        command = command_word(text)
        shortcut = self.registry.shortcuts.get(command or "") or (
            self.registry.shortcuts.get(fold(text)) if flow is None or flow.name == MENU_FLOW else None
        )
        if shortcut:
            await self._start(turn, shortcut)
            return
        if command is not None and flow is None:
            turn.say(t("common.unknown_command"))
            await self._start(turn, MENU_FLOW)
            return
        if flow is None or step is None and state.step != CONFIRM_STEP:
            turn.say(t("common.welcome"))
            await self._start(turn, MENU_FLOW)
            return
        if state.step == CONFIRM_STEP:
            await self._confirm_answer(turn, flow, text)
            return
        assert step is not None
        await self._answer(turn, flow, step, text)

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
        state.data = {"answers": dict(carry or {}), "history": []}
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
        params = await resolve(step.prompt_params(ctx)) if step.prompt_params else {}
        options = tuple(Option(c.value, c.text(ctx.t)) for c in await step.options(ctx))
        expects = CHOICE if options and step.expects == "text" else step.expects
        turn.say(ctx.t(step.prompt, **params).strip(), options, expects, numbered=step.positions)

    async def _reprompt(self, turn: _Turn, flow: Flow | None, step: Step | None) -> None:
        if flow is not None and step is not None:
            await self._prompt(turn, flow, step)
        elif flow is not None and turn.state.step == CONFIRM_STEP:
            await self._summary(turn, flow)

    async def _answer(self, turn: _Turn, flow: Flow | None, step: Step, text: str, media: Any = None) -> None:
        assert flow is not None
        ctx, state = turn.ctx, turn.state
        parsed = await self._parse(step, text, ctx, media)
        if isinstance(parsed, Invalid):
            turn.say(ctx.t(parsed.reason, **parsed.params))
            await self._prompt(turn, flow, step)
            return
        if step.expects_choice and parsed.value in VERB_CHOICES:
            # A button such as "Ubah jumlahnya" whose value is a shared verb does what the verb does.
            await self._verb(turn, flow, step, str(parsed.value), None)
            return
        ctx.answers[step.name] = parsed.value
        if state.data.pop("editing", False) and flow.confirm:
            self._drop_inapplicable(ctx, flow)
            await self._after_edit(turn, flow, step)
            return
        state.data.setdefault("history", []).append(step.name)
        await self._advance(turn, flow, after=step.name)

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
                return Valid(picked.value)
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
        turn.say(ctx.t("common.confirm.summary", lines="\n".join(lines)), options, CHOICE, numbered=False)

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
        turn.say(ctx.t("common.confirm.invalid"))
        await self._summary(turn, flow)

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
                turn.say(ctx.t("common.edit_invalid", count=len(editable)))
                await self._summary(turn, flow)
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
        turn.say(ctx.t("common.resume.offer", flow=ctx.t(flow.title)), options, CHOICE)

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
