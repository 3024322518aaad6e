"""The payment being recorded: the months it starts from, the period chosen, what each month costs, and the whole
months an amount pays in full (the rest kept as a note, never as a month)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from typing import Any

from flows.model import Context
from flows.worker_lookup import selected_worker_id
from rules.contribution import monthly_amount
from rules.coverage import (
    Membership,
    covered_months,
    first_unpaid_from,
    is_late_in_month,
    membership_on,
    month_start,
    whole_months,
)
from rules.membership_status import IN_ARREARS, LAPSED, NOT_ACTIVE
from rules.months import MAX_MONTH_COUNT, add_months
from storage import payments, workers
from storage.models import Worker

# The months question's value for "start next month" (late in the month): "next:2026-12".
NEXT = "next:"


@dataclass(frozen=True)
class Allocation:
    """The whole months an amount pays from the first month, what they cost, and what is left over (a note)."""

    months: int
    cost: int
    left: int


def allocate(monthly: Sequence[int], paid: int) -> Allocation:
    """The whole months `paid` pays, month by month at each month's amount, at most MAX_MONTH_COUNT."""
    months = whole_months(list(monthly)[:MAX_MONTH_COUNT], paid)
    cost = sum(list(monthly)[:months])
    return Allocation(months, cost, paid - cost)


def start_month(membership: Membership, covered: Sequence[date], today: date) -> date:
    """Where a payment starts: the next due month, or this month (after months paid ahead) for a new or renewed one."""
    if membership.status in (NOT_ACTIVE, LAPSED) or membership.next_due is None:
        ahead = [month for month in covered if month >= month_start(today)]
        return first_unpaid_from(covered, ahead[0] if ahead else today)
    return membership.next_due


def free_months(covered: Sequence[date], first: date, limit: int = MAX_MONTH_COUNT) -> int:
    """How many months from `first` on are unpaid in a row (at most `limit`): a payment stops before a month already
    paid (after a void, or a month imported ahead), so that no month is ever paid twice."""
    paid = set(covered)
    count = 0
    while count < limit and add_months(first, count) not in paid:
        count += 1
    return count


def may_start_next_month(membership: Membership, first: date, today: date) -> bool:
    """Whether a first or renewed payment starting this month, late in it, may start next month instead."""
    renewed = membership.status in (NOT_ACTIVE, LAPSED)
    return renewed and first == month_start(today) and is_late_in_month(today)


def next_value(first: date) -> str:
    """The months question's value for starting at the month after `first`."""
    return f"{NEXT}{add_months(first, 1):%Y-%m}"


def period_value(first: date, months: int) -> str:
    """A month option's value, "2026-09:3": it keeps the period confirmed even if a payment is recorded meanwhile."""
    return f"{first:%Y-%m}:{months}"


def read_period(value: object) -> tuple[date | None, int]:
    """A month option's value read back: (first month, or None for a bare count, and the count)."""
    text = str(value)
    if ":" not in text:  # a bare count: the period starts at the first unpaid month
        return None, int(text)
    month, months = text.split(":", 1)
    return date.fromisoformat(f"{month}-01"), int(months)


def read_next(value: object) -> date | None:
    """The first month of a "start next month" answer, or None for any other answer."""
    text = str(value)
    return date.fromisoformat(f"{text[len(NEXT) :]}-01") if text.startswith(NEXT) else None


def in_arrears(membership: Membership) -> bool:
    """Whether the membership owes months (menunggak)."""
    return membership.status == IN_ARREARS


PAYMENT = "payment"
MONTH_CHOICES = (1, 3, 6, 12)
# A bare number below this is no payment anyone makes: "20" means Rp20.000 (asked, never assumed).
PLAUSIBLE_PAYMENT = 1_000
MAXIMUM_PAYMENT = 10**9
AUDIT_LANGUAGE = "id"


