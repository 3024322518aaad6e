"""The questions a death report and an accident report share: which worker (by NIK, registration number or KPJ, or
by name and village when none is known), who reports and their phone, and a photo; and reading the answers back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flows.claim_parsers import (
    KPJ_DIGITS,
    NIK_DIGITS,
    is_unknown,
    kept_photo,
    photo_text,
    read_nik,
    read_person,
    read_phone,
    read_village,
    refused_reason,
    registration_id,
    typed_digits,
)
from flows.claim_texts import who
from flows.lookup_limits import wait_duration
from flows.model import Choice, Context, Invalid, Parsed, Step, Valid
from flows.text import BACK, fold
from flows.turn import DOCUMENT, PHONE
from flows.worker_lookup import parse_worker_query, picked_worker_id, worker_choice
from rules.nik import mask_nik
from rules.phones import readable_phone
from rules.regions import village_info
from storage import audit, workers
from storage.models import Worker

# A stranger's lookups of a worker by number in a report, counted in the audit trail per contact.
WORKER_LOOKUP = "claim_worker_lookup"
MAX_LOOKUPS = 5
LOOKUP_WINDOW = timedelta(hours=1)
_YES_ALIASES = ("ya", "iya", "benar", "betul", "yes", "y", "ok", "lanjut", "continue")

# -- which worker -----------------------------------------------------------------------------------------------------


async def _stranger_limit(ctx: Context) -> Invalid | None:
    """A stranger may look workers up by number a few times an hour (each shows a first name): past that, a wait."""
    if ctx.is_staff:
        return None
    since = ctx.now - LOOKUP_WINDOW
    at = await audit.nth_latest_by_contact(ctx.session, (WORKER_LOOKUP,), ctx.contact.id, since, MAX_LOOKUPS)
    if at is not None:
        return Invalid("claims.worker.wait", {"wait": wait_duration(ctx, at + LOOKUP_WINDOW)})
    await audit.record_event(ctx.session, WORKER_LOOKUP, contact_id=ctx.contact.id, at=ctx.now)
    return None


async def parse_worker(text: str, ctx: Context) -> Parsed:
    """A NIK, a registration number or a KPJ; "tidak tahu" (or a name, for anyone but staff) goes on by name and
    village. A stranger is never shown a list of workers found by name; a cadre searches their own villages."""
    if is_unknown(text):
        return Valid({"unknown": True})
    registration, digits = registration_id(text), typed_digits(text)
    looked_up = registration is not None or (digits is not None and len(digits) in (NIK_DIGITS, KPJ_DIGITS))
    if looked_up and (limit := await _stranger_limit(ctx)) is not None:
        return limit
    if registration is not None:
        found = await workers.get_worker(ctx.session, registration)
        if found is None or fold(found.registration_number or "") != fold(text):
            return Invalid("claims.worker.no_registration")
        return Valid({"id": found.id})
    if digits is not None:
        if len(digits) == NIK_DIGITS:
            nik = read_nik(text, ctx.today())
            if not isinstance(nik, Valid):
                return nik
            found = await workers.find_by_nik(ctx.session, nik.value)
            return Valid({"id": found.id} if found is not None else {"nik": nik.value})
        if len(digits) == KPJ_DIGITS:
            found = await workers.find_by_kpj(ctx.session, digits)
            return Valid({"id": found.id}) if found is not None else Invalid("claims.worker.no_kpj")
        return Invalid("claims.worker.digits", {"digits": len(digits)})
    if ctx.is_staff:
        return await parse_worker_query(text, ctx)
    name = read_person(text)
    if not isinstance(name, Valid):
        return Invalid("claims.worker.invalid")
    return Valid({"unknown": True, "name": name.value})


def _worker_answer(ctx: Context) -> dict[str, Any]:
    value = ctx.answers.get("worker")
    return value if isinstance(value, dict) else {}


def worker_id(ctx: Context) -> int | None:
    """The registered worker the report is about: found at once or picked, else None."""
    value = _worker_answer(ctx)
    if "id" in value:
        return int(value["id"])
    if "candidates" in value and ctx.answers.get("pick"):
        return picked_worker_id(ctx.answers["pick"])
    return None


async def current_worker(ctx: Context) -> Worker | None:
    """The registered worker the report is about, read once per message."""
    wid = worker_id(ctx)
    if wid is None:
        return None
    key = ("claim-worker", wid)
    if key not in ctx.memo:
        ctx.memo[key] = await workers.get_worker(ctx.session, wid)
    return ctx.memo[key]


def _has_candidates(ctx: Context) -> bool:
    return "candidates" in _worker_answer(ctx)


def _candidate_choices(ctx: Context) -> list[Choice]:
    return [worker_choice(wid, label) for wid, label in _worker_answer(ctx).get("candidates", ())]


def unregistered_nik(ctx: Context) -> str | None:
    """A typed NIK that is not in this register, if that is what was typed."""
    nik = _worker_answer(ctx).get("nik")
    return str(nik) if nik else None


def by_name(ctx: Context) -> bool:
    """Whether the worker is reported by name and village (no number known, or a NIK not in this register)."""
    value = _worker_answer(ctx)
    return bool(value.get("unknown")) or "nik" in value


def _confirmed_key(ctx: Context) -> str:
    """The answer that confirms this very worker: a later change of the number makes the old "ya" void."""
    return f"ok:{worker_id(ctx) or unregistered_nik(ctx)}"


def _to_confirm(ctx: Context) -> bool:
    value = _worker_answer(ctx)
    wanted = "id" in value or "nik" in value or (_has_candidates(ctx) and "pick" in ctx.answers)
    if ctx.answers.get("worker_ok") not in (None, _confirmed_key(ctx)):
        ctx.answers.pop("worker_ok")  # confirmed another worker before `ubah`: asked again
    return wanted


async def _confirm_params(ctx: Context) -> dict[str, Any]:
    worker = await current_worker(ctx)
    if worker is not None:
        return {"found": ctx.t("claims.worker.found", who=who(ctx, worker))}
    return {"found": ctx.t("claims.worker.not_registered", nik=mask_nik(unregistered_nik(ctx) or ""))}


def _confirm_choices(ctx: Context) -> list[Choice]:
    label = "claims.worker.go_on" if unregistered_nik(ctx) else "claims.worker.yes"
    return [
        Choice(_confirmed_key(ctx), label, aliases=_YES_ALIASES),
        Choice(BACK, "claims.worker.retype", aliases=("bukan", "no")),
    ]


def _needs_name(ctx: Context) -> bool:
    return by_name(ctx) and not _worker_answer(ctx).get("name")


def _village_answer(ctx: Context) -> dict[str, Any]:
    value = ctx.answers.get("village")
    return value if isinstance(value, dict) else {}


def _village_choices(ctx: Context) -> list[Choice]:
    return [Choice(code, label=label) for code, label in _village_answer(ctx).get("candidates", ())]


def named_worker(ctx: Context) -> str | None:
    """The name typed for a worker not found by number."""
    return _worker_answer(ctx).get("name") or ctx.answers.get("worker_name")


def chosen_village(ctx: Context) -> str | None:
    """The village typed for a worker reported by name."""
    value = _village_answer(ctx)
    if "code" in value:
        return str(value["code"])
    return str(ctx.answers["village_pick"]) if "candidates" in value and ctx.answers.get("village_pick") else None


async def village_of_report(ctx: Context) -> str | None:
    """The village the report belongs to: the registered worker's, else the one typed."""
    worker = await current_worker(ctx)
    return worker.village_code if worker is not None else chosen_village(ctx)


