"""What is asked about a worker when registering or correcting them: the phone, the heir, the occupation, the
income and the programmes, read by the same rules wherever they are typed (registration, "Ubah data")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flows.amount_answers import read_money
from flows.model import Choice, Context, Invalid, Parsed, Unsure, Valid
from flows.shared_parsers import read_free_text, read_name
from flows.text import is_skip
from rules.contribution import DEFAULT_RATES, JHT, JKK, JKM, IncomeAboveMaximumError, declare_income
from rules.occupations import OCCUPATIONS, OTHER
from rules.phones import InvalidPhoneError, normalise_mobile

BASIC = f"{JKK},{JKM}"
WITH_JHT = f"{JKK},{JKM},{JHT}"
RELATIONS = ("pasangan", "anak", "orang_tua", "saudara", "lainnya")

# Below this, a typed income is no monthly income anyone has: "2" or "1,5" means millions (asked, never assumed).
PLAUSIBLE_INCOME = 100_000


# -- the phone and the heir ---------------------------------------------------------------------------------------


def parse_optional_phone(text: str, ctx: Context) -> Parsed:
    """An Indonesian mobile number in E.164, or None when skipped."""
    if is_skip(text):
        return Valid(None)
    try:
        return Valid(normalise_mobile(text))
    except InvalidPhoneError as error:
        return Invalid(f"register.phone.invalid.{error.reason}")


def parse_heir_name(text: str, ctx: Context) -> Parsed:
    """The heir's name, or None when skipped ("lewati", "tidak ada", "-")."""
    if is_skip(text):
        return Valid(None)
    return read_name(text)


def relation_choices(ctx: Context) -> list[Choice]:
    """How the heir is related to the worker."""
    aliases = {
        "pasangan": ("suami", "istri", "isteri", "husband", "wife", "spouse"),
        "anak": ("child", "son", "daughter"),
        "orang_tua": ("ayah", "ibu", "bapak", "parent", "father", "mother"),
        "saudara": ("kakak", "adik", "sibling", "brother", "sister"),
        "lainnya": ("lain", "other"),
    }
    return [Choice(r, f"register.relation.{r}", aliases=aliases[r]) for r in RELATIONS]


# -- the occupation -----------------------------------------------------------------------------------------------

_OCCUPATION_ALIASES = {
    "ojek_sopir": ("ojek", "sopir", "supir", "driver"),
    "keagamaan": ("marbot", "guru ngaji", "pengurus jenazah", "muazin"),
    "perangkat_desa": ("perangkat desa", "bpd", "aparat desa"),
    "rt_rw": ("rt", "rw", "ketua rt", "ketua rw"),
    "buruh_tani": ("buruh tani",),
    "buruh_harian": ("buruh harian", "buruh"),
    OTHER: ("lain", "lainnya", "other"),
}
OCCUPATION_CHOICES = tuple(
    Choice(code, f"register.occupation.{code}", aliases=_OCCUPATION_ALIASES.get(code, ())) for code in OCCUPATIONS
)


def parse_free_occupation(text: str, ctx: Context) -> Parsed:
    """An occupation not in the list, in the cadre's words."""
    return read_free_text(text, "register.occupation_other.invalid")


def occupation_label(code: str, other: str | None, ctx: Context) -> str:
    """The occupation's name, or the cadre's own words for another one."""
    if code == OTHER and other:
        return other
    key = f"register.occupation.{code}"
    return ctx.t(key) if ctx.t.has(key) else code


# -- the income and the programmes --------------------------------------------------------------------------------


def income_prompt(ctx: Context) -> dict[str, Any]:
    """The lowest and highest income that can be declared."""
    return {"minimum": ctx.t.money(DEFAULT_RATES.income_min), "maximum": ctx.t.money(DEFAULT_RATES.income_max)}


def parse_income(text: str, ctx: Context) -> Parsed:
    """A monthly income as typed, raised to the minimum or a whole step; refused above the maximum. A bare number
    below any monthly income ("1,5", "2") asks whether millions were meant, never guesses."""
    read = read_money(text, ctx, PLAUSIBLE_INCOME)
    if isinstance(read, Unsure):
        declared = _declared(read.value, ctx)
        return Unsure(declared.value, read.question, read.params) if isinstance(declared, Valid) else declared
    return _declared(read.value, ctx) if isinstance(read, Valid) else read


def _declared(typed: int, ctx: Context) -> Parsed:
    try:
        declared = declare_income(typed)
    except IncomeAboveMaximumError as error:
        return Invalid("register.income.invalid.maximum", {"maximum": ctx.t.money(error.maximum)})
    except (ValueError, TypeError):
        return Invalid("amount.invalid.format")
    return Valid({"amount": declared.amount, "typed": typed, "raised": declared.raised_from is not None})


def income_note(income: dict[str, Any], ctx: Context) -> str:
    """Why the income kept differs from the one typed (raised to the minimum, rounded up to a step), or ""."""
    if not income.get("raised"):
        return ""
    t = ctx.t
    below = income["typed"] < DEFAULT_RATES.income_min
    key = "register.income.raised_minimum" if below else "register.income.rounded"
    return t(
        key, typed=t.money(income["typed"]), amount=t.money(income["amount"]), step=t.money(DEFAULT_RATES.income_step)
    )


def programme_choices_with(ctx: Context, amount_of: Callable[[str], str]) -> list[Choice]:
    """JKK + JKM, or with JHT, each labelled with its monthly contribution as `amount_of` words it."""
    return [
        Choice(
            BASIC,
            label=ctx.t("register.programmes.basic", amount=amount_of(BASIC)),
            aliases=("jkk jkm", "jkk + jkm", "dasar"),
        ),
        Choice(
            WITH_JHT,
            label=ctx.t("register.programmes.with_jht", amount=amount_of(WITH_JHT)),
            aliases=("jht", "jkk jkm jht", "jkk + jkm + jht"),
        ),
    ]
