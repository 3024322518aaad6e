"""How the registration's answers read in the summary the cadre confirms."""

from __future__ import annotations

from typing import Any

from flows.model import Context
from flows.register.answers import chosen_village, contribution_for, effective_birth_date, effective_sex, is_pu
from flows.register.questions import sex_label
from rules.occupations import OTHER
from rules.regions import village_info


def show_village(value: Any, ctx: Context) -> str:
    """The village's name and code."""
    code = chosen_village(ctx)
    for known, name in ctx.staff.villages if ctx.staff else ():
        if known == code:
            return f"{name} ({code})"
    info = village_info(code)
    return f"{info.name} ({code})" if info else code


def show_nik(value: Any, ctx: Context) -> str:
    """The whole NIK: the cadre typed it and checks it here."""
    return str(value["number"])


def show_birth_date(value: Any, ctx: Context) -> str:
    """The birth date that will be stored, after any confirmation against the NIK."""
    return ctx.t.date(effective_birth_date(ctx))


def show_sex(value: Any, ctx: Context) -> str:
    """The sex that will be stored, after any confirmation against the NIK."""
    return sex_label(effective_sex(ctx), ctx)


def show_optional(value: Any, ctx: Context) -> str:
    """The answer, or "none" when skipped."""
    return str(value) if value else ctx.t("register.summary.none")


def show_occupation(value: Any, ctx: Context) -> str:
    """The occupation's name, or the cadre's own words for another one."""
    if value == OTHER:
        return str(ctx.answers.get("occupation_other", ctx.t("register.occupation.lainnya")))
    return ctx.t(f"register.occupation.{value}")


def show_income(value: Any, ctx: Context) -> str:
    """The declared income in Rupiah."""
    return ctx.t.money(int(value["amount"]))


def show_payer(value: Any, ctx: Context) -> str:
    """Who pays, with the sponsor's name."""
    label = ctx.t(f"register.payer.{value}")
    return f"{label}: {ctx.answers['sponsor']}" if value == "sponsor" and ctx.answers.get("sponsor") else label


def show_programmes(value: Any, ctx: Context) -> str:
    """The programmes with their monthly contribution (set by the branch office for PU)."""
    names = " + ".join(str(value).split(","))
    if is_pu(ctx):
        return f"{names} ({ctx.t('contribution.pu')})"
    return f"{names}: {ctx.t.money(contribution_for(ctx, str(value)).total)} {ctx.t('register.summary.per_month')}"


def show_heir(value: Any, ctx: Context) -> str:
    """The heir's name, relation and phone, or "none"."""
    if not value:
        return ctx.t("register.summary.none")
    relation = ctx.t(f"register.relation.{ctx.answers.get('heir_relation', 'lainnya')}")
    phone = ctx.answers.get("heir_phone")
    return f"{value} ({relation}" + (f", {phone})" if phone else ")")
