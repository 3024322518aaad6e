""" "Lapor kematian" (JKM): condolences first, then which worker, the day and cause of death, who reports, an optional
photo of the village death letter; the case is opened with a KLM- reference, the cadre and admins are told, and the
family learns the entitlement with its breakdown and the documents to bring. A report nobody vouches for (not the
worker's cadre, an admin, or the heir recorded at registration by their verified phone) stays pending: it changes
nothing about the worker and says nothing about them until a cadre confirms it."""

from __future__ import annotations

from datetime import date
from typing import Any

from flows.claim_parsers import read_day
from flows.claim_steps import (
    by_name,
    chosen_village,
    current_worker,
    named_worker,
    photo_files,
    photo_steps,
    reporter_name,
    reporter_phone,
    reporter_steps,
    show_phone,
    unregistered_nik,
    village_of_report,
    worker_steps,
)
from flows.claim_texts import (
    coverage,
    coverage_text,
    death_documents_text,
    entitlement_rules,
    entitlement_text,
    first_name,
    paid_months,
    registered_on,
    serves,
)
from flows.i18n import Translator
from flows.model import Choice, Context, Flow, Invalid, Outcome, Parsed, Step, Valid
from rules.claims import HEIR_RELATIONS, OTHER, contribution_months, death_entitlement
from rules.dates import InvalidDateError
from rules.regions import village_info
from storage import claims, villages
from storage.claims import CONFIRMED, DEATH, NewClaim, OpenedClaim
from storage.models import Worker

REPORT_DEATH = "report_death"
NATURAL = "natural"
WORK_ACCIDENT = "work_accident"
COMMUTE_ACCIDENT = "commute_accident"
CAUSES = (NATURAL, WORK_ACCIDENT, COMMUTE_ACCIDENT)
LETTER = "death_letter"  # the kind of the village death letter kept with the case

_CAUSE_CHOICES = (
    Choice(NATURAL, "claims.cause.natural", aliases=("sakit", "wajar", "natural", "illness", "sick", "tua")),
    Choice(
        WORK_ACCIDENT,
        "claims.cause.work_accident",
        aliases=("kecelakaan kerja", "work accident", "kerja", "kecelakaan", "accident"),
    ),
    Choice(COMMUTE_ACCIDENT, "claims.cause.commute_accident", aliases=("perjalanan", "commute", "on the way")),
)
_RELATION_ALIASES = {
    "spouse": ("suami", "istri", "isteri", "husband", "wife", "spouse", "suami istri"),
    "child": ("anak", "child", "son", "daughter"),
    "parent": ("ayah", "ibu", "bapak", "orang tua", "parent", "father", "mother"),
    "grandchild": ("cucu", "grandchild"),
    "grandparent": ("kakek", "nenek", "grandparent"),
    "sibling": ("kakak", "adik", "saudara", "sibling", "brother", "sister"),
    "parent_in_law": ("mertua", "parent in law"),
    "other": ("lain", "lainnya", "other", "tetangga", "neighbour"),
}
_RELATION_CHOICES = tuple(
    Choice(code, f"claims.relation.{code}", aliases=(word, *_RELATION_ALIASES.get(code, ())))
    for code, word in HEIR_RELATIONS
)


def _is_accident(ctx: Context) -> bool:
    return ctx.answers.get("cause") in (WORK_ACCIDENT, COMMUTE_ACCIDENT)


async def _parse_date(text: str, ctx: Context) -> Parsed:
    """The day of death: not in the future, not before the worker was registered."""
    village = await village_of_report(ctx)
    today = ctx.today(village)
    try:
        day = read_day(text, today)
    except InvalidDateError:
        return Invalid("claims.date.invalid")
    if day > today:
        return Invalid("claims.date.future", {"date": ctx.t.date(day)})
    worker = await current_worker(ctx)
    if worker is not None and day < registered_on(worker):
        return Invalid("claims.date.before_registration", {"registered": ctx.t.date(registered_on(worker))})
    return Valid(day.isoformat())


def _show_date(value: Any, ctx: Context) -> str:
    return ctx.t.date(date.fromisoformat(str(value)))


def _relation(ctx: Context) -> str:
    return str(ctx.answers.get("relation") or OTHER)


# -- what staff are told ------------------------------------------------------------------------------------------


def _staff_text(language: str, facts: dict[str, Any]) -> str:
    t = Translator(language)
    relation = t(f"claims.relation.{facts['relation']}") if facts["relation"] else t("claims.relation.staff")
    return t(
        "claims.staff.death",
        reference=facts["reference"],
        worker=facts["worker"],
        village=facts["village"],
        date=t.date(facts["day"]),
        cause=t(f"claims.cause.{facts['cause']}"),
        reporter=facts["reporter"],
        relation=relation,
        phone=facts["phone"],
        trust=t("claims.staff.trust.confirmed" if facts["match"] == CONFIRMED else "claims.staff.trust.pending"),
    )


