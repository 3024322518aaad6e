""" "Cek status": workers see their own membership, cadres their villages', anyone else with the NIK (or the KPJ card
number) and one detail it does not contain (the last 4 digits of the registered phone, the registration number, or
the other of NIK and KPJ)."""

from __future__ import annotations

import hmac
import re
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

from flows.flow_options import FlowOptions
from flows.i18n import Translator
from flows.lookup_limits import (
    BLOCKED_LOOKUP,
    FAILED_LOOKUP,
    MATCHED_LOOKUP,
    NIK_SUBJECT,
    Block,
    blocked,
    nik_key,
    wait_duration,
    wait_text,
)
from flows.membership_card import describe, describe_briefly, membership_of
from flows.model import Choice, Context, Flow, Invalid, Outcome, Parsed, Step, Stop, Valid
from flows.shared_parsers import nik_refusal
from flows.turn import PHONE
from flows.worker_lookup import lookup_steps, picked_worker_id, selected_worker_id, visible_villages, worker_choice
from rules.coverage import covered_months, membership_on
from rules.dates import InvalidDateError, parse_date
from rules.kpj import TAGGED, InvalidKpjError, read_kpj
from rules.membership_status import STATUSES
from rules.name_titles import canonical_title
from rules.nik import InvalidNikError, parse_nik
from rules.phones import InvalidPhoneError, normalise_mobile
from rules.timezones import zone_for_village, zone_label
from storage import audit, contacts, outbox, payments, workers
from storage.models import AuditEvent, Worker

STATUS = "status"
STATUS_STAFF = "status_staff"
STATUS_OWN = "status_own"
STATUS_CHECK = "status_check"
STATUS_CHECKED = "status_checked"  # the outbox kind of the notice to a worker whose status a stranger has seen


async def _audit(ctx: Context, action: str, worker_id: int | None, **details: Any) -> AuditEvent:
    return await audit.record_event(
        ctx.session,
        action,
        contact_id=ctx.contact.id,
        person_id=ctx.staff.person_id if ctx.staff else None,
        subject_type="worker" if worker_id is not None else None,
        subject_id=str(worker_id) if worker_id is not None else None,
        details=details,
        at=ctx.now,
    )


# -- the router ---------------------------------------------------------------------------


async def _route(ctx: Context) -> Outcome:
    if ctx.is_staff:
        return Outcome(then=STATUS_STAFF)
    if ctx.contact.phone:
        own = await workers.workers_with_phone(ctx.session, ctx.contact.phone)
        if len(own) == 1:
            membership = await membership_of(ctx, own[0])
            await _audit(ctx, "status_lookup", own[0].id, mode="own")
            return Outcome(texts=[await describe(ctx, own[0], membership, full_nik=True)], then="menu")
        if own:
            return Outcome(then=STATUS_OWN, carry={"own": [[w.id, w.name] for w in own]})
    block = await blocked(ctx)  # the contact's own limit; the NIK's and the overall one once the NIK is typed
    if block is not None:
        await _audit_block(ctx, block, None)
        return Outcome(texts=[wait_text(ctx, block.until)], then="menu")
    return Outcome(then=STATUS_CHECK)


def status_flow() -> Flow:
    """Sends each asker to the status conversation they may have."""
    return Flow(name=STATUS, title="status.title", steps=(), complete=_route)


# -- a worker with several registrations on one phone -------------------------------------


def _own_choices(ctx: Context) -> list[Choice]:
    return [worker_choice(wid, name) for wid, name in ctx.answers["own"]]


async def _show_own(ctx: Context) -> Outcome:
    worker_id = picked_worker_id(ctx.answers["pick"])
    if worker_id not in {int(wid) for wid, _ in ctx.answers["own"]}:
        return Outcome(then="menu")
    worker = await workers.get_worker(ctx.session, worker_id)
    assert worker is not None
    await _audit(ctx, "status_lookup", worker.id, mode="own")
    return Outcome(texts=[await describe(ctx, worker, await membership_of(ctx, worker), full_nik=True)], then="menu")


