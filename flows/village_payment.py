""" "Bayar untuk desa": a cadre records one village-budget (APBDes) payment for every village-paid BPU worker of a
village for 1 to 12 months, each worker from their own first unpaid month at their own rate; all or nothing. Late in a
month the new or lapsed workers, who would start this month, may start next month instead (as in "Catat pembayaran")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flows.amount_answers import read_money
from flows.model import Choice, Context, Flow, Invalid, Outcome, Parsed, Step, Stop, Unsure, Valid
from flows.payment_plan import MAXIMUM_PAYMENT, MONTH_CHOICES, PLAUSIBLE_PAYMENT, may_start_next_month, start_month
from flows.shared_parsers import read_receipt_reference
from flows.staff_villages import several_villages, village_choices
from flows.text import is_yes
from rules.contribution import monthly_amount
from rules.coverage import covered_months, days_left_in_month, membership_on, month_end, month_start
from rules.membership_status import DECEASED
from rules.months import add_months, read_month_count
from storage import audit, village_payments
from storage.models import Worker
from storage.payments import NewPayment

VILLAGE_PAYMENT = "village_payment"
SHOWN_LINES = 10
# The months question's value for "start next month" (late in a month); the count is then asked again.
NEXT_START = "next"


@dataclass(frozen=True)
class Share:
    """One worker's part of the village payment: the months from their first unpaid month and what they cost."""

    worker: Worker
    first: date
    months: int
    amount: int


@dataclass(frozen=True)
class VillagePlan:
    """The workers the payment covers, those left out (PU, deceased), and the total; late in a month, the new or
    lapsed workers who would start this month (moved to next month when the cadre chose so) and this month's cost."""

    shares: tuple[Share, ...]
    wage_earners: tuple[Worker, ...]
    deceased: tuple[Worker, ...]
    starters: tuple[Worker, ...] = ()
    this_month: int = 0

    @property
    def total(self) -> int:
        """What the village pays."""
        return sum(share.amount for share in self.shares)


# -- the village and the plan ---------------------------------------------------------------------------------------


def _allowed(ctx: Context) -> bool:
    return ctx.is_staff and ctx.staff is not None and bool(ctx.staff.village_codes)


def _village(ctx: Context) -> str:
    assert ctx.staff is not None
    code = str(ctx.answers.get("village") or ctx.staff.village_codes[0])
    if code not in ctx.staff.village_codes:  # a village no longer served is never paid for
        raise PermissionError(code)
    return code


def _village_name(ctx: Context, code: str | None = None) -> str:
    code = code or _village(ctx)
    return dict(ctx.staff.villages).get(code, code) if ctx.staff else code


def _starts_next(ctx: Context) -> bool:
    """Whether the cadre chose to start the new and lapsed workers next month."""
    return ctx.answers.get("months") == NEXT_START


def _months(ctx: Context) -> int:
    value = ctx.answers.get("months_next") if _starts_next(ctx) else ctx.answers.get("months")
    return int(value or 1)


def _next_month(ctx: Context) -> date:
    return add_months(month_start(ctx.today(_village(ctx))), 1)


async def _plan(ctx: Context, months: int | None = None, later: bool | None = None) -> VillagePlan:
    """The payment for the village chosen and `months` (the months chosen by default), read once per message;
    `later` (the cadre's choice by default) starts the workers who may start next month there."""
    code, months = _village(ctx), months or _months(ctx)
    later = _starts_next(ctx) if later is None else later
    key = ("village workers", code)
    if key not in ctx.memo:
        ctx.memo[key] = await village_payments.village_paid_workers(ctx.session, code)
    today = ctx.today(code)
    shares: list[Share] = []
    wage_earners: list[Worker] = []
    deceased: list[Worker] = []
    starters: list[Worker] = []
    this_month = 0
    for worker, paid in ctx.memo[key]:
        covered = covered_months(paid)
        membership = membership_on(today, covered, worker.deceased_on)
        if membership.status == DECEASED or worker.deceased_on is not None:
            deceased.append(worker)
            continue
        first = start_month(membership, covered, today)
        starts_now = may_start_next_month(membership, first, today)  # the single payment's rule (payment_plan.py)
        current = monthly_amount(worker, first)
        if starts_now and later:
            first = add_months(first, 1)
        monthly = [monthly_amount(worker, add_months(first, n)) for n in range(months)]
        if any(m is None for m in monthly) or current is None:
            wage_earners.append(worker)
            continue
        shares.append(Share(worker, first, months, sum(m for m in monthly if m is not None)))
        if starts_now:
            starters.append(worker)
            this_month += current
    return VillagePlan(tuple(shares), tuple(wage_earners), tuple(deceased), tuple(starters), this_month)


