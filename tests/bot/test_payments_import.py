"""`kader payments import FILE`: CSV (comma or semicolon) and XLSX, all or nothing unless --skip-invalid, errors with
their line numbers, and a second import of the same file adds nothing. Ends with the issue's done-when, run as
real processes: import, then the worker's own phone in `kader shell` sees "Aktif" with the right dates."""

from __future__ import annotations

import asyncio
import csv
import gc
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select, update

from bot import cli
from bot.payments_import import import_payments
from flows.i18n import long_date
from rules.coverage import covered_months, membership_on
from rules.membership_status import ACTIVE
from rules.months import add_months
from storage import audit, migrate, payments
from storage.database import Database, open_database
from storage.models import Payment, Worker
from tests.factories import add_payment, add_worker

KADER = Path(sys.executable).with_name("kader")
SITI = "6310054508800001"
BUDI = "6310051203750002"
WORKER_PHONE = "+6281350001234"
HEADER = ["NIK", "paid_from", "months", "amount", "reference"]
YEAR_2026 = [SITI, "2026-01", "12", "201600", "BR-2026-001"]
REGISTERED_AT = datetime(2025, 12, 15, 3, 0, tzinfo=UTC)


async def register(
    database: Database, *niks: str, registered_at: datetime = REGISTERED_AT, **registration: object
) -> None:
    """Registers the workers (in December 2025 unless told: the files pay 2026), with any registration detail."""
    names = {SITI: "Siti Aminah", BUDI: "Budi Santoso"}
    births = {SITI: date(1980, 8, 5), BUDI: date(1975, 3, 12)}
    async with database.transaction() as session:
        for nik in niks:
            phone = WORKER_PHONE if nik == SITI else None
            worker_id = await add_worker(session, nik, names[nik], births[nik], phone=phone, **registration)
            await session.execute(update(Worker).where(Worker.id == worker_id).values(registered_at=registered_at))


async def stored(database: Database) -> list[Payment]:
    async with database.transaction() as session:
        return list(await session.scalars(select(Payment).order_by(Payment.id)))


async def count(database: Database) -> int:
    async with database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(Payment)))


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER, delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


async def run(*argv: str) -> int:
    """`kader ...` in-process; in a thread because the command runs its own event loop."""
    return await asyncio.to_thread(cli.main, list(argv))


async def import_file(path: Path, url: str, *options: str) -> int:
    return await run("payments", "import", str(path), "--database", url, *options)


# -- a good file, twice -------------------------------------------------------------------------------


async def test_a_csv_paying_twelve_months_of_2026_is_recorded_and_twice_adds_nothing(
    database, database_url, tmp_path, capsys
):
    await register(database, SITI)
    path = write_csv(tmp_path / "cabang-2026.csv", [YEAR_2026])

    assert await import_file(path, database_url) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "1 row read: 1 payment recorded, 0 already recorded."
    assert err == ""
    (payment,) = await stored(database)
    assert (payment.first_month, payment.months, payment.amount) == (date(2026, 1, 1), 12, 201_600)
    assert (payment.source, payment.reference, payment.recorded_by) == (payments.IMPORT, "BR-2026-001", None)
    months = covered_months([(payment.first_month, payment.months)])
    assert membership_on(date(2026, 11, 22), months).status == ACTIVE
    assert membership_on(date(2026, 11, 22), months).protected_until == date(2026, 12, 31)

    assert await import_file(path, database_url) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "1 row read: 0 payments recorded, 1 already recorded."
    assert await count(database) == 1

    async with database.transaction() as session:
        events = await audit.events(session, "payments.imported")
    assert [(e.subject_id, e.details) for e in events] == [
        ("cabang-2026.csv", {"rows": 1, "new": 1, "invalid": 0}),
        ("cabang-2026.csv", {"rows": 1, "new": 0, "invalid": 0}),
    ]


