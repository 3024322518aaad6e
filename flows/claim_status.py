""" "Cek laporan KLM-…": a case's status and next step, for its reporter, the worker's cadres and the admins only;
anyone else gets the answer an unknown reference gets. A cadre or admin looking at a death report nobody has vouched
for yet may confirm it (the worker is recorded as deceased) or reject it; the reporter is told either way."""

from __future__ import annotations

import re
from typing import Any

from flows.claim_texts import (
    accident_documents_text,
    coverage,
    coverage_text,
    death_documents_text,
    first_name,
    serves,
    who,
)
from flows.i18n import Translator
from flows.model import Choice, Context, Flow, Invalid, Outcome, Parsed, Step, Valid
from rules.claims import OTHER
from rules.phones import readable_phone
from storage import claims, workers
from storage.claim_decisions import (
    DIED,
    DISABLED,
    RECOVERED,
    Actor,
    Decision,
    confirm_death_report,
    record_outcome,
    reject_death_report,
)
from storage.claims import ACCIDENT, CLOSED_STATUSES, CONFIRMED, DEATH, NEW, PENDING, ClaimStateError
from storage.models import Claim

CLAIM_STATUS = "claim_status"
CLAIM_DECISION = "claim_decision"
CLAIM_OUTCOME = "claim_outcome"
CONFIRM, REJECT, LATER = "konfirmasi", "tolak", "nanti"
MAX_OWN_CASES = 5
_REFERENCE = re.compile(r"\bklm\s*[-/ ]?\s*(\d{4})\s*[-/ ]?\s*(\d{1,6})\b", re.IGNORECASE)
REJECTED_IN_CHAT = "rejected in the chat"

_DECISIONS = (
    Choice(CONFIRM, "claims.decide.confirm", aliases=("konfirmasi", "benar", "confirm")),
    Choice(REJECT, "claims.decide.reject", aliases=("tolak", "reject", "tidak benar")),
    Choice(LATER, "claims.decide.later", aliases=("nanti", "later")),
)


def find_reference(text: str) -> str | None:
    """The KLM- reference in a text ("cek laporan klm 2026 42" → "KLM-2026-000042"), or None."""
    match = _REFERENCE.search(text)
    return f"KLM-{match.group(1)}-{int(match.group(2)):06d}" if match else None


def _parse_reference(text: str, ctx: Context) -> Parsed:
    reference = find_reference(text)
    return Valid(reference) if reference else Invalid("claims.status.invalid")


def _typed_with_the_request(ctx: Context) -> bool:
    """Asked unless the message that opened the service named the reference ("cek laporan KLM-2026-000042")."""
    reference = find_reference(ctx.inbound.text or "")
    if reference is not None and "reference" not in ctx.answers:
        ctx.answers["reference"] = reference
        return False
    return True


async def _own_cases(ctx: Context) -> list[Choice]:
    found = await claims.claims_of_reporter(ctx.session, ctx.contact.id)
    return [
        Choice(
            str(claim.reference),
            label=ctx.t(
                "claims.status.own_case",
                reference=claim.reference,
                kind=ctx.t(f"claims.status.kind.{claim.kind}"),
                date=ctx.t.date(claim.event_date),
            ),
        )
        for claim in found[:MAX_OWN_CASES]
    ]


async def _ask_params(ctx: Context) -> dict[str, Any]:
    own = await _own_cases(ctx)
    return {"text": ctx.t("claims.status.pick" if own else "claims.status.ask")}


async def visible_claim(ctx: Context, reference: str) -> Claim | None:
    """The case, if this contact may see it (its reporter, a cadre of its village, an admin); else None."""
    claim = await claims.claim_by_reference(ctx.session, reference)
    if claim is None:
        return None
    person = ctx.staff.person_id if ctx.staff is not None else ctx.contact.person_id
    allowed = await claims.may_view(ctx.session, claim, contact_id=ctx.contact.id, person_id=person)
    return claim if allowed else None


def _status_key(claim: Claim) -> str:
    return claim.status.replace("-", "_")


