"""The months and amount questions of a payment: arrears first, next month late in a month, whole months paid."""

from __future__ import annotations

from datetime import date
from typing import Any

from flows.amount_answers import read_money
from flows.model import Choice, Context, Invalid, Parsed, Unsure, Valid
from flows.payment_plan import (
    MAXIMUM_PAYMENT,
    MONTH_CHOICES,
    PLAUSIBLE_PAYMENT,
    allocate,
    covered_of,
    expected_text,
    free_months,
    may_start_next_month,
    monthly_amounts,
    next_value,
    period_answer,
    period_key,
    period_value,
    plan_of,
    read_next,
    read_period,
    starting_point,
)
from flows.text import BACK, fold, is_yes
from rules.contribution import monthly_amount
from rules.coverage import (
    days_left_in_month,
    month_end,
    month_start,
    months_owed,
)
from rules.membership_status import IN_ARREARS, LAPSED
from rules.months import MAX_MONTH_COUNT, add_months, read_month_count

# -- the months ---------------------------------------------------------------------------------------------------


async def _lead(ctx: Context, first: date, *, offer_next: bool) -> str:
    """What the months question says first: arrears owed, a lapsed membership, or few days left in the month."""
    worker, membership, today, _ = await starting_point(ctx)
    t, lines = ctx.t, []
    if membership.status == IN_ARREARS:
        owed = months_owed(membership, today)
        amount = expected_text(ctx, monthly_amounts(worker, owed[0], len(owed)), t("payment.amount.unknown"))
        lines.append(t("payment.months.arrears", name=worker.name, months=len(owed), amount=amount))
    if membership.status == LAPSED:
        lines.append(t("payment.months.lapsed", name=worker.name, start=t.month(first)))
    free = free_months(await covered_of(ctx, worker), first)
    if free < MAX_MONTH_COUNT:
        paid = add_months(first, free)
        lines.append(t("payment.gap.limit", month=t.month(paid), start=t.month(first), months=free))
    if offer_next:
        this_month = monthly_amount(worker, first)
        amount = t.money(this_month) if this_month is not None else t("payment.amount.unknown")
        lines.append(
            t("payment.months.late", days=days_left_in_month(today), amount=amount, date=t.date(month_end(first)))
        )
    return "".join(f"{line}\n" for line in lines)


async def months_prompt(ctx: Context) -> dict[str, Any]:
    """The months question's parameters, with what it says first (arrears, lapse, late in the month)."""
    worker, membership, today, first = await starting_point(ctx)
    offer_next = may_start_next_month(membership, first, today)
    lead = await _lead(ctx, first, offer_next=offer_next)
    return {"lead": lead, "name": worker.name, "from": ctx.t.month(first)}


async def next_prompt(ctx: Context) -> dict[str, Any]:
    """The months question's parameters when the cadre chose to start next month."""
    worker, membership, _, _ = await starting_point(ctx)
    first = read_next(ctx.answers.get("months")) or month_start(ctx.now.date())
    lead = ctx.t("payment.months.lapsed", name=worker.name, start=ctx.t.month(first)) + "\n"
    return {"lead": lead if membership.status == LAPSED else "", "name": worker.name, "from": ctx.t.month(first)}


async def _options(ctx: Context, first: date, skip: int | None = None) -> list[Choice]:
    choices = []
    free = (await plan_of(ctx, 1, first))["free"]
    counts = sorted({c for c in MONTH_CHOICES if c <= free} | ({free} if free < MAX_MONTH_COUNT else set()))
    for count in counts:
        if count == skip:
            continue
        plan = await plan_of(ctx, count, first)
        amount = expected_text(ctx, plan["monthly"])
        label = ctx.t("payment.months.option", months=count, amount=amount)
        aliases = (str(count), f"{count} bulan", f"{count} months")
        choices.append(Choice(period_value(first, count), label=label, aliases=aliases))
    return choices


async def month_choices(ctx: Context) -> list[Choice]:
    """Arrears first ("Lunasi tunggakan 3 bulan"), then 1, 3, 6 or 12 months, and next month when it is late."""
    worker, membership, today, first = await starting_point(ctx)
    arrears: list[Choice] = []
    owed = len(months_owed(membership, today))
    if owed:
        amount = expected_text(ctx, monthly_amounts(worker, first, owed), ctx.t("payment.amount.unknown"))
        label = ctx.t("payment.months.settle_arrears", months=owed, amount=amount)
        aliases = (str(owed), f"{owed} bulan", f"{owed} months", "lunasi", "tunggakan", "arrears")
        arrears.append(Choice(period_value(first, owed), label=label, aliases=aliases))
    choices = [*arrears, *await _options(ctx, first, skip=owed or None)]
    if may_start_next_month(membership, first, today):
        label = ctx.t("payment.months.next", month=ctx.t.month(add_months(first, 1)))
        choices.append(Choice(next_value(first), label=label, aliases=("bulan depan", "next month")))
    return choices


async def next_choices(ctx: Context) -> list[Choice]:
    """1, 3, 6 or 12 months from next month."""
    first = read_next(ctx.answers.get("months"))
    return await _options(ctx, first) if first is not None else []


async def _beyond_free(ctx: Context, first: date, count: int) -> Invalid | None:
    """The refusal of more months than are unpaid in a row from `first` (a later month is paid already), or None."""
    free = (await plan_of(ctx, 1, first))["free"]
    if count <= free:
        return None
    t = ctx.t
    return Invalid(
        "payment.gap.limit", {"month": t.month(add_months(first, free)), "start": t.month(first), "months": free}
    )


