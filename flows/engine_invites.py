"""A cadre's invitation link (`kader cadre invite`): greet the cadre by name, ask for the number with the share
button, and link the account when the shared number is the invited one. The link is used once, and only by the
number the admin registered; a link that no longer works says so and shows the menu."""

from __future__ import annotations

from flows.engine_turn import MENU_FLOW, MENU_RUN, Turn
from flows.model import Registry
from flows.turn import PHONE
from storage import cadre_invites, contacts, people

# In the conversation's data: the invite whose number is awaited (its id; the token itself is never kept).
INVITE = "invite"


class EngineInvites:
    """Invitation links; a part of Engine (flows/engine.py), which supplies the flow-running methods."""

    registry: Registry

    async def _invite_opened(self, turn: Turn, token: str) -> None:
        """An invitation link opened: the cadre is greeted and asked for their number, or linked at once when the
        chat already shared that number; a link no longer valid says so, then the menu."""
        ctx = turn.ctx
        invite = await cadre_invites.find_valid(ctx.session, token, ctx.now)
        staff = await people.staff_by_phone(ctx.session, invite.phone) if invite is not None else None
        if invite is None or staff is None or not (staff.is_cadre or staff.is_admin):
            turn.say(ctx.t("cadre_invite.invalid"))
            await self._start(turn, MENU_FLOW)
            return
        if ctx.contact.phone == invite.phone:
            await self._invite_phone(turn, invite.id, invite.phone)
            return
        menu = self.registry.get(MENU_FLOW)
        turn.state.flow, turn.state.step = (menu.name, menu.steps[0].name) if menu is not None else (None, None)
        turn.state.data = {"answers": {}, "history": [], "run": MENU_RUN, INVITE: invite.id}
        turn.ctx.answers = turn.state.data["answers"]
        turn.say(ctx.t("cadre_invite.ask_phone", name=staff.name), expects=PHONE)

    async def _invite_phone(self, turn: Turn, invite_id: int, phone: str) -> None:
        """The number shared after an invitation link: the invited one links the account and shows the cadre menu;
        another number is refused kindly and the link stays unused."""
        ctx = turn.ctx
        invite = await cadre_invites.valid_by_id(ctx.session, invite_id, ctx.now)
        if invite is None:
            turn.say(ctx.t("cadre_invite.invalid"))
        elif phone != invite.phone:
            await cadre_invites.record_other_phone(ctx.session, invite, ctx.contact.id, ctx.now)
            turn.say(ctx.t("cadre_invite.other_phone"))
        elif await cadre_invites.mark_used(ctx.session, invite.id, ctx.contact.id, ctx.now):
            contacts.set_verified_phone(ctx.contact, phone, invite.person_id)
            ctx.staff = await people.staff_by_phone(ctx.session, phone)
            turn.say(ctx.t("cadre_invite.linked", name=ctx.staff.name if ctx.staff else ""))
        else:
            turn.say(ctx.t("cadre_invite.invalid"))
        await self._start(turn, MENU_FLOW)