def status_own_flow() -> Flow:
    """Several workers share this phone: pick whose status to see."""
    return Flow(
        name=STATUS_OWN,
        title="status.title",
        steps=(Step("pick", "status.own.pick", choices=_own_choices),),
        complete=_show_own,
        allowed=lambda ctx: "own" in ctx.answers,
    )


# -- cadres and admins --------------------------------------------------------------------

_STAFF_MODES = (
    Choice("worker", "status.staff.worker", aliases=("cari", "pekerja", "nik", "nama")),
    Choice("summary", "status.staff.summary", aliases=("ringkasan", "desa", "summary")),
)


def _looking_up(ctx: Context) -> bool:
    return ctx.answers.get("mode") == "worker"


async def _village_summary(ctx: Context) -> str:
    codes = visible_villages(ctx)
    assert ctx.staff is not None
    if codes is None:
        codes = ctx.staff.village_codes
    names = dict(ctx.staff.villages)
    found = await workers.workers_in_villages(ctx.session, codes)
    paid = await payments.paid_months_of(ctx.session, (w.id for w in found))
    counts: dict[str, Counter[str]] = {code: Counter() for code in codes}
    for worker in found:
        today = ctx.today(worker.village_code)
        status = membership_on(today, covered_months(paid.get(worker.id, [])), worker.deceased_on).status
        counts[worker.village_code][status] += 1
    blocks = []
    for code in codes:
        parts = ", ".join(f"{ctx.t(f'status.word.{s}')} {counts[code][s]}" for s in STATUSES)
        total = sum(counts[code].values())
        blocks.append(ctx.t("status.summary.village", village=names.get(code, code), total=total, parts=parts))
    await _audit(ctx, "status_summary", None, villages=list(codes))
    return "\n\n".join(blocks) if blocks else ctx.t("status.summary.none")


async def _show_for_staff(ctx: Context) -> Outcome:
    if ctx.answers.get("mode") == "summary":
        return Outcome(texts=[await _village_summary(ctx)], then="menu")
    worker = await workers.get_worker(ctx.session, selected_worker_id(ctx))
    scope = visible_villages(ctx)
    if worker is None or (scope is not None and worker.village_code not in scope):
        return Outcome(texts=[ctx.t("lookup.not_found")], then="menu")
    await _audit(ctx, "status_lookup", worker.id, mode="staff")
    # The whole NIK only for admins and the cadre who registered the worker (docs/architecture.md, "Roles").
    assert ctx.staff is not None
    full_nik = ctx.staff.is_admin or worker.registered_by == ctx.staff.person_id
    card = await describe(ctx, worker, await membership_of(ctx, worker), full_nik=full_nik)
    return Outcome(texts=[card], then="menu")


def status_staff_flow() -> Flow:
    """A cadre or admin looks up a worker of their villages, or sees the villages' summary."""
    query, pick = lookup_steps(condition=_looking_up)
    return Flow(
        name=STATUS_STAFF,
        title="status.title",
        steps=(Step("mode", "status.staff.ask", choices=_STAFF_MODES), query, pick),
        complete=_show_for_staff,
        allowed=lambda ctx: ctx.is_staff,
    )


# -- anyone else: the NIK (or KPJ) and one detail it does not contain ----------------------
#
# The birth date is written inside the NIK (digits 7-12), so it proves nothing. The second detail is the last 4 digits
# of the worker's registered phone, their registration number, or their KPJ card number (a worker with no phone: not
# the first; with no KPJ recorded: not the last). Someone with the card instead of the NIK types the KPJ first; the
# second detail is then the phone digits, the registration number or the NIK. Nothing told or asked depends on whether
# the number is registered until both match, and every check does the same lookup. The limits count misses per
# typed number: a NIK, or "kpj:" and the KPJ, each by its keyed hash (flows/lookup_limits.py).

BY_PHONE = "phone"
BY_REGISTRATION = "registration"
BY_KPJ = "kpj"
BY_NIK = "nik"
KPJ_FIRST = TAGGED  # the first answer when it is a KPJ: "kpj:17012345678" (a NIK is stored as its 16 digits)
_PHONE_DIGITS = 4
_KPJ_DIGITS = 11  # a BPJS Ketenagakerjaan card number (rules/kpj.py)
_NIK_DIGITS = 16
# REG-6310-000001: the regency's 4 digits, then the worker's id in at least 6; without "REG", exactly 10 digits.
_REGISTRATION_DIGITS = 10