async def test_a_file_with_one_invalid_row_imports_nothing_and_names_the_line(database, database_url, tmp_path, capsys):
    await register(database, SITI, BUDI)
    rows = [
        YEAR_2026,
        [BUDI, "2026-01", "twelve", "201600", "BR-2026-001"],
        [BUDI, "2026-02", "6", "100800", "BR-2026-002"],
    ]
    path = write_csv(tmp_path / "payments.csv", rows)

    assert await import_file(path, database_url) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "line 3: months 'twelve' must be a whole number from 1 to 24" in err
    assert "line 2" not in err and "line 4" not in err
    assert "Nothing imported: 1 of 3 rows are invalid" in err and "--skip-invalid" in err
    assert await count(database) == 0

    assert await import_file(path, database_url, "--skip-invalid") == 0
    out, err = capsys.readouterr()
    assert out.strip() == "3 rows read: 2 payments recorded, 0 already recorded, 1 invalid row skipped."
    assert "line 3: months 'twelve'" in err
    assert [(p.first_month, p.months) for p in await stored(database)] == [
        (date(2026, 1, 1), 12),
        (date(2026, 2, 1), 6),
    ]


async def test_an_unregistered_nik_is_an_error_with_its_line(database, database_url, tmp_path, capsys):
    await register(database, SITI)
    stranger = "3174011203750009"
    path = write_csv(tmp_path / "payments.csv", [YEAR_2026, [stranger, "2026-01", "12", "201600", "BR-9"]])

    assert await import_file(path, database_url) == 1
    _, err = capsys.readouterr()
    assert "line 3: NIK 317401******0009 is not registered" in err
    assert stranger not in err
    assert await count(database) == 0

    assert await import_file(path, database_url, "--skip-invalid") == 0
    out, _ = capsys.readouterr()
    assert "1 payment recorded" in out and "1 invalid row skipped" in out
    assert await count(database) == 1


async def test_errors_are_listed_in_line_order_and_a_long_list_is_cut(database, database_url, tmp_path, capsys):
    await register(database, SITI)
    rows = [[SITI, "2026-01", "1", "nol", f"BR-{n}"] for n in range(60)] + [["123", "2026-01", "1", "16800", "X"]]
    path = write_csv(tmp_path / "payments.csv", rows)

    assert await import_file(path, database_url) == 1
    _, err = capsys.readouterr()
    lines = err.splitlines()
    assert lines[0] == "line 2: amount 'nol' is not a whole Rupiah amount"
    assert lines[49].startswith("line 51: ")
    assert lines[50] == "… and 11 more invalid rows"
    assert "Nothing imported: 61 of 61 rows are invalid" in err


async def test_blank_lines_are_skipped_and_line_numbers_stay_those_of_the_file(
    database, database_url, tmp_path, capsys
):
    await register(database, SITI)
    path = tmp_path / "payments.csv"
    path.write_text(
        f"NIK,paid_from,months,amount,reference\n{SITI},2026-01,6,100800,BR-1\n,,,,\n\n{SITI},2026-07,6,100.800,\n",
        encoding="utf-8",
    )
    assert await import_file(path, database_url) == 1
    _, err = capsys.readouterr()
    assert "line 5: reference is missing or longer than 60 characters" in err
    assert "Nothing imported: 1 of 2 rows are invalid" in err


# -- other file shapes ---------------------------------------------------------------------------------


async def test_an_xlsx_file_works_the_same(database, database_url, tmp_path, capsys):
    await register(database, SITI, BUDI)
    book = Workbook()
    sheet = book.active
    sheet.append(["NIK", "Bulan Mulai", "Sampai", "Iuran", "Kwitansi"])
    sheet.append([SITI, datetime(2026, 1, 1), datetime(2026, 12, 31), 201600, "BR-2026-001"])
    sheet.append([int(BUDI), "2026-07", "31-12-2026", "Rp100.800", "BR-2026-002"])
    path = tmp_path / "cabang.xlsx"
    book.save(path)

    assert await import_file(path, database_url) == 0
    out, _ = capsys.readouterr()
    assert out.strip() == "2 rows read: 2 payments recorded, 0 already recorded."
    assert [(p.first_month, p.months, p.amount) for p in await stored(database)] == [
        (date(2026, 1, 1), 12, 201_600),
        (date(2026, 7, 1), 6, 100_800),
    ]

    assert await import_file(path, database_url) == 0
    out, _ = capsys.readouterr()
    assert out.strip() == "2 rows read: 0 payments recorded, 2 already recorded."
    assert await count(database) == 2


