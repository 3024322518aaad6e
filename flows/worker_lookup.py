"""Finding a worker by NIK, KPJ card number or name within what the asker may see; shared by status and payment
flows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flows.model import Choice, Context, Invalid, Parsed, Step, Valid
from rules.kpj import LENGTH as KPJ_LENGTH
from rules.kpj import compact_kpj
from rules.nik import compact
from storage import audit, workers
from storage.models import Worker

MAX_CANDIDATES = 8


def visible_villages(ctx: Context) -> Sequence[str] | None:
    """The villages whose workers the asker may see: all for an admin, their own for a cadre."""
    if ctx.staff is None:
        return ()
    if ctx.staff.is_admin:
        return None
    return ctx.staff.village_codes


def _label(worker: Worker) -> str:
    return f"{worker.name}, {worker.registration_number}"


async def _not_found(ctx: Context, by: str) -> Invalid:
    """Audits a lookup that found nothing (every lookup is audited), and says so."""
    await audit.record_event(
        ctx.session,
        "worker_lookup_not_found",
        contact_id=ctx.contact.id,
        person_id=ctx.staff.person_id if ctx.staff else None,
        details={"by": by},
        at=ctx.now,
    )
    return Invalid("lookup.not_found")


async def parse_worker_query(text: str, ctx: Context) -> Parsed:
    """A NIK, a KPJ card number or part of a name: one worker found, several to choose from, or none in the asker's
    villages."""
    scope = visible_villages(ctx)
    typed = workers.search_text(text)  # control characters (a NUL) never reach the database
    digits = compact(typed)
    kpj = compact_kpj(typed)  # "KPJ 170 1234 5678" as the card prints it
    if kpj.isdigit() and kpj.isascii() and len(kpj) == KPJ_LENGTH:
        by_kpj = await workers.find_by_kpj(ctx.session, kpj)
        if by_kpj is None or (scope is not None and by_kpj.village_code not in scope):
            return await _not_found(ctx, "kpj")
        return Valid({"id": by_kpj.id})
    if digits.isdigit() and digits.isascii():
        if len(digits) != 16:
            return Invalid("kpj.lookup_length")
        found = await workers.find_in_villages(ctx.session, digits, scope)
        if found is None:
            return await _not_found(ctx, "nik")
        return Valid({"id": found.id})
    if sum(c.isalpha() for c in typed) < 2 or len(typed) > 100:
        return Invalid("lookup.query_invalid")
    matches = await workers.search_by_name(ctx.session, typed, scope, limit=MAX_CANDIDATES + 1)
    if not matches:
        return await _not_found(ctx, "name")
    if len(matches) == 1:
        return Valid({"id": matches[0].id})
    if len(matches) > MAX_CANDIDATES:
        return Invalid("lookup.too_many", {"count": MAX_CANDIDATES})
    return Valid({"candidates": [[w.id, _label(w)] for w in matches]})


def _has_candidates(ctx: Context) -> bool:
    return "candidates" in (ctx.answers.get("query") or {})


def worker_choice(worker_id: int, label: str) -> Choice:
    """A worker to pick from a list. The value is not a bare number: Telegram sends a tapped button's value as the
    message, and a number is read as a position in the list, so worker 1 listed second would pick the first."""
    return Choice(f"w{worker_id}", label=label)


def picked_worker_id(value: Any) -> int:
    """The worker id of a picked worker_choice."""
    return int(str(value).removeprefix("w"))


def _candidate_choices(ctx: Context) -> list[Choice]:
    return [worker_choice(wid, label) for wid, label in ctx.answers["query"]["candidates"]]


def selected_worker_id(ctx: Context) -> int:
    """The worker the asker settled on: found at once, or picked from the candidates."""
    query: dict[str, Any] = ctx.answers["query"]
    return int(query["id"]) if "id" in query else picked_worker_id(ctx.answers["pick"])


def lookup_steps(condition: Any = None, summary_label: str | None = None, show: Any = None) -> tuple[Step, Step]:
    """The two steps that find one worker: the NIK-KPJ-or-name question, then a pick among several."""
    return (
        Step(
            "query", "lookup.ask", parse=parse_worker_query, condition=condition, summary_label=summary_label, show=show
        ),
        Step(
            "pick",
            "lookup.pick",
            choices=_candidate_choices,
            condition=lambda ctx: (condition is None or condition(ctx)) and _has_candidates(ctx),
        ),
    )
