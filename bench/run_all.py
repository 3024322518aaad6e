"""`make bench`: every benchmark in bench/ at modest sizes, on SQLite and (when BENCH_DATABASE_URL or
TEST_DATABASE_URL names a PostgreSQL server) on PostgreSQL, printed as one table: each figure of kader beside the
baseline measured in the same run, the ratio (above 1×: kader is better) and the goal.

Each benchmark gets a database of its own: a temporary SQLite file, or a scratch PostgreSQL database created on the
server and dropped afterwards. The scripts' own options give the full sizes (e.g. bench/payments_import.py --rows
100000); a benchmark that fails is reported in the table and the others still run.

Usage: .venv/bin/python bench/run_all.py [--rows 20000] [--users 50] [--workers 100] [--repeat 1]
       [--database URL] [--sqlite-only] [--only NAME]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the scripts import each other as bench/'s own modules

import kpj_import  # noqa: E402  bench/kpj_import.py
import payments_import  # noqa: E402  bench/payments_import.py
import ptb_registration  # noqa: E402  bench/ptb_registration.py
import telegram_replies  # noqa: E402  bench/telegram_replies.py
import village_payment  # noqa: E402  bench/village_payment.py
from databases import scratch_database  # noqa: E402  bench/databases.py
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from rows import BenchRow, database_name  # noqa: E402  bench/rows.py


@dataclass(frozen=True)
class Benchmark:
    """A benchmark run_all knows: its name (for --only and the scratch database) and how to measure it on a URL."""

    name: str
    measure: Callable[[str], Awaitable[list[BenchRow]]]
    sqlite_url_per_run: bool = False  # the benchmark makes its own SQLite files when given no URL


def benchmarks(args: argparse.Namespace) -> list[Benchmark]:
    """Every benchmark, at the sizes of the options."""
    return [
        Benchmark("payments", lambda url: payments_import.measure(url, args.rows, args.repeat)),
        Benchmark("kpj", lambda url: kpj_import.measure(url, args.rows, args.kpj_sample, args.repeat)),
        Benchmark("village", lambda url: village_payment.measure(url, args.workers, 10, args.repeat)),
        Benchmark("replies", lambda url: telegram_replies.measure(url or None, args.users, 1, args.repeat), True),
        Benchmark("registration", lambda url: ptb_registration.measure(url, args.users)),
    ]


def run_one(benchmark: Benchmark, server: str | None) -> tuple[list[BenchRow], float]:
    """The benchmark on SQLite, or on a scratch database of the server: its rows (a failure as a row) and seconds."""
    started = time.perf_counter()
    where = "PostgreSQL" if server else "SQLite"
    try:
        if server:
            with scratch_database(server, benchmark.name) as url:
                found = asyncio.run(benchmark.measure(url))
        elif benchmark.sqlite_url_per_run:
            found = asyncio.run(benchmark.measure(""))
        else:
            with tempfile.TemporaryDirectory() as folder:
                found = asyncio.run(benchmark.measure(f"sqlite:///{folder}/bench.db"))
    except Exception as error:  # one failing benchmark must not hide the others' figures
        traceback.print_exc()
        found = [BenchRow(benchmark.name, where, f"FAILED: {type(error).__name__}", math.nan, "", None)]
    return found, time.perf_counter() - started


def number(value: float, unit: str) -> str:
    """A figure with its unit, as precise as it needs to be."""
    if math.isnan(value):
        return "-"
    if unit == "s":
        return f"{value:.3f} s" if value < 0.1 else f"{value:.2f} s"
    if unit == "ms":
        return f"{value:,.0f} ms"
    if unit == "/s":
        return f"{value:.1f}/s" if value < 10 else f"{value:,.0f}/s"
    return f"{value:,.0f}"


def print_table(rows: list[BenchRow], title: str) -> None:
    """The one table: benchmark | database | figure | kader | baseline (same run) | ratio | goal."""
    table = Table(title=title, show_lines=False)
    table.add_column("benchmark", no_wrap=True)
    table.add_column("database")
    table.add_column("figure")
    table.add_column("kader", justify="right")
    table.add_column("baseline (same run)", justify="right")
    table.add_column("ratio", justify="right")
    table.add_column("goal")
    previous = None
    for row in rows:
        ratio = row.ratio()
        heading = row.benchmark if row.benchmark != previous else ""
        if heading and previous is not None:
            table.add_section()
        previous = row.benchmark
        table.add_row(
            heading,
            row.database,
            row.figure,
            number(row.value, row.unit),
            "" if row.baseline is None else number(row.baseline, row.unit),
            "" if ratio is None else f"{ratio:.2f}×" if ratio < 10 else f"{ratio:.0f}×",
            row.goal,
        )
    Console(width=180).print(table)


def main() -> None:
    """Parses the options, runs every benchmark on every database and prints the one table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000, help="payments and KPJ lines (full size: 100000)")
    parser.add_argument("--kpj-sample", type=int, default=500, help="KPJ lines timed per line, scaled (default 500)")
    parser.add_argument("--workers", type=int, default=100, help="workers of the village payment (default 100)")
    parser.add_argument("--users", type=int, default=50, help="Telegram users at once (default 50; issue 14: 200)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each, the best one shown (default 1)")
    parser.add_argument("--database", help="a PostgreSQL server URL (default: BENCH_DATABASE_URL, TEST_DATABASE_URL)")
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL even when a server is named")
    parser.add_argument("--only", action="append", help="run only this benchmark (payments, kpj, village, ...)")
    args = parser.parse_args()
    server = args.database or os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    servers: list[str | None] = [None] if args.sqlite_only or not server else [None, server]
    chosen = [b for b in benchmarks(args) if not args.only or b.name in args.only]
    rows: list[BenchRow] = []
    began = time.perf_counter()
    for benchmark in chosen:
        for found_server in servers:
            where = database_name(found_server) if found_server else "SQLite"
            print(f"bench: {benchmark.name} on {where} ...", file=sys.stderr, flush=True)
            found, seconds = run_one(benchmark, found_server)
            print(f"bench: {benchmark.name} on {where} took {seconds:.1f} s", file=sys.stderr, flush=True)
            rows.extend(found)
    where = " and ".join("PostgreSQL" if s else "SQLite" for s in servers)
    title = (
        f"make bench: {where}, {args.rows:,} rows, {args.users} users, best of {args.repeat}, "
        f"{time.perf_counter() - began:.0f} s (ratio above 1×: kader better than the baseline)"
    )
    print_table(rows, title)


if __name__ == "__main__":
    main()
