"""A property over payments, voids and imports together: whatever sequence of chat payments (through the chat's own
months and amount questions and its plan), payments recorded through storage, voids (the chat's and the CLI's
function) and branch-office rows imported (the real import, twice over), the months a worker is protected for, as the
status card computes them, are exactly the months of the payments not voided, each paid in full at its month's rate,
and no month is counted twice."""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, update

from bot.payments_import import import_payments
from flows.i18n import Translator
from flows.model import Context, Valid
from flows.payment_plan import recorded_plan, starting_point
from flows.payment_steps import parse_amount, parse_months
from rules.contribution import monthly_amount
from rules.coverage import covered_months, first_unpaid_from, membership_on
from rules.months import add_months
from storage import payment_voids, payments, workers
from storage.models import Payment, Worker
from storage.payments import NewPayment
from tests.factories import add_worker

# Registered in October 2026; "today" mid-October (not late in the month). The transport worker's discount
# (PP 50/2025) ends after March 2027, so her months are priced at two rates within the year that may be paid.
REGISTERED = datetime(2026, 10, 10, 2, 0, tzinfo=UTC)
NOW = datetime(2026, 10, 15, 2, 0, tzinfo=UTC)
TODAY = date(2026, 10, 15)
FIRST = date(2026, 10, 1)
WORKERS = (
    ("6310054508800001", "Siti Aminah", {}),
    ("6310051203750002", "Budi Santoso", {"income": 2_000_000, "programmes": ("JKK", "JKM", "JHT")}),
    ("6310055508800003", "Citra Ojek", {"occupation": "ojek_sopir", "payer": "worker"}),
)

_chat = st.tuples(st.just("chat"), st.integers(0, 2), st.integers(1, 12), st.sampled_from([0, -1_000, 7_000, 60_000]))
_storage = st.tuples(st.just("storage"), st.integers(0, 2), st.integers(0, 13), st.integers(1, 6))
_void = st.tuples(st.just("void"), st.integers(0, 20))
_import = st.tuples(
    st.just("import"),
    st.integers(0, 2),
    st.integers(0, 13),  # the first month, from October 2026: up to 12 months ahead may be paid
    st.integers(1, 6),
    st.sampled_from(["BR-A", "BR-B"]),
    st.sampled_from([0, 0, 0, 100]),  # mostly the right amount; sometimes Rp100 off (refused)
)
_again = st.tuples(st.just("reimport"))
OPERATIONS = st.lists(st.one_of(_chat, _storage, _void, _import, _again), max_size=10)
PROPERTY = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def months_of(first: date, count: int) -> list[date]:
    return [add_months(first, n) for n in range(count)]


async def _workers(database) -> list[Worker]:
    """The three workers, registered once per database; every example starts with no payment."""
    async with database.transaction() as session:
        await session.execute(delete(Payment))
        found = await payments.worker_ids_by_nik(session, [nik for nik, _, _ in WORKERS])
        for nik, name, options in WORKERS:
            if nik not in found:
                found[nik] = await add_worker(session, nik, name, date(1980, 8, 5), **options)
        await session.execute(update(Worker).values(registered_at=REGISTERED))
        loaded = [await workers.get_worker(session, found[nik]) for nik, _, _ in WORKERS]
    return [w for w in loaded if w is not None]


def _context(session, worker: Worker) -> Context:
    answers = {"query": {"id": worker.id}}
    return Context(session, None, None, None, NOW, answers, Translator("id"))  # type: ignore[arg-type]


async def _chat_payment(session, worker: Worker, months: int, extra: int, number: int) -> NewPayment | None:
    """A cadre's payment as "Catat pembayaran" records it: the months question (only what it accepts), the amount
    typed (the contribution plus `extra`), the whole months it pays, from the month the chat starts at."""
    ctx = _context(session, worker)
    _, _, _, start = await starting_point(ctx)
    covered = set(covered_months(await payments.paid_months(session, worker.id)))
    chosen = await parse_months(str(months), ctx)
    if not isinstance(chosen, Valid):
        assert covered & set(months_of(start, months))  # refused only because one of the months is paid already
        return None
    ctx.answers["months"] = chosen.value
    expected = sum(monthly_amount(worker, m) or 0 for m in months_of(start, months))
    paid = expected + extra
    amount = await parse_amount(str(paid), ctx)
    if not isinstance(amount, Valid):
        return None  # less than a month: refused in the chat
    ctx.answers["amount"] = amount.value
    plan = await recorded_plan(ctx)
    return NewPayment(worker.id, plan["first"], plan["months"], paid, payments.CADRE, f"KW-{number}")


