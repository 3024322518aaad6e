""" "Batalkan pembayaran": a cadre (for the workers of their villages) or an admin voids a payment recorded by mistake,
within PAYMENT_VOID_DAYS of its recording, with a reason; the months count as unpaid again and the new status is shown.
The void and its audit row (payment.voided) are those of `kader payments void` (storage/payment_voids.py).

Two flows: "void_payment" finds the worker (a worker card's button carries {"query": {"id": …}} and skips the
question) and says so at once when nothing may be voided; "payment_void" picks the payment, asks the reason and
confirms. The second is named under "payment" so that a reason mentioning "bayar" is not read as asking for the
payment service (the engine keeps a service's own sub-flows, flows/engine.py `_in_form`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from babel.dates import format_date

from flows.flow_options import FlowOptions
from flows.i18n import Translator
from flows.membership_card import describe, membership_of
from flows.model import Choice, Context, Flow, Invalid, Outcome, Parsed, Step, Valid
from flows.shared_parsers import read_free_text
from flows.worker_lookup import lookup_steps, selected_worker_id, visible_villages
from rules.months import add_months
from storage import data_rights, payment_voids, payments, workers
from storage.models import Payment, Worker

VOID_PAYMENT = "void_payment"
PAYMENT_VOID = "payment_void"
# What a cadre may void: payments recorded in chat (one worker's, or their share of a village payment). An imported
# payment is the branch office's record: only an admin voids it (here or with `kader payments void`).
CADRE_SOURCES = (payments.CADRE,)
MAX_REASON = 500  # as `kader payments void --reason`


def _allowed(ctx: Context) -> bool:
    return ctx.is_staff


def _is_admin(ctx: Context) -> bool:
    return ctx.staff is not None and ctx.staff.is_admin


def _since(ctx: Context, days: int) -> datetime:
    """The oldest recording time a payment may have to be voided now."""
    return ctx.now - timedelta(days=days)


async def _worker_in_scope(ctx: Context, worker_id: int) -> Worker | None:
    """The worker, if the asker may see them (an admin: anyone; a cadre: their villages' workers)."""
    worker = await workers.get_worker(ctx.session, worker_id)
    scope = visible_villages(ctx)
    if worker is None or (scope is not None and worker.village_code not in scope):
        return None
    return worker


async def _voidable(ctx: Context, worker: Worker, days: int) -> list[Payment]:
    """The worker's payments the asker may void now, newest first (read once per message)."""
    key = ("voidable", worker.id)
    if key not in ctx.memo:
        sources = None if _is_admin(ctx) else CADRE_SOURCES
        ctx.memo[key] = await payment_voids.voidable_payments(ctx.session, worker.id, _since(ctx, days), sources)
    return ctx.memo[key]


def _short_month(t: Translator, day: date) -> str:
    return format_date(day, format="LLL y", locale=t.language)


def payment_label(t: Translator, payment: Payment) -> str:
    """A payment as it is offered: "Nov 2026 – Jan 2027, Rp50.400, ref BR-12" (imports marked as such)."""
    first, last = payment.first_month, add_months(payment.first_month, payment.months - 1)
    period = _short_month(t, first) if payment.months == 1 else f"{_short_month(t, first)} – {_short_month(t, last)}"
    key = "void_payment.payment.option_import" if payment.source == payments.IMPORT else "void_payment.payment.option"
    return t(key, period=period, amount=t.money(payment.amount), reference=payment.reference)


def _payment_value(payment: Payment) -> str:
    # Not a bare number: a number typed or sent by a button is read as a position in the list.
    return f"p{payment.id}"


def _payment_id(value: Any) -> int:
    return int(str(value).removeprefix("p"))


# -- the first flow: the worker ---------------------------------------------------------------------------------------


def _route(days: int) -> Any:
    async def route(ctx: Context) -> Outcome:
        """To the payment question, or the reason nothing may be voided for this worker."""
        t = ctx.t
        worker = await _worker_in_scope(ctx, selected_worker_id(ctx))
        if worker is None:
            return Outcome([t("void_payment.not_yours")], then="menu")
        if await _voidable(ctx, worker, days):
            return Outcome(then=PAYMENT_VOID, carry={"worker": worker.id})
        lines = [t("void_payment.none", name=worker.name, days=days)]
        if not _is_admin(ctx):
            others = await payment_voids.other_voidable_count(ctx.session, worker.id, _since(ctx, days), CADRE_SOURCES)
            if others:
                lines.append(t("void_payment.imported_only", count=others))
        return Outcome(["\n".join(lines)], then="menu")

    return route


# -- the second flow: the payment, the reason, the void -------------------------------------------------------------


async def _carried_worker(ctx: Context) -> Worker | None:
    key = ("void worker",)
    if key not in ctx.memo:
        worker_id = ctx.answers.get("worker")
        ctx.memo[key] = await _worker_in_scope(ctx, int(worker_id)) if worker_id is not None else None
    return ctx.memo[key]


def _payment_choices(days: int) -> Any:
    async def choices(ctx: Context) -> list[Choice]:
        """The payments that may still be voided, newest first."""
        worker = await _carried_worker(ctx)
        if worker is None:
            return []
        return [Choice(_payment_value(p), label=payment_label(ctx.t, p)) for p in await _voidable(ctx, worker, days)]

    return choices


def _payment_prompt(days: int) -> Any:
    async def prompt(ctx: Context) -> dict[str, Any]:
        worker = await _carried_worker(ctx)
        note = ""
        if worker is not None and not _is_admin(ctx):
            others = await payment_voids.other_voidable_count(ctx.session, worker.id, _since(ctx, days), CADRE_SOURCES)
            note = ctx.t("void_payment.imported_only", count=others) + "\n" if others else ""
        return {"name": worker.name if worker else "-", "days": days, "note": note}

    return prompt


def _show_payment(days: int) -> Any:
    async def show(value: Any, ctx: Context) -> str:
        worker = await _carried_worker(ctx)
        if worker is None:
            return "-"
        for payment in await _voidable(ctx, worker, days):
            if _payment_value(payment) == value:
                return f"{worker.name}: {payment_label(ctx.t, payment)}"
        return "-"

    return show


async def _parse_reason(text: str, ctx: Context) -> Parsed:
    """Why the payment is voided: words, at most MAX_REASON characters, without the worker's personal data."""
    read = read_free_text(text, "void_payment.reason.invalid", max_length=MAX_REASON)
    if not isinstance(read, Valid):
        return read
    worker = await _carried_worker(ctx)
    if worker is not None and data_rights.values_of(worker).found_in(str(read.value)):
        return Invalid("void_payment.reason.personal")
    return read


def _save(days: int) -> Any:
    async def save(ctx: Context) -> Outcome:
        """Voids the payment picked, if it still may be, audits it as the CLI does, and shows the new status."""
        t, admin = ctx.t, _is_admin(ctx)
        worker = await _carried_worker(ctx)
        if worker is None:
            return Outcome([t("void_payment.not_yours")], then="menu")
        payment = await payment_voids.live_payment(ctx.session, _payment_id(ctx.answers["payment"]), worker.id)
        if payment is None:
            return Outcome([t("void_payment.gone")], then="menu")
        if payment.recorded_at < _since(ctx, days):
            return Outcome([t("void_payment.too_old", days=days)], then="menu")
        if not admin and payment.source not in CADRE_SOURCES:
            return Outcome([t("void_payment.imported_only", count=1)], then="menu")
        label = payment_label(t, payment)
        actor = ctx.staff.person_id if ctx.staff else None
        reason = str(ctx.answers["reason"])
        await payment_voids.void_audited(ctx.session, [payment], reason, actor, ctx.now, ctx.contact.id)
        full_nik = admin or (ctx.staff is not None and worker.registered_by == ctx.staff.person_id)
        card = await describe(ctx, worker, await membership_of(ctx, worker), full_nik=full_nik)
        return Outcome([t("void_payment.saved", payment=label, name=worker.name), card], then="menu")

    return save


def void_payment_flow(options: FlowOptions | None = None) -> Flow:
    """Find the worker (skipped when a worker card carries them); nothing to void ends here, else the payment."""
    days = (options or FlowOptions()).payment_void_days
    query, pick = lookup_steps()
    return Flow(
        name=VOID_PAYMENT,
        title="void_payment.title",
        intro="void_payment.intro",
        allowed=_allowed,
        denied="void_payment.denied",
        ask_phone_when_denied=True,
        complete=_route(days),
        steps=(query, pick),
    )


def payment_void_flow(options: FlowOptions | None = None) -> Flow:
    """The payment to void among those still voidable, the reason, the confirmation; then the void and the status."""
    days = (options or FlowOptions()).payment_void_days
    return Flow(
        name=PAYMENT_VOID,
        title="void_payment.title",
        allowed=_allowed,
        denied="void_payment.denied",
        ask_phone_when_denied=True,
        confirm=True,
        complete=_save(days),
        steps=(
            Step(
                "payment",
                "void_payment.payment.ask",
                choices=_payment_choices(days),
                prompt_params=_payment_prompt(days),
                summary_label="void_payment.summary.payment",
                show=_show_payment(days),
            ),
            Step("reason", "void_payment.reason.ask", parse=_parse_reason, summary_label="void_payment.summary.reason"),
        ),
    )