async def _card(ctx: Context, claim: Claim) -> str:
    """The case as the asker may see it: the worker (masked for the reporter), the day, the status, the next step."""
    t = ctx.t
    worker = await claims.worker_of(ctx.session, claim)
    if worker is None:
        name = claim.named_worker or "-"
    elif ctx.is_staff and serves(ctx, worker):
        name = who(ctx, worker)
    else:
        name = first_name(worker.name)
    pending = claim.kind == DEATH and claim.match == PENDING and claim.status not in CLOSED_STATUSES
    if pending:
        next_step = t("claims.status.next.pending")
    elif claim.kind == ACCIDENT and claim.status == NEW:
        next_step = t(
            "claims.status.next.accident_stage_one"
            if claim.outcome is None
            else "claims.status.next.accident_stage_two"
        )
    else:
        next_step = t(f"claims.status.next.{_status_key(claim)}")
    lines = [
        t(
            "claims.status.card",
            reference=claim.reference,
            kind=t(f"claims.status.kind.{claim.kind}"),
            worker=name,
            date=t.date(claim.event_date),
            status=t(f"claims.status.word.{_status_key(claim)}"),
            next=next_step,
        )
    ]
    if ctx.is_staff:  # whom to call back
        phone = claim.reporter_phone or claim.details.get("typed_phone")
        lines.append(
            t("claims.status.reporter", name=claim.reporter_name, phone=readable_phone(phone) if phone else "-")
        )
    documents = await claims.documents_of(ctx.session, claim.id)
    if documents:
        lines.append(t("claims.status.documents", count=len(documents)))
    return "\n".join(lines)


def _may_decide(ctx: Context, claim: Claim) -> bool:
    return (
        ctx.is_staff
        and claim.kind == DEATH
        and claim.match == PENDING
        and claim.status not in CLOSED_STATUSES
        and claim.worker_id is not None
    )


async def _show(ctx: Context) -> Outcome:
    reference = str(ctx.answers["reference"])
    claim = await visible_claim(ctx, reference)
    if claim is None:  # unknown, or not theirs: the same words, so a reference reveals nothing
        return Outcome(texts=[ctx.t("claims.status.unknown", reference=reference)], then="menu")
    card = await _card(ctx, claim)
    if _may_decide(ctx, claim):
        return Outcome(texts=[card], then=CLAIM_DECISION, carry={"reference": claim.reference})
    if _may_record_outcome(ctx, claim):
        return Outcome(texts=[card], then=CLAIM_OUTCOME, carry={"reference": claim.reference})
    if claim.kind == DEATH and claim.match == PENDING and claim.worker_id is None and ctx.is_staff:
        card += "\n" + ctx.t("claims.status.needs_worker")
    return Outcome(texts=[card], then="menu")


def claim_status_flow() -> Flow:
    """The reference (typed with the request, picked from one's own cases, or asked), then the case."""
    return Flow(
        name=CLAIM_STATUS,
        title="claims.status.title",
        complete=_show,
        steps=(
            Step(
                "reference",
                "claims.status.ask_text",
                parse=_parse_reference,
                choices=_own_cases,
                condition=_typed_with_the_request,
                prompt_params=_ask_params,
            ),
        ),
    )


# -- a cadre's decision on a pending death report -----------------------------------------------------------------


def _actor(ctx: Context) -> Actor:
    """The staff member deciding in the chat, as the audit records them."""
    return Actor(person_id=ctx.staff.person_id if ctx.staff else None, contact_id=ctx.contact.id)


def _reporter_notice(language: str, claim: Claim, covered: str | None) -> str:
    t = Translator(language)
    if claim.match != CONFIRMED:
        return t("claims.status.told_rejected", reference=claim.reference)
    said = coverage_text(t, covered, claim.event_date) if covered else ""
    return t("claims.status.told_confirmed", reference=claim.reference, coverage=said).strip()


