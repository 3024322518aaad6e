""" "Cek status": workers see their own membership, cadres their villages', anyone else with NIK and birth date."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from flows.flow_options import FlowOptions
from flows.lookup_limits import FAILED_LOOKUP, blocked_until, wait_text
from flows.membership_card import describe, describe_briefly, membership_of
from flows.model import Choice, Context, Flow, Invalid, Outcome, Parsed, Step, Valid
from flows.shared_parsers import nik_refusal
from flows.turn import PHONE
from flows.worker_lookup import lookup_steps, picked_worker_id, selected_worker_id, visible_villages, worker_choice
from rules.coverage import covered_months, membership_on
from rules.dates import InvalidDateError, parse_date
from rules.membership_status import STATUSES
from rules.nik import InvalidNikError, parse_nik
from storage import audit, payments, workers

STATUS = "status"
STATUS_STAFF = "status_staff"
STATUS_OWN = "status_own"
STATUS_CHECK = "status_check"


async def _audit(ctx: Context, action: str, worker_id: int | None, **details: Any) -> None:
    await audit.record_event(
        ctx.session,
        action,
        contact_id=ctx.contact.id,
        person_id=ctx.staff.person_id if ctx.staff else None,
        subject_type="worker" if worker_id is not None else None,
        subject_id=str(worker_id) if worker_id is not None else None,
        details=details,
        at=ctx.now,
    )


# -- the router ---------------------------------------------------------------------------


async def _route(ctx: Context) -> Outcome:
    if ctx.is_staff:
        return Outcome(then=STATUS_STAFF)
    if ctx.contact.phone:
        own = await workers.workers_with_phone(ctx.session, ctx.contact.phone)
        if len(own) == 1:
            membership = await membership_of(ctx, own[0])
            await _audit(ctx, "status_lookup", own[0].id, mode="own")
            return Outcome(texts=[await describe(ctx, own[0], membership, full_nik=True)], then="menu")
        if own:
            return Outcome(then=STATUS_OWN, carry={"own": [[w.id, w.name] for w in own]})
    until = await blocked_until(ctx)
    if until is not None:
        return Outcome(texts=[wait_text(ctx, until)], then="menu")
    return Outcome(then=STATUS_CHECK)


def status_flow() -> Flow:
    """Sends each asker to the status conversation they may have."""
    return Flow(name=STATUS, title="status.title", steps=(), complete=_route)


# -- a worker with several registrations on one phone -------------------------------------


def _own_choices(ctx: Context) -> list[Choice]:
    return [worker_choice(wid, name) for wid, name in ctx.answers["own"]]


async def _show_own(ctx: Context) -> Outcome:
    worker_id = picked_worker_id(ctx.answers["pick"])
    if worker_id not in {int(wid) for wid, _ in ctx.answers["own"]}:
        return Outcome(then="menu")
    worker = await workers.get_worker(ctx.session, worker_id)
    assert worker is not None
    await _audit(ctx, "status_lookup", worker.id, mode="own")
    return Outcome(texts=[await describe(ctx, worker, await membership_of(ctx, worker), full_nik=True)], then="menu")


def status_own_flow() -> Flow:
    """Several workers share this phone: pick whose status to see."""
    return Flow(
        name=STATUS_OWN,
        title="status.title",
        steps=(Step("pick", "status.own.pick", choices=_own_choices),),
        complete=_show_own,
        allowed=lambda ctx: "own" in ctx.answers,
    )


# -- cadres and admins --------------------------------------------------------------------

_STAFF_MODES = (
    Choice("worker", "status.staff.worker", aliases=("cari", "pekerja", "nik", "nama")),
    Choice("summary", "status.staff.summary", aliases=("ringkasan", "desa", "summary")),
)


def _looking_up(ctx: Context) -> bool:
    return ctx.answers.get("mode") == "worker"


async def _village_summary(ctx: Context) -> str:
    codes = visible_villages(ctx)
    assert ctx.staff is not None
    if codes is None:
        codes = ctx.staff.village_codes
    names = dict(ctx.staff.villages)
    found = await workers.workers_in_villages(ctx.session, codes)
    paid = await payments.paid_months_of(ctx.session, (w.id for w in found))
    counts: dict[str, Counter[str]] = {code: Counter() for code in codes}
    for worker in found:
        today = ctx.today(worker.village_code)
        status = membership_on(today, covered_months(paid.get(worker.id, [])), worker.deceased_on).status
        counts[worker.village_code][status] += 1
    blocks = []
    for code in codes:
        parts = ", ".join(f"{ctx.t(f'status.word.{s}')} {counts[code][s]}" for s in STATUSES)
        total = sum(counts[code].values())
        blocks.append(ctx.t("status.summary.village", village=names.get(code, code), total=total, parts=parts))
    await _audit(ctx, "status_summary", None, villages=list(codes))
    return "\n\n".join(blocks) if blocks else ctx.t("status.summary.none")


async def _show_for_staff(ctx: Context) -> Outcome:
    if ctx.answers.get("mode") == "summary":
        return Outcome(texts=[await _village_summary(ctx)], then="menu")
    worker = await workers.get_worker(ctx.session, selected_worker_id(ctx))
    scope = visible_villages(ctx)
    if worker is None or (scope is not None and worker.village_code not in scope):
        return Outcome(texts=[ctx.t("lookup.not_found")], then="menu")
    await _audit(ctx, "status_lookup", worker.id, mode="staff")
    # The whole NIK only for admins and the cadre who registered the worker (docs/architecture.md, "Roles").
    assert ctx.staff is not None
    full_nik = ctx.staff.is_admin or worker.registered_by == ctx.staff.person_id
    card = await describe(ctx, worker, await membership_of(ctx, worker), full_nik=full_nik)
    return Outcome(texts=[card], then="menu")


def status_staff_flow() -> Flow:
    """A cadre or admin looks up a worker of their villages, or sees the villages' summary."""
    query, pick = lookup_steps(condition=_looking_up)
    return Flow(
        name=STATUS_STAFF,
        title="status.title",
        steps=(Step("mode", "status.staff.ask", choices=_STAFF_MODES), query, pick),
        complete=_show_for_staff,
        allowed=lambda ctx: ctx.is_staff,
    )