async def test_an_xlsx_file_with_an_invalid_row_imports_nothing(database, database_url, tmp_path, capsys):
    await register(database, SITI)
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append([SITI, "2026-01", 12, 201600, "BR-1"])
    sheet.append([SITI, "2026-13", 1, 16800, "BR-2"])
    path = tmp_path / "cabang.xlsx"
    book.save(path)

    assert await import_file(path, database_url) == 1
    _, err = capsys.readouterr()
    assert "line 3: paid-from month '2026-13' is not a month like 2026-01" in err
    assert await count(database) == 0


async def test_a_semicolon_separated_csv_with_an_indonesian_header_works(database, database_url, tmp_path, capsys):
    await register(database, SITI)
    header = ["NIK", "Bulan Mulai", "Jumlah Bulan", "Iuran", "Kwitansi"]
    path = write_csv(tmp_path / "iuran.csv", [[SITI, "01/2026", "12", "Rp201.600", "BR 2026/001"]], header, ";")

    assert await import_file(path, database_url) == 0
    out, _ = capsys.readouterr()
    assert out.strip() == "1 row read: 1 payment recorded, 0 already recorded."
    (payment,) = await stored(database)
    assert (payment.first_month, payment.months, payment.amount, payment.reference) == (
        date(2026, 1, 1),
        12,
        201_600,
        "BR 2026/001",
    )


async def test_a_file_the_command_cannot_read_is_a_clear_error(database, database_url, tmp_path, capsys):
    await register(database, SITI)
    missing = write_csv(tmp_path / "payments.csv", [[SITI, "2026-01", "12", "201600"]], HEADER[:4])
    assert await import_file(missing, database_url) == 2
    _, err = capsys.readouterr()
    assert err.strip() == "kader: error: payments.csv: the header lacks reference"

    no_months = write_csv(tmp_path / "p2.csv", [[SITI, "2026-01", "201600", "R"]], ["NIK", "dari", "jumlah", "ref"])
    assert await import_file(no_months, database_url) == 2
    assert "the header lacks months or paid_through" in capsys.readouterr().err

    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert await import_file(empty, database_url) == 2
    assert "empty.csv is empty" in capsys.readouterr().err

    text = tmp_path / "payments.json"
    text.write_text("{}", encoding="utf-8")
    assert await import_file(text, database_url) == 2
    assert "use a .csv or .xlsx file" in capsys.readouterr().err

    assert await import_file(tmp_path / "nowhere.csv", database_url) == 2
    assert "nowhere.csv does not exist" in capsys.readouterr().err
    assert await count(database) == 0


# -- every row checked against the register, as the chat checks a payment -------------------------------


def _this_month() -> date:
    """The command runs on the real clock: months ahead are counted from this month."""
    return date.today().replace(day=1)


def _checked_rows() -> list[list[object]]:
    """One good row, then one row failing each check (Siti registered December 2025, Budi March 2026)."""
    too_far = add_months(_this_month(), 13)
    return [
        [SITI, "2026-01", "6", "100800", "BR-1"],  # line 2: good
        [SITI, "2026-09", "3", "20000", "BR-2"],  # line 3: the amount
        [BUDI, "2026-01", "2", "33600", "BR-3"],  # line 4: before Budi's registration
        [BUDI, f"{too_far:%Y-%m}", "1", "16800", "BR-4"],  # line 5: 13 months ahead
        [SITI, "2026-05", "2", "33600", "BR-5"],  # line 6: May and June paid by line 2
        [BUDI, "2026-03", "3", "50400", "BR-6"],  # line 7: good
    ]


def _checked_errors() -> list[str]:
    too_far, last = add_months(_this_month(), 13), add_months(_this_month(), 12)
    return [
        "line 3: amount Rp20.000 does not match the contribution Rp50.400 for 3 months from 2026-09 "
        "(NIK 631005******0001)",
        "line 4: paid-from month 2026-01 is before the registration month 2026-03; pay from 2026-03 on "
        "(NIK 631005******0002)",
        f"line 5: 1 month from {too_far:%Y-%m} run to {too_far:%Y-%m}, more than 12 months ahead; the last month "
        f"that can be paid now is {last:%Y-%m} (NIK 631005******0002)",
        "line 6: 2026-05 to 2026-06 already paid by line 2 (NIK 631005******0001)",
    ]


async def _register_siti_and_budi(database: Database) -> None:
    await register(database, SITI)
    await register(database, BUDI, registered_at=datetime(2026, 3, 10, 2, 0, tzinfo=UTC))


