"""Storing a confirmed registration: the worker, its audit event, and a confirmation for the worker's contacts."""

from __future__ import annotations

from flows.model import Context, Outcome
from flows.register.answers import (
    chosen_village,
    contribution_for,
    effective_birth_date,
    effective_sex,
    has_heir,
    income_of,
)
from rules.nik import mask_nik
from rules.occupations import BPU, OTHER, PU
from rules.regions import village_info
from storage import audit, contacts, outbox, villages, workers
from storage.workers import DuplicateNikError, NewWorker


def new_worker(ctx: Context) -> NewWorker:
    """The worker to store, from the confirmed answers."""
    answers = ctx.answers
    occupation = str(answers["occupation"])
    heir = has_heir(ctx)
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
        heir_name=answers.get("heir_name") if heir else None,
        heir_relation=answers.get("heir_relation") if heir else None,
        heir_phone=answers.get("heir_phone") if heir else None,
        village_code=chosen_village(ctx),
        registered_by=ctx.staff.person_id if ctx.staff else None,
        consent_at=ctx.now,
    )


async def save_registration(ctx: Context) -> Outcome:
    """Stores the worker and audits it; says the registration number and the monthly contribution."""
    new = new_worker(ctx)
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
    due = ctx.t.money(amount) if amount is not None else ctx.t("contribution.pu")
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
        due = t.money(amount) if amount is not None else t("contribution.pu")
        body = t("register.worker_notice", name=new.name, number=number, amount=due)
        await outbox.enqueue(
            ctx.session,
            contact,
            "registration",
            body,
            key=f"registration:{worker_id}:{contact.id}",
            variables={"1": new.name, "2": number, "3": due},
        )