async def show_worker(value: Any, ctx: Context) -> str:
    """The worker in the summary, as much as the asker may see."""
    worker = await current_worker(ctx)
    if worker is not None:
        return who(ctx, worker)
    village = village_info(chosen_village(ctx) or "")
    place = f", {village.name}" if village is not None else ""
    return f"{named_worker(ctx) or '-'}{place}"


def worker_steps(prompt: str, name_prompt: str) -> tuple[Step, ...]:
    """Which worker: a number or "tidak tahu", a pick among a cadre's matches, a check of who was found, and the
    name and village when no number is known."""
    return (
        Step("worker", prompt, parse=parse_worker, summary_label="claims.summary.worker", show=show_worker),
        Step("pick", "lookup.pick", choices=_candidate_choices, condition=_has_candidates),
        Step(
            "worker_ok",
            "claims.worker.confirm",
            choices=_confirm_choices,
            prompt_params=_confirm_params,
            condition=_to_confirm,
        ),
        Step("worker_name", name_prompt, parse=lambda text, ctx: read_person(text), condition=_needs_name),
        Step("village", "claims.village.ask", parse=lambda text, ctx: read_village(text), condition=by_name),
        Step(
            "village_pick",
            "claims.village.pick",
            choices=_village_choices,
            condition=lambda ctx: by_name(ctx) and "candidates" in _village_answer(ctx),
        ),
    )


