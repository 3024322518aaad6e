"""Benchmark: "Bayar untuk desa" for a village of N village-paid workers, 12 months, the whole conversation through the
engine (the menu word, months, "ya", the receipt, the confirmation), then the same receipt again (must record
nothing); beside the baseline measured in the same run: the same payments recorded one by one through the payment
flow's conversation ("bayar", NIK, "12", "ya", receipt, "ya"), timed for `--baseline` workers and scaled to N.

Usage: .venv/bin/python bench/village_payment.py [--workers 100] [--baseline 10] [--database URL] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

from rich.console import Console
from rich.table import Table
from rows import BenchRow, database_name  # bench/rows.py
from seed import VILLAGE, worker_row  # bench/seed.py: scripts run from bench/ as their own folder
from sqlalchemy import delete, func, insert, select, text

from flows.engine import Engine
from flows.registry import default_registry
from flows.turn import Inbound
from rules.regions import village_info
from storage import migrate, people, villages
from storage.database import Database, open_database
from storage.models import Payment, Worker

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
REGISTERED_AT = datetime(2026, 10, 15, 2, 0, tzinfo=UTC)
CADRE_PHONE = "+6281234567890"
_ids = itertools.count(1)


def nik_for(index: int) -> str:
    """A valid, unique NIK for the index (region 631002)."""
    born = date(1970, 1, 1) + timedelta(days=index // 9000)
    return f"631002{born:%d%m%y}{index % 9000 + 1:04d}"


async def seed(database: Database, count: int) -> None:
    """The village, its cadre and `count` village-paid BPU workers (inserted directly)."""
    async with database.transaction() as session:
        info = village_info(VILLAGE)
        assert info is not None
        await villages.ensure_village(session, info)
        await people.add_person(session, "Siti Rahmah", CADRE_PHONE, [VILLAGE])
        rows = [worker_row(index, nik_for(index), date(1980, 1, 1), REGISTERED_AT) for index in range(count)]
        await session.execute(insert(Worker), rows)


async def clear_payments(database: Database) -> None:
    """Empties the payment table, so every run starts from the same register."""
    async with database.transaction() as session:
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(text("TRUNCATE payment RESTART IDENTITY"))
        else:
            await session.execute(delete(Payment))


async def payments_count(database: Database) -> int:
    """How many payments are recorded."""
    async with database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(Payment)) or 0)


async def say(engine: Engine, address: str, message: str) -> str:
    """Sends one message as the cadre on Telegram; the replies' text."""
    inbound = Inbound(
        channel="telegram", address=address, text=message, message_id=f"b-{next(_ids)}", verified_phone=CADRE_PHONE
    )
    return "\n".join(reply.text or "" for reply in await engine.handle(inbound))


async def village_conversation(engine: Engine, address: str, reference: str) -> tuple[float, float]:
    """The whole village payment conversation: its seconds, and those of the confirmation (the saving) alone."""
    started = time.perf_counter()
    for message in ("bayar untuk desa", "12", "ya", reference):
        await say(engine, address, message)
    saving = time.perf_counter()
    saved = await say(engine, address, "ya")
    ended = time.perf_counter()
    assert saved.startswith(("Tercatat", "Kwitansi")), saved[:200]
    return ended - started, ended - saving


async def one_by_one(engine: Engine, address: str, count: int) -> float:
    """The payment flow's conversation for the first `count` workers, one after another: seconds."""
    started = time.perf_counter()
    for index in range(count):
        for message in ("bayar", nik_for(index), "12", "ya", f"KW-{index}"):
            await say(engine, address, message)
        saved = await say(engine, address, "ya")
        assert saved.startswith("Tercatat"), saved[:200]
    return time.perf_counter() - started


async def best_runs(url: str, count: int, baseline_count: int, repeat: int) -> dict[str, float]:
    """Seeds, then `repeat` times: the baseline, the village payment and its repetition; the best seconds of each
    (the baseline scaled to `count` workers)."""
    migrate.upgrade(url)
    database = open_database(url)
    try:
        await seed(database, count)
        engine = Engine(database, default_registry(), clock=lambda: NOW)
        village, saving, again, baseline = [], [], [], []
        for number in range(repeat):
            await clear_payments(database)
            baseline.append(await one_by_one(engine, f"base-{number}", baseline_count))
            await clear_payments(database)
            whole, save = await village_conversation(engine, f"village-{number}", "APBDES-2026")
            assert await payments_count(database) == count
            village.append(whole)
            saving.append(save)
            again.append((await village_conversation(engine, f"again-{number}", "APBDES-2026"))[0])
            assert await payments_count(database) == count
    finally:
        await database.close()
    scaled = min(baseline) / baseline_count * count
    return {"baseline": scaled, "village": min(village), "saving": min(saving), "again": min(again)}


async def measure(url: str, count: int = 100, baseline_count: int = 10, repeat: int = 1) -> list[BenchRow]:
    """The benchmark's figures as rows for bench/run_all.py, on an empty database: the village payment beside the
    payment flow one worker at a time (scaled)."""
    best = await best_runs(url, count, baseline_count, repeat)
    name, where = f"village payment, {count} workers × 12 months", database_name(url)
    return [
        BenchRow(name, where, "whole conversation", best["village"], "s", best["baseline"], "≥ 10× one by one"),
        BenchRow(name, where, "same receipt again", best["again"], "s", None, "records nothing"),
    ]


async def run(url: str, count: int, baseline_count: int, repeat: int) -> None:
    """Seeds, then `repeat` times: the baseline, the village payment and its repetition; prints the best of each."""
    best = await best_runs(url, count, baseline_count, repeat)
    scaled = best["baseline"]
    village, saving, again = [best["village"]], [best["saving"]], [best["again"]]
    table = Table(title=f"village payment, {url.split(':')[0]}, {count} workers × 12 months, best of {repeat}")
    for column in ("run", "seconds", "payments", "vs baseline"):
        table.add_column(column, justify="right")
    table.add_row(
        f"baseline: payment flow one by one ({baseline_count} timed, scaled)", f"{scaled:.2f}", f"{count}", ""
    )
    table.add_row(
        "village payment, whole conversation", f"{min(village):.3f}", f"{count}", f"{scaled / min(village):.0f}×"
    )
    table.add_row("  of which the confirmation (saving)", f"{min(saving):.3f}", "", "")
    table.add_row("same receipt again (records nothing)", f"{min(again):.3f}", "0", "")
    Console(width=150).print(table)


def main() -> None:
    """Parses the options and runs the benchmark on a fresh database."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=100)
    parser.add_argument("--baseline", type=int, default=10, help="workers paid one by one, scaled (default 10)")
    parser.add_argument("--database", help="an empty database URL (default: a temporary SQLite file)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, the best one shown (default 3)")
    args = parser.parse_args()
    if args.database:
        asyncio.run(run(args.database, args.workers, args.baseline, args.repeat))
        return
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(run(f"sqlite:///{folder}/bench.db", args.workers, args.baseline, args.repeat))


if __name__ == "__main__":
    main()
