"""Benchmark: `kader payments import` of a branch-office file with N rows, first and second (idempotent) run, with
every row checked against the register, beside the baseline measured in the same run (the import with the checks
switched off: registered NIKs only, as before the checks).

Usage: .venv/bin/python bench/payments_import.py [--rows 100000] [--database URL] [--repeat 3]
Prints one table: per run (baseline, with checks) the best seconds for validation + first import and for the repeated
import, rows/s, and what the checks cost over the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rows import BenchRow, database_name  # bench/rows.py
from seed import VILLAGE, worker_row  # bench/seed.py: scripts run from bench/ as their own folder
from sqlalchemy import delete, insert, text

from bot.payments_import import import_payments
from rules.regions import village_info
from storage import migrate, villages
from storage.database import open_database
from storage.models import Payment, Worker

TODAY = date(2026, 11, 22)
# Registered before the months the file pays: the checks refuse months before the registration month.
REGISTERED_AT = datetime(2025, 12, 15, 2, 0, tzinfo=UTC)


def nik_for(index: int) -> tuple[str, date]:
    """A valid, unique NIK for the index (region 631005), with the birth date it encodes."""
    born = date(1970, 1, 1) + timedelta(days=index // 9000)
    serial = index % 9000 + 1
    return f"631005{born:%d%m%y}{serial:04d}", born


async def seed_workers(url: str, count: int) -> None:
    """Inserts `count` registered workers directly (registration speed is not what is measured here)."""
    database = open_database(url)
    now = REGISTERED_AT
    async with database.transaction() as session:
        info = village_info(VILLAGE)
        assert info is not None
        await villages.ensure_village(session, info)
        for start in range(0, count, 5000):
            rows = []
            for index in range(start, min(count, start + 5000)):
                nik, born = nik_for(index)
                rows.append(worker_row(index, nik, born, now))
            await session.execute(insert(Worker), rows)
    await database.close()


def write_file(path: Path, count: int) -> None:
    """A CSV paying 12 months of 2026 for every worker."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["NIK", "paid_from", "months", "amount", "reference"])
        for index in range(count):
            writer.writerow([nik_for(index)[0], "2026-01", 12, 201600, "BR-2026-001"])


async def clear_payments(url: str) -> None:
    """Empties the payment table between the two runs, so both start from the same register."""
    database = open_database(url)
    async with database.transaction() as session:
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(text("TRUNCATE payment RESTART IDENTITY"))
        else:
            await session.execute(delete(Payment))
    await database.close()


async def timed_imports(url: str, path: Path, *, checks: bool) -> tuple[float, int, float, int]:
    """The first and the repeated import of the file: seconds and payments recorded, each."""
    database = open_database(url)
    try:
        started = time.perf_counter()
        first = await import_payments(database, path, TODAY, show_progress=False, _checks=checks)
        first_seconds = time.perf_counter() - started
        started = time.perf_counter()
        second = await import_payments(database, path, TODAY, show_progress=False, _checks=checks)
        second_seconds = time.perf_counter() - started
    finally:
        await database.close()
    assert not first.errors and not second.errors, (first.errors[:3], second.errors[:3])
    return first_seconds, first.inserted, second_seconds, second.inserted


def _cost(seconds: float, baseline: float) -> str:
    return f"{(seconds / baseline - 1) * 100:+.0f} %"


Best = dict[bool, tuple[float, int, float, int]]


async def best_runs(url: str, count: int, repeat: int) -> Best:
    """Seeds, then `repeat` times imports twice without the checks (the baseline) and twice with them, alternating;
    the best time of each (the machine's noise only ever adds time), keyed by whether the checks ran."""
    migrate.upgrade(url)
    await seed_workers(url, count)
    runs: dict[bool, list[tuple[float, int, float, int]]] = {False: [], True: []}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "payments.csv"
        write_file(path, count)
        for number in range(repeat):
            for checks in (False, True) if number % 2 == 0 else (True, False):
                await clear_payments(url)
                runs[checks].append(await timed_imports(url, path, checks=checks))
    return {
        checks: (min(r[0] for r in found), found[0][1], min(r[2] for r in found), found[0][3])
        for checks, found in runs.items()
    }


async def measure(url: str, count: int = 20_000, repeat: int = 1) -> list[BenchRow]:
    """The benchmark's figures as rows for bench/run_all.py, on an empty database: with the checks beside without."""
    best = await best_runs(url, count, repeat)
    name, where = f"payments import, {count:,} rows", database_name(url)
    (first, _, again, again_recorded), (base_first, _, base_again, _) = best[True], best[False]
    assert again_recorded == 0, again_recorded
    return [
        BenchRow(name, where, "first import (with checks)", first, "s", base_first, "checks cost little (≤ +15 %)"),
        BenchRow(name, where, "same file again", again, "s", base_again, "records nothing; ≤ baseline"),
    ]


async def run(url: str, count: int, repeat: int) -> None:
    """Seeds, then `repeat` times imports twice without the checks (the baseline) and twice with them, alternating, and
    prints the best time of each (the machine's noise only ever adds time)."""
    best = await best_runs(url, count, repeat)
    baseline = best[False]
    table = Table(title=f"payments import, {url.split(':')[0]}, {count:,} rows, best of {repeat}")
    columns = ("run", "first import s", "recorded", "repeat import s", "recorded again", "rows/s (first)", "first vs")
    for column in (*columns, "repeat vs"):
        table.add_column(column, justify="right")
    for name, (first_s, first_n, second_s, second_n) in (
        ("baseline (no checks)", baseline),
        ("with checks", best[True]),
    ):
        table.add_row(
            name,
            f"{first_s:.2f}",
            f"{first_n:,}",
            f"{second_s:.2f}",
            f"{second_n:,}",
            f"{count / first_s:,.0f}",
            _cost(first_s, baseline[0]),
            _cost(second_s, baseline[2]),
        )
    Console(width=150).print(table)


def main() -> None:
    """Parses the options and runs the benchmark on a fresh database."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database", help="an empty database URL (default: a temporary SQLite file)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, the best one shown (default 3)")
    args = parser.parse_args()
    if args.database:
        asyncio.run(run(args.database, args.rows, args.repeat))
        return
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(run(f"sqlite:///{folder}/bench.db", args.rows, args.repeat))


if __name__ == "__main__":
    main()
