"""The conversation engine: one inbound message in, replies out, in one transaction."""

from __future__ import annotations

import logging
import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from flows.engine_invites import INVITE, EngineInvites
from flows.engine_offers import EngineOffers
from flows.engine_turn import CONFIRM_STEP, GREETING, MENU_FLOW, MENU_RUN, UNSURE_CHOICES, VERB_CHOICES, Turn
from flows.engine_verbs import EngineVerbs
from flows.failures import failure_trace
from flows.flood import DROP, WARN, FloodGate
from flows.i18n import DEFAULT_LANGUAGE, Translator
from flows.locks import KeyedLocks
from flows.model import Context, Flow, Invalid, Outcome, Registry, Step, Stop, Unsure, Valid, resolve
from flows.person_to_ask import person_to_ask
from flows.text import (
    CANCEL,
    HELP,
    MENU,
    command_word,
    fold,
    is_no,
    is_yes,
    match_choice,
    verb_of,
)
from flows.turn import CHOICE, DOCUMENT, PHONE, Inbound, Option, Reply, reply_to_document
from storage import contacts, conversations, inbox, outbox, people, received_messages
from storage.conversations import ConversationState
from storage.database import Database

log = logging.getLogger("kader.engine")

MAX_TEXT_LENGTH = 1000
IDLE_RESUME_AFTER = timedelta(minutes=30)
# Misses at one question after which the refusal also says how to leave and whom to ask.
MISSES_BEFORE_WAY_OUT = 2
# In the conversation's data: the service a contact asked for before sharing the phone that shows them a cadre.
AFTER_PHONE = "after_phone"


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


def _failure_reply(language: str, inbound: Inbound, *, retried: bool = False) -> Reply:
    """The polite answer when a message failed: nothing changed, so a pressed keyboard stays as it was; a message
    kept in the inbox (`retried`) is handled again by the channel's sweep, so it need not be sent again."""
    pressed = inbound.question is not None
    key = "error.will_retry" if retried else "error.unexpected"
    return Reply(Translator(language)(key), language=language, refused_press=pressed)


