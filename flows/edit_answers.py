""" "Ubah data": the worker being changed, what may be changed and how each answer reads, the changes to store, and
how a value and a change are shown (old → new, with the contribution that follows)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from flows.model import Choice, Context, Invalid, Parsed, Valid
from flows.text import find_phrase, fold, match_choice
from flows.worker_answers import occupation_label
from flows.worker_lookup import selected_worker_id, visible_villages
from rules.contribution import monthly_amount
from rules.coverage import covered_months, first_unpaid_from, membership_on
from rules.kpj import InvalidKpjError, read_kpj
from rules.membership_status import ACTIVE, IN_ARREARS
from rules.occupations import OTHER, PU
from rules.phones import readable_phone
from rules.regions import village_info
from storage import payments, workers
from storage.models import Worker

EDIT_WORKER = "edit_worker"
PHONE, HEIR, OCCUPATION, INCOME, PROGRAMMES, VILLAGE, KPJ = (
    "phone",
    "heir",
    "occupation",
    "income",
    "programmes",
    "village",
    "kpj",
)
CARD = "card"  # back to the worker's card
SAVE = "save"
AGAIN = "again"  # carried after a save: "anything else?"
# The value steps each choice opens (the heir's relation and phone only when a name was given).
STEPS_OF = {
    PHONE: ("phone",),
    HEIR: ("heir_name", "heir_relation", "heir_phone"),
    OCCUPATION: ("occupation", "occupation_other"),
    INCOME: ("income",),
    PROGRAMMES: ("programmes",),
    VILLAGE: ("village",),
    KPJ: ("kpj",),
}
# Changes that may change the monthly contribution, so the confirmation says the new one and from which month.
PRICED = (INCOME, PROGRAMMES, OCCUPATION)

# Words asking for what only an admin corrects, with a reason, on the command line (`kader worker edit`).
IDENTITY_WORDS = (
    "nik",
    "no ktp",
    "nomor ktp",
    "ktp",
    "tanggal lahir",
    "tgl lahir",
    "tanggal kelahiran",
    "lahir",
    "birth date",
    "date of birth",
    "birthday",
    "born",
)
_EDIT_WORDS = ("ubah", "ganti", "edit", "change", "koreksi", "perbaiki", "betulkan", "correct")
_FIELD_ALIASES = {
    PHONE: ("hp", "no hp", "nomor hp", "nomor telepon", "telepon", "nomor", "phone", "phone number", "wa"),
    HEIR: ("ahli waris", "waris", "kontak darurat", "heir"),
    OCCUPATION: ("pekerjaan", "kerja", "occupation", "job", "work"),
    INCOME: ("penghasilan", "pendapatan", "gaji", "income"),
    PROGRAMMES: ("program", "programmes", "programs", "jht", "jkk", "jkm"),
    VILLAGE: ("desa", "pindah desa", "village", "move"),
    KPJ: ("kpj", "no kpj", "nomor kpj", "kartu kpj", "kpj number"),
}


# -- the worker -----------------------------------------------------------------------------------------------------


async def worker_of(ctx: Context) -> Worker | None:
    """The worker chosen, if the asker may see them (read once per message)."""
    key = ("edit worker", selected_worker_id(ctx))
    if key not in ctx.memo:
        worker = await workers.get_worker(ctx.session, key[1])
        scope = visible_villages(ctx)
        visible = worker is not None and (scope is None or worker.village_code in scope)
        ctx.memo[key] = worker if visible and not worker.nik.startswith(workers.ANONYMOUS_PREFIX) else None
    return ctx.memo[key]


async def first_unpaid_month(ctx: Context, worker: Worker) -> date:
    """The first month the worker has not paid: the month from which a new contribution applies."""
    today = ctx.today(worker.village_code)
    covered = covered_months(await payments.paid_months(ctx.session, worker.id))
    membership = membership_on(today, covered, worker.deceased_on)
    start = membership.next_due if membership.status in (ACTIVE, IN_ARREARS) and membership.next_due else today
    return first_unpaid_from(covered, start)


@dataclass(frozen=True)
class Terms:
    """What prices a worker's month (rules.contribution.WorkerTerms), with a change applied."""

    segment: str
    declared_income: int
    programmes: str
    occupation: str
    payer: str


def terms_of(worker: Worker) -> Terms:
    """The worker's pricing terms as stored."""
    return Terms(worker.segment, worker.declared_income, worker.programmes, worker.occupation, worker.payer)


