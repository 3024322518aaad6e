"""The shared verbs and the summary: menu, batal, kembali, bantuan, ubah N, and the confirmation that saves."""

from __future__ import annotations

from flows.engine_turn import CONFIRM_CHOICES, CONFIRM_STEP, MENU_FLOW, SAVE_WORDS, Turn
from flows.model import Context, Flow, Step, resolve
from flows.text import BACK, CANCEL, EDIT, HELP, MENU, fold, is_yes, match_choice
from flows.turn import CHOICE, Option


class EngineVerbs:
    """The verbs every flow shares and its summary; a part of Engine (flows/engine.py)."""

    def _summary_steps(self, flow: Flow, ctx: Context) -> list[Step]:
        return [s for s in flow.steps if s.summary_label and s.applies(ctx) and s.name in ctx.answers]

    async def _summary(self, turn: Turn, flow: Flow) -> None:
        ctx = turn.ctx
        lines = []
        for number, step in enumerate(self._summary_steps(flow, ctx), start=1):
            lines.append(f"{number}. {ctx.t(step.summary_label or step.name)}: {await self._shown(step, ctx)}")
        options = tuple(Option(c.value, c.text(ctx.t)) for c in CONFIRM_CHOICES)
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

    async def _confirm_answer(self, turn: Turn, flow: Flow, text: str) -> None:
        ctx = turn.ctx
        picked = match_choice(text, CONFIRM_CHOICES, ctx.t, positions=False)  # the words or labels shown
        if is_yes(text) or fold(text) in SAVE_WORDS or picked is CONFIRM_CHOICES[0]:
            await self._complete(turn, flow)
            return
        if picked is CONFIRM_CHOICES[1]:
            await self._verb(turn, flow, None, CANCEL, None)
            return
        if fold(text).isdigit():
            # A bare number at a numbered summary most likely means "that line": say how to edit it, keep all.
            turn.say(ctx.t("common.confirm.number", number=fold(text)))
            return
        # Only the question again, not the whole summary: it is just above.
        options = tuple(Option(c.value, c.text(ctx.t)) for c in CONFIRM_CHOICES)
        text = await self._refusal(turn, None, ctx.t("common.confirm.invalid"))
        turn.say(text, options, CHOICE, numbered=False, question=turn.token("summary"))

    async def _verb(self, turn: Turn, flow: Flow | None, step: Step | None, verb: str, number: int | None) -> None:
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
                options = tuple(Option(c.value, c.text(ctx.t)) for c in CONFIRM_CHOICES)
                text = ctx.t("common.edit_invalid", count=len(editable))
                turn.say(text, options, CHOICE, numbered=False, question=turn.token("summary"))
                return
            target = editable[number - 1]
            state.data["editing"] = True
            state.step = target.name
            await self._prompt(turn, flow, target)

    async def _back(self, turn: Turn, flow: Flow | None) -> None:
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

    async def _after_edit(self, turn: Turn, flow: Flow, edited: Step) -> None:
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
