"""Reading the registration's typed answers: village code, NIK, name, birth date, phone, occupation, income, consent."""

from __future__ import annotations

from datetime import date
from typing import Any

from flows.amount_answers import read_money
from flows.flow_options import FlowOptions
from flows.model import Context, Invalid, Parsed, Stop, Unsure, Valid
from flows.register import questions as q
from flows.register.answers import nik_birth_date, village_today
from flows.register.questions import CONSENT_YES
from flows.shared_parsers import nik_refusal, read_free_text, read_name
from flows.text import is_no, is_skip, is_yes
from rules.age import age_on
from rules.contribution import IncomeAboveMaximumError, declare_income
from rules.dates import InvalidDateError, parse_date
from rules.nik import InvalidNikError, mask_nik, parse_nik
from rules.phones import InvalidPhoneError, normalise_mobile
from rules.regions import village_info
from storage import workers

# Below this, a typed income is no monthly income anyone has: "2" or "1,5" means millions (asked, never assumed).
PLAUSIBLE_INCOME = 100_000


def parse_village_code(text: str, ctx: Context) -> Parsed:
    """A Kemendagri village code typed by an admin with no villages of their own."""
    info = village_info(text.strip())
    if info is None:
        return Invalid("register.village.unknown")
    return Valid(info.code)


async def parse_new_nik(text: str, ctx: Context) -> Parsed:
    """A valid NIK not registered yet, with the birth date and sex it encodes."""
    try:
        nik = parse_nik(text, village_today(ctx))
    except InvalidNikError as error:
        return nik_refusal(error, text)
    existing = await workers.find_by_nik(ctx.session, nik.number)
    if existing is not None:
        # Need to know: only an admin or a cadre of that village learns which village holds the NIK.
        serves = ctx.staff is not None and (ctx.staff.is_admin or existing.village_code in ctx.staff.village_codes)
        if not serves:
            return Invalid("register.nik.duplicate_elsewhere", {"nik": mask_nik(nik.number)})
        return Invalid(
            "register.nik.duplicate",
            {"nik": mask_nik(nik.number), "village": existing.village.name if existing.village else ""},
        )
    return Valid({"number": nik.number, "birth_date": nik.birth_date.isoformat(), "sex": nik.sex})


def parse_name(text: str, ctx: Context) -> Parsed:
    """A person's name as on the KTP, tidied, titles and degrees kept ("H. Abdul Karim, S.Pd")."""
    return read_name(text)


def _age_check(born: date, ctx: Context, options: FlowOptions) -> Invalid | None:
    today = village_today(ctx)
    if born > today:
        return Invalid("register.birth.invalid.future")
    age = age_on(born, today)
    if not options.min_age <= age <= options.max_age:
        return Invalid("register.birth.invalid.age", {"age": age, "min": options.min_age, "max": options.max_age})
    return None


def birth_date_parser(options: FlowOptions) -> Any:
    """The birth date parser for these age limits: a typed date, or "ya" for the NIK's date."""

    def parse(text: str, ctx: Context) -> Parsed:
        if is_yes(text):
            born = nik_birth_date(ctx)
        else:
            try:
                born = parse_date(text, village_today(ctx))
            except InvalidDateError:
                return Invalid("date.invalid.format")
        refused = _age_check(born, ctx, options)
        return refused or Valid(born.isoformat())

    return parse


def parse_optional_phone(text: str, ctx: Context) -> Parsed:
    """An Indonesian mobile number in E.164, or None when skipped."""
    if is_skip(text):
        return Valid(None)
    try:
        return Valid(normalise_mobile(text))
    except InvalidPhoneError as error:
        return Invalid(f"register.phone.invalid.{error.reason}")


def parse_free_occupation(text: str, ctx: Context) -> Parsed:
    """An occupation not in the list, in the cadre's words."""
    return read_free_text(text, "register.occupation_other.invalid")


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


def parse_sex(text: str, ctx: Context) -> Parsed:
    """"Ya" at the sex question takes the NIK's, which the question offers; other words are no choice."""
    if is_yes(text):
        return Valid(str(ctx.answers["nik"]["sex"]))
    return Invalid("common.choice_invalid", {"count": len(q.sex_choices(ctx))})


def parse_sponsor(text: str, ctx: Context) -> Parsed:
    """The name of whoever pays instead of the worker or the village."""
    return read_free_text(text, "register.sponsor.invalid")


def parse_heir_name(text: str, ctx: Context) -> Parsed:
    """The heir's name, or None when skipped ("lewati", "tidak ada", "-")."""
    if is_skip(text):
        return Valid(None)
    return read_name(text)


def parse_consent(text: str, ctx: Context) -> Parsed:
    """Typed words that are neither choice: a no ("tidak", "gak", "no") ends the registration keeping nothing, a yes
    agrees, anything else is refused with the reason consent is needed."""
    if is_no(text):
        return Stop("register.consent.refused")
    if is_yes(text):
        return Valid(CONSENT_YES)
    return Invalid("register.consent.required")
