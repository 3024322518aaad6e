""" "Bayar untuk desa": a cadre records one village-budget (APBDes) payment for every village-paid BPU worker of a
village for 1 to 12 months, each worker from their own first unpaid month at their own rate; all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flows.amount_answers import read_money
from flows.model import Choice, Context, Flow, Invalid, Outcome, Parsed, Step, Stop, Unsure, Valid
from flows.payment_plan import MAXIMUM_PAYMENT, MONTH_CHOICES, PLAUSIBLE_PAYMENT, start_month
from flows.shared_parsers import read_receipt_reference
from flows.staff_villages import several_villages, village_choices
from flows.text import is_yes
from rules.contribution import monthly_amount
from rules.coverage import covered_months, membership_on
from rules.membership_status import DECEASED
from rules.months import add_months, read_month_count
from storage import audit, village_payments
from storage.models import Worker
from storage.payments import NewPayment

VILLAGE_PAYMENT = "village_payment"
SHOWN_LINES = 10


@dataclass(frozen=True)
class Share:
    """One worker's part of the village payment: the months from their first unpaid month and what they cost."""

    worker: Worker
    first: date
    months: int
    amount: int


@dataclass(frozen=True)
class VillagePlan:
    """The workers the payment covers, those left out (PU, deceased), and the total."""

    shares: tuple[Share, ...]
    wage_earners: tuple[Worker, ...]
    deceased: tuple[Worker, ...]

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


def _months(ctx: Context) -> int:
    return int(ctx.answers.get("months", 1))


async def _plan(ctx: Context, months: int | None = None) -> VillagePlan:
    """The payment for the village chosen and `months` (the months chosen by default), read once per message."""
    code, months = _village(ctx), months or _months(ctx)
    key = ("village workers", code)
    if key not in ctx.memo:
        ctx.memo[key] = await village_payments.village_paid_workers(ctx.session, code)
    today = ctx.today(code)
    shares: list[Share] = []
    wage_earners: list[Worker] = []
    deceased: list[Worker] = []
    for worker, paid in ctx.memo[key]:
        covered = covered_months(paid)
        membership = membership_on(today, covered, worker.deceased_on)
        if membership.status == DECEASED or worker.deceased_on is not None:
            deceased.append(worker)
            continue
        first = start_month(membership, covered, today)
        monthly = [monthly_amount(worker, add_months(first, n)) for n in range(months)]
        if any(m is None for m in monthly):
            wage_earners.append(worker)
            continue
        shares.append(Share(worker, first, months, sum(m for m in monthly if m is not None)))
    return VillagePlan(tuple(shares), tuple(wage_earners), tuple(deceased))


def _amount_key(ctx: Context) -> str:
    return f"{ctx.answers.get('village')}|{ctx.answers.get('months')}"


# -- the questions --------------------------------------------------------------------------------------------------


async def _months_prompt(ctx: Context) -> dict[str, Any]:
    plan, village = await _plan(ctx, 1), _village_name(ctx)
    if not plan.shares:  # nothing to pay: any answer ends the flow
        return {"text": ctx.t("village_payment.none", village=village)}
    return {"text": ctx.t("village_payment.months.question", village=village, count=len(plan.shares))}


async def _month_choices(ctx: Context) -> list[Choice]:
    choices: list[Choice] = []
    if not (await _plan(ctx, 1)).shares:
        return choices
    for count in MONTH_CHOICES:
        total = (await _plan(ctx, count)).total
        label = ctx.t("village_payment.months.option", months=count, amount=ctx.t.money(total))
        choices.append(Choice(str(count), label=label, aliases=(f"{count} bulan", f"{count} months")))
    return choices


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
