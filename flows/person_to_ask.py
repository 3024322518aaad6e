"""Whom a person can turn to: the worker's cadre, with a phone to call or message, else BPJS Ketenagakerjaan's 175."""

from __future__ import annotations

from flows.model import Context
from rules.phones import readable_phone
from storage import people, workers
from storage.models import Worker


async def cadre_line(ctx: Context, worker: Worker) -> str:
    """The cadre to call or message (the registering one while they serve the village, else another), or 175."""
    cadre = await people.cadre_for_village(ctx.session, worker.village_code, worker.registered_by)
    if cadre is None:
        return ctx.t("status.card.no_cadre")
    return ctx.t("status.card.cadre", name=cadre.name, phone=readable_phone(cadre.phone))


async def person_to_ask(ctx: Context) -> str | None:
    """For someone stuck: a worker's own cadre, or 175 for anyone else; None for cadres and admins themselves."""
    if ctx.is_staff:
        return None
    own = await workers.workers_with_phone(ctx.session, ctx.contact.phone) if ctx.contact.phone else []
    if own:
        return await cadre_line(ctx, own[0])
    return ctx.t("common.way_out_official")
