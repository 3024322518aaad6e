"""Reading the registration's typed answers: village code, NIK, name, birth date, phone, occupation, income, consent."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from flows.flow_options import FlowOptions
from flows.model import Context, Invalid, Parsed, Stop, Valid
from flows.register.answers import nik_birth_date, village_today
from flows.register.questions import CONSENT_YES
from flows.shared_parsers import nik_refusal
from flows.text import free_text, is_no, is_skip, is_yes
from rules.age import age_on
from rules.amounts import read_rupiah
from rules.contribution import IncomeAboveMaximumError, declare_income
from rules.dates import InvalidDateError, parse_date
from rules.nik import InvalidNikError, mask_nik, parse_nik
from rules.phones import InvalidPhoneError, normalise_mobile
from rules.regions import village_info
from storage import workers

_NAME_ALLOWED = re.compile(r"^[^\W\d_]+(?:[ '.\-]+[^\W\d_]*)*$")
_CAPITAL = re.compile(r"(^|[\s\-'.])([^\W\d_])")


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
        return Invalid(
            "register.nik.duplicate",
            {"nik": mask_nik(nik.number), "village": existing.village.name if existing.village else ""},
        )
    return Valid({"number": nik.number, "birth_date": nik.birth_date.isoformat(), "sex": nik.sex})


def tidy_name(text: str) -> str:
    """Collapses spaces and capitalises each part: "siti  AMINAH" → "Siti Aminah"."""
    lowered = " ".join(text.split()).lower()
    return _CAPITAL.sub(lambda m: m.group(1) + m.group(2).upper(), lowered)


def parse_name(text: str, ctx: Context) -> Parsed:
    """A person's name of letters, spaces, apostrophes, dots and dashes, tidied."""
    name = unicodedata.normalize("NFC", " ".join(text.split()))
    if not 2 <= len(name) <= 100:
        return Invalid("register.name.invalid.length")
    if not _NAME_ALLOWED.match(name):
        return Invalid("register.name.invalid.characters")
    tidy = tidy_name(name)
    if len(tidy) > 100:  # capitalising can lengthen a name ("ß" → "SS"); the column holds 100
        return Invalid("register.name.invalid.length")
    return Valid(tidy)


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
    value = free_text(text)
    return Invalid("register.occupation_other.invalid") if value is None else Valid(value)


def parse_income(text: str, ctx: Context) -> Parsed:
    """A monthly income as typed, raised to the minimum or a whole step; refused above the maximum."""
    typed = read_rupiah(text)
    if typed is None:
        return Invalid("register.income.invalid.format")
    try:
        declared = declare_income(typed)
    except IncomeAboveMaximumError as error:
        return Invalid("register.income.invalid.maximum", {"maximum": ctx.t.money(error.maximum)})
    except (ValueError, TypeError):
        return Invalid("register.income.invalid.format")
    return Valid({"amount": declared.amount, "typed": typed, "raised": declared.raised_from is not None})


def parse_sponsor(text: str, ctx: Context) -> Parsed:
    """The name of whoever pays instead of the worker or the village."""
    value = free_text(text)
    return Invalid("register.sponsor.invalid") if value is None else Valid(value)


def parse_heir_name(text: str, ctx: Context) -> Parsed:
    """The heir's name, or None when skipped."""
    if is_skip(text):
        return Valid(None)
    return parse_name(text, ctx)


def parse_consent(text: str, ctx: Context) -> Parsed:
    """Typed words that are neither choice: a no ("tidak", "gak", "no") ends the registration keeping nothing, a yes
    agrees, anything else is refused with the reason consent is needed."""
    if is_no(text):
        return Stop("register.consent.refused")
    if is_yes(text):
        return Valid(CONSENT_YES)
    return Invalid("register.consent.required")
