""" "Catat pembayaran": a cadre records contributions paid for whole months, with the receipt reference."""

from __future__ import annotations

from datetime import date
from itertools import groupby
from typing import Any

from flows.amount_answers import read_money
from flows.membership_card import membership_of
from flows.model import Choice, Context, Flow, Invalid, Outcome, Parsed, Step, Unsure, Valid
from flows.text import BACK, fold, is_yes
from flows.worker_lookup import lookup_steps, selected_worker_id
from rules.contribution import monthly_amount
from rules.coverage import Membership, month_start
from rules.membership_status import DECEASED, LAPSED, NOT_ACTIVE
from rules.months import add_months, read_month_count
from rules.references import InvalidReferenceError, read_reference
from storage import audit, payments, workers
from storage.models import Worker
from storage.payments import NewPayment

PAYMENT = "payment"
MONTH_CHOICES = (1, 3, 6, 12)
# A bare number below this is no payment anyone makes: "20" means Rp20.000 (asked, never assumed).
PLAUSIBLE_PAYMENT = 1_000
MAXIMUM_PAYMENT = 10**9


async def _worker(ctx: Context) -> Worker:
    key = ("worker", selected_worker_id(ctx))
    if key not in ctx.memo:
        ctx.memo[key] = await workers.get_worker(ctx.session, key[1])
    worker = ctx.memo[key]
    assert worker is not None
    return worker


async def _membership(ctx: Context, worker: Worker) -> Membership:
    """The worker's membership before this payment (read once per message)."""
    key = ("membership", worker.id)
    if key not in ctx.memo:
        ctx.memo[key] = await membership_of(ctx, worker)
    return ctx.memo[key]


def first_unpaid_month(membership: Membership, today: date) -> date:
    """Where a new payment starts: the next due month, or this month for a first or renewed membership."""
    if membership.status in (NOT_ACTIVE, LAPSED) or membership.next_due is None:
        return month_start(today)
    return membership.next_due


def _period_value(first: date, months: int) -> str:
    """A month option's value: the first month and the count, "2026-09:3". It keeps the period the cadre confirms:
    a payment recorded meanwhile must not shift it."""
    return f"{first:%Y-%m}:{months}"


def _chosen_period(value: Any) -> tuple[date | None, int]:
    text = str(value)
    if ":" not in text:  # a bare count: the period starts at the first unpaid month
        return None, int(text)
    month, months = text.split(":", 1)
    return date.fromisoformat(f"{month}-01"), int(months)


async def _plan(ctx: Context, months: int | None = None) -> dict[str, Any]:
    """The worker, their membership and the period paid (as chosen, or `months` from the first unpaid month), with
    each month's contribution and their total."""
    worker = await _worker(ctx)
    membership = await _membership(ctx, worker)
    first: date | None = None
    if months is None:
        first, months = _chosen_period(ctx.answers.get("months", 1))
    if first is None:
        first = first_unpaid_month(membership, ctx.today(worker.village_code))
    monthly = [monthly_amount(worker, add_months(first, n)) for n in range(months)]
    expected = None if any(m is None for m in monthly) else sum(m for m in monthly if m is not None)
    return {
        "worker": worker,
        "membership": membership,
        "first": first,
        "months": months,
        "expected": expected,
        "monthly": monthly,
    }


def _expected_text(ctx: Context, monthly: list[int | None], unknown: str = "-") -> str:
    """The months' total and, when they differ, how it adds up: "Rp254.600 (5 × Rp13.400 + 7 × Rp26.800)"."""
    if any(m is None for m in monthly):
        return unknown
    amounts = [m for m in monthly if m is not None]
    total = ctx.t.money(sum(amounts))
    runs = [(amount, len(list(run))) for amount, run in groupby(amounts)]
    if len(runs) < 2:
        return total
    parts = " + ".join(ctx.t("payment.breakdown.part", count=count, amount=ctx.t.money(a)) for a, count in runs)
    return ctx.t("payment.breakdown.total", total=total, parts=parts)


async def _months_prompt(ctx: Context) -> dict[str, Any]:
    plan = await _plan(ctx, 1)
    return {"name": plan["worker"].name, "from": ctx.t.month(plan["first"])}


async def _month_choices(ctx: Context) -> list[Choice]:
    choices = []
    for count in MONTH_CHOICES:
        plan = await _plan(ctx, count)
        amount = _expected_text(ctx, plan["monthly"])
        label = ctx.t("payment.months.option", months=count, amount=amount)
        value = _period_value(plan["first"], count)
        choices.append(Choice(value, label=label, aliases=(str(count), f"{count} bulan", f"{count} months")))
    return choices


async def _amount_prompt(ctx: Context) -> dict[str, Any]:
    plan = await _plan(ctx)
    expected = _expected_text(ctx, plan["monthly"], ctx.t("payment.amount.unknown"))
    return {"months": plan["months"], "name": plan["worker"].name, "expected": expected}


