""" "Catat pembayaran": a cadre records contributions paid for whole months, with the receipt reference. Only whole
months paid in full are recorded: an amount short of the months chosen offers the months it does pay, money left over
is kept as a note; arrears are offered first, and a new or renewed start late in a month may wait for the next."""

from __future__ import annotations

from datetime import date
from typing import Any

from flows.i18n import Translator
from flows.model import Context, Flow, Outcome, Parsed, Step
from flows.payment_plan import (
    AUDIT_LANGUAGE,
    PAYMENT,
    expected_text,
    membership_before,
    monthly_amounts,
    period_answer,
    read_period,
    recorded_plan,
    total_of,
    worker_of,
)
from flows.payment_steps import (
    amount_current,
    amount_prompt,
    month_choices,
    months_prompt,
    next_choices,
    next_prompt,
    parse_amount,
    parse_months,
    parse_next_months,
    parse_settle,
    settle_choices,
    settle_prompt,
    unsettled,
    wants_next_month,
)
from flows.shared_parsers import read_receipt_reference
from flows.worker_lookup import lookup_steps
from rules.coverage import (
    Membership,
    arrears_end,
    month_end,
    months_owed,
)
from rules.membership_status import ACTIVE, DECEASED, IN_ARREARS, LAPSED
from rules.months import add_months
from storage import audit, payments
from storage.models import Worker
from storage.payments import NewPayment


def _parse_reference(text: str, ctx: Context) -> Parsed:
    return read_receipt_reference(text)


# -- the summary and saving -----------------------------------------------------------------------------------------


async def _show_worker(value: Any, ctx: Context) -> str:
    worker = await worker_of(ctx)
    return f"{worker.name}, {worker.registration_number}"


async def _show_period(value: Any, ctx: Context) -> str:
    plan = await recorded_plan(ctx)
    if plan["months"] == 1:
        return ctx.t.month(plan["first"])
    last = add_months(plan["first"], plan["months"] - 1)
    return ctx.t("payment.period", first=ctx.t.month(plan["first"]), last=ctx.t.month(last), months=plan["months"])


async def _show_amount(value: Any, ctx: Context) -> str:
    plan = await recorded_plan(ctx)
    paid = ctx.t.money(int(value["paid"]))
    return ctx.t("payment.summary.over", amount=paid, left=ctx.t.money(plan["left"])) if plan["left"] else paid


async def _status_after(ctx: Context, worker: Worker, first: date, months: int, reactivated: bool) -> str:
    """The status line after the payment: protected until, months still owed, or when protection starts."""
    t = ctx.t
    after = await membership_before(ctx, worker)
    today = ctx.today(worker.village_code)
    status = t(f"status.word.{after.status}")
    if reactivated:
        until = t.date(month_end(add_months(first, months - 1)))
        return t("payment.after.reactivated", start=t.date(first), date=until)
    if after.status == IN_ARREARS and after.protected_until is not None:
        owed = months_owed(after, today)
        amount = expected_text(ctx, monthly_amounts(worker, owed[0], len(owed)), t("payment.amount.unknown"))
        last_day = t.date(arrears_end(after.protected_until))
        return t("payment.after.arrears", status=status, months=len(owed), amount=amount, date=last_day)
    if after.status == ACTIVE and after.protected_until is not None:
        return t("payment.after.active", status=status, date=t.date(after.protected_until))
    until = t.date(month_end(add_months(first, months - 1)))
    return t("payment.after.starts", status=status, start=t.date(first), date=until)


def _changed_meanwhile(ctx: Context, plan: dict[str, Any]) -> bool:
    """Another payment recorded since the amount was typed moved the first unpaid month or took a month confirmed."""
    amount = ctx.answers.get("amount")
    first = amount.get("first") if isinstance(amount, dict) else None
    return (first is not None and first != plan["first"].isoformat()) or plan["months"] > plan["free"]