async def _import_checked(path: Path, database, database_url, capsys) -> None:
    assert await import_file(path, database_url) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        *_checked_errors(),
        "Nothing imported: 4 of 6 rows are invalid. Correct them, or import the valid rows with --skip-invalid.",
    ]
    assert SITI not in err and BUDI not in err
    assert await count(database) == 0

    assert await import_file(path, database_url, "--skip-invalid") == 0
    out, err = capsys.readouterr()
    assert out.strip() == "6 rows read: 2 payments recorded, 0 already recorded, 4 invalid rows skipped."
    assert err.splitlines() == _checked_errors()
    assert [(p.reference, p.first_month, p.months, p.amount) for p in await stored(database)] == [
        ("BR-1", date(2026, 1, 1), 6, 100_800),
        ("BR-6", date(2026, 3, 1), 3, 50_400),
    ]

    # Again: the two recorded rows are no-ops, the four others still fail (line 6 now on the recorded payment).
    assert await import_file(path, database_url, "--skip-invalid") == 0
    out, err = capsys.readouterr()
    assert out.strip() == "6 rows read: 0 payments recorded, 2 already recorded, 4 invalid rows skipped."
    assert err.splitlines() == [
        *_checked_errors()[:3],
        "line 6: 2026-05 to 2026-06 already paid by payment BR-1 (NIK 631005******0001)",
    ]
    assert await count(database) == 2


async def test_every_csv_row_is_checked_against_the_register_with_its_line_and_the_expected_figure(
    database, database_url, tmp_path, capsys
):
    await _register_siti_and_budi(database)
    path = write_csv(tmp_path / "payments.csv", [[str(cell) for cell in row] for row in _checked_rows()])
    await _import_checked(path, database, database_url, capsys)


async def test_every_xlsx_row_is_checked_the_same(database, database_url, tmp_path, capsys):
    await _register_siti_and_budi(database)
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for nik, first, months, amount, reference in _checked_rows():
        sheet.append([int(str(nik)), str(first), int(str(months)), int(str(amount)), reference])
    path = tmp_path / "cabang.xlsx"
    book.save(path)
    await _import_checked(path, database, database_url, capsys)


async def test_months_a_cadre_recorded_in_the_chat_are_already_paid(database, database_url, tmp_path, capsys):
    await register(database, SITI)
    async with database.transaction() as session:
        (worker_id,) = await session.scalars(select(Worker.id))
    await add_payment(database, worker_id, date(2026, 1, 1), 3, source=payments.CADRE, reference="KW-12")
    path = write_csv(tmp_path / "payments.csv", [YEAR_2026])

    assert await import_file(path, database_url) == 1
    _, err = capsys.readouterr()
    assert "line 2: 2026-01 to 2026-03 already paid by payment KW-12 (cadre) (NIK 631005******0001)" in err
    assert await count(database) == 1


async def test_a_row_recorded_earlier_stays_a_no_op_beside_new_rows_and_a_changed_one_is_refused(
    database, database_url, tmp_path, capsys
):
    await register(database, SITI)
    first = write_csv(tmp_path / "january.csv", [[SITI, "2026-01", "3", "50400", "BR-1"]])
    assert await import_file(first, database_url) == 0
    capsys.readouterr()

    both = write_csv(
        tmp_path / "april.csv", [[SITI, "2026-01", "3", "50.400", "BR-1"], [SITI, "2026-04", "3", "50400", "BR-2"]]
    )
    assert await import_file(both, database_url) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "2 rows read: 1 payment recorded, 1 already recorded."
    assert err == ""

    # The same reference and first month with more months is not the same payment: its months are paid.
    changed = write_csv(tmp_path / "changed.csv", [[SITI, "2026-01", "6", "100800", "BR-1"]])
    assert await import_file(changed, database_url) == 1
    _, err = capsys.readouterr()
    assert "line 2: 2026-01 to 2026-06 already paid by payment BR-1 and payment BR-2 (NIK 631005******0001)" in err
    assert [(p.reference, p.months) for p in await stored(database)] == [("BR-1", 3), ("BR-2", 3)]