def priced_with(worker: Worker, changes: dict[str, object]) -> Terms:
    """The worker's pricing terms with the changes applied."""
    fields = {k: v for k, v in changes.items() if k in ("declared_income", "programmes", "occupation")}
    return replace(terms_of(worker), **fields)


def contribution_text(terms: Terms, month: date, ctx: Context) -> str:
    """A month's contribution in Rupiah, or "set by the branch office" for PU."""
    amount = monthly_amount(terms, month)
    return ctx.t.money(amount) if amount is not None else ctx.t("contribution.pu")


def monthly_text(terms: Terms, month: date, ctx: Context) -> str:
    """ "Rp16.800 per bulan", or "set by the branch office" for PU."""
    amount = monthly_amount(terms, month)
    return (
        ctx.t("edit_worker.per_month", amount=ctx.t.money(amount)) if amount is not None else ctx.t("contribution.pu")
    )


# -- what may be changed --------------------------------------------------------------------------------------------


def other_villages(ctx: Context, worker: Worker) -> list[Choice]:
    """The asker's villages the worker could move to (never the worker's own)."""
    staff = ctx.staff
    if staff is None:
        return []
    return [Choice(code, label=f"{name} ({code})") for code, name in staff.villages if code != worker.village_code]


def may_type_village(ctx: Context) -> bool:
    """Whether the asker may move a worker to any village by typing its code (admins)."""
    return ctx.staff is not None and ctx.staff.is_admin


async def field_choices(ctx: Context) -> list[Choice]:
    """What may be changed (the village only when there is another one to move to), back to the card, or done."""
    worker = await worker_of(ctx)
    done = Choice("menu", "edit_worker.choice.done", aliases=("selesai", "done", "sudah"))
    if worker is None:
        return [done]
    fields = [PHONE, HEIR, OCCUPATION, INCOME, PROGRAMMES]
    if other_villages(ctx, worker) or may_type_village(ctx):
        fields.append(VILLAGE)
    fields.append(KPJ)
    choices = [Choice(f, f"edit_worker.choice.{f}", aliases=_FIELD_ALIASES[f]) for f in fields]
    back = ("kartu", "kembali ke kartu", "card", "back to the card")
    return [*choices, Choice(CARD, "edit_worker.choice.card", aliases=back), done]


def asks_identity(text: str) -> bool:
    """Whether the text asks to change the NIK or the birth date ("ubah NIK", "tanggal lahir salah")."""
    return find_phrase(text, IDENTITY_WORDS) is not None


async def parse_field(text: str, ctx: Context) -> Parsed:
    """What to change, typed: "ubah nomor hp" picks the phone; the NIK or the birth date only an admin corrects."""
    if asks_identity(text):
        return Invalid("edit_worker.identity_admin_only")
    words = fold(text).split()
    if len(words) > 1 and words[0] in _EDIT_WORDS:
        picked = match_choice(" ".join(words[1:]), await field_choices(ctx), ctx.t)
        if picked is not None:
            return Valid(picked.value)
    return Invalid("common.choice_invalid", {"count": len(await field_choices(ctx))})


def asked(ctx: Context, field: str) -> bool:
    """Whether this change was chosen (its value steps are asked)."""
    return ctx.answers.get("field") == field


def heir_named(ctx: Context) -> bool:
    """Whether the new heir has a name (the relation and phone are asked only then)."""
    return asked(ctx, HEIR) and bool(ctx.answers.get("heir_name"))


def other_occupation(ctx: Context) -> bool:
    """Whether the new occupation is none of the listed ones, so it is typed."""
    return asked(ctx, OCCUPATION) and ctx.answers.get("occupation") == OTHER


def changing(ctx: Context) -> bool:
    """Whether a change was chosen (not back to the card): the confirmation is asked."""
    return ctx.answers.get("field") in STEPS_OF


# -- reading the new values -----------------------------------------------------------------------------------------


async def parse_kpj(text: str, ctx: Context) -> Parsed:
    """An 11-digit KPJ number no other worker holds."""
    try:
        number = read_kpj(text)
    except InvalidKpjError as error:
        digits = sum("0" <= c <= "9" for c in text)
        return Invalid(f"edit_worker.kpj.invalid.{error.reason}", {"digits": digits})
    holder = await workers.find_by_kpj(ctx.session, number)
    worker = await worker_of(ctx)
    if holder is not None and (worker is None or holder.id != worker.id):
        return Invalid("edit_worker.kpj.taken", {"kpj": number})
    return Valid(number)


