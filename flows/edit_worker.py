""" "Ubah data": a cadre (or an admin) corrects a registered worker's phone, heir, occupation, income, programmes,
village or KPJ number, read by the same rules as at registration, confirmed as old → new and audited. The NIK and the
birth date are corrections only an admin makes, with a reason, on the command line (`kader worker edit`)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flows.edit_answers import (
    AGAIN,
    CARD,
    EDIT_WORKER,
    HEIR,
    INCOME,
    KPJ,
    OCCUPATION,
    PHONE,
    PROGRAMMES,
    SAVE,
    VILLAGE,
    asked,
    asks_identity,
    change_lines,
    changes_of,
    changing,
    contribution_line,
    contribution_text,
    field_choices,
    first_unpaid_month,
    heir_named,
    may_type_village,
    monthly_text,
    other_occupation,
    other_villages,
    parse_field,
    parse_kpj,
    parse_village,
    shown,
    terms_of,
    worker_of,
)
from flows.model import Choice, Context, Flow, Invalid, Outcome, Parsed, Step, Valid
from flows.worker_answers import (
    OCCUPATION_CHOICES,
    income_note,
    income_prompt,
    occupation_label,
    parse_free_occupation,
    parse_heir_name,
    parse_income,
    parse_optional_phone,
    programme_choices_with,
    relation_choices,
)
from flows.worker_lookup import lookup_steps, parse_worker_query
from rules.occupations import PU
from rules.regions import village_info
from storage import villages, worker_edits
from storage.models import Worker
from storage.worker_edits import KpjTakenError, WorkerEditError

_IDENTITY_SAID = "identity said"  # ctx.memo: this message's refusal already said what only an admin corrects
_CONFIRM_CHOICES = (
    Choice(SAVE, "edit_worker.confirm.save", aliases=("ya", "yes", "simpan", "save", "ok", "oke", "benar")),
    Choice("kembali", "edit_worker.confirm.back", aliases=("ubah lagi", "change it", "bukan", "salah")),
    Choice("batal", "edit_worker.confirm.cancel", aliases=("jangan simpan", "do not save", "cancel")),
)


# -- finding the worker ---------------------------------------------------------------------------------------------


def _query_prompt(ctx: Context) -> dict[str, Any]:
    """Asks for the worker as every lookup does; started with "ubah NIK", first says who corrects the NIK and the
    birth date."""
    text = ctx.inbound.text or ""
    said = ctx.memo.get(_IDENTITY_SAID, False)
    note = ctx.t("edit_worker.identity_admin_only") + "\n\n" if asks_identity(text) and not said else ""
    return {"note": note, "ask": ctx.t("lookup.ask")}


async def _parse_query(text: str, ctx: Context) -> Parsed:
    """The worker's NIK or name; words asking to change a NIK or birth date are answered, not searched for."""
    if asks_identity(text) and not any(c.isdigit() for c in text):
        ctx.memo[_IDENTITY_SAID] = True
        return Invalid("edit_worker.identity_admin_only")
    return await parse_worker_query(text, ctx)


# -- what to change -------------------------------------------------------------------------------------------------


def _heir_text(worker: Worker, ctx: Context) -> str:
    if not worker.heir_name:
        return ctx.t("edit_worker.none")
    details = [shown("heir_relation", worker.heir_relation, ctx)] if worker.heir_relation else []
    if worker.heir_phone:
        details.append(shown("heir_phone", worker.heir_phone, ctx))
    return f"{worker.heir_name} ({', '.join(details)})" if details else worker.heir_name


async def _field_prompt(ctx: Context) -> dict[str, Any]:
    """The worker's details as they are now, and the question (again after a change was saved)."""
    worker = await worker_of(ctx)
    if worker is None:
        return {"data": ctx.t("lookup.not_found"), "question": ""}
    month = await first_unpaid_month(ctx, worker)
    data = ctx.t(
        "edit_worker.data",
        name=worker.name,
        number=worker.registration_number or "-",
        phone=shown("phone", worker.phone, ctx),
        heir=_heir_text(worker, ctx),
        occupation=occupation_label(worker.occupation, worker.occupation_other, ctx),
        income=shown("declared_income", worker.declared_income, ctx),
        programmes=shown("programmes", worker.programmes, ctx),
        contribution=monthly_text(terms_of(worker), month, ctx),
        village=shown("village_code", worker.village_code, ctx),
        kpj=shown("kpj", worker.kpj, ctx),
    )
    question = "edit_worker.field.again" if ctx.answers.get(AGAIN) else "edit_worker.field.first"
    return {"data": data, "question": ctx.t(question)}