def _parse_check_nik_with(options: FlowOptions | None) -> Any:
    async def parse(text: str, ctx: Context) -> Parsed:
        try:
            nik = parse_nik(text, ctx.today()).number
        except InvalidNikError as error:
            if error.reason != "length":
                return nik_refusal(error, text)
            try:
                nik = KPJ_FIRST + read_kpj(text)  # the card's number instead of the NIK
            except InvalidKpjError:
                return nik_refusal(error, text)
        # A NIK many have missed today waits like any other block: the same words, whether it is registered or not.
        block = await blocked(ctx, options, nik)
        if block is not None:
            await _audit_block(ctx, block, nik)
            return Stop("status.check.wait", {"wait": wait_duration(ctx, block.until)})
        return Valid(nik)

    return parse


def _kpj_first(ctx: Context) -> bool:
    """Whether the first number typed was a KPJ card number rather than a NIK."""
    return str(ctx.answers.get("nik", "")).startswith(KPJ_FIRST)


def _parse_second(text: str, ctx: Context) -> Parsed:
    """The last 4 digits of a phone ("phone:1234"), a registration number ("registration:REG-6310-000001"), or the
    other of KPJ ("kpj:17012345678") and NIK ("nik:…"), as typed; why not, when it is none. Which one is given is read
    from what is typed."""
    typed = re.sub(r"[\s.\-/]", "", text).upper()
    if typed.startswith("KPJ"):
        typed = typed.removeprefix("KPJ").removeprefix(":")
    prefixed = typed.startswith("REG")
    digits = typed.removeprefix("REG")
    only_digits = digits.isdigit() and digits.isascii()
    if only_digits and len(digits) == _PHONE_DIGITS and not prefixed:
        return Valid(f"{BY_PHONE}:{digits}")
    if only_digits and (
        (prefixed and len(digits) >= _REGISTRATION_DIGITS)
        or (len(digits) == _REGISTRATION_DIGITS and not digits.startswith("0"))
    ):
        return Valid(f"{BY_REGISTRATION}:REG-{digits[:4]}-{digits[4:]}")
    if typed.startswith(("0", "+", "62")) and _is_mobile(text):
        return Invalid("status.check.invalid.phone_digits")  # the whole number: only its last 4 digits are asked
    if only_digits and not prefixed and len(digits) == _KPJ_DIGITS:
        return Invalid("kpj.status_check.same") if _kpj_first(ctx) else Valid(f"{BY_KPJ}:{digits}")
    if only_digits and not prefixed and len(digits) == _NIK_DIGITS and _kpj_first(ctx):
        return Valid(f"{BY_NIK}:{digits}")
    return _not_a_detail(text, ctx)


def _is_mobile(text: str) -> bool:
    try:
        normalise_mobile(text)
    except InvalidPhoneError:
        return False
    return True


def _not_a_detail(text: str, ctx: Context) -> Invalid:
    """Why a typed answer is no detail: a birth date is told why not (the NIK holds it), anything else what to type."""
    try:
        parse_date(text, ctx.today())
    except InvalidDateError:
        return Invalid("status.check.invalid.detail")
    return Invalid("status.check.invalid.birth_date")


def _detail(ctx: Context) -> tuple[str, str]:
    """The detail given, as (which, value)."""
    by, _, value = str(ctx.answers.get("second") or ctx.answers["second_kpj"]).partition(":")
    return by, value


def _expected(worker: Worker | None, by: str) -> str:
    """What the detail must be for this worker: the last 4 digits of their phone, their registration number, their
    KPJ or their NIK."""
    if worker is None:
        return ""
    if by == BY_PHONE:
        return worker.phone[-_PHONE_DIGITS:] if worker.phone else ""
    if by == BY_KPJ:
        return worker.kpj or ""
    if by == BY_NIK:
        return worker.nik
    return worker.registration_number or ""


def _matches(worker: Worker | None, by: str, value: str) -> bool:
    """Whether the detail is the worker's, compared in constant time (and compared even when there is no worker)."""
    expected = _expected(worker, by)
    same = hmac.compare_digest(value.encode(), (expected or "-").encode())
    return bool(expected) and same