def _row_file(directory: Path, number: int, worker: Worker, first: date, months: int, amount: int, ref: str) -> Path:
    path = directory / f"cabang-{number}.csv"
    path.write_text(f"nik,paid_from,months,amount,reference\n{worker.nik},{first:%Y-%m},{months},{amount},{ref}\n")
    return path


@PROPERTY
@given(operations=OPERATIONS)
async def test_protected_months_are_exactly_the_months_paid_in_full_whatever_is_recorded_voided_or_imported(
    database, operations
):
    people = await _workers(database)
    # The model: the payments not voided, as (worker id, first month, months, amount, source, reference).
    live: list[tuple[int, date, int, int, str, str]] = []
    last_file: tuple[Path, tuple[int, date, int, int, str, str]] | None = None
    with tempfile.TemporaryDirectory() as folder:
        for number, operation in enumerate(operations):
            kind = operation[0]
            if kind == "chat":
                _, who, months, extra = operation
                worker = people[who]
                async with database.transaction() as session:
                    new = await _chat_payment(session, worker, months, extra, number)
                    if new is not None:
                        taken = {m for w, f, n, *_ in live if w == worker.id for m in months_of(f, n)}
                        assert not taken & set(months_of(new.first_month, new.months)), "a month paid twice"
                        assert await payments.add_payment(session, new)
                        live.append((worker.id, new.first_month, new.months, new.amount, new.source, new.reference))
            elif kind == "storage":
                _, who, offset, months = operation
                worker = people[who]
                taken = {m for w, f, n, *_ in live if w == worker.id for m in months_of(f, n)}
                first = first_unpaid_from(sorted(taken), add_months(FIRST, offset))
                count = next((n for n in range(months) if add_months(first, n) in taken), months)  # unpaid in a row
                amount = sum(monthly_amount(worker, m) or 0 for m in months_of(first, count))
                new = NewPayment(worker.id, first, count, amount, payments.CADRE, f"ST-{number}")
                async with database.transaction() as session:
                    assert await payments.add_payment(session, new)
                live.append((worker.id, first, count, amount, payments.CADRE, new.reference))
            elif kind == "void":
                if not live:
                    continue
                gone = live[operation[1] % len(live)]
                async with database.transaction() as session:
                    found = await payments.payments_with_reference(session, gone[5], gone[0])
                    payment = next(p for p, _ in found if p.voided_at is None and p.first_month == gone[1])
                    assert await payment_voids.void_audited(session, [payment], "salah catat", None, NOW) == 1
                live.remove(gone)
            else:
                if kind == "import":
                    _, who, offset, months, reference, off = operation
                    worker = people[who]
                    first = add_months(FIRST, offset)
                    amount = sum(monthly_amount(worker, m) or 0 for m in months_of(first, months)) + off
                    row = (worker.id, first, months, amount, payments.IMPORT, reference)
                    last_file = (_row_file(Path(folder), number, worker, first, months, amount, reference), row)
                elif last_file is None:
                    continue
                path, row = last_file
                worker_id, first, months, amount = row[:4]
                worker = next(w for w in people if w.id == worker_id)
                taken = {m for w, f, n, *_ in live if w == worker_id for m in months_of(f, n)}
                right = amount == sum(monthly_amount(worker, m) or 0 for m in months_of(first, months))
                within = add_months(first, months - 1) <= add_months(FIRST, 12)
                again = row in live
                report = await import_payments(database, path, TODAY, show_progress=False)
                if again:
                    assert (report.imported, report.inserted, report.errors) == (True, 0, [])
                elif right and within and not taken & set(months_of(first, months)):
                    assert (report.imported, report.inserted, report.errors) == (True, 1, [])
                    live.append(row)
                else:
                    assert not report.imported and len(report.errors) == 1, report.errors

        async with database.transaction() as session:
            for worker in people:
                mine = [r for r in live if r[0] == worker.id]
                recorded = await payments.paid_months(session, worker.id)
                assert sorted(recorded) == sorted((f, n) for _, f, n, *_ in mine)
                every = [m for f, n in recorded for m in months_of(f, n)]
                assert len(every) == len(set(every)), "a month counted twice"
                # The card's months (flows/membership_card.py: covered_months of paid_months) are exactly these.
                covered = covered_months(recorded)
                assert covered == sorted(every)
                membership = membership_on(TODAY, covered, worker.deceased_on)
                if FIRST in every:
                    assert membership.protected_until is not None and membership.protected_until >= TODAY
                for _, first, months, amount, source, _ in mine:
                    cost = sum(monthly_amount(worker, m) or 0 for m in months_of(first, months))
                    # In full at each month's own rate: an import exactly, a chat payment with any rest as a note.
                    assert cost == amount if source == payments.IMPORT else cost <= amount