async def parse_months(text: str, ctx: Context) -> Parsed:
    """A number of months in words ("setahun", "3 bln", "tiga bulan"), from the first unpaid month."""
    count = read_month_count(text)
    if count is None:
        return Invalid("common.choice_invalid", {"count": len(MONTH_CHOICES)})
    _, _, _, first = await starting_point(ctx)
    return await _beyond_free(ctx, first, count) or Valid(str(count))


async def parse_next_months(text: str, ctx: Context) -> Parsed:
    """A number of months in words, from next month."""
    count = read_month_count(text)
    first = read_next(ctx.answers.get("months"))
    if count is None or first is None:
        return Invalid("common.choice_invalid", {"count": len(MONTH_CHOICES)})
    return await _beyond_free(ctx, first, count) or Valid(period_value(first, count))


def wants_next_month(ctx: Context) -> bool:
    """Whether the cadre chose to start next month."""
    return read_next(ctx.answers.get("months")) is not None


# -- the amount ---------------------------------------------------------------------------------------------------


async def amount_prompt(ctx: Context) -> dict[str, Any]:
    """The amount question's parameters: the months chosen and their contribution."""
    plan = await plan_of(ctx)
    expected = expected_text(ctx, plan["monthly"], ctx.t("payment.amount.unknown"))
    return {"months": plan["months"], "name": plan["worker"].name, "expected": expected}


def _reading(plan: dict[str, Any], paid: int, ctx: Context) -> dict[str, Any]:
    """The amount kept with the period it was typed for and the whole months it pays (all chosen for PU)."""
    value: dict[str, Any] = {
        "paid": paid,
        "expected": plan["expected"],
        "period": period_key(ctx),
        "first": plan["first"].isoformat(),
    }
    if plan["expected"] is None or any(m is None for m in plan["year"]):
        return {**value, "whole": plan["months"], "cost": None, "left": 0}
    allocation = allocate(plan["year"][: plan["free"]], paid)  # never into a month already paid
    return {**value, "whole": allocation.months, "cost": allocation.cost, "left": allocation.left}


async def parse_amount(text: str, ctx: Context) -> Parsed:
    """The amount paid ("ya" for the expected one), with the whole months it pays; less than a month is refused."""
    plan = await plan_of(ctx)
    expected = plan["expected"]
    if is_yes(text):
        if expected is None:
            return Invalid("payment.amount.type_it")
        ctx.answers.pop("mismatch", None)
        return Valid(_reading(plan, expected, ctx))
    read = read_money(text, ctx, PLAUSIBLE_PAYMENT)
    if isinstance(read, Valid | Unsure) and read.value >= MAXIMUM_PAYMENT:
        return Invalid("amount.invalid.too_large")
    if isinstance(read, Invalid):
        return Invalid("payment.amount.invalid") if read.reason == "amount.invalid.format" else read
    ctx.answers.pop("mismatch", None)  # an agreement about another amount is void
    reading = _reading(plan, int(read.value), ctx)
    if reading["whole"] == 0:
        first = plan["year"][0]
        return Invalid("payment.amount.too_little", {"amount": ctx.t.money(read.value), "cost": ctx.t.money(first)})
    if isinstance(read, Unsure):  # "20" is most likely Rp20.000: asked, never assumed
        return Unsure(reading, read.question, read.params)
    return Valid(reading)


def amount_current(ctx: Context) -> bool:
    """Asked unless answered for the period chosen now: a changed period (`ubah`) asks the amount again."""
    amount = ctx.answers.get("amount")
    return not isinstance(amount, dict) or amount.get("period", period_key(ctx)) == period_key(ctx)


def settle_key(amount: dict[str, Any]) -> str:
    """The answer that agrees to record this amount as the whole months it pays."""
    return f"{amount['paid']}:{amount['whole']}"


def unsettled(ctx: Context) -> bool:
    """Whether the amount pays other than exactly the months chosen (and that was not yet agreed for this amount)."""
    amount = ctx.answers.get("amount")
    if not isinstance(amount, dict) or amount.get("cost") is None:
        return False
    _, value = period_answer(ctx)
    chosen = read_period(value)[1]
    if int(amount["whole"]) == chosen and int(amount["left"]) == 0:
        return False
    return True


async def settle_prompt(ctx: Context) -> dict[str, Any]:
    """What the amount pays: fewer months than chosen, more, or the months chosen with money left over."""
    amount, t = ctx.answers["amount"], ctx.t
    _, value = period_answer(ctx)
    chosen, whole, left = read_period(value)[1], int(amount["whole"]), int(amount["left"])
    params = {"amount": t.money(int(amount["paid"])), "months": whole, "cost": t.money(int(amount["cost"]))}
    rest = t("payment.settle.rest", left=t.money(left)) if left else ""
    if whole < chosen:
        return {"text": t("payment.settle.short", rest=rest, **params)}
    if whole > chosen:
        return {"text": t("payment.settle.more", chosen=chosen, rest=rest, **params)}
    return {"text": t("payment.settle.over", left=t.money(left), **params)}


def settle_choices(ctx: Context) -> list[Choice]:
    """Record the whole months paid, or change the amount."""
    amount = ctx.answers.get("amount") or {}
    months = amount.get("whole", 1)
    label = ctx.t("payment.settle.yes", months=months)
    return [Choice(settle_key(amount) if amount else "yes", label=label), Choice(BACK, "payment.settle.change")]


def parse_settle(text: str, ctx: Context) -> Parsed:
    """Yes (or 1) records the whole months paid."""
    if is_yes(text) or fold(text) == "1":
        return Valid(settle_key(ctx.answers["amount"]))
    return Invalid("payment.settle.again")
