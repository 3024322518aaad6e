""" "Pekerja saya": a cadre's workers by village, counted per status, listed by urgency; a picked one's card."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from flows.membership_card import describe, membership_of
from flows.model import Choice, Context, Flow, Outcome, Step
from flows.staff_villages import village_choices
from flows.worker_lookup import picked_worker_id, worker_choice
from rules.contribution import monthly_amount
from rules.coverage import Membership, covered_months, membership_on, month_end, months_owed
from rules.membership_status import ACTIVE, DECEASED, IN_ARREARS, LAPSED, NOT_ACTIVE
from storage import audit, workers
from storage.models import Worker
from storage.worker_listing import village_workers_with_payments

MY_WORKERS = "my_workers"
PAGE_SIZE = 10
NEXT, PREVIOUS, MENU = "next", "prev", "menu"
DUE, ALL = "due", "all"  # the filter "harus bayar bulan ini" and back to every worker
STATUS, BACK = "status", "back"  # the card's actions
OWED, DUE_NOW, REST = 0, 1, 2  # the urgency groups, in listing order
COUNTED = (ACTIVE, IN_ARREARS, NOT_ACTIVE, LAPSED, DECEASED)  # the counts at the top, in this order


def is_cadre(ctx: Context) -> bool:
    """Only cadres have workers of their own."""
    return ctx.staff is not None and ctx.staff.is_cadre


def _village(ctx: Context) -> str:
    assert ctx.staff is not None
    return str(ctx.answers.get("village") or ctx.staff.village_codes[0])


def _village_name(ctx: Context) -> str:
    code = _village(ctx)
    names = dict(ctx.staff.villages) if ctx.staff else {}
    return names.get(code, code)


def _page(ctx: Context) -> int:
    return int(ctx.answers.get("page_no", 0))


def _filtered(ctx: Context) -> bool:
    return ctx.answers.get("filter") == DUE


def status_line(ctx: Context, status: str, protected_until: Any) -> str:
    """The status word, with the protected-until date when there is one worth saying."""
    word = ctx.t(f"status.word.{status}")
    if status in (ACTIVE, IN_ARREARS) and protected_until is not None:
        key = "status.until" if status == ACTIVE else "status.unprotected_since"
        return f"{word} ({ctx.t(key, date=ctx.t.date(protected_until))})"
    return word


@dataclass(frozen=True)
class Row:
    """One listed worker: their membership today, urgency group, and what is due (months, amount; None for PU)."""

    worker: Worker
    membership: Membership
    group: int
    months: int
    amount: int | None


def _row(worker: Worker, membership: Membership, today: date) -> Row:
    """Where a worker stands: in arrears (the months owed), due this month (next month's contribution), or neither."""
    if membership.status == IN_ARREARS:
        owed = months_owed(membership, today)
        amounts = [monthly_amount(worker, month) for month in owed]
        total = None if any(a is None for a in amounts) else sum(a for a in amounts if a is not None)
        return Row(worker, membership, OWED, len(owed), total)
    if membership.status == ACTIVE and membership.protected_until == month_end(today) and membership.next_due:
        return Row(worker, membership, DUE_NOW, 1, monthly_amount(worker, membership.next_due))
    return Row(worker, membership, REST, 0, None)


def _urgency(row: Row) -> tuple[int, int]:
    """The listing order: the group, then (in arrears) the oldest unpaid month first."""
    due = row.membership.next_due
    return row.group, due.toordinal() if row.group == OWED and due is not None else 0


async def _rows(ctx: Context) -> list[Row]:
    """Every worker of the village by urgency, from one query of the workers with their paid months."""
    code = _village(ctx)
    key = ("my workers rows", code)
    if key not in ctx.memo:
        today = ctx.today(code)
        rows = []
        for listed in await village_workers_with_payments(ctx.session, code):
            worker = listed.worker
            membership = membership_on(today, covered_months(listed.paid), worker.deceased_on)
            rows.append(_row(worker, membership, today))
        # Oldest unpaid month first among arrears; the listing query already sorts by name, and sorted() is stable.
        ctx.memo[key] = sorted(rows, key=_urgency)
    return list(ctx.memo[key])


async def _shown_rows(ctx: Context) -> list[Row]:
    rows = await _rows(ctx)
    return [r for r in rows if r.group != REST] if _filtered(ctx) else rows


async def _page_rows(ctx: Context) -> list[Row]:
    start = _page(ctx) * PAGE_SIZE
    return (await _shown_rows(ctx))[start : start + PAGE_SIZE]


def _line(ctx: Context, row: Row) -> str:
    worker, membership = row.worker, row.membership
    status = status_line(ctx, membership.status, membership.protected_until)
    if row.group != REST:
        money = ctx.t.money(row.amount) if row.amount is not None else ctx.t("contribution.pu")
        key = "my_workers.owed" if row.group == OWED else "my_workers.due"
        status = ctx.t(key, status=status, months=row.months, amount=money)
    return f"- {worker.name}, {worker.registration_number}: {status}"


async def _listing(ctx: Context) -> dict[str, Any]:
    rows, shown = await _rows(ctx), await _shown_rows(ctx)
    counts = Counter(r.membership.status for r in rows)
    counted = ", ".join(f"{ctx.t(f'status.word.{s}')} {counts[s]}" for s in COUNTED)
    lines = [_line(ctx, row) for row in await _page_rows(ctx)]
    if not lines:
        listing = ctx.t("my_workers.none_due" if _filtered(ctx) and rows else "my_workers.empty")
    else:
        listing = "\n".join(lines)
    return {
        "village": _village_name(ctx),
        "counts": counted,
        "heading": ctx.t("my_workers.heading_due" if _filtered(ctx) else "my_workers.heading_all"),
        "listing": listing,
        "page": _page(ctx) + 1,
        "pages": max(1, -(-len(shown) // PAGE_SIZE)),
    }


async def _page_choices(ctx: Context) -> list[Choice]:
    total = len(await _shown_rows(ctx))
    choices = [worker_choice(r.worker.id, r.worker.name) for r in await _page_rows(ctx)]
    if (_page(ctx) + 1) * PAGE_SIZE < total:
        choices.append(Choice(NEXT, "my_workers.next", aliases=("lanjut", "berikut", "berikutnya", "next")))
    if _page(ctx) > 0:
        choices.append(Choice(PREVIOUS, "my_workers.previous", aliases=("sebelum", "sebelumnya", "prev", "previous")))
    if await _rows(ctx):  # an empty village has nobody to filter
        if _filtered(ctx):
            choices.append(Choice(ALL, "my_workers.all", aliases=("semua", "semua pekerja", "all", "all workers")))
        else:
            due_words = ("harus bayar", "bulan ini", "due", "due this month", "must pay")
            choices.append(Choice(DUE, "my_workers.filter_due", aliases=due_words))
    choices.append(Choice(MENU, "my_workers.menu", aliases=("menu",)))
    return choices


# -- a worker's card ------------------------------------------------------------------------------------------------


def _picked(ctx: Context) -> int | None:
    """The worker whose card is open: carried back to the card, or just picked from the list."""
    if "card" in ctx.answers:
        return int(ctx.answers["card"])
    move = str(ctx.answers.get("move") or "")
    return picked_worker_id(move) if move.startswith("w") else None


async def _card(ctx: Context) -> dict[str, Any]:
    worker_id = _picked(ctx)
    assert worker_id is not None and ctx.staff is not None
    worker = await workers.get_worker(ctx.session, worker_id)
    if worker is None or worker.village_code not in ctx.staff.village_codes:
        return {"card": ctx.t("lookup.not_found")}
    await audit.record_event(
        ctx.session,
        "status_lookup",
        contact_id=ctx.contact.id,
        person_id=ctx.staff.person_id,
        subject_type="worker",
        subject_id=str(worker.id),
        details={"mode": "my_workers"},
        at=ctx.now,
    )
    # The whole NIK only for admins and the cadre who registered the worker (docs/architecture.md, "Roles").
    full_nik = ctx.staff.is_admin or worker.registered_by == ctx.staff.person_id
    return {"card": await describe(ctx, worker, await membership_of(ctx, worker), full_nik=full_nik)}


PAY, EDIT, VOID = "pay", "edit", "void"
# The card's actions that open another flow with this worker already found (its first step, `query`, answered).
HANDED_OVER = {PAY: "payment", EDIT: "edit_worker", VOID: "void_payment"}
_CARD_ACTIONS = (
    Choice(PAY, "my_workers.card_pay", aliases=("bayar", "catat pembayaran", "record payment", "pay")),
    Choice(EDIT, "my_workers.card_edit", aliases=("ubah", "ubah data", "edit", "change details", "koreksi")),
    Choice(VOID, "my_workers.card_void", aliases=("batalkan pembayaran", "void", "void a payment", "void payment")),
    Choice(STATUS, "my_workers.card_status", aliases=("status", "cek status", "kartu", "card")),
    Choice(BACK, "my_workers.card_back", aliases=("daftar", "kembali ke daftar", "list", "back to the list")),
)


async def _finish(ctx: Context) -> Outcome:
    carry: dict[str, Any] = {"village": _village(ctx), "page_no": _page(ctx)}
    if _filtered(ctx):
        carry["filter"] = DUE
    worker_id = _picked(ctx)
    if worker_id is not None:
        action = ctx.answers.get("action")
        if action in HANDED_OVER:  # payment, "Ubah data" or a void starts with this worker already found
            return Outcome(then=HANDED_OVER[str(action)], carry={"query": {"id": worker_id}})
        if action == STATUS:
            carry["card"] = worker_id
        return Outcome(then=MY_WORKERS, carry=carry)
    move = ctx.answers.get("move")  # "menu" never gets here: a choice valued "menu" is the shared verb
    if move in (DUE, ALL):
        carry["page_no"] = 0
        carry.pop("filter", None)
        if move == DUE:
            carry["filter"] = DUE
    else:
        carry["page_no"] = max(0, _page(ctx) + (1 if move == NEXT else -1))
    return Outcome(then=MY_WORKERS, carry=carry)


def my_workers_flow() -> Flow:
    """Pick a village (when the cadre has several), page through its workers by urgency, open one's status card."""
    return Flow(
        name=MY_WORKERS,
        title="my_workers.title",
        allowed=is_cadre,
        denied="my_workers.denied",
        ask_phone_when_denied=True,
        complete=_finish,
        steps=(
            Step(
                "village",
                "my_workers.village",
                choices=village_choices,
                condition=lambda ctx: "village" not in ctx.answers and bool(ctx.staff and len(ctx.staff.villages) > 1),
            ),
            Step(
                "move",
                "my_workers.page",
                choices=_page_choices,
                prompt_params=_listing,
                condition=lambda ctx: "card" not in ctx.answers,
            ),
            Step(
                "action",
                "my_workers.card",
                choices=_CARD_ACTIONS,
                prompt_params=_card,
                condition=lambda ctx: _picked(ctx) is not None,
            ),
        ),
    )
