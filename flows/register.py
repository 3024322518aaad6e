"""Registering a worker: the cadre's guided conversation, ending in one stored, audited registration."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from flows.flow_options import FlowOptions
from flows.model import Choice, Context, Flow, Invalid, Outcome, Parsed, Step, Valid
from flows.text import fold, free_text, is_skip, is_yes
from rules.age import age_on
from rules.amounts import read_rupiah
from rules.contribution import (
    DEFAULT_RATES,
    JHT,
    JKK,
    JKM,
    Contribution,
    IncomeAboveMaximumError,
    declare_income,
    monthly_contribution,
)
from rules.dates import InvalidDateError, parse_date
from rules.nik import FEMALE, InvalidNikError, mask_nik, parse_nik
from rules.occupations import BPU, OCCUPATIONS, OTHER, PU, may_be_wage_earner, sector_of
from rules.phones import InvalidPhoneError, normalise_mobile
from rules.regions import village_info
from storage import audit, contacts, outbox, villages, workers
from storage.workers import DuplicateNikError, NewWorker

REGISTER = "register"
BASIC = f"{JKK},{JKM}"
WITH_JHT = f"{JKK},{JKM},{JHT}"
PAYERS = ("village", "worker", "sponsor")
RELATIONS = ("pasangan", "anak", "orang_tua", "saudara", "lainnya")
# After a mismatch with the NIK, the words of the two answers as the labels put them ("(sesuai NIK)").
_NIK_WORDS = ("sesuai nik", "nik", "ikut nik", "pakai nik", "as in the nik", "as on the nik", "the nik")
_KEEP_WORDS = ("yang saya ketik", "yang diketik", "sudah benar", "as i typed", "as typed", "is right")
_NAME_ALLOWED = re.compile(r"^[^\W\d_]+(?:[ '.\-]+[^\W\d_]*)*$")
_CAPITAL = re.compile(r"(^|[\s\-'.])([^\W\d_])")


def _today(ctx: Context) -> date:
    return ctx.today(ctx.answers.get("village") or ctx.answers.get("village_code"))


# -- who and where ------------------------------------------------------------------------


def _village_choices(ctx: Context) -> list[Choice]:
    staff = ctx.staff
    if staff is None:
        return []
    return [Choice(code, label=f"{name} ({code})") for code, name in staff.villages]


def _several_villages(ctx: Context) -> bool:
    return ctx.staff is not None and len(ctx.staff.village_codes) > 1


def _admin_without_villages(ctx: Context) -> bool:
    return ctx.staff is not None and ctx.staff.is_admin and not ctx.staff.village_codes


def _parse_village_code(text: str, ctx: Context) -> Parsed:
    info = village_info(text.strip())
    if info is None:
        return Invalid("register.village.unknown")
    return Valid(info.code)


def chosen_village(ctx: Context) -> str:
    """The worker's village: picked, typed by an admin, or the cadre's only village."""
    answers = ctx.answers
    if answers.get("village"):
        return str(answers["village"])
    if answers.get("village_code"):
        return str(answers["village_code"])
    assert ctx.staff is not None and ctx.staff.village_codes
    return ctx.staff.village_codes[0]


# -- identity -----------------------------------------------------------------------------


def nik_refusal(error: InvalidNikError, text: str) -> Invalid:
    """Why a typed NIK was refused, with how many digits were typed."""
    return Invalid(f"register.nik.invalid.{error.reason}", {"digits": sum(c.isdigit() for c in text)})


async def _parse_nik(text: str, ctx: Context) -> Parsed:
    try:
        nik = parse_nik(text, _today(ctx))
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


def _parse_name(text: str, ctx: Context) -> Parsed:
    name = unicodedata.normalize("NFC", " ".join(text.split()))
    if not 2 <= len(name) <= 100:
        return Invalid("register.name.invalid.length")
    if not _NAME_ALLOWED.match(name):
        return Invalid("register.name.invalid.characters")
    tidy = tidy_name(name)
    if len(tidy) > 100:  # capitalising can lengthen a name ("ß" → "SS"); the column holds 100
        return Invalid("register.name.invalid.length")
    return Valid(tidy)


def _nik_birth(ctx: Context) -> date:
    return date.fromisoformat(ctx.answers["nik"]["birth_date"])


def _birth_prompt(ctx: Context) -> dict[str, Any]:
    return {"nik_date": ctx.t.date(_nik_birth(ctx))}


def _age_check(born: date, ctx: Context, options: FlowOptions) -> Invalid | None:
    today = _today(ctx)
    if born > today:
        return Invalid("register.birth.invalid.future")
    age = age_on(born, today)
    if not options.min_age <= age <= options.max_age:
        return Invalid("register.birth.invalid.age", {"age": age, "min": options.min_age, "max": options.max_age})
    return None


def _birth_parser(options: FlowOptions) -> Any:
    def parse(text: str, ctx: Context) -> Parsed:
        if is_yes(text):
            born = _nik_birth(ctx)
        else:
            try:
                born = parse_date(text, _today(ctx))
            except InvalidDateError:
                return Invalid("register.birth.invalid.format")
        refused = _age_check(born, ctx, options)
        return refused or Valid(born.isoformat())

    return parse


def _birth_differs(ctx: Context) -> bool:
    return "birth_date" in ctx.answers and ctx.answers["birth_date"] != ctx.answers["nik"]["birth_date"]


def _birth_confirm_prompt(ctx: Context) -> dict[str, Any]:
    return {
        "typed": ctx.t.date(date.fromisoformat(ctx.answers["birth_date"])),
        "nik_date": ctx.t.date(_nik_birth(ctx)),
    }


def _birth_confirm_choices(ctx: Context) -> list[Choice]:
    params = _birth_confirm_prompt(ctx)
    return [
        Choice("typed", label=ctx.t("register.birth_confirm.keep", date=params["typed"]), aliases=_KEEP_WORDS),
        Choice("nik", label=ctx.t("register.birth_confirm.use_nik", date=params["nik_date"]), aliases=_NIK_WORDS),
    ]


def effective_birth_date(ctx: Context) -> date:
    """The birth date to store: as typed, unless the cadre chose the NIK's date after a mismatch."""
    if ctx.answers.get("birth_confirm") == "nik":
        return _nik_birth(ctx)
    return date.fromisoformat(ctx.answers["birth_date"])


