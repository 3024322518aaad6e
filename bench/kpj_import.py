"""Benchmark: `kader worker import-kpj` of a branch-office file giving N registered workers their KPJ card number,
first and second (idempotent) run, beside the baseline measured in the same run: the same lines recorded one by one
through storage/worker_edits.py's change_worker (one audited change per line, as the command did before) on a
sample of `--baseline` lines, scaled to N.

Usage: .venv/bin/python bench/kpj_import.py [--rows 100000] [--baseline 2000] [--database URL] [--repeat 3]
Runs on a temporary SQLite file, and on PostgreSQL too when --database or TEST_DATABASE_URL names a server: a
scratch database is created there (kader_bench_kpj_<pid>) and dropped afterwards. Prints one table: per database
and path the best seconds of the first import and of the repeated one (which must record nothing), lines/s, and the
speed-up over the per-line baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import tempfile
import time
from pathlib import Path

from databases import scratch_database  # bench/databases.py
from payments_import import nik_for, seed_workers  # bench/payments_import.py: 100,000 valid NIKs, inserted in bulk
from rich.console import Console
from rich.table import Table
from rows import BenchRow, database_name  # bench/rows.py
from sqlalchemy import delete, update

from bot.commands.kpj_import import import_kpj, read_kpj_file
from storage import migrate, workers
from storage.database import open_database
from storage.models import AuditEvent, Worker
from storage.worker_edits import change_worker


def kpj_for(index: int) -> str:
    """A unique 11-digit KPJ for the index."""
    return f"{17_000_000_000 + index}"


def write_file(path: Path, count: int) -> None:
    """The branch office's CSV: a KPJ for each of the first `count` workers."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["NIK", "KPJ"])
        for index in range(count):
            writer.writerow([nik_for(index)[0], kpj_for(index)])


async def clear_kpjs(url: str) -> None:
    """Every worker without a KPJ and no audit event: the state both paths start from."""
    database = open_database(url)
    async with database.transaction() as session:
        await session.execute(update(Worker).values(kpj=None))
        await session.execute(delete(AuditEvent))
    await database.close()


async def per_line_import(url: str, path: Path) -> tuple[float, int]:
    """The import as it was: the file read, the workers and the KPJ holders loaded, then change_worker per line."""
    database = open_database(url)
    started = time.perf_counter()
    found = read_kpj_file(path)
    changed = 0
    try:
        async with database.transaction() as session:
            registered = await workers.workers_by_nik(session, [line.nik for line in found.lines])
            holders = await workers.kpj_holders(session, [line.kpj for line in found.lines])
            for line in found.lines:
                worker = registered[line.nik]
                assert holders.get(line.kpj, worker.id) == worker.id
                if worker.kpj != line.kpj:
                    found_changes = await change_worker(
                        session, worker.id, {"kpj": line.kpj}, actor_person_id=None, actor_contact_id=None
                    )
                    changed += len(found_changes)
    finally:
        await database.close()
    return time.perf_counter() - started, changed


async def set_based_import(url: str, path: Path) -> tuple[float, int]:
    """The import as the command runs it now (bot/commands/kpj_import.py's import_kpj): seconds, KPJs recorded."""
    database = open_database(url)
    started = time.perf_counter()
    try:
        found = read_kpj_file(path)
        outcome = await import_kpj(database, found, actor=None, skip_invalid=False)
    finally:
        await database.close()
    assert outcome.written and not found.errors, found.errors[:3]
    return time.perf_counter() - started, outcome.recorded


async def best_runs(url: str, count: int, sample: int, repeat: int) -> dict[str, tuple[float, float, int]]:
    """Seeds `count` workers, then `repeat` times: the per-line baseline on the sample (twice), the set-based import
    of the whole file (twice); the best seconds of each first and repeated run, and the KPJs the first recorded."""
    migrate.upgrade(url)
    await seed_workers(url, count)
    runs: dict[str, list[tuple[float, float, int]]] = {"per line": [], "set-based": []}
    with tempfile.TemporaryDirectory() as folder:
        small, whole = Path(folder) / "sample.csv", Path(folder) / "kpj.csv"
        write_file(small, sample)
        write_file(whole, count)
        for _ in range(repeat):
            for name, importer, path in (("per line", per_line_import, small), ("set-based", set_based_import, whole)):
                await clear_kpjs(url)
                first, recorded = await importer(url, path)
                again, recorded_again = await importer(url, path)
                assert recorded_again == 0
                runs[name].append((first, again, recorded))
    return {name: (min(r[0] for r in found), min(r[1] for r in found), found[0][2]) for name, found in runs.items()}


async def measure(url: str, count: int = 20_000, sample: int = 500, repeat: int = 1) -> list[BenchRow]:
    """The benchmark's figures as rows for bench/run_all.py, on an empty database: the set-based import beside
    change_worker per line (timed on `sample` lines, scaled to `count`)."""
    found = await best_runs(url, count, min(sample, count), repeat)
    scale = count / min(sample, count)
    (base_first, base_again, _), (first, again, _) = found["per line"], found["set-based"]
    name, where = f"worker import-kpj, {count:,} lines", database_name(url)
    return [
        BenchRow(name, where, "first import", first, "s", base_first * scale, "≥ 10× per line"),
        BenchRow(name, where, "same file again", again, "s", base_again * scale, "records nothing"),
    ]


def main() -> None:
    """Parses the options, runs the benchmark on SQLite (and PostgreSQL when given) and prints the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000, help="workers registered and lines in the file")
    parser.add_argument("--baseline", type=int, default=2_000, help="lines of the per-line sample (scaled to --rows)")
    parser.add_argument("--database", help="a PostgreSQL server URL (default: TEST_DATABASE_URL, else SQLite only)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, the best one shown (default 3)")
    args = parser.parse_args()
    server = args.database or os.environ.get("TEST_DATABASE_URL")
    sample = min(args.baseline, args.rows)
    results: dict[str, dict[str, tuple[float, float, int]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        results["SQLite"] = asyncio.run(best_runs(f"sqlite:///{folder}/bench.db", args.rows, sample, args.repeat))
    if server:
        with scratch_database(server) as url:
            results["PostgreSQL"] = asyncio.run(best_runs(url, args.rows, sample, args.repeat))
    scale = args.rows / sample
    table = Table(title=f"worker import-kpj, {args.rows:,} lines, best of {args.repeat}")
    for column in ("database", "path", "first import s", "recorded", "repeat import s", "lines/s (first)", "speed-up"):
        table.add_column(column, justify="right")
    for database, found in results.items():
        base_first, base_again, base_recorded = found["per line"]
        table.add_row(
            database,
            f"per line (change_worker), {sample:,} lines × {scale:g}",
            f"{base_first * scale:.1f}",
            f"{base_recorded:,} × {scale:g}",
            f"{base_again * scale:.2f}",
            f"{sample / base_first:,.0f}",
            "1×",
        )
        first, again, recorded = found["set-based"]
        table.add_row(
            database,
            "set-based (kpj_numbers)",
            f"{first:.2f}",
            f"{recorded:,}",
            f"{again:.2f}",
            f"{args.rows / first:,.0f}",
            f"{base_first * scale / first:.0f}× / {base_again * scale / again:.1f}×",
        )
    Console(width=160).print(table)


if __name__ == "__main__":
    main()
