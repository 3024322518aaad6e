""" "Pekerja saya": a cadre's workers, village by village, ten to a page with each one's status."""

from __future__ import annotations

from typing import Any

from flows.model import Choice, Context, Flow, Outcome, Step
from rules.coverage import covered_months, membership_on
from rules.membership_status import ACTIVE, IN_ARREARS
from storage import payments, workers

MY_WORKERS = "my_workers"
PAGE_SIZE = 10
NEXT, PREVIOUS, MENU = "next", "prev", "menu"


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


def status_line(ctx: Context, status: str, protected_until: Any) -> str:
    """The status word, with the protected-until date when there is one worth saying."""
    word = ctx.t(f"status.word.{status}")
    if status in (ACTIVE, IN_ARREARS) and protected_until is not None:
        key = "status.until" if status == ACTIVE else "status.unprotected_since"
        return f"{word} ({ctx.t(key, date=ctx.t.date(protected_until))})"
    return word


async def _count(ctx: Context, code: str) -> int:
    """The village's number of workers, counted once per message (the page and its buttons both need it)."""
    key = ("workers in village", code)
    if key not in ctx.memo:
        ctx.memo[key] = await workers.count_in_village(ctx.session, code)
    return int(ctx.memo[key])


async def _listing(ctx: Context) -> dict[str, Any]:
    code, page = _village(ctx), _page(ctx)
    total = await _count(ctx, code)
    found = await workers.page_in_village(ctx.session, code, page, PAGE_SIZE)
    paid = await payments.paid_months_of(ctx.session, (w.id for w in found))
    today = ctx.today(code)
    lines = []
    for worker in found:
        membership = membership_on(today, covered_months(paid.get(worker.id, [])), worker.deceased_on)
        status = status_line(ctx, membership.status, membership.protected_until)
        lines.append(f"- {worker.name}, {worker.registration_number}: {status}")
    pages = max(1, -(-total // PAGE_SIZE))
    if not lines:
        return {"village": _village_name(ctx), "listing": ctx.t("my_workers.empty"), "page": 1, "pages": 1}
    return {"village": _village_name(ctx), "listing": "\n".join(lines), "page": page + 1, "pages": pages}


async def _page_choices(ctx: Context) -> list[Choice]:
    total = await _count(ctx, _village(ctx))
    choices = []
    if (_page(ctx) + 1) * PAGE_SIZE < total:
        choices.append(Choice(NEXT, "my_workers.next", aliases=("lanjut", "berikut", "berikutnya", "next")))
    if _page(ctx) > 0:
        choices.append(Choice(PREVIOUS, "my_workers.previous", aliases=("sebelum", "sebelumnya", "prev", "previous")))
    choices.append(Choice(MENU, "my_workers.menu", aliases=("menu",)))
    return choices


def _village_choices(ctx: Context) -> list[Choice]:
    return [Choice(code, label=f"{name} ({code})") for code, name in (ctx.staff.villages if ctx.staff else ())]


async def _turn_page(ctx: Context) -> Outcome:
    move = ctx.answers.get("move")  # "menu" never gets here: a choice valued "menu" is the shared verb
    page = _page(ctx) + (1 if move == NEXT else -1)
    return Outcome(then=MY_WORKERS, carry={"village": _village(ctx), "page_no": max(0, page)})


def my_workers_flow() -> Flow:
    """Pick a village (when the cadre has several), then page through its workers."""
    return Flow(
        name=MY_WORKERS,
        title="my_workers.title",
        allowed=is_cadre,
        denied="my_workers.denied",
        ask_phone_when_denied=True,
        complete=_turn_page,
        steps=(
            Step(
                "village",
                "my_workers.village",
                choices=_village_choices,
                condition=lambda ctx: "village" not in ctx.answers and bool(ctx.staff and len(ctx.staff.villages) > 1),
            ),
            Step("move", "my_workers.page", choices=_page_choices, prompt_params=_listing),
        ),
    )