# -- the new values -------------------------------------------------------------------------------------------------


async def _name_and(ctx: Context, field: str) -> dict[str, Any]:
    worker = await worker_of(ctx)
    assert worker is not None
    return {"name": worker.name, "current": shown(field, getattr(worker, field), ctx)}


async def _phone_prompt(ctx: Context) -> dict[str, Any]:
    return await _name_and(ctx, "phone")


async def _heir_prompt(ctx: Context) -> dict[str, Any]:
    worker = await worker_of(ctx)
    assert worker is not None
    return {"name": worker.name, "current": _heir_text(worker, ctx)}


async def _occupation_prompt(ctx: Context) -> dict[str, Any]:
    worker = await worker_of(ctx)
    assert worker is not None
    return {"name": worker.name, "current": occupation_label(worker.occupation, worker.occupation_other, ctx)}


async def _income_prompt(ctx: Context) -> dict[str, Any]:
    return {**await _name_and(ctx, "declared_income"), **income_prompt(ctx)}


async def _programme_prompt(ctx: Context) -> dict[str, Any]:
    worker = await worker_of(ctx)
    assert worker is not None
    month = await first_unpaid_month(ctx, worker)
    return {**await _name_and(ctx, "programmes"), "month": ctx.t.month(month)}


async def _programme_choices(ctx: Context) -> list[Choice]:
    worker = await worker_of(ctx)
    assert worker is not None
    month = await first_unpaid_month(ctx, worker)
    choices = programme_choices_with(
        ctx, lambda p: contribution_text(replace(terms_of(worker), programmes=p), month, ctx)
    )
    if worker.segment == PU:  # the branch office sets a wage earner's contribution: the programmes alone
        return [replace(c, label=" + ".join(c.value.split(","))) for c in choices]
    return choices


async def _village_prompt(ctx: Context) -> dict[str, Any]:
    hint = ""
    if may_type_village(ctx):
        key = "edit_worker.village.hint_code" if await _village_choices(ctx) else "edit_worker.village.hint_code_only"
        hint = ctx.t(key)
    return {**await _name_and(ctx, "village_code"), "hint": hint}


async def _village_choices(ctx: Context) -> list[Choice]:
    worker = await worker_of(ctx)
    return other_villages(ctx, worker) if worker is not None else []


async def _kpj_prompt(ctx: Context) -> dict[str, Any]:
    return await _name_and(ctx, "kpj")


async def _same_as_now(ctx: Context, field: str, value: object) -> bool:
    worker = await worker_of(ctx)
    return worker is not None and (getattr(worker, field) or None) == (value or None)


async def _parse_phone(text: str, ctx: Context) -> Parsed:
    """A new mobile number, or none ("lewati"); the number already kept is no change."""
    parsed = parse_optional_phone(text, ctx)
    if isinstance(parsed, Valid) and await _same_as_now(ctx, "phone", parsed.value):
        return Invalid("edit_worker.same")
    return parsed


async def _parse_income(text: str, ctx: Context) -> Parsed:
    """A new monthly income, read as at registration; the income already kept is no change."""
    parsed = parse_income(text, ctx)
    if isinstance(parsed, Valid) and await _same_as_now(ctx, "declared_income", parsed.value["amount"]):
        return Invalid("edit_worker.same")
    return parsed


async def _parse_kpj(text: str, ctx: Context) -> Parsed:
    parsed = await parse_kpj(text, ctx)
    if isinstance(parsed, Valid) and await _same_as_now(ctx, "kpj", parsed.value):
        return Invalid("edit_worker.same")
    return parsed


# -- confirming and saving ------------------------------------------------------------------------------------------


async def _confirm_prompt(ctx: Context) -> dict[str, Any]:
    """Old → new for each field that changes, and the contribution that follows from a priced change."""
    worker = await worker_of(ctx)
    assert worker is not None
    changes = changes_of(ctx)
    lines = change_lines(worker, changes, ctx) or [ctx.t("edit_worker.nothing_changes")]
    contribution = await contribution_line(worker, changes, ctx)
    if contribution:
        lines.append(contribution)
    if ctx.answers.get("field") == INCOME:
        note = income_note(ctx.answers["income"], ctx)
        lines += [note] if note else []
    return {"name": worker.name, "lines": "\n".join(lines)}


def _back_to_card(ctx: Context, worker: Worker) -> Outcome:
    """The worker's card: in "Pekerja saya" for a cadre of the worker's village, else the staff status card."""
    if ctx.staff is not None and worker.village_code in ctx.staff.village_codes:
        return Outcome(then="my_workers", carry={"village": worker.village_code, "card": worker.id})
    return Outcome(then="status_staff", carry={"mode": "worker", "query": {"id": worker.id}})