# -- anyone else: NIK and birth date ------------------------------------------------------


def _parse_check_nik(text: str, ctx: Context) -> Parsed:
    try:
        return Valid(parse_nik(text, ctx.today()).number)
    except InvalidNikError as error:
        return nik_refusal(error, text)


def _parse_check_birth(text: str, ctx: Context) -> Parsed:
    try:
        return Valid(parse_date(text, ctx.today()).isoformat())
    except InvalidDateError:
        return Invalid("date.invalid.format")


async def _check(ctx: Context) -> Outcome:
    until = await blocked_until(ctx)
    if until is not None:
        return Outcome(texts=[wait_text(ctx, until)], then="menu")
    worker = await workers.find_by_nik(ctx.session, str(ctx.answers["nik"]))
    if worker is None or worker.birth_date != date.fromisoformat(ctx.answers["birth_date"]):
        await _audit(ctx, FAILED_LOOKUP, None)
        until = await blocked_until(ctx)
        text = wait_text(ctx, until) if until is not None else ctx.t("status.check.no_match")
        return Outcome(texts=[text], then="menu")
    await _audit(ctx, "status_lookup", worker.id, mode="nik_birth_date")
    return Outcome(texts=[describe_briefly(ctx, worker, await membership_of(ctx, worker))], then="menu")


def status_check_flow(options: FlowOptions | None = None) -> Flow:
    """NIK and birth date must both match; only the status word and date are told, the NIK masked."""
    return Flow(
        name=STATUS_CHECK,
        title="status.title",
        steps=(
            Step("nik", "status.check.nik", parse=_parse_check_nik, expects=PHONE),
            Step("birth_date", "status.check.birth_date", parse=_parse_check_birth),
        ),
        complete=_check,
        restart_on_phone=STATUS,
    )