async def parse_village(text: str, ctx: Context) -> Parsed:
    """A village code typed by an admin (a cadre picks one of their villages)."""
    if not may_type_village(ctx):
        worker = await worker_of(ctx)
        return Invalid("common.choice_invalid", {"count": len(other_villages(ctx, worker)) if worker else 0})
    info = village_info(text.strip())
    return Valid(info.code) if info is not None else Invalid("edit_worker.village.unknown")


# -- the changes ----------------------------------------------------------------------------------------------------


def changes_of(ctx: Context) -> dict[str, object]:
    """The stored fields the answers change, with their new values (as storage/worker_edits.py takes them)."""
    answers, field = ctx.answers, ctx.answers.get("field")
    if field == PHONE:
        return {"phone": answers.get("phone")}
    if field == HEIR:
        name = answers.get("heir_name")
        relation, phone = (answers.get("heir_relation"), answers.get("heir_phone")) if name else (None, None)
        return {"heir_name": name, "heir_relation": relation, "heir_phone": phone}
    if field == OCCUPATION:
        occupation = str(answers["occupation"])
        return {
            "occupation": occupation,
            "occupation_other": answers.get("occupation_other") if occupation == OTHER else None,
        }
    if field == INCOME:
        return {"declared_income": int(answers["income"]["amount"])}
    if field == PROGRAMMES:
        return {"programmes": str(answers["programmes"])}
    if field == VILLAGE:
        return {"village_code": str(answers["village"])}
    if field == KPJ:
        return {"kpj": answers.get("kpj")}
    return {}


def shown(field: str, value: Any, ctx: Context) -> str:
    """A stored field's value as people read it ("0813-5000-1234", "Rp1.500.000", "Suami / istri", "tidak ada")."""
    if value in (None, ""):
        return ctx.t("edit_worker.none")
    if field in ("phone", "heir_phone"):
        return readable_phone(str(value))
    if field == "heir_relation":
        key = f"register.relation.{value}"
        return ctx.t(key) if ctx.t.has(key) else str(value)
    if field == "occupation":
        return occupation_label(str(value), None, ctx)
    if field == "declared_income":
        return ctx.t.money(int(value))
    if field == "programmes":
        return " + ".join(str(value).split(","))
    if field == "village_code":
        info = village_info(str(value))
        return f"{info.name} ({value})" if info else str(value)
    return str(value)


def _occupation(values: dict[str, object], ctx: Context) -> str:
    return occupation_label(str(values["occupation"]), str(values.get("occupation_other") or "") or None, ctx)


def change_lines(worker: Worker, changes: dict[str, object], ctx: Context) -> list[str]:
    """One line for each field that changes: "Nomor HP: 0813-5000-1234 → 0813-5000-9999" (the occupation and its
    description in one line)."""
    olds = {field: getattr(worker, field) for field in changes}
    pairs = [(field, shown(field, olds[field], ctx), shown(field, new, ctx)) for field, new in changes.items()]
    if "occupation" in changes:
        olds["occupation_other"] = worker.occupation_other
        pairs = [("occupation", _occupation(olds, ctx), _occupation(changes, ctx))]
    lines = []
    for field, old, new in pairs:
        if old != new:
            label = ctx.t(f"edit_worker.label.{field}")
            lines.append(ctx.t("edit_worker.change", label=label, old=old, new=new))
    return lines


async def contribution_line(worker: Worker, changes: dict[str, object], ctx: Context) -> str | None:
    """For a change of income, programmes or occupation: the new monthly contribution and the month it applies from
    (for a wage earner, PU, that the branch office sets it)."""
    field = ctx.answers.get("field")
    if field not in PRICED:
        return None
    if worker.segment == PU:
        return None if field == OCCUPATION else ctx.t("edit_worker.contribution_pu")
    month = await first_unpaid_month(ctx, worker)
    before = contribution_text(terms_of(worker), month, ctx)
    after = contribution_text(priced_with(worker, changes), month, ctx)
    if before == after and field == OCCUPATION:
        return None
    return ctx.t("edit_worker.contribution", amount=after, before=before, month=ctx.t.month(month))