async def _save(ctx: Context) -> Outcome:
    """Stores the change (audited by storage/worker_edits.py), says old → new, and offers to change something else."""
    worker = await worker_of(ctx)
    if worker is None:
        return Outcome(texts=[ctx.t("lookup.not_found")], then="menu")
    if ctx.answers.get("field") == CARD:
        return _back_to_card(ctx, worker)
    again = {"query": {"id": worker.id}, AGAIN: True}
    changes = changes_of(ctx)
    lines = change_lines(worker, changes, ctx)  # before saving: the same row object takes the new values
    contribution = await contribution_line(worker, changes, ctx)
    info = village_info(str(changes["village_code"])) if "village_code" in changes else None
    if info is not None:
        await villages.ensure_village(ctx.session, info)  # an admin may move a worker to a village not seen yet
    try:
        changed = await worker_edits.change_worker(
            ctx.session,
            worker.id,
            changes,
            actor_person_id=ctx.staff.person_id if ctx.staff else None,
            actor_contact_id=ctx.contact.id,
        )
    except KpjTakenError as error:  # taken meanwhile: the KPJ question again
        taken = ctx.t("edit_worker.kpj.taken", kpj=error.kpj)
        return Outcome(texts=[taken], then=EDIT_WORKER, carry={"query": {"id": worker.id}, "field": KPJ})
    except WorkerEditError:
        return Outcome(texts=[ctx.t("edit_worker.not_saved")], then=EDIT_WORKER, carry=again)
    if not changed:
        return Outcome(texts=[ctx.t("edit_worker.unchanged")], then=EDIT_WORKER, carry=again)
    text = ctx.t("edit_worker.saved", changes="\n".join(lines))
    return Outcome(texts=[f"{text}\n{contribution}" if contribution else text], then=EDIT_WORKER, carry=again)


def edit_worker_flow() -> Flow:
    """Find the worker (or start with the one carried from their card), pick what to change, type the new value,
    confirm old → new, save; then something else, the card, or done."""
    query, pick = lookup_steps()
    query = replace(query, prompt="edit_worker.query", prompt_params=_query_prompt, parse=_parse_query)
    # fmt: off
    steps = (
        query,
        pick,
        Step("field", "edit_worker.field.ask", choices=field_choices, parse=parse_field, prompt_params=_field_prompt),
        Step("phone", "edit_worker.phone.ask", parse=_parse_phone, prompt_params=_phone_prompt,
             condition=lambda ctx: asked(ctx, PHONE)),
        Step("heir_name", "edit_worker.heir.ask", parse=parse_heir_name, prompt_params=_heir_prompt,
             condition=lambda ctx: asked(ctx, HEIR)),
        Step("heir_relation", "register.heir.relation", choices=relation_choices, condition=heir_named),
        Step("heir_phone", "register.heir.phone", parse=parse_optional_phone, condition=heir_named),
        Step("occupation", "edit_worker.occupation.ask", choices=OCCUPATION_CHOICES, prompt_params=_occupation_prompt,
             condition=lambda ctx: asked(ctx, OCCUPATION)),
        Step("occupation_other", "register.occupation_other.ask", parse=parse_free_occupation,
             condition=other_occupation),
        Step("income", "edit_worker.income.ask", parse=_parse_income, prompt_params=_income_prompt,
             condition=lambda ctx: asked(ctx, INCOME)),
        Step("programmes", "edit_worker.programmes.ask", choices=_programme_choices, prompt_params=_programme_prompt,
             condition=lambda ctx: asked(ctx, PROGRAMMES)),
        Step("village", "edit_worker.village.ask", choices=_village_choices, parse=parse_village,
             prompt_params=_village_prompt, condition=lambda ctx: asked(ctx, VILLAGE)),
        Step("kpj", "edit_worker.kpj.ask", parse=_parse_kpj, prompt_params=_kpj_prompt,
             condition=lambda ctx: asked(ctx, KPJ)),
        Step("confirm", "edit_worker.confirm.ask", choices=_CONFIRM_CHOICES, prompt_params=_confirm_prompt,
             condition=changing),
    )
    # fmt: on
    return Flow(
        name=EDIT_WORKER,
        title="edit_worker.title",
        allowed=lambda ctx: ctx.is_staff,
        denied="edit_worker.denied",
        ask_phone_when_denied=True,
        complete=_save,
        steps=steps,
    )
