"""What the registration's answers so far say: the village, the birth date and sex to store, income, contribution."""

from __future__ import annotations

from datetime import date

from flows.model import Context
from rules.contribution import DISCOUNTS, VILLAGE_PAYER, Contribution, Discount, monthly_contribution
from rules.occupations import PU, sector_of

PAYERS = ("village", "worker", "sponsor")


def village_today(ctx: Context) -> date:
    """Today in the time zone of the worker's village (once chosen), else of the cadre's first village."""
    return ctx.today(ctx.answers.get("village") or ctx.answers.get("village_code"))


def chosen_village(ctx: Context) -> str:
    """The worker's village: picked, typed by an admin, or the cadre's only village."""
    answers = ctx.answers
    if answers.get("village"):
        return str(answers["village"])
    if answers.get("village_code"):
        return str(answers["village_code"])
    assert ctx.staff is not None and ctx.staff.village_codes
    return ctx.staff.village_codes[0]


def nik_birth_date(ctx: Context) -> date:
    """The birth date written in the NIK."""
    return date.fromisoformat(ctx.answers["nik"]["birth_date"])


def typed_birth_date(ctx: Context) -> date:
    """The birth date as the cadre typed it (or took from the NIK with "ya")."""
    return date.fromisoformat(ctx.answers["birth_date"])


def effective_birth_date(ctx: Context) -> date:
    """The birth date to store: as typed, unless the cadre chose the NIK's date after a mismatch."""
    if ctx.answers.get("birth_confirm") == "nik":
        return nik_birth_date(ctx)
    return typed_birth_date(ctx)


def effective_sex(ctx: Context) -> str:
    """The sex to store: as chosen, unless the cadre went back to the NIK's after a mismatch."""
    if ctx.answers.get("sex_confirm") == "nik":
        return str(ctx.answers["nik"]["sex"])
    return str(ctx.answers["sex"])


def income_of(ctx: Context) -> int:
    """The declared monthly income, after raising to the minimum or to a whole step."""
    return int(ctx.answers["income"]["amount"])


def contribution_for(ctx: Context, programmes: str) -> Contribution:
    """The monthly contribution this month for the answers so far and the given programmes."""
    return monthly_contribution(
        income_of(ctx),
        programmes.split(","),
        village_today(ctx),
        sector=sector_of(str(ctx.answers.get("occupation", ""))),
        payer=ctx.answers.get("payer"),
    )


def withheld_discount(ctx: Context) -> Discount | None:
    """A discount the worker's sector gets this month, but not from the village budget (APBDes), which pays here."""
    if ctx.answers.get("payer") != VILLAGE_PAYER or is_pu(ctx):
        return None
    sector = sector_of(str(ctx.answers.get("occupation", "")))
    month = village_today(ctx)
    for discount in DISCOUNTS:
        if discount.applies(month, sector, None) and not discount.applies(month, sector, VILLAGE_PAYER):
            return discount
    return None


def is_pu(ctx: Context) -> bool:
    """Whether the worker is registered as a wage earner (PU), whose contribution the branch office sets."""
    return ctx.answers.get("segment") == PU


def has_heir(ctx: Context) -> bool:
    """Whether an heir was named (the heir's relation and phone are asked only then)."""
    return bool(ctx.answers.get("heir_name"))