async def _notify(ctx: Context, opened: OpenedClaim, worker: Worker | None, day: date) -> None:
    village = village_info(await village_of_report(ctx) or "")
    if worker is not None:
        label = f"{worker.name} ({worker.registration_number})"
    else:
        label = f"{named_worker(ctx) or '-'}" + (f" (NIK {unregistered_nik(ctx)})" if unregistered_nik(ctx) else "")
    facts = {
        "reference": opened.reference,
        "worker": label,
        "village": village.name if village is not None else "-",
        "day": day,
        "cause": ctx.answers["cause"],
        "reporter": reporter_name(ctx),
        "relation": ctx.answers.get("relation"),
        "phone": show_phone(reporter_phone(ctx), ctx),
        "match": opened.match,
    }
    await claims.notify_staff(ctx.session, opened.id, lambda language: _staff_text(language, facts))


# -- the answer ---------------------------------------------------------------------------------------------------


async def _entitled(ctx: Context, worker: Worker, day: date) -> list[str]:
    """Coverage on the day and the entitlement with its figures (for a report someone stands behind)."""
    t, accident = ctx.t, _is_accident(ctx)
    months = contribution_months(await paid_months(ctx, worker), until=day)
    entitlement = death_entitlement(
        work_accident=accident, declared_income=worker.declared_income, contribution_months=months
    )
    return [
        coverage_text(t, await coverage(ctx, worker, day), day),
        entitlement_text(t, entitlement, work_accident=accident, income=worker.declared_income, months=months),
    ]


async def _answer(ctx: Context, opened: OpenedClaim, worker: Worker | None, day: date) -> list[str]:
    t = ctx.t
    lines = [t("claims.death.opened", reference=opened.reference)]
    if opened.match == CONFIRMED and worker is not None:
        name = worker.name if serves(ctx, worker) else first_name(worker.name)
        lines.append(t("claims.death.marked", name=name))
        lines += await _entitled(ctx, worker, day)
    elif unregistered_nik(ctx):
        lines.append(t("claims.coverage.unregistered"))
        lines.append(entitlement_rules(t, work_accident=_is_accident(ctx)))
    else:
        lines.append(t("claims.death.pending_by_name" if by_name(ctx) else "claims.death.pending"))
        lines.append(entitlement_rules(t, work_accident=_is_accident(ctx)))
    lines.append(death_documents_text(t, _relation(ctx)))
    lines.append(t("claims.documents.where"))
    return lines


async def _save(ctx: Context) -> Outcome:
    worker = await current_worker(ctx)
    day = date.fromisoformat(str(ctx.answers["death_date"]))
    village = chosen_village(ctx)
    if worker is None and village is not None:
        info = village_info(village)
        if info is not None:
            await villages.ensure_village(ctx.session, info)
    details: dict[str, Any] = {}
    if ctx.answers.get("phone"):
        details["typed_phone"] = ctx.answers["phone"]
    if unregistered_nik(ctx):
        details["nik"] = unregistered_nik(ctx)
    new = NewClaim(
        kind=DEATH,
        event_date=day,
        reporter_name=reporter_name(ctx),
        worker_id=worker.id if worker is not None else None,
        village_code=None if worker is not None else village,
        named_worker=None if worker is not None else named_worker(ctx),
        cause=str(ctx.answers["cause"]),
        details=details,
        reporter_contact_id=ctx.contact.id,
        reporter_person_id=ctx.staff.person_id if ctx.staff is not None else None,
        reporter_relation=ctx.answers.get("relation"),
        reporter_phone=ctx.contact.phone,
    )
    opened = await claims.open_claim(ctx.session, new, now=ctx.now)
    if opened.existing:
        # Only staff learn the earlier case's reference: anyone else might be probing whether a death was reported.
        earlier = ctx.t("claims.death.existing", reference=opened.reference)
        said = earlier if ctx.is_staff else ctx.t("claims.death.existing_other")
        texts = [said, death_documents_text(ctx.t, _relation(ctx))]
        return Outcome(texts=["\n\n".join(texts)], then="menu")
    for file in photo_files(ctx, "letter", "letter_retry"):
        await claims.attach_document(ctx.session, opened.id, kind=LETTER, contact_id=ctx.contact.id, **file)
    await _notify(ctx, opened, worker, day)
    return Outcome(texts=["\n\n".join(await _answer(ctx, opened, worker, day))], then="menu")


def death_report_flow() -> Flow:
    """Condolences, the worker, the day and cause, the reporter, the village letter; then the case and what to do."""
    return Flow(
        name=REPORT_DEATH,
        title="claims.death.title",
        intro="claims.death.intro",
        confirm=True,
        complete=_save,
        steps=(
            *worker_steps("claims.death.worker", "claims.death.worker_name"),
            Step(
                "death_date",
                "claims.death.date",
                parse=_parse_date,
                summary_label="claims.summary.death_date",
                show=_show_date,
            ),
            Step("cause", "claims.death.cause", choices=_CAUSE_CHOICES, summary_label="claims.summary.cause"),
            reporter_steps()[0],
            Step(
                "relation",
                "claims.death.relation",
                choices=_RELATION_CHOICES,
                condition=lambda ctx: not ctx.is_staff,
                summary_label="claims.summary.relation",
            ),
            reporter_steps()[1],
            *photo_steps("letter", "claims.death.letter", "claims.summary.letter"),
        ),
    )