def _amount_key(ctx: Context) -> str:
    return f"{ctx.answers.get('village')}|{ctx.answers.get('months')}|{ctx.answers.get('months_next')}"


# -- the questions --------------------------------------------------------------------------------------------------


async def _months_prompt(ctx: Context) -> dict[str, Any]:
    t, plan, village = ctx.t, await _plan(ctx, 1, later=False), _village_name(ctx)
    if not plan.shares:  # nothing to pay: any answer ends the flow
        return {"text": t("village_payment.none", village=village)}
    question = t("village_payment.months.question", village=village, count=len(plan.shares))
    if not plan.starters:
        return {"text": question}
    this_month = add_months(_next_month(ctx), -1)
    lead = t(
        "village_payment.late.lead",
        days=days_left_in_month(ctx.today(_village(ctx))),
        count=len(plan.starters),
        month=t.month(this_month),
        amount=t.money(plan.this_month),
        date=t.date(month_end(this_month)),
    )
    return {"text": f"{lead}\n{question}"}


async def _options(ctx: Context, later: bool) -> list[Choice]:
    choices: list[Choice] = []
    for count in MONTH_CHOICES:
        total = (await _plan(ctx, count, later)).total
        label = ctx.t("village_payment.months.option", months=count, amount=ctx.t.money(total))
        choices.append(Choice(str(count), label=label, aliases=(f"{count} bulan", f"{count} months")))
    return choices


async def _month_choices(ctx: Context) -> list[Choice]:
    """1, 3, 6 or 12 months; and late in a month, when new or lapsed workers would start now, next month."""
    plan = await _plan(ctx, 1, later=False)
    if not plan.shares:
        return []
    choices = await _options(ctx, later=False)
    if plan.starters:
        label = ctx.t("village_payment.late.next", month=ctx.t.month(_next_month(ctx)))
        choices.append(Choice(NEXT_START, label=label, aliases=("bulan depan", "next month")))
    return choices


async def _next_prompt(ctx: Context) -> dict[str, Any]:
    plan, t = await _plan(ctx, 1, later=True), ctx.t
    text = t(
        "village_payment.late.question",
        village=_village_name(ctx),
        count=len(plan.starters),
        month=t.month(_next_month(ctx)),
    )
    return {"text": text}


async def _next_choices(ctx: Context) -> list[Choice]:
    return await _options(ctx, later=True)


def _parse_next_months(text: str, ctx: Context) -> Parsed:
    count = read_month_count(text)
    return Invalid("village_payment.months.invalid") if count is None else Valid(str(count))


async def _parse_months(text: str, ctx: Context) -> Parsed:
    if not (await _plan(ctx, 1)).shares:
        return Stop("village_payment.none", {"village": _village_name(ctx)})
    count = read_month_count(text)
    return Invalid("village_payment.months.invalid") if count is None else Valid(str(count))


def _names(workers: tuple[Worker, ...]) -> str:
    shown = ", ".join(w.name for w in workers[:SHOWN_LINES])
    return shown + (", …" if len(workers) > SHOWN_LINES else "")


async def _amount_prompt(ctx: Context) -> dict[str, Any]:
    t, plan = ctx.t, await _plan(ctx)
    lines = [
        t("village_payment.amount.line", name=s.worker.name, amount=t.money(s.amount), start=t.month(s.first))
        for s in plan.shares[:SHOWN_LINES]
    ]
    if len(plan.shares) > SHOWN_LINES:
        lines.append(t("village_payment.amount.more", count=len(plan.shares) - SHOWN_LINES))
    if plan.wage_earners:
        lines.append(
            t("village_payment.amount.wage_earners", count=len(plan.wage_earners), names=_names(plan.wage_earners))
        )
    if plan.deceased:
        lines.append(t("village_payment.amount.deceased", count=len(plan.deceased), names=_names(plan.deceased)))
    return {
        "village": _village_name(ctx),
        "months": _months(ctx),
        "count": len(plan.shares),
        "total": t.money(plan.total),
        "lines": "\n".join(lines),
    }


async def _parse_amount(text: str, ctx: Context) -> Parsed:
    """ "ya" for the total, or the amount typed, which must be the total: a village payment is all or nothing."""
    plan = await _plan(ctx)
    value = {"paid": plan.total, "count": len(plan.shares), "key": _amount_key(ctx)}
    if is_yes(text):
        return Valid(value)
    read = read_money(text, ctx, PLAUSIBLE_PAYMENT)
    if isinstance(read, Valid | Unsure) and read.value >= MAXIMUM_PAYMENT:
        return Invalid("amount.invalid.too_large")
    if isinstance(read, Invalid):
        return Invalid("payment.amount.invalid") if read.reason == "amount.invalid.format" else read
    paid = int(read.value)
    if paid != plan.total:
        key = "village_payment.amount.short" if paid < plan.total else "village_payment.amount.over"
        money = ctx.t.money
        return Invalid(
            key, {"amount": money(paid), "total": money(plan.total), "difference": money(abs(plan.total - paid))}
        )
    return Unsure(value, read.question, read.params) if isinstance(read, Unsure) else Valid(value)