async def _decide(ctx: Context) -> Outcome:
    choice = ctx.answers.get("decision")
    reference = str(ctx.answers.get("reference") or "")
    claim = await visible_claim(ctx, reference)
    if choice == LATER or claim is None:
        return Outcome(texts=[ctx.t("claims.decide.kept", reference=reference)], then="menu")
    if not _may_decide(ctx, claim):
        return Outcome(texts=[ctx.t("claims.decide.not_pending", reference=reference)], then="menu")
    actor = _actor(ctx)
    try:
        if choice == CONFIRM:
            decision: Decision = await confirm_death_report(ctx.session, reference, actor=actor)
        else:
            decision = await reject_death_report(ctx.session, reference, REJECTED_IN_CHAT, actor=actor)
    except ClaimStateError:
        return Outcome(texts=[ctx.t("claims.decide.not_pending", reference=reference)], then="menu")
    covered = None
    worker = await workers.get_worker(ctx.session, claim.worker_id) if claim.worker_id else None
    if choice == CONFIRM and worker is not None:
        covered = await coverage(ctx, worker, claim.event_date)
    if decision.notify_contact_id is not None:
        await claims.notify_contact(
            ctx.session,
            decision.notify_contact_id,
            decision.notice_key,
            lambda language: _reporter_notice(language, decision.claim, covered),
        )
    done = "claims.decide.confirmed" if choice == CONFIRM else "claims.decide.rejected"
    name = worker.name if worker is not None else "-"
    return Outcome(texts=[ctx.t(done, reference=reference, name=name)], then="menu")


def claim_decision_flow() -> Flow:
    """Confirm, reject, or leave for later a pending death report (only ever opened from the case's card)."""
    return Flow(
        name=CLAIM_DECISION,
        title="claims.decide.title",
        allowed=lambda ctx: ctx.is_staff,
        denied="claims.decide.denied",
        complete=_decide,
        steps=(Step("decision", "claims.decide.ask", choices=_DECISIONS),),
    )


# -- stage II: the doctor's verdict on an accident ------------------------------------------------------------------

_OUTCOMES = (
    Choice(RECOVERED, "claims.outcome.recovered", aliases=("sembuh", "recovered")),
    Choice(DISABLED, "claims.outcome.disabled", aliases=("cacat", "disabled")),
    Choice(DIED, "claims.outcome.died", aliases=("meninggal", "died")),
    Choice(LATER, "claims.decide.later", aliases=("nanti", "later")),
)


def _may_record_outcome(ctx: Context, claim: Claim) -> bool:
    return ctx.is_staff and claim.kind == ACCIDENT and claim.status not in CLOSED_STATUSES and claim.outcome is None


def _stage_two(t: Translator, claim: Claim, outcome: str) -> str:
    """The verdict recorded and the documents of the claim (an heir's too after a death)."""
    lines = [
        t("claims.outcome.told", reference=claim.reference, outcome=t(f"claims.outcome.{outcome}")),
        accident_documents_text(t, bool(claim.details.get("road"))),
    ]
    if outcome == DIED:
        lines.append(death_documents_text(t, OTHER))
    lines.append(t("claims.documents.where"))
    return "\n\n".join(lines)


async def _record(ctx: Context) -> Outcome:
    outcome = ctx.answers.get("outcome")
    reference = str(ctx.answers.get("reference") or "")
    claim = await visible_claim(ctx, reference)
    if outcome == LATER or claim is None:
        return Outcome(texts=[ctx.t("claims.outcome.kept", reference=reference)], then="menu")
    if not _may_record_outcome(ctx, claim):
        return Outcome(texts=[ctx.t("claims.decide.not_pending", reference=reference)], then="menu")
    actor = _actor(ctx)
    decision = await record_outcome(ctx.session, reference, str(outcome), actor=actor, on=ctx.today(claim.village_code))
    if decision.notify_contact_id is not None:
        await claims.notify_contact(
            ctx.session,
            decision.notify_contact_id,
            decision.notice_key,
            lambda language: _stage_two(Translator(language), decision.claim, str(outcome)),
        )
    return Outcome(texts=[_stage_two(ctx.t, decision.claim, str(outcome))], then="menu")


def claim_outcome_flow() -> Flow:
    """The doctor's verdict on an open accident (only ever opened from the case's card), then the claim documents."""
    return Flow(
        name=CLAIM_OUTCOME,
        title="claims.outcome.title",
        allowed=lambda ctx: ctx.is_staff,
        denied="claims.decide.denied",
        complete=_record,
        steps=(Step("outcome", "claims.outcome.ask", choices=_OUTCOMES),),
    )