async def _save(ctx: Context) -> Outcome:
    plan = await recorded_plan(ctx)
    worker: Worker = plan["worker"]
    before: Membership = plan["membership"]
    if before.status == DECEASED:
        return Outcome(texts=[ctx.t("payment.deceased", name=worker.name)], then="menu")
    reference = str(ctx.answers["reference"])
    if _changed_meanwhile(ctx, plan):
        same_receipt = await payments.payments_with_reference(ctx.session, reference, worker.id)
        if any(payment.voided_at is None and payment.source == payments.CADRE for payment, _ in same_receipt):
            return Outcome(texts=[ctx.t("payment.duplicate", reference=reference)], then="menu")
        return Outcome(texts=[ctx.t("payment.changed_meanwhile", name=worker.name)], then="menu")
    new = NewPayment(
        worker_id=worker.id,
        first_month=plan["first"],
        months=plan["months"],
        amount=int(ctx.answers["amount"]["paid"]),
        source=payments.CADRE,
        reference=reference,
        recorded_by=ctx.staff.person_id if ctx.staff else None,
    )
    if not await payments.add_payment(ctx.session, new):
        return Outcome(texts=[ctx.t("payment.duplicate", reference=new.reference)], then="menu")
    ctx.memo.pop(("covered", worker.id), None)
    reactivated = before.status == LAPSED
    details: dict[str, Any] = {
        "first_month": new.first_month.isoformat(),
        "months": new.months,
        "amount": new.amount,
        "reference": new.reference,
        "expected": total_of(plan["monthly"]),
    }
    _, value = period_answer(ctx)
    if read_period(value)[1] != new.months:
        details["months_chosen"] = read_period(value)[1]
    if plan["left"]:
        details["overpaid"] = plan["left"]
        audit_t = Translator(AUDIT_LANGUAGE)
        details["note"] = audit_t("payment.note", left=audit_t.money(plan["left"]))
    if reactivated:
        details["reactivation"] = True
    await audit.record_event(
        ctx.session,
        "payment_recorded",
        contact_id=ctx.contact.id,
        person_id=new.recorded_by,
        subject_type="worker",
        subject_id=str(worker.id),
        details=details,
        at=ctx.now,
    )
    lines = [
        ctx.t("payment.saved", name=worker.name, months=new.months, amount=ctx.t.money(new.amount)),
        await _status_after(ctx, worker, new.first_month, new.months, reactivated),
    ]
    if plan["left"]:
        lines.append(ctx.t("payment.saved_over", left=ctx.t.money(plan["left"])))
    return Outcome(texts=["\n".join(lines)], then="menu")


def payment_flow() -> Flow:
    """Find the worker, choose the months (arrears first), check the amount pays them, note the receipt, confirm."""
    query, pick = lookup_steps(summary_label="payment.summary.worker", show=_show_worker)
    return Flow(
        name=PAYMENT,
        title="payment.title",
        allowed=lambda ctx: ctx.is_staff,
        denied="payment.denied",
        ask_phone_when_denied=True,
        confirm=True,
        complete=_save,
        steps=(
            query,
            pick,
            Step(
                "months",
                "payment.months.ask",
                choices=month_choices,
                parse=parse_months,
                positions=False,
                prompt_params=months_prompt,
                summary_label="payment.summary.months",
                show=_show_period,
            ),
            Step(
                "months_next",
                "payment.months.ask",
                choices=next_choices,
                parse=parse_next_months,
                positions=False,
                prompt_params=next_prompt,
                condition=wants_next_month,
            ),
            Step(
                "amount",
                "payment.amount.ask",
                parse=parse_amount,
                prompt_params=amount_prompt,
                summary_label="payment.summary.amount",
                show=_show_amount,
                condition=amount_current,
            ),
            Step(
                "mismatch",
                "payment.settle.ask",
                parse=parse_settle,
                choices=settle_choices,
                prompt_params=settle_prompt,
                condition=unsettled,
            ),
            Step(
                "reference",
                "payment.reference.ask",
                parse=_parse_reference,
                summary_label="payment.summary.reference",
            ),
        ),
    )