def _sex_label(sex: str, ctx: Context) -> str:
    return ctx.t("register.sex.female" if sex == FEMALE else "register.sex.male")


def _sex_choices(ctx: Context) -> list[Choice]:
    return [
        Choice("F", "register.sex.female", aliases=("p", "perempuan", "wanita", "female", "woman")),
        Choice("M", "register.sex.male", aliases=("l", "laki", "laki laki", "pria", "male", "man")),
    ]


def _sex_prompt(ctx: Context) -> dict[str, Any]:
    return {"nik_sex": _sex_label(ctx.answers["nik"]["sex"], ctx)}


def _sex_differs(ctx: Context) -> bool:
    return "sex" in ctx.answers and ctx.answers["sex"] != ctx.answers["nik"]["sex"]


def _sex_confirm_choices(ctx: Context) -> list[Choice]:
    chosen, nik = _sex_label(ctx.answers["sex"], ctx), _sex_label(ctx.answers["nik"]["sex"], ctx)
    return [
        Choice("chosen", label=ctx.t("register.sex_confirm.keep", sex=chosen), aliases=_KEEP_WORDS),
        Choice("nik", label=ctx.t("register.sex_confirm.use_nik", sex=nik), aliases=_NIK_WORDS),
    ]


def effective_sex(ctx: Context) -> str:
    """The sex to store: as chosen, unless the cadre went back to the NIK's after a mismatch."""
    if ctx.answers.get("sex_confirm") == "nik":
        return str(ctx.answers["nik"]["sex"])
    return str(ctx.answers["sex"])


def _optional_phone(text: str, ctx: Context) -> Parsed:
    if is_skip(text):
        return Valid(None)
    try:
        return Valid(normalise_mobile(text))
    except InvalidPhoneError as error:
        return Invalid(f"register.phone.invalid.{error.reason}")


# -- work and money -----------------------------------------------------------------------

_OCCUPATION_ALIASES = {
    "ojek_sopir": ("ojek", "sopir", "supir", "driver"),
    "keagamaan": ("marbot", "guru ngaji", "pengurus jenazah", "muazin"),
    "perangkat_desa": ("perangkat desa", "bpd", "aparat desa"),
    "rt_rw": ("rt", "rw", "ketua rt", "ketua rw"),
    "buruh_tani": ("buruh tani",),
    "buruh_harian": ("buruh harian", "buruh"),
    OTHER: ("lain", "lainnya", "other"),
}
_OCCUPATION_CHOICES = tuple(
    Choice(code, f"register.occupation.{code}", aliases=_OCCUPATION_ALIASES.get(code, ())) for code in OCCUPATIONS
)


