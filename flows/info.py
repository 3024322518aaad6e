"""Programme information: what JKK, JKM and JHT cover, what they cost, who may join and how."""

from __future__ import annotations

from typing import Any

from flows.i18n import Translator, percent
from flows.model import Choice, Context, Flow, Outcome, Step
from rules.benefits import JKK, JKM
from rules.contribution import DEFAULT_RATES, DISCOUNTS, JHT, minimum_monthly
from rules.contribution import JKK as JKK_CODE
from rules.contribution import JKM as JKM_CODE

INFO = "info"
BACK_TO_MENU = "menu"

TOPICS = ("overview", "jkk", "jkm", "jht", "cost", "eligibility", "registration")

_CHOICES = tuple(Choice(topic, f"info.topic.{topic}") for topic in TOPICS) + (
    Choice(BACK_TO_MENU, "info.topic.menu", aliases=("menu", "kembali ke menu")),
)


def figures(t: Translator) -> dict[str, Any]:
    """Every figure the information texts quote, formatted for the language, from rules/."""
    rates = DEFAULT_RATES
    money = t.money
    discount = DISCOUNTS[0]
    return {
        "minimum": money(minimum_monthly()),
        "minimum_jht": money(minimum_monthly((JKK_CODE, JKM_CODE, JHT))),
        "jkk_rate": percent(rates.jkk_rate, t.language),
        "jkk_at_minimum": money(int(rates.income_min * rates.jkk_rate)),
        "jkm_flat": money(rates.jkm_flat),
        "jht_rate": percent(rates.jht_rate, t.language),
        "income_min": money(rates.income_min),
        "income_max": money(rates.income_max),
        "jkm_total": money(JKM.total),
        "jkm_lump_sum": money(JKM.lump_sum),
        "jkm_periodic": money(JKM.periodic),
        "jkm_periodic_monthly": money(JKM.periodic_monthly),
        "jkm_periodic_months": JKM.periodic_months,
        "jkm_funeral": money(JKM.funeral),
        "scholarship_total": money(JKM.scholarship.max_total),
        "scholarship_children": JKM.scholarship.max_children,
        "scholarship_years": JKM.scholarship.min_contribution_years,
        "transport_land": money(JKK.transport_land),
        "transport_sea": money(JKK.transport_sea),
        "transport_air": money(JKK.transport_air),
        "stmb_months": JKK.stmb_full_months,
        "disability_multiplier": JKK.disability_multiplier,
        "death_multiplier": JKK.death_multiplier,
        "death_funeral": money(JKK.death_funeral),
        "death_periodic": money(JKK.death_periodic),
        "discount_name": discount.name,
        "discount_from": t.month(discount.first_month),
        "discount_until": t.month(discount.last_month),
        "discount_minimum": money(discount.minimum),
    }


async def _show(ctx: Context) -> Outcome:
    # "Kembali ke menu utama" never gets here: a choice valued "menu" is the shared verb.
    topic = str(ctx.answers["topic"])
    return Outcome(texts=[ctx.t(f"info.text.{topic}", **figures(ctx.t))], then=INFO)


def info_flow() -> Flow:
    """A list of topics; each answer shows one topic and offers the list again."""
    return Flow(
        name=INFO,
        title="info.title",
        steps=(Step("topic", "info.ask", choices=_CHOICES),),
        complete=_show,
    )