def _amount_current(ctx: Context) -> bool:
    """Asked unless answered for the village and months chosen now (`ubah` of either asks it again)."""
    amount = ctx.answers.get("amount")
    return not isinstance(amount, dict) or amount.get("key") == _amount_key(ctx)


def _parse_reference(text: str, ctx: Context) -> Parsed:
    return read_receipt_reference(text)


# -- the summary and saving -----------------------------------------------------------------------------------------


def _show_village(value: Any, ctx: Context) -> str:
    return _village_name(ctx, str(value) if value else None)


def _show_months(value: Any, ctx: Context) -> str:
    if value == NEXT_START:
        return ctx.t("village_payment.late.period", months=_months(ctx), month=ctx.t.month(_next_month(ctx)))
    return ctx.t("village_payment.period", months=int(value))


def _show_amount(value: Any, ctx: Context) -> str:
    return ctx.t("village_payment.summary.amount_value", total=ctx.t.money(int(value["paid"])), count=value["count"])


async def _save(ctx: Context) -> Outcome:
    """One payment per worker, one reference, in the conversation's transaction; audited once for the village."""
    code, t = _village(ctx), ctx.t
    reference, paid = str(ctx.answers["reference"]), int(ctx.answers["amount"]["paid"])
    if await village_payments.reference_recorded(ctx.session, code, reference):
        return Outcome([t("village_payment.duplicate", reference=reference, village=_village_name(ctx))], then="menu")
    plan = await _plan(ctx)
    if plan.total != paid or len(plan.shares) != int(ctx.answers["amount"]["count"]):
        # A worker registered or paid for meanwhile: the confirmed figure no longer holds, so nothing is recorded.
        return Outcome([t("village_payment.changed", total=t.money(plan.total), count=len(plan.shares))], then="menu")
    recorded_by = ctx.staff.person_id if ctx.staff else None
    new = [
        NewPayment(s.worker.id, s.first, s.months, s.amount, village_payments.SOURCE, reference, recorded_by)
        for s in plan.shares
    ]
    count = await village_payments.record_village_payment(ctx.session, code, new)
    if count == 0:
        return Outcome([t("village_payment.duplicate", reference=reference, village=_village_name(ctx))], then="menu")
    await audit.record_event(
        ctx.session,
        "village_payment_recorded",
        contact_id=ctx.contact.id,
        person_id=recorded_by,
        subject_type="village",
        subject_id=code,
        details={
            "reference": reference,
            "months": _months(ctx),
            "amount": paid,
            "workers": count,
            "worker_ids": [s.worker.id for s in plan.shares],
            "left_out_pu": len(plan.wage_earners),
            "left_out_deceased": len(plan.deceased),
            **({"start_next_month": len(plan.starters)} if _starts_next(ctx) else {}),
        },
        at=ctx.now,
    )
    text = t("village_payment.saved", total=t.money(paid), count=count, months=_months(ctx), reference=reference)
    return Outcome([text], then="menu")


def village_payment_flow() -> Flow:
    """The village, the months, the total checked, the receipt, the summary; then every worker's payment at once."""
    return Flow(
        name=VILLAGE_PAYMENT,
        title="village_payment.title",
        allowed=_allowed,
        denied="village_payment.denied",
        ask_phone_when_denied=True,
        confirm=True,
        complete=_save,
        steps=(
            Step(
                "village",
                "village_payment.village.ask",
                choices=village_choices,
                condition=several_villages,
                summary_label="village_payment.summary.village",
                show=_show_village,
            ),
            Step(
                "months",
                "village_payment.months.ask",
                choices=_month_choices,
                parse=_parse_months,
                positions=False,
                prompt_params=_months_prompt,
                summary_label="village_payment.summary.months",
                show=_show_months,
            ),
            Step(
                "months_next",
                "village_payment.months.ask",
                choices=_next_choices,
                parse=_parse_next_months,
                positions=False,
                prompt_params=_next_prompt,
                condition=_starts_next,
            ),
            Step(
                "amount",
                "village_payment.amount.ask",
                parse=_parse_amount,
                prompt_params=_amount_prompt,
                condition=_amount_current,
                summary_label="village_payment.summary.amount",
                show=_show_amount,
            ),
            Step(
                "reference", "payment.reference.ask", parse=_parse_reference, summary_label="payment.summary.reference"
            ),
        ),
    )