def _parse_free_occupation(text: str, ctx: Context) -> Parsed:
    value = free_text(text)
    return Invalid("register.occupation_other.invalid") if value is None else Valid(value)


def _segment_choices(ctx: Context) -> list[Choice]:
    return [
        Choice(BPU, "register.segment.bpu", aliases=("bpu",)),
        Choice(PU, "register.segment.pu", aliases=("pu",)),
    ]


def _parse_income(text: str, ctx: Context) -> Parsed:
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


def income_of(ctx: Context) -> int:
    """The declared monthly income, after raising to the minimum or to a whole step."""
    return int(ctx.answers["income"]["amount"])


def _payer_choices(ctx: Context) -> list[Choice]:
    aliases = {"village": ("desa", "apbdes"), "worker": ("sendiri", "pekerja", "mandiri"), "sponsor": ("donatur",)}
    return [Choice(p, f"register.payer.{p}", aliases=aliases[p]) for p in PAYERS]


def _parse_sponsor(text: str, ctx: Context) -> Parsed:
    value = free_text(text)
    return Invalid("register.sponsor.invalid") if value is None else Valid(value)


def contribution_for(ctx: Context, programmes: str) -> Contribution:
    """The monthly contribution this month for the answers so far and the given programmes."""
    return monthly_contribution(
        income_of(ctx),
        programmes.split(","),
        _today(ctx),
        sector=sector_of(str(ctx.answers.get("occupation", ""))),
        payer=ctx.answers.get("payer"),
    )


def _is_pu(ctx: Context) -> bool:
    return ctx.answers.get("segment") == PU


def _programme_prompt(ctx: Context) -> dict[str, Any]:
    income = ctx.answers["income"]
    notes = []
    if income.get("raised"):
        below = income["typed"] < DEFAULT_RATES.income_min
        key = "register.income.raised_minimum" if below else "register.income.rounded"
        notes.append(ctx.t(key, typed=ctx.t.money(income["typed"]), amount=ctx.t.money(income["amount"])))
    if _is_pu(ctx):
        notes.append(ctx.t("register.programmes.pu_note"))
    basic = contribution_for(ctx, BASIC)
    if basic.discount:
        notes.append(ctx.t("register.programmes.discount", name=basic.discount_name or ""))
    return {"income": ctx.t.money(income_of(ctx)), "notes": "\n".join(notes)}


def _programme_choices(ctx: Context) -> list[Choice]:
    return [
        Choice(
            BASIC,
            label=ctx.t("register.programmes.basic", amount=ctx.t.money(contribution_for(ctx, BASIC).total)),
            aliases=("jkk jkm", "jkk + jkm", "dasar"),
        ),
        Choice(
            WITH_JHT,
            label=ctx.t("register.programmes.with_jht", amount=ctx.t.money(contribution_for(ctx, WITH_JHT).total)),
            aliases=("jht", "jkk jkm jht", "jkk + jkm + jht"),
        ),
    ]


# -- heir and consent ---------------------------------------------------------------------


def _parse_heir_name(text: str, ctx: Context) -> Parsed:
    if is_skip(text):
        return Valid(None)
    return _parse_name(text, ctx)


def _has_heir(ctx: Context) -> bool:
    return bool(ctx.answers.get("heir_name"))


def _relation_choices(ctx: Context) -> list[Choice]:
    aliases = {
        "pasangan": ("suami", "istri", "isteri", "husband", "wife", "spouse"),
        "anak": ("child", "son", "daughter"),
        "orang_tua": ("ayah", "ibu", "bapak", "parent", "father", "mother"),
        "saudara": ("kakak", "adik", "sibling", "brother", "sister"),
        "lainnya": ("lain", "other"),
    }
    return [Choice(r, f"register.relation.{r}", aliases=aliases[r]) for r in RELATIONS]


def _parse_consent(text: str, ctx: Context) -> Parsed:
    if is_yes(text) or fold(text) in {"1", "setuju", "agree"}:
        return Valid(True)
    return Invalid("register.consent.required")


def _consent_choices(ctx: Context) -> list[Choice]:
    # Only agreement is a choice: a picked choice is stored as the answer, so a "no" choice would go on to
    # the summary (and a "ya" there would save without consent). Anything else is refused by _parse_consent.
    return [Choice("yes", "register.consent.yes")]


# -- the summary --------------------------------------------------------------------------