async def worker_of(ctx: Context) -> Worker:
    """The worker chosen (read once per message)."""
    key = ("worker", selected_worker_id(ctx))
    if key not in ctx.memo:
        ctx.memo[key] = await workers.get_worker(ctx.session, key[1])
    worker = ctx.memo[key]
    assert worker is not None
    return worker


async def covered_of(ctx: Context, worker: Worker) -> list[date]:
    """The months the worker's payments cover (read once per message)."""
    key = ("covered", worker.id)
    if key not in ctx.memo:
        ctx.memo[key] = covered_months(await payments.paid_months(ctx.session, worker.id))
    return ctx.memo[key]


async def membership_before(ctx: Context, worker: Worker) -> Membership:
    """The worker's membership before this payment."""
    return membership_on(ctx.today(worker.village_code), await covered_of(ctx, worker), worker.deceased_on)


def monthly_amounts(worker: Worker, first: date, months: int) -> list[int | None]:
    """Each month's contribution from `first` (None for PU)."""
    return [monthly_amount(worker, add_months(first, n)) for n in range(months)]


def total_of(monthly: list[int | None]) -> int | None:
    """The months' total, or None when any is unknown (PU)."""
    return None if any(m is None for m in monthly) else sum(m for m in monthly if m is not None)


async def starting_point(ctx: Context) -> tuple[Worker, Membership, date, date]:
    """The worker, their membership, today in their village and the month a payment starts from."""
    worker = await worker_of(ctx)
    membership = await membership_before(ctx, worker)
    today = ctx.today(worker.village_code)
    return worker, membership, today, start_month(membership, await covered_of(ctx, worker), today)


def period_answer(ctx: Context) -> tuple[date | None, Any]:
    """The chosen period's answer: from the months question, or from next month's when the cadre chose that."""
    months = ctx.answers.get("months", 1)
    next_first = read_next(months)
    if next_first is not None:
        return next_first, ctx.answers.get("months_next", 1)
    return None, months


def period_key(ctx: Context) -> str:
    """What the period answers are now: an amount typed for another period is asked again."""
    return f"{ctx.answers.get('months')}|{ctx.answers.get('months_next')}"


async def plan_of(ctx: Context, months: int | None = None, first: date | None = None) -> dict[str, Any]:
    """The worker, membership, period chosen (or `months` from `first`) and each month's contribution, for a year."""
    worker, membership, today, start = await starting_point(ctx)
    if months is None:
        default_first, value = period_answer(ctx)
        chosen_first, months = read_period(value)
        first = chosen_first or default_first
    first = first or start
    year = monthly_amounts(worker, first, max(months, MAX_MONTH_COUNT))
    monthly = year[:months]
    return {
        "free": free_months(await covered_of(ctx, worker), first),
        "worker": worker,
        "membership": membership,
        "today": today,
        "first": first,
        "months": months,
        "expected": total_of(monthly),
        "monthly": monthly,
        "year": year,
    }


def expected_text(ctx: Context, monthly: list[int | None], unknown: str = "-") -> str:
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


async def recorded_plan(ctx: Context) -> dict[str, Any]:
    """The period chosen cut to the whole months the amount pays (all chosen for PU), and what is left over."""
    plan = await plan_of(ctx)
    amount = ctx.answers.get("amount")
    if not isinstance(amount, dict):
        return {**plan, "left": 0}
    paid = int(amount["paid"])
    if plan["expected"] is None or any(m is None for m in plan["year"]):
        return {**plan, "left": 0, "paid": paid}
    # Never into a month already paid: at most the whole months the amount was found to pay when it was typed (the
    # months unpaid in a row then); a payment recorded meanwhile for the same receipt is refused as a duplicate.
    allocation = allocate(plan["year"][: int(amount.get("whole", MAX_MONTH_COUNT))], paid)
    monthly = plan["year"][: allocation.months]
    return {**plan, "months": allocation.months, "monthly": monthly, "left": allocation.left, "paid": paid}