async def test_the_months_ahead_are_an_option(database, database_url, tmp_path, capsys):
    await register(database, SITI)
    next_month = add_months(_this_month(), 1)
    path = write_csv(tmp_path / "payments.csv", [[SITI, f"{next_month:%Y-%m}", "1", "16800", "BR-1"]])

    assert await import_file(path, database_url, "--max-months-ahead", "0") == 1
    _, err = capsys.readouterr()
    assert f"line 2: 1 month from {next_month:%Y-%m} run to {next_month:%Y-%m}, more than 0 months ahead" in err
    assert f"the last month that can be paid now is {_this_month():%Y-%m}" in err

    assert await import_file(path, database_url, "--max-months-ahead", "1") == 0
    assert "1 payment recorded" in capsys.readouterr().out

    for bad in ("-1", "x", "121"):
        with pytest.raises(SystemExit) as exited:
            await import_file(path, database_url, f"--max-months-ahead={bad}")
        assert exited.value.code == 2
        assert f"argument --max-months-ahead: '{bad}' is not a whole number of months from 0 to 120" in (
            capsys.readouterr().err
        )


async def test_a_pu_workers_amount_is_not_checked_and_the_command_says_so(database, database_url, tmp_path, capsys):
    await register(database, SITI, segment="PU", occupation="perangkat_desa")
    path = write_csv(tmp_path / "payments.csv", [[SITI, "2026-01", "12", "64800", "BR-1"]])

    assert await import_file(path, database_url) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines() == [
        "1 row read: 1 payment recorded, 0 already recorded.",
        "1 payment of PU workers: amounts not checked (the branch office sets the PU contribution).",
    ]


async def test_a_transport_workers_months_are_priced_each_at_its_own_rate(database, database_url, tmp_path, capsys):
    await register(database, SITI, occupation="ojek_sopir", payer="worker")
    rows = [[SITI, "2027-01", "6", "100800", "BR-1"], [SITI, "2027-01", "6", "75600", "BR-2"]]
    path = write_csv(tmp_path / "payments.csv", rows)

    assert await import_file(path, database_url, "--skip-invalid") == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        "line 2: amount Rp100.800 does not match the contribution Rp75.600 (3 × Rp8.400 + 3 × Rp16.800) for "
        "6 months from 2027-01 (NIK 631005******0001)"
    ]
    assert "1 payment recorded" in out
    assert [(p.reference, p.amount) for p in await stored(database)] == [("BR-2", 75_600)]


async def test_the_import_leaves_the_garbage_collector_as_it_found_it(database, tmp_path):
    await register(database, SITI)
    path = write_csv(tmp_path / "payments.csv", [YEAR_2026])
    assert gc.isenabled()
    assert (await import_payments(database, path, date(2026, 11, 22), show_progress=False)).inserted == 1
    assert gc.isenabled()
    gc.disable()
    try:
        assert (await import_payments(database, path, date(2026, 11, 22), show_progress=False)).inserted == 0
        assert not gc.isenabled()
    finally:
        gc.enable()


async def test_the_benchmarks_baseline_switches_the_checks_off(database, tmp_path):
    await register(database, SITI)
    path = write_csv(tmp_path / "payments.csv", [[SITI, "2026-01", "12", "1", "BR-1"]])
    checked = await import_payments(database, path, date(2026, 11, 22), show_progress=False)
    assert [e.line for e in checked.errors] == [2] and not checked.imported
    baseline = await import_payments(database, path, date(2026, 11, 22), show_progress=False, _checks=False)
    assert baseline.errors == [] and baseline.inserted == 1


# -- the done-when, as real processes ------------------------------------------------------------------


def _environment() -> dict[str, str]:
    hidden = ("DATABASE_URL", "LOG_LEVEL", "PYTHONUNBUFFERED")
    return {key: value for key, value in os.environ.items() if key not in hidden}


def _kader(tmp_path: Path, *argv: str, script: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(KADER), *argv],
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=_environment(),
        cwd=tmp_path,
    )


