"""Reading the registration's own typed answers: village code, NIK, name, birth date, sex, sponsor, consent (the
phone, occupation, income and heir are read by flows/worker_answers.py, shared with "Ubah data")."""

from __future__ import annotations

from datetime import date
from typing import Any

from flows.flow_options import FlowOptions
from flows.model import Context, Invalid, Parsed, Stop, Valid
from flows.register import questions as q
from flows.register.answers import nik_birth_date, village_today
from flows.register.questions import CONSENT_YES
from flows.shared_parsers import nik_refusal, read_free_text, read_name
from flows.text import is_no, is_yes
from rules.age import age_on
from rules.dates import InvalidDateError, parse_date
from rules.nik import InvalidNikError, mask_nik, parse_nik
from rules.regions import village_info
from storage import workers


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


def parse_sex(text: str, ctx: Context) -> Parsed:
    """ "Ya" at the sex question takes the NIK's, which the question offers; other words are no choice."""
    if is_yes(text):
        return Valid(str(ctx.answers["nik"]["sex"]))
    return Invalid("common.choice_invalid", {"count": len(q.sex_choices(ctx))})


def parse_sponsor(text: str, ctx: Context) -> Parsed:
    """The name of whoever pays instead of the worker or the village."""
    return read_free_text(text, "register.sponsor.invalid")


def parse_consent(text: str, ctx: Context) -> Parsed:
    """Typed words that are neither choice: a no ("tidak", "gak", "no") ends the registration keeping nothing, a yes
    agrees, anything else is refused with the reason consent is needed."""
    if is_no(text):
        return Stop("register.consent.refused")
    if is_yes(text):
        return Valid(CONSENT_YES)
    return Invalid("register.consent.required")
