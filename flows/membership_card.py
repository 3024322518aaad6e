"""The status card: a worker's status word, protection and what is due next, in the user's language."""

from __future__ import annotations

from datetime import date

from flows.model import Context
from flows.person_to_ask import cadre_line
from rules.contribution import monthly_amount
from rules.coverage import Membership, arrears_end, covered_months, membership_on, months_owed, reactivated_from
from rules.kpj import mask_kpj
from rules.membership_status import ACTIVE, IN_ARREARS, LAPSED, NOT_ACTIVE
from rules.nik import mask_nik
from storage import payments
from storage.models import Worker


async def membership_of(ctx: Context, worker: Worker) -> Membership:
    """The worker's membership today, from their payments."""
    paid = await payments.paid_months(ctx.session, worker.id)
    return membership_on(ctx.today(worker.village_code), covered_months(paid), worker.deceased_on)


def _owed_total(worker: Worker, owed: list[date]) -> int | None:
    """The contributions of the months owed, each month at its own rate; None for PU."""
    amounts = [monthly_amount(worker, month) for month in owed]
    return None if any(a is None for a in amounts) else sum(a for a in amounts if a is not None)


async def describe(ctx: Context, worker: Worker, membership: Membership, *, full_nik: bool) -> str:
    """The whole status card, with the cadre to turn to: for the worker themself, their cadre or an admin."""
    t = ctx.t
    lines = [
        t("status.card.title", name=worker.name, number=worker.registration_number or "-"),
        t("status.card.nik", nik=worker.nik if full_nik else mask_nik(worker.nik)),
    ]
    if worker.kpj:
        # The card number is shown like the NIK: whole to the worker, their registering cadre and admins.
        lines.append(t("kpj.card", kpj=worker.kpj if full_nik else mask_kpj(worker.kpj)))
    lines.append(t("status.card.status", status=t(f"status.word.{membership.status}")))
    if membership.protected_until is not None:
        key = "status.card.protected_until" if membership.status == ACTIVE else "status.card.protected_ended"
        lines.append(t(key, date=t.date(membership.protected_until)))
    if membership.status == NOT_ACTIVE and membership.next_due is not None:
        # Paid ahead for months still to come: protection starts then; nothing is due before it.
        lines.append(t("status.card.starts", date=t.date(membership.next_due)))
    elif membership.next_due is not None:
        amount = monthly_amount(worker, membership.next_due)
        money = t.money(amount) if amount is not None else t("contribution.pu")
        # In arrears the first unpaid month lies in the past: it is not "the next contribution".
        key = "status.card.unpaid_since" if membership.status == IN_ARREARS else "status.card.next_due"
        lines.append(t(key, date=t.date(membership.next_due), amount=money))
        if membership.status == IN_ARREARS and membership.protected_until is not None:
            owed = months_owed(membership, ctx.today(worker.village_code))
            owed_total = _owed_total(worker, owed)
            total = t.money(owed_total) if owed_total is not None else money
            lapse = t.date(arrears_end(membership.protected_until))
            lines.append(t("status.card.arrears", months=len(owed), amount=total, date=lapse))
    if membership.status == NOT_ACTIVE and membership.next_due is None:
        lines.append(t("status.card.not_active"))
    if membership.status in (ACTIVE, LAPSED):
        # Re-activation starts from the month paid after a lapse; the lapsed months are not paid nor protected.
        paid = covered_months(await payments.paid_months(ctx.session, worker.id))
        again = reactivated_from(ctx.today(worker.village_code), paid)
        if again is not None:
            key = "status.card.reactivated" if membership.status == ACTIVE else "status.card.reactivates"
            lines.append(t(key, date=t.date(again)))
        elif membership.status == LAPSED:
            lines.append(t("status.card.lapsed"))
    lines.append(t("status.card.programmes", programmes=" + ".join(worker.programmes.split(","))))
    lines.append(await cadre_line(ctx, worker))
    return "\n".join(lines)


def describe_briefly(ctx: Context, worker: Worker, membership: Membership) -> str:
    """Only the status word and the protected-until date, with the NIK masked: for someone unverified."""
    t = ctx.t
    status = t(f"status.word.{membership.status}")
    if membership.protected_until is not None:
        key = "status.brief.until" if membership.status == ACTIVE else "status.brief.ended"
        return t(key, nik=mask_nik(worker.nik), status=status, date=t.date(membership.protected_until))
    return t("status.brief.plain", nik=mask_nik(worker.nik), status=status)
