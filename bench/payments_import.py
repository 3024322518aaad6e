"""Benchmark: `kader payments import` of a branch-office file with N rows, first and second (idempotent) run.

Usage: .venv/bin/python bench/payments_import.py [--rows 100000] [--database URL]
Prints one table: rows, seconds for validation + first import, seconds for the repeated import, rows/s.
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
from sqlalchemy import insert

from bot.payments_import import import_payments
from rules.regions import village_info
from storage import migrate, villages
from storage.database import open_database
from storage.models import Worker

VILLAGE = "63.10.02.2003"


def nik_for(index: int) -> tuple[str, date]:
    """A valid, unique NIK for the index (region 631005), with the birth date it encodes."""
    born = date(1970, 1, 1) + timedelta(days=index // 9000)
    serial = index % 9000 + 1
    return f"631005{born:%d%m%y}{serial:04d}", born


async def seed_workers(url: str, count: int) -> None:
    """Inserts `count` registered workers directly (registration speed is not what is measured here)."""
    database = open_database(url)
    now = datetime.now(UTC)
    async with database.transaction() as session:
        info = village_info(VILLAGE)
        assert info is not None
        await villages.ensure_village(session, info)
        for start in range(0, count, 5000):
            rows = []
            for index in range(start, min(count, start + 5000)):
                nik, born = nik_for(index)
                rows.append(
                    dict(
                        nik=nik,
                        name=f"Pekerja {index}",
                        birth_date=born,
                        sex="M",
                        occupation="petani",
                        segment="BPU",
                        declared_income=1_000_000,
                        programmes="JKK,JKM",
                        payer="village",
                        village_code=VILLAGE,
                        registered_at=now,
                        consent_at=now,
                        registration_number=f"REG-6310-{index + 1:06d}",
                    )
                )
            await session.execute(insert(Worker), rows)
    await database.close()


def write_file(path: Path, count: int) -> None:
    """A CSV paying 12 months of 2026 for every worker."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["NIK", "paid_from", "months", "amount", "reference"])
        for index in range(count):
            writer.writerow([nik_for(index)[0], "2026-01", 12, 201600, "BR-2026-001"])


async def run(url: str, count: int) -> None:
    """Seeds, imports twice and prints the timings."""
    migrate.upgrade(url)
    await seed_workers(url, count)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "payments.csv"
        write_file(path, count)
        database = open_database(url)
        started = time.perf_counter()
        first = await import_payments(database, path, date(2026, 11, 22), show_progress=False)
        first_seconds = time.perf_counter() - started
        started = time.perf_counter()
        second = await import_payments(database, path, date(2026, 11, 22), show_progress=False)
        second_seconds = time.perf_counter() - started
        await database.close()
    table = Table(title=f"payments import, {url.split(':')[0]}")
    for column in ("rows", "first import s", "recorded", "repeat import s", "recorded again", "rows/s (first)"):
        table.add_column(column, justify="right")
    table.add_row(
        f"{count:,}",
        f"{first_seconds:.1f}",
        f"{first.inserted:,}",
        f"{second_seconds:.1f}",
        f"{second.inserted:,}",
        f"{count / first_seconds:,.0f}",
    )
    Console().print(table)


def main() -> None:
    """Parses the options and runs the benchmark on a fresh database."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database", help="an empty database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    if args.database:
        asyncio.run(run(args.database, args.rows))
        return
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(run(f"sqlite:///{folder}/bench.db", args.rows))


if __name__ == "__main__":
    main()