def _show_village(value: Any, ctx: Context) -> str:
    code = chosen_village(ctx)
    for known, name in ctx.staff.villages if ctx.staff else ():
        if known == code:
            return f"{name} ({code})"
    info = village_info(code)
    return f"{info.name} ({code})" if info else code


def _show_optional(value: Any, ctx: Context) -> str:
    return str(value) if value else ctx.t("register.summary.none")


def _show_heir(value: Any, ctx: Context) -> str:
    if not value:
        return ctx.t("register.summary.none")
    relation = ctx.t(f"register.relation.{ctx.answers.get('heir_relation', 'lainnya')}")
    phone = ctx.answers.get("heir_phone")
    return f"{value} ({relation}" + (f", {phone})" if phone else ")")


def _show_occupation(value: Any, ctx: Context) -> str:
    if value == OTHER:
        return str(ctx.answers.get("occupation_other", ctx.t("register.occupation.lainnya")))
    return ctx.t(f"register.occupation.{value}")


def _show_payer(value: Any, ctx: Context) -> str:
    label = ctx.t(f"register.payer.{value}")
    return f"{label}: {ctx.answers['sponsor']}" if value == "sponsor" and ctx.answers.get("sponsor") else label


def _show_programmes(value: Any, ctx: Context) -> str:
    names = " + ".join(str(value).split(","))
    if _is_pu(ctx):
        return f"{names} ({ctx.t('register.summary.pu_contribution')})"
    return f"{names}: {ctx.t.money(contribution_for(ctx, str(value)).total)} {ctx.t('register.summary.per_month')}"


# -- saving -------------------------------------------------------------------------------


def _new_worker(ctx: Context) -> NewWorker:
    answers = ctx.answers
    occupation = str(answers["occupation"])
    has_heir = _has_heir(ctx)
    return NewWorker(
        nik=str(answers["nik"]["number"]),
        name=str(answers["name"]),
        birth_date=effective_birth_date(ctx),
        sex=effective_sex(ctx),
        phone=answers.get("phone"),
        occupation=occupation,
        occupation_other=answers.get("occupation_other") if occupation == OTHER else None,
        segment=str(answers.get("segment") or BPU),
        declared_income=income_of(ctx),
        programmes=tuple(str(answers["programmes"]).split(",")),
        payer=str(answers["payer"]),
        sponsor=answers.get("sponsor") if answers["payer"] == "sponsor" else None,
        heir_name=answers.get("heir_name") if has_heir else None,
        heir_relation=answers.get("heir_relation") if has_heir else None,
        heir_phone=answers.get("heir_phone") if has_heir else None,
        village_code=chosen_village(ctx),
        registered_by=ctx.staff.person_id if ctx.staff else None,
        consent_at=ctx.now,
    )


async def _save(ctx: Context) -> Outcome:
    new = _new_worker(ctx)
    info = village_info(new.village_code)
    if info is not None:
        await villages.ensure_village(ctx.session, info)
    try:
        worker = await workers.add_worker(ctx.session, new)
    except DuplicateNikError:
        return Outcome(texts=[ctx.t("register.saved.duplicate", nik=mask_nik(new.nik))], then="menu")
    await audit.record_event(
        ctx.session,
        "worker.registered",
        contact_id=ctx.contact.id,
        person_id=new.registered_by,
        subject_type="worker",
        subject_id=str(worker.id),
        details={"village": new.village_code, "registration_number": worker.registration_number},
    )
    amount = None if new.segment == PU else contribution_for(ctx, ",".join(new.programmes)).total
    due = ctx.t.money(amount) if amount is not None else ctx.t("register.summary.pu_contribution")
    await _notify_worker(ctx, worker.id, new, str(worker.registration_number), amount)
    key = "register.saved.done" if amount is not None else "register.saved.done_pu"
    text = ctx.t(key, number=worker.registration_number, name=new.name, amount=due)
    return Outcome(texts=[text], then="menu")


async def _notify_worker(ctx: Context, worker_id: int, new: NewWorker, number: str, amount: int | None) -> None:
    """Records a confirmation for each reachable contact that uses the worker's phone."""
    if not new.phone:
        return
    for contact in await contacts.contacts_with_phone(ctx.session, new.phone):
        if contact.id == ctx.contact.id or not contacts.is_reachable_for_proactive(contact):
            continue
        t = type(ctx.t)(contact.language)
        due = t.money(amount) if amount is not None else t("register.summary.pu_contribution")
        body = t("register.worker_notice", name=new.name, number=number, amount=due)
        await outbox.enqueue(
            ctx.session,
            contact,
            "registration",
            body,
            key=f"registration:{worker_id}:{contact.id}",
            variables={"1": new.name, "2": number, "3": due},
        )


