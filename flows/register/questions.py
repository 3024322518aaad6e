"""What each registration question offers: its choices, the figures in its prompt, and when it is asked."""

from __future__ import annotations

from typing import Any

from flows.model import Choice, Context
from flows.register.answers import (
    PAYERS,
    contribution_for,
    income_of,
    is_pu,
    nik_birth_date,
    typed_birth_date,
    withheld_discount,
)
from flows.worker_answers import BASIC, income_note, programme_choices_with
from rules.contribution import DISCOUNTS, Discount
from rules.nik import FEMALE
from rules.occupations import BPU, OTHER, PU, may_be_wage_earner

CONSENT_YES = "yes"
CONSENT_NO = "no"

# After a mismatch with the NIK, the words of the two answers as the labels put them ("(sesuai NIK)").
_NIK_WORDS = ("sesuai nik", "nik", "ikut nik", "pakai nik", "as in the nik", "as on the nik", "the nik")
_KEEP_WORDS = ("yang saya ketik", "yang diketik", "sudah benar", "as i typed", "as typed", "is right")

# -- who and where ------------------------------------------------------------------------


def admin_without_villages(ctx: Context) -> bool:
    """Whether an admin with no villages of their own must type the village code."""
    return ctx.staff is not None and ctx.staff.is_admin and not ctx.staff.village_codes


# -- birth date and sex, checked against the NIK ------------------------------------------


def birth_prompt(ctx: Context) -> dict[str, Any]:
    """The NIK's birth date, offered as the answer."""
    return {"nik_date": ctx.t.date(nik_birth_date(ctx))}


def birth_differs(ctx: Context) -> bool:
    """Whether the typed birth date differs from the NIK's, so the cadre confirms which is right."""
    return "birth_date" in ctx.answers and ctx.answers["birth_date"] != ctx.answers["nik"]["birth_date"]


def birth_confirm_prompt(ctx: Context) -> dict[str, Any]:
    """The typed date and the NIK's date, side by side."""
    return {"typed": ctx.t.date(typed_birth_date(ctx)), "nik_date": ctx.t.date(nik_birth_date(ctx))}


def birth_confirm_choices(ctx: Context) -> list[Choice]:
    """Keep the typed date, or use the NIK's."""
    params = birth_confirm_prompt(ctx)
    return [
        Choice("typed", label=ctx.t("register.birth_confirm.keep", date=params["typed"]), aliases=_KEEP_WORDS),
        Choice("nik", label=ctx.t("register.birth_confirm.use_nik", date=params["nik_date"]), aliases=_NIK_WORDS),
    ]


def sex_label(sex: str, ctx: Context) -> str:
    """ "Perempuan" or "Laki-laki" in the user's language."""
    return ctx.t("register.sex.female" if sex == FEMALE else "register.sex.male")


def sex_choices(ctx: Context) -> list[Choice]:
    """Female or male."""
    return [
        Choice("F", "register.sex.female", aliases=("p", "perempuan", "wanita", "female", "woman")),
        Choice("M", "register.sex.male", aliases=("l", "laki", "laki laki", "pria", "male", "man")),
    ]


def sex_prompt(ctx: Context) -> dict[str, Any]:
    """The sex the NIK says."""
    return {"nik_sex": sex_label(ctx.answers["nik"]["sex"], ctx)}


def sex_differs(ctx: Context) -> bool:
    """Whether the chosen sex differs from the NIK's, so the cadre confirms which is right."""
    return "sex" in ctx.answers and ctx.answers["sex"] != ctx.answers["nik"]["sex"]


def sex_confirm_choices(ctx: Context) -> list[Choice]:
    """Keep the chosen sex, or use the NIK's."""
    chosen, nik = sex_label(ctx.answers["sex"], ctx), sex_label(ctx.answers["nik"]["sex"], ctx)
    return [
        Choice("chosen", label=ctx.t("register.sex_confirm.keep", sex=chosen), aliases=_KEEP_WORDS),
        Choice("nik", label=ctx.t("register.sex_confirm.use_nik", sex=nik), aliases=_NIK_WORDS),
    ]


# -- work and money -----------------------------------------------------------------------


def other_occupation(ctx: Context) -> bool:
    """Whether the occupation is none of the listed ones, so it is typed."""
    return ctx.answers.get("occupation") == OTHER


def may_be_pu(ctx: Context) -> bool:
    """Whether the occupation is a village official's, who may be registered as a wage earner (PU)."""
    return may_be_wage_earner(str(ctx.answers.get("occupation", "")))


def segment_choices(ctx: Context) -> list[Choice]:
    """Non-wage (BPU) or wage earner (PU)."""
    return [
        Choice(BPU, "register.segment.bpu", aliases=("bpu",)),
        Choice(PU, "register.segment.pu", aliases=("pu",)),
    ]


def payer_choices(ctx: Context) -> list[Choice]:
    """The village budget, the worker, or a sponsor."""
    aliases = {"village": ("desa", "apbdes"), "worker": ("sendiri", "pekerja", "mandiri"), "sponsor": ("donatur",)}
    return [Choice(p, f"register.payer.{p}", aliases=aliases[p]) for p in PAYERS]


def sponsor_pays(ctx: Context) -> bool:
    """Whether a sponsor pays, so the sponsor's name is asked."""
    return ctx.answers.get("payer") == "sponsor"


def _discount_named(name: str) -> Discount | None:
    return next((d for d in DISCOUNTS if d.name == name), None)


def programme_prompt(ctx: Context) -> dict[str, Any]:
    """The declared income, with notes on raising or rounding it, PU pricing, and a discount given or withheld."""
    t = ctx.t
    income = ctx.answers["income"]
    notes = [note] if (note := income_note(income, ctx)) else []
    if is_pu(ctx):
        notes.append(t("register.programmes.pu_note"))
    basic = contribution_for(ctx, BASIC)
    discount = _discount_named(basic.discount_name or "") if basic.discount else None
    if discount is not None:
        notes.append(t("register.programmes.discount", name=discount.name, until=t.month(discount.last_month)))
    withheld = withheld_discount(ctx)
    if withheld is not None:
        notes.append(t("register.programmes.village_full_rate", name=withheld.name))
    return {"income": t.money(income_of(ctx)), "notes": "\n".join(notes)}


def programme_choices(ctx: Context) -> list[Choice]:
    """JKK + JKM, or with JHT, each with its monthly contribution."""
    return programme_choices_with(ctx, lambda programmes: ctx.t.money(contribution_for(ctx, programmes).total))


# -- heir and consent ---------------------------------------------------------------------


def consent_choices(ctx: Context) -> list[Choice]:
    """The worker agrees, or does not, which ends the registration keeping nothing (typed words: parse_consent)."""
    return [
        Choice(CONSENT_YES, "register.consent.yes", aliases=("setuju", "agree", "agrees", "pekerja setuju")),
        Choice(
            CONSENT_NO,
            "register.consent.no",
            aliases=("tidak setuju", "belum setuju", "tidak mau", "do not agree", "does not agree", "disagree"),
            ends_flow="register.consent.refused",
        ),
    ]