def test_done_when_an_imported_year_shows_aktif_on_the_workers_own_phone_and_reimporting_changes_nothing(tmp_path):
    # The shell runs on the real clock, so the file pays the whole of this year (2026 when this was written).
    year = date.today().year
    url = f"sqlite:///{tmp_path / 'kader.db'}"
    migrate.upgrade(url)

    async def setup() -> None:
        database = open_database(url)
        try:
            await register(database, SITI)
        finally:
            await database.close()

    async def payment_rows() -> list[tuple[date, int, int]]:
        database = open_database(url)
        try:
            return [(p.first_month, p.months, p.amount) for p in await stored(database)]
        finally:
            await database.close()

    asyncio.run(setup())
    path = write_csv(tmp_path / "payments.csv", [[SITI, f"{year}-01", "12", "201.600", f"BR-{year}-001"]])

    first = _kader(tmp_path, "payments", "import", str(path), "--database", url)
    assert first.returncode == 0, first.stderr
    assert "1 payment recorded, 0 already recorded" in first.stdout
    assert asyncio.run(payment_rows()) == [(date(year, 1, 1), 12, 201_600)]

    def status_on_the_workers_phone() -> str:
        shell = _kader(tmp_path, "shell", "--phone", "0813-5000-1234", "--database", url, script="status\n")
        assert shell.returncode == 0, shell.stderr
        return shell.stdout

    out = status_on_the_workers_phone()
    assert "Siti Aminah (REG-6310-000001)" in out
    assert "Status: Aktif" in out
    assert f"Terlindungi sampai: {long_date(date(year, 12, 31), 'id')}" in out  # 31 Desember 2026
    assert f"Iuran berikutnya: {long_date(date(year + 1, 1, 1), 'id')}, Rp16.800" in out  # 1 Januari 2027
    assert "Program: JKK + JKM" in out
    if year == 2026:
        assert "31 Desember 2026" in out and "1 Januari 2027" in out

    again = _kader(tmp_path, "payments", "import", str(path), "--database", url)
    assert again.returncode == 0, again.stderr
    assert "0 payments recorded, 1 already recorded" in again.stdout
    assert asyncio.run(payment_rows()) == [(date(year, 1, 1), 12, 201_600)]
    assert status_on_the_workers_phone() == out


async def test_the_months_ahead_default_is_the_payment_max_months_ahead_setting(
    database, database_url, tmp_path, capsys, monkeypatch
):
    await register(database, SITI)
    next_month = add_months(_this_month(), 1)
    path = write_csv(tmp_path / "payments.csv", [[SITI, f"{next_month:%Y-%m}", "1", "16800", "BR-1"]])

    monkeypatch.setenv("PAYMENT_MAX_MONTHS_AHEAD", "0")
    assert await import_file(path, database_url) == 1
    assert "more than 0 months ahead" in capsys.readouterr().err
    assert await import_file(path, database_url, "--max-months-ahead", "1") == 0  # the option wins
    assert "1 payment recorded" in capsys.readouterr().out

    monkeypatch.setenv("PAYMENT_MAX_MONTHS_AHEAD", "121")
    assert await import_file(path, database_url) == 2
    assert capsys.readouterr().err.strip() == (
        "kader: error: a setting is not valid: PAYMENT_MAX_MONTHS_AHEAD must be a whole number from 0 to 120, not '121'"
    )


async def test_voided_months_are_unpaid_for_the_import_and_a_voided_row_can_be_imported_again(
    database, database_url, tmp_path, capsys
):
    await register(database, SITI)
    async with database.transaction() as session:
        (worker_id,) = await session.scalars(select(Worker.id))
    await add_payment(database, worker_id, date(2026, 1, 1), 3, source=payments.CADRE, reference="KW-12")
    path = write_csv(tmp_path / "payments.csv", [YEAR_2026])
    assert await import_file(path, database_url) == 1  # January to March are paid by KW-12
    assert "already paid by payment KW-12 (cadre)" in capsys.readouterr().err

    assert (
        await run("payments", "void", "KW-12", "--reason", "dobel dengan file cabang", "--database", database_url) == 0
    )
    capsys.readouterr()
    assert await import_file(path, database_url) == 0
    assert capsys.readouterr().out.strip() == "1 row read: 1 payment recorded, 0 already recorded."

    # The imported year voided in turn: the same file records it again, once.
    assert await run("payments", "void", "BR-2026-001", "--reason", "bulan salah", "--database", database_url) == 0
    capsys.readouterr()
    assert await import_file(path, database_url) == 0
    assert capsys.readouterr().out.strip() == "1 row read: 1 payment recorded, 0 already recorded."
    assert await import_file(path, database_url) == 0
    assert capsys.readouterr().out.strip() == "1 row read: 0 payments recorded, 1 already recorded."
    assert [(p.reference, p.voided_at is not None) for p in await stored(database)] == [
        ("KW-12", True),
        ("BR-2026-001", True),
        ("BR-2026-001", False),
    ]