async def _parse_amount(text: str, ctx: Context) -> Parsed:
    """The amount paid ("ya" for the expected one), kept with the expected amount it is checked against."""
    expected = (await _plan(ctx))["expected"]
    if is_yes(text):
        if expected is None:
            return Invalid("payment.amount.type_it")
        return Valid({"paid": expected, "expected": expected})
    read = read_money(text, ctx, PLAUSIBLE_PAYMENT)
    if isinstance(read, Valid | Unsure) and read.value >= MAXIMUM_PAYMENT:
        return Invalid("amount.invalid.too_large")
    if isinstance(read, Unsure):  # "20" is most likely Rp20.000: asked, never assumed
        return Unsure({"paid": read.value, "expected": expected}, read.question, read.params)
    if isinstance(read, Invalid):
        return Invalid("payment.amount.invalid") if read.reason == "amount.invalid.format" else read
    return Valid({"paid": read.value, "expected": expected})


def _paid(ctx: Context) -> int:
    return int(ctx.answers["amount"]["paid"])


def _mismatch(ctx: Context) -> bool:
    amount = ctx.answers.get("amount") or {}
    return amount.get("expected") is not None and int(amount["paid"]) != int(amount["expected"])


def _mismatch_prompt(ctx: Context) -> dict[str, Any]:
    amount = ctx.answers["amount"]
    return {"amount": ctx.t.money(int(amount["paid"])), "expected": ctx.t.money(int(amount["expected"]))}


def _parse_mismatch(text: str, ctx: Context) -> Parsed:
    if is_yes(text) or fold(text) == "1":
        return Valid(True)
    return Invalid("payment.mismatch.again")


def _parse_reference(text: str, ctx: Context) -> Parsed:
    try:
        return Valid(read_reference(text))
    except InvalidReferenceError as error:
        return Invalid("payment.reference.characters" if error.reason == "characters" else "payment.reference.invalid")


def _parse_months(text: str, ctx: Context) -> Parsed:
    """A number of months in words ("setahun", "3 bln", "tiga bulan"), from the first unpaid month."""
    count = read_month_count(text)
    return Invalid("common.choice_invalid", {"count": len(MONTH_CHOICES)}) if count is None else Valid(str(count))


async def _show_worker(value: Any, ctx: Context) -> str:
    worker = await _worker(ctx)
    return f"{worker.name}, {worker.registration_number}"


async def _show_period(value: Any, ctx: Context) -> str:
    plan = await _plan(ctx)
    if plan["months"] == 1:
        return ctx.t.month(plan["first"])
    last = add_months(plan["first"], plan["months"] - 1)
    return ctx.t("payment.period", first=ctx.t.month(plan["first"]), last=ctx.t.month(last), months=plan["months"])


async def _save(ctx: Context) -> Outcome:
    plan = await _plan(ctx)
    worker: Worker = plan["worker"]
    if plan["membership"].status == DECEASED:
        return Outcome(texts=[ctx.t("payment.deceased", name=worker.name)], then="menu")
    new = NewPayment(
        worker_id=worker.id,
        first_month=plan["first"],
        months=plan["months"],
        amount=_paid(ctx),
        source=payments.CADRE,
        reference=str(ctx.answers["reference"]),
        recorded_by=ctx.staff.person_id if ctx.staff else None,
    )
    if not await payments.add_payment(ctx.session, new):
        return Outcome(texts=[ctx.t("payment.duplicate", reference=new.reference)], then="menu")
    await audit.record_event(
        ctx.session,
        "payment_recorded",
        contact_id=ctx.contact.id,
        person_id=new.recorded_by,
        subject_type="worker",
        subject_id=str(worker.id),
        details={
            "first_month": new.first_month.isoformat(),
            "months": new.months,
            "amount": new.amount,
            "reference": new.reference,
            "expected": plan["expected"],
        },
        at=ctx.now,
    )
    after = await membership_of(ctx, worker)
    until = after.protected_until or add_months(new.first_month, new.months - 1)
    text = ctx.t(
        "payment.saved",
        name=worker.name,
        months=new.months,
        amount=ctx.t.money(new.amount),
        status=ctx.t(f"status.word.{after.status}"),
        date=ctx.t.date(until),
    )
    return Outcome(texts=[text], then="menu")


def payment_flow() -> Flow:
    """Find the worker, choose 1, 3, 6 or 12 months, check the amount, note the receipt, confirm."""
    query, pick = lookup_steps(summary_label="payment.summary.worker", show=_show_worker)
    return Flow(
        name=PAYMENT,
        title="payment.title",
        allowed=lambda ctx: ctx.is_staff,
        denied="payment.denied",
        confirm=True,
        complete=_save,
        steps=(
            query,
            pick,
            Step(
                "months",
                "payment.months.ask",
                choices=_month_choices,
                parse=_parse_months,
                positions=False,
                prompt_params=_months_prompt,
                summary_label="payment.summary.months",
                show=_show_period,
            ),
            Step(
                "amount",
                "payment.amount.ask",
                parse=_parse_amount,
                prompt_params=_amount_prompt,
                summary_label="payment.summary.amount",
                show=lambda v, ctx: ctx.t.money(int(v["paid"])),
            ),
            Step(
                "mismatch",
                "payment.mismatch.ask",
                parse=_parse_mismatch,
                choices=(Choice("yes", "payment.mismatch.yes"), Choice(BACK, "payment.mismatch.change")),
                prompt_params=_mismatch_prompt,
                condition=_mismatch,
            ),
            Step(
                "reference",
                "payment.reference.ask",
                parse=_parse_reference,
                summary_label="payment.summary.reference",
            ),
        ),
    )