async def _audit_block(ctx: Context, block: Block, nik: str | None) -> None:
    await audit.record_event(
        ctx.session,
        BLOCKED_LOOKUP,
        contact_id=ctx.contact.id,
        subject_type=NIK_SUBJECT if nik is not None else None,
        subject_id=nik_key(nik) if nik is not None else None,
        details={"limits": list(block.limits)},
        at=ctx.now,
    )


def _checker(options: FlowOptions | None) -> Any:
    async def check(ctx: Context) -> Outcome:
        nik = str(ctx.answers["nik"])
        block = await blocked(ctx, options, nik)
        if block is not None:
            await _audit_block(ctx, block, nik)
            return Outcome(texts=[wait_text(ctx, block.until)], then="menu")
        by, value = _detail(ctx)
        if nik.startswith(KPJ_FIRST):
            worker = await workers.worker_with_kpj(ctx.session, nik.removeprefix(KPJ_FIRST))
        else:
            worker = await workers.worker_with_nik(ctx.session, nik)
        if not _matches(worker, by, value):
            await audit.record_event(
                ctx.session,
                FAILED_LOOKUP,
                contact_id=ctx.contact.id,
                subject_type=NIK_SUBJECT,
                subject_id=nik_key(nik),
                details={"by": by},
                at=ctx.now,
            )
            block = await blocked(ctx, options, nik)
            no_match = "kpj.status_check.no_match" if nik.startswith(KPJ_FIRST) else "status.check.no_match"
            first = wait_text(ctx, block.until) if block is not None else ctx.t(no_match)
            return Outcome(texts=[f"{first}\n{ctx.t('status.check.register_only')}"], then="menu")
        assert worker is not None
        event = await _audit(ctx, MATCHED_LOOKUP, worker.id, by=by)
        await _tell_worker(ctx, worker, event.id)
        return Outcome(texts=[describe_briefly(ctx, worker, await membership_of(ctx, worker))], then="menu")

    return check


def _first_name(name: str) -> str:
    """The first word of a name after any titles ("H. Abdul Karim, S.Pd" → "Abdul"): how a notice greets."""
    words = [word.rstrip(",") for word in name.split()]
    for word in words:
        if word and canonical_title(word) is None:
            return word
    return name


async def _tell_worker(ctx: Context, worker: Worker, check_id: int) -> None:
    """Tells the worker, on each reachable contact of their phone, that someone has just seen their status."""
    if not worker.phone:
        return
    zone = zone_for_village(worker.village_code)
    local = ctx.now.astimezone(ZoneInfo(zone))
    name = _first_name(worker.name)
    for contact in await contacts.contacts_with_phone(ctx.session, worker.phone):
        if contact.id == ctx.contact.id or not contacts.is_reachable_for_proactive(contact):
            continue
        t = Translator(contact.language)
        when = t(
            "status.notice.when",
            date=t.date(local.date()),
            hour=f"{local.hour:02d}",
            minute=f"{local.minute:02d}",
            zone=zone_label(zone),
        )
        await outbox.enqueue(
            ctx.session,
            contact,
            STATUS_CHECKED,
            t("status.notice.checked", name=name, when=when),
            key=f"{STATUS_CHECKED}:{check_id}:{contact.id}",
            variables={"1": name, "2": when},
        )


def status_check_flow(options: FlowOptions | None = None) -> Flow:
    """The NIK (or KPJ) and one detail it does not contain must both match; only the status word and date are told,
    the NIK masked; limited per contact, per number and overall (flows/lookup_limits.py); the worker is told of each
    check."""
    options = options or FlowOptions()
    return Flow(
        name=STATUS_CHECK,
        title="status.title",
        steps=(
            Step("nik", "status.check.nik", parse=_parse_check_nik_with(options), expects=PHONE),
            Step("second", "status.check.second", parse=_parse_second, condition=lambda ctx: not _kpj_first(ctx)),
            Step("second_kpj", "kpj.status_check.second", parse=_parse_second, condition=_kpj_first),
        ),
        complete=_checker(options),
        restart_on_phone=STATUS,
    )