def register_flow(options: FlowOptions | None = None) -> Flow:
    """The registration conversation as data."""
    options = options or FlowOptions()
    has_answer = lambda name: lambda ctx: name in ctx.answers  # noqa: E731
    return Flow(
        name=REGISTER,
        title="register.title",
        allowed=lambda ctx: ctx.is_staff,
        denied="register.denied",
        intro="register.intro",
        confirm=True,
        complete=_save,
        steps=(
            Step(
                "village",
                "register.village.ask",
                choices=_village_choices,
                condition=_several_villages,
                summary_label="register.summary.village",
                show=_show_village,
            ),
            Step(
                "village_code",
                "register.village.ask_code",
                parse=_parse_village_code,
                condition=_admin_without_villages,
                summary_label="register.summary.village",
                show=_show_village,
            ),
            Step(
                "nik",
                "register.nik.ask",
                parse=_parse_nik,
                summary_label="register.summary.nik",
                show=lambda v, ctx: str(v["number"]),
            ),
            Step("name", "register.name.ask", parse=_parse_name, summary_label="register.summary.name"),
            Step(
                "birth_date",
                "register.birth.ask",
                parse=_birth_parser(options),
                prompt_params=_birth_prompt,
                summary_label="register.summary.birth_date",
                show=lambda v, ctx: ctx.t.date(effective_birth_date(ctx)),
            ),
            Step(
                "birth_confirm",
                "register.birth_confirm.ask",
                choices=_birth_confirm_choices,
                prompt_params=_birth_confirm_prompt,
                condition=_birth_differs,
            ),
            Step(
                "sex",
                "register.sex.ask",
                choices=_sex_choices,
                prompt_params=_sex_prompt,
                condition=has_answer("nik"),
                summary_label="register.summary.sex",
                show=lambda v, ctx: _sex_label(effective_sex(ctx), ctx),
            ),
            Step(
                "sex_confirm",
                "register.sex_confirm.ask",
                choices=_sex_confirm_choices,
                prompt_params=_sex_prompt,
                condition=_sex_differs,
            ),
            Step(
                "phone",
                "register.phone.ask",
                parse=_optional_phone,
                summary_label="register.summary.phone",
                show=_show_optional,
            ),
            Step(
                "occupation",
                "register.occupation.ask",
                choices=_OCCUPATION_CHOICES,
                summary_label="register.summary.occupation",
                show=_show_occupation,
            ),
            Step(
                "occupation_other",
                "register.occupation_other.ask",
                parse=_parse_free_occupation,
                condition=lambda ctx: ctx.answers.get("occupation") == OTHER,
            ),
            Step(
                "segment",
                "register.segment.ask",
                choices=_segment_choices,
                condition=lambda ctx: may_be_wage_earner(str(ctx.answers.get("occupation", ""))),
                summary_label="register.summary.segment",
            ),
            Step(
                "income",
                "register.income.ask",
                parse=_parse_income,
                prompt_params=lambda ctx: {
                    "minimum": ctx.t.money(DEFAULT_RATES.income_min),
                    "maximum": ctx.t.money(DEFAULT_RATES.income_max),
                },
                summary_label="register.summary.income",
                show=lambda v, ctx: ctx.t.money(int(v["amount"])),
            ),
            Step(
                "payer",
                "register.payer.ask",
                choices=_payer_choices,
                summary_label="register.summary.payer",
                show=_show_payer,
            ),
            Step(
                "sponsor",
                "register.sponsor.ask",
                parse=_parse_sponsor,
                condition=lambda ctx: ctx.answers.get("payer") == "sponsor",
            ),
            Step(
                "programmes",
                "register.programmes.ask",
                choices=_programme_choices,
                prompt_params=_programme_prompt,
                summary_label="register.summary.programmes",
                show=_show_programmes,
            ),
            Step(
                "heir_name",
                "register.heir.ask",
                parse=_parse_heir_name,
                summary_label="register.summary.heir",
                show=_show_heir,
            ),
            Step("heir_relation", "register.heir.relation", choices=_relation_choices, condition=_has_heir),
            Step("heir_phone", "register.heir.phone", parse=_optional_phone, condition=_has_heir),
            Step("consent", "register.consent.ask", choices=_consent_choices, parse=_parse_consent),
        ),
    )