class Engine(EngineInvites, EngineOffers, EngineVerbs):
    """Runs the registered flows for inbound messages from any channel."""

    def __init__(
        self,
        database: Database,
        registry: Registry,
        *,
        clock: Any = None,
        messages_per_minute: int | None = None,
        keep_replies: bool = False,
    ) -> None:
        self.database = database
        self.registry = registry
        self._clock = clock or (lambda: datetime.now(UTC))
        self._locks = KeyedLocks()
        self.flood = FloodGate(messages_per_minute) if messages_per_minute else None
        # A channel that sends later keeps each turn's replies in the outbox, in the turn's transaction, until it
        # confirms them sent: a crash between the commit and the send loses no answer.
        self.keep_replies = keep_replies

    async def handle(self, inbound: Inbound) -> list[Reply]:
        """Handles one message; a redelivered message id returns no replies and changes nothing; a contact sending
        faster than the flood limit is told once to slow down, and the rest is dropped unread."""
        if self.flood is not None:
            verdict = self.flood.admit((inbound.channel, inbound.address))
            if verdict == DROP:
                log.info("flood dropped channel=%s dropped=%s", inbound.channel, self.flood.dropped)
                await self._let_go(inbound)
                return []
            if verdict == WARN:
                log.warning("flood limit reached channel=%s", inbound.channel)
                language = await self._language_of(inbound)
                await self._let_go(inbound)
                return [Reply(Translator(language)("common.slow_down"), language=language)]
        async with self._locks.hold((inbound.channel, inbound.address)):
            return await self._handle_locked(inbound)

    async def _let_go(self, inbound: Inbound) -> None:
        """Marks the inbox row of a message the flood limit dropped as handled, so no sweep handles it later."""
        if inbound.inbox_id is None:
            return
        try:
            async with self.database.transaction() as session:
                await inbox.mark_handled(session, inbound.inbox_id)
        except Exception:  # noqa: BLE001 - left for the sweep: it will be handled, late, rather than lost
            log.warning("flood: inbox row not marked handled contact_channel=%s", inbound.channel)

    async def _language_of(self, inbound: Inbound) -> str:
        """The sender's language, read without a lock (once a minute for a flooding contact); Indonesian if unknown."""
        try:
            async with self.database.transaction() as session:
                contact = await contacts.find_contact(session, inbound.channel, inbound.address)
        except Exception:  # noqa: BLE001 - the warning still goes out, in Indonesian
            return DEFAULT_LANGUAGE
        return contact.language if contact is not None else DEFAULT_LANGUAGE

    async def _handle_locked(self, inbound: Inbound) -> list[Reply]:
        seen: dict[str, Any] = {"language": DEFAULT_LANGUAGE, "contact": None}
        try:
            return await self._handle_in_transaction(inbound, seen)
        except Exception as error:  # noqa: BLE001 - the database failed around the step: nothing was committed
            _log_failure("message failed", seen["contact"], inbound, None, None, error)
            language = seen["language"]
            return [_failure_reply(language, inbound, retried=inbound.inbox_id is not None)]

    async def _handle_in_transaction(self, inbound: Inbound, seen: dict[str, Any]) -> list[Reply]:
        async with self.database.transaction() as session:
            # Bahasa Indonesia for everyone new, whatever the phone's language: English only by choice.
            contact = await contacts.contact_for_turn(
                session, inbound.channel, inbound.address, DEFAULT_LANGUAGE, inbound.received_at
            )
            contact_id = contact.id
            seen.update(language=contact.language, contact=contact_id)
            if inbound.inbox_id is not None:
                await inbox.mark_handled(session, inbound.inbox_id)
            if inbound.message_id and not await received_messages.record_received(
                session, inbound.channel, inbound.message_id, contact_id
            ):
                log.info("duplicate message contact=%s message=%s", contact_id, inbound.message_id)
                return []
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
            turn = Turn(ctx=ctx, state=state, replies=[], expired=expired)
            try:
                async with session.begin_nested():
                    await self._dispatch(turn)
            except Exception as error:  # noqa: BLE001 - any failure must leave the conversation untouched
                _log_failure("step failed", contact_id, inbound, state.flow, state.step, error)
                return await self._kept(session, contact, [_failure_reply(language, inbound)])
            await conversations.save(session, contact_id, turn.state, at=now)
            return await self._kept(session, contact, turn.replies)

    async def _kept(self, session: Any, contact: Any, replies: list[Reply]) -> list[Reply]:
        """The replies, each kept in the outbox until the channel confirms it sent, when this engine keeps them."""
        if not self.keep_replies:
            return replies
        ids = await outbox.keep_replies(session, contact, [(r.text, reply_to_document(r)) for r in replies])
        return [replace(reply, outbox_id=outbox_id) for reply, outbox_id in zip(replies, ids, strict=True)]

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

    async def _dispatch(self, turn: Turn) -> None:
        inbound, state, t = turn.ctx.inbound, turn.state, turn.ctx.t
        text = (inbound.text or "").strip()
        flow = self.registry.get(state.flow)
        step = self._current_step(flow, state)

        if inbound.invite is not None:
            await self._invite_opened(turn, inbound.invite)
            return
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
            picked = match_choice(text, UNSURE_CHOICES, t)
            if is_yes(text) or picked is UNSURE_CHOICES[0]:
                await self._accept(turn, flow, step, unsure["value"])
                return
            if is_no(text) or picked is UNSURE_CHOICES[1]:
                turn.say(t("common.unsure.again"))
                await self._prompt(turn, flow, step)
                return
        if flow is None or flow.name == MENU_FLOW:
            await self._idle(turn, flow, step, text)
            return
        await self._in_form(turn, flow, step, text)

    async def _idle(self, turn: Turn, flow: Flow | None, step: Step | None, text: str) -> None:
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

    async def _in_form(self, turn: Turn, flow: Flow, step: Step | None, text: str) -> None:
        """A message inside a form: an answer, unless it plainly asks for another service (then: leave the form?)."""
        state = turn.state
        if state.step != CONFIRM_STEP and step is None:
            await self._start(turn, MENU_FLOW, {"welcome": True})
            return
        declined = state.data.get("leave_declined") == state.step
        is_choice = (
            step is not None
            and step.expects_choice
            and match_choice(text, await step.options(turn.ctx), turn.ctx.t, positions=step.positions)
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

    async def _phone_shared(self, turn: Turn, flow: Flow | None, step: Step | None) -> None:
        """A phone the channel verified, sent without text: linked already; a service asked for before it starts now,
        or the flow may start over with it; after an invitation link, the number is checked against the invite."""
        invite = turn.state.data.get(INVITE)
        if isinstance(invite, int) and (flow is None or flow.name == MENU_FLOW) and turn.ctx.inbound.verified_phone:
            await self._invite_phone(turn, invite, turn.ctx.inbound.verified_phone)
            return
        turn.say(turn.ctx.t("common.phone_linked"))
        waiting = turn.state.data.get(AFTER_PHONE)
        if isinstance(waiting, dict) and (flow is None or flow.name == MENU_FLOW):
            await self._start(turn, str(waiting["flow"]), waiting.get("carry"))  # denied as usual if not a cadre's
        elif flow is not None and flow.restart_on_phone:
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

    async def _start(self, turn: Turn, name: str, carry: dict[str, Any] | None = None) -> None:
        """Starts a flow from its first applicable step, or says it is not available."""
        flow = self.registry.get(name)
        ctx, state = turn.ctx, turn.state
        state.flow, state.step = None, None
        run = MENU_RUN if name == MENU_FLOW else secrets.token_hex(2)
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
            if flow.ask_phone_when_denied and not ctx.contact.phone:
                self._ask_phone_for(turn, name, carry)
                return
            turn.say(ctx.t(flow.denied or "common.not_allowed"))
            if name != MENU_FLOW:
                await self._start(turn, MENU_FLOW)
            return
        state.flow = flow.name
        if flow.intro:
            turn.say(ctx.t(flow.intro))
        await self._advance(turn, flow, after=None)

    def _ask_phone_for(self, turn: Turn, name: str, carry: dict[str, Any] | None) -> None:
        """A service denied to a contact nobody has verified (Telegram before sharing a number): ask for the phone,
        keeping the service asked for, which starts once the shared phone turns out to be a cadre's."""
        menu = self.registry.get(MENU_FLOW)
        turn.state.flow, turn.state.step = (menu.name, menu.steps[0].name) if menu is not None else (None, None)
        turn.state.data = {"answers": {}, "history": [], "run": MENU_RUN, AFTER_PHONE: {"flow": name, "carry": carry}}
        turn.ctx.answers = turn.state.data["answers"]
        turn.say(turn.ctx.t("common.share_phone_for_staff"), expects=PHONE)

    async def _advance(self, turn: Turn, flow: Flow, after: str | None) -> None:
        """Moves to the next step that applies after `after` and is not answered yet (a flow may start with answers
        carried from another, such as the worker picked in "Pekerja saya"), or to the confirmation, or completes."""
        ctx, state = turn.ctx, turn.state
        names = [s.name for s in flow.steps]
        start = names.index(after) + 1 if after is not None else 0
        for step in flow.steps[start:]:
            if step.name in ctx.answers:
                state.data.setdefault("history", []).append(step.name)
                continue
            if step.applies(ctx):
                state.step = step.name
                await self._prompt(turn, flow, step)
                return
        if flow.confirm:
            state.step = CONFIRM_STEP
            await self._summary(turn, flow)
            return
        await self._complete(turn, flow)

    async def _complete(self, turn: Turn, flow: Flow) -> None:
        ctx, state = turn.ctx, turn.state
        outcome: Outcome = await flow.complete(ctx)
        for text in outcome.texts:
            turn.say(text)
        state.flow, state.step, state.data = None, None, {}
        if outcome.then:
            await self._start(turn, outcome.then, outcome.carry)

    async def _prompt(self, turn: Turn, flow: Flow, step: Step) -> None:
        ctx = turn.ctx
        for pending in ("unsure", "leave_offer", "leave_declined"):
            turn.state.data.pop(pending, None)
        params = await resolve(step.prompt_params(ctx)) if step.prompt_params else {}
        options = tuple(Option(c.value, c.text(ctx.t)) for c in await step.options(ctx))
        expects = CHOICE if options and step.expects == "text" else step.expects
        question = turn.token(str(flow.steps.index(step)))
        turn.say(ctx.t(step.prompt, **params).strip(), options, expects, numbered=step.positions, question=question)

    async def _reprompt(self, turn: Turn, flow: Flow | None, step: Step | None) -> None:
        if flow is not None and step is not None:
            await self._prompt(turn, flow, step)
        elif flow is not None and turn.state.step == CONFIRM_STEP:
            await self._summary(turn, flow)

    async def _answer(self, turn: Turn, flow: Flow | None, step: Step, text: str, media: Any = None) -> None:
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

    async def _accept(self, turn: Turn, flow: Flow, step: Step, value: Any) -> None:
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

    async def _refusal(self, turn: Turn, step: Step | None, reason: str) -> str:
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