# -- who reports ------------------------------------------------------------------------------------------------------


def asks_reporter(ctx: Context) -> bool:
    """Whether the reporter's name is asked (a cadre or an admin is known already)."""
    return not ctx.is_staff


def asks_phone(ctx: Context) -> bool:
    """Whether a phone is asked: not when the channel verified one, nor from a cadre or an admin."""
    return not ctx.is_staff and not ctx.contact.phone


def reporter_name(ctx: Context) -> str:
    """The reporter's name: typed, or the cadre's or admin's own."""
    if ctx.staff is not None and ctx.is_staff:
        return ctx.staff.name
    return str(ctx.answers.get("reporter_name") or "-")


def reporter_phone(ctx: Context) -> str | None:
    """The phone to reach the reporter: the verified one, else the one typed."""
    return ctx.contact.phone or ctx.answers.get("phone")


def show_phone(value: Any, ctx: Context) -> str:
    """A phone as people read it."""
    return readable_phone(str(value)) if value else "-"


def reporter_steps() -> tuple[Step, Step]:
    """The reporter's name and phone (each only when not known already)."""
    return (
        Step(
            "reporter_name",
            "claims.reporter.name",
            parse=lambda text, ctx: read_person(text),
            condition=asks_reporter,
            summary_label="claims.summary.reporter",
        ),
        Step(
            "phone",
            "claims.reporter.phone",
            parse=lambda text, ctx: read_phone(text),
            condition=asks_phone,
            expects=PHONE,  # Telegram offers its "share my number" button: a shared number is a verified one
            summary_label="claims.summary.phone",
            show=show_phone,
        ),
    )


# -- a photo ----------------------------------------------------------------------------------------------------------


def photo_files(ctx: Context, *names: str) -> list[dict[str, Any]]:
    """The files kept from the photo answers named."""
    files: list[dict[str, Any]] = []
    for name in names:
        kept = kept_photo(ctx.answers.get(name), ctx)
        if kept is not None:
            files += kept.get("files", ())
    return files


def _retry_params(ctx: Context, name: str) -> dict[str, Any]:
    reason = refused_reason(ctx.answers.get(name), ctx) or "unavailable"
    return {"reason": ctx.t(f"claims.photo.refused.{reason}")}


def photo_steps(name: str, prompt: str, summary_label: str) -> tuple[Step, Step]:
    """An optional photo, and once more when the file was refused (too large, wrong type, not downloaded)."""
    retry = f"{name}_retry"

    def show(value: Any, ctx: Context) -> str:
        files = photo_files(ctx, name, retry)
        if files:
            return ctx.t("claims.summary.photos", count=len(files))
        reason = refused_reason(ctx.answers.get(retry), ctx) or refused_reason(value, ctx)
        return ctx.t(f"claims.summary.refused.{reason}") if reason else ctx.t("claims.summary.no_photo")

    return (
        Step(name, prompt, parse=photo_text, expects=DOCUMENT, summary_label=summary_label, show=show),
        Step(
            retry,
            "claims.photo.retry",
            parse=photo_text,
            expects=DOCUMENT,
            condition=lambda ctx: refused_reason(ctx.answers.get(name), ctx) is not None,
            prompt_params=lambda ctx: _retry_params(ctx, name),
        ),
    )
