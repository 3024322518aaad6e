"""The questions the engine asks on its own, and their answers: resume after a pause, leave a form for the
service a message names, confirm a reading; a keyboard of a question no longer asked."""

from __future__ import annotations

from typing import Any

from flows.engine_turn import (
    GREETING,
    MENU_FLOW,
    MENU_RUN,
    RESTART_WORDS,
    RESUME_CHOICES,
    RESUME_WORDS,
    STAY_WORDS,
    UNSURE_CHOICES,
    Turn,
)
from flows.i18n import Translator
from flows.model import Choice, Flow, Registry, Step
from flows.text import HELP, HELP_WORDS, find_phrase, fold, is_greeting, is_no, is_yes, match_choice
from flows.turn import CHOICE, Option


class EngineOffers:
    """The engine's own questions; a part of Engine (flows/engine.py), which supplies the flow-running methods."""

    registry: Registry

    def _service_in(self, text: str) -> str | None:
        """The service a message names anywhere in it (whole words): a flow's name, or GREETING."""
        phrase = find_phrase(text, self.registry.keyword_phrases)
        if phrase is not None:
            return self.registry.keywords[phrase]
        if find_phrase(text, HELP_WORDS) is not None:
            return HELP
        return GREETING if is_greeting(text) else None

    def _is_open(self, turn: Turn, flow: Flow | None, question: str) -> bool:
        """Whether a pressed keyboard belongs to the question asked now (any menu keyboard while at the menu)."""
        if question == turn.state.data.get("question"):
            return True
        return question.startswith(f"{MENU_RUN}.") and (flow is None or flow.name == MENU_FLOW)

    async def _ask_again(self, turn: Turn, flow: Flow | None, step: Step | None) -> None:
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

    def _ask_unsure(self, turn: Turn, step: Step, unsure: dict[str, Any]) -> None:
        """Asks whether a reading is what was meant, with yes and no."""
        t = turn.ctx.t
        options = tuple(Option(c.value, c.text(t)) for c in UNSURE_CHOICES)
        text = t(str(unsure["question"]), **dict(unsure.get("params") or {}))
        turn.say(text, options, CHOICE, question=turn.token(f"{step.name}?"))

    def _offer_resume(self, turn: Turn, flow: Flow) -> None:
        ctx = turn.ctx
        turn.state.data["resume_offered"] = True
        options = tuple(Option(c.value, c.text(ctx.t)) for c in RESUME_CHOICES)
        turn.say(ctx.t("common.resume.offer", flow=ctx.t(flow.title)), options, CHOICE, question=turn.token("resume"))

    async def _resume_answer(self, turn: Turn, flow: Flow | None, step: Step | None, text: str) -> None:
        folded = fold(text)
        picked = match_choice(text, RESUME_CHOICES, turn.ctx.t)  # the offered labels, as at any choice
        turn.state.data.pop("resume_offered", None)
        if (folded in RESUME_WORDS or picked is RESUME_CHOICES[0]) and flow is not None:
            await self._reprompt(turn, flow, step)
        elif folded in RESTART_WORDS or picked is RESUME_CHOICES[1] or flow is None:
            await self._start(turn, MENU_FLOW)
        else:
            self._offer_resume(turn, flow)

    def _service_label(self, t: Translator, service: str) -> str:
        flow = self.registry.get(service)
        key = f"menu.item.{service}"
        return t(key) if t.has(key) else t(flow.title) if flow is not None else service

    def _offer_leave(self, turn: Turn, service: str) -> None:
        """Asks whether to leave the form for the service the message named; the answers so far stay until then."""
        t = turn.ctx.t
        turn.state.data["leave_offer"] = service
        label = self._service_label(t, service)
        options = tuple(Option(c.value, c.text(t)) for c in self._leave_choices(t, service))
        turn.say(t("common.leave.ask", service=label), options, CHOICE, question=turn.token("leave"))

    def _leave_choices(self, t: Translator, service: str) -> tuple[Choice, Choice]:
        label = self._service_label(t, service)
        leave = Choice("leave", label=t("common.leave.yes", service=label), aliases=(label,))
        return leave, Choice("stay", label=t("common.leave.no"), aliases=tuple(STAY_WORDS))

    async def _leave_answer(self, turn: Turn, flow: Flow | None, step: Step | None, text: str) -> None:
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
