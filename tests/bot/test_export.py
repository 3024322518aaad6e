"""`kader export workers`: one row per worker with every column the branch office needs, as CSV or XLSX; NIKs masked
unless --full-nik, which is audited; forgotten workers left out."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import stat
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot import cli
from bot.export import COLUMNS, export_csv, export_xlsx
from storage import audit, data_rights, workers
from storage.database import Database
from storage.models import Worker
from tests.factories import add_staff, new_worker

SUNGAI_LEMBU = "63.10.02.2003"
WIRITASI = "63.10.02.2004"
TODAY = date(2026, 11, 22)
CONSENT = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)

SITI = new_worker(
    "6310054508800001",
    "Siti Aminah",
    date(1980, 8, 5),
    phone="+6281350001234",
    village=SUNGAI_LEMBU,
    consent_at=CONSENT,
)


@pytest.fixture(autouse=True)
def _no_database_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)


@pytest.fixture
async def registered(database: Database) -> dict[str, Worker]:
    """Five workers in two villages, registered by one cadre."""
    async with database.transaction() as session:
        cadre_id = await add_staff(session, "+6281200000001", (SUNGAI_LEMBU, WIRITASI))
        siti = replace(SITI, registered_by=cadre_id)
        rows = {
            "siti": siti,
            "budi": replace(
                siti,
                nik="6310050101900002",
                name="Budi Santoso",
                birth_date=date(1990, 1, 1),
                sex="M",
                phone=None,
                occupation="ojek_sopir",
                payer="worker",
                programmes=("JKK", "JKM", "JHT"),
            ),
            "ahmad": replace(
                siti,
                nik="6310050202850003",
                name="Ahmad Fauzi",
                sex="M",
                occupation="rt_rw",
                segment="PU",
                declared_income=1_500_000,
            ),
            "wati": replace(
                siti,
                nik="6310054303850004",
                name="Wati",
                occupation="lainnya",
                occupation_other="penjahit keliling",
                payer="sponsor",
                sponsor="Yayasan Peduli Desa",
            ),
            "dewi": replace(siti, nik="6310054404950005", name="Dewi Lestari", village_code=WIRITASI),
        }
        stored = {key: await workers.add_worker(session, new) for key, new in rows.items()}
        stored["wati"].deceased_on = date(2026, 10, 1)
    return stored


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def exported(
    database: Database, today: date = TODAY, village: str | None = None, full_nik: bool = False
) -> list[dict[str, str]]:
    output = io.StringIO()
    count = await export_csv(database, output, today, village, full_nik=full_nik)
    rows = read_csv(output.getvalue())
    assert count == len(rows)
    return rows


async def test_every_column_of_a_worker(database, registered):
    rows = await exported(database)
    assert list(rows[0]) == list(COLUMNS)
    siti = next(r for r in rows if r["name"] == "Siti Aminah")
    worker = registered["siti"]
    assert siti == {
        "nik": "631005******0001",
        "name": "Siti Aminah",
        "birth_date": "1980-08-05",
        "sex": "F",
        "phone": "+6281350001234",
        "occupation": "petani",
        "segment": "BPU",
        "declared_income": "1000000",
        "programmes": "JKK+JKM",
        "monthly_contribution": "16800",
        "village_code": SUNGAI_LEMBU,
        "village_name": "Sungai Lembu",
        "payer": "village",
        "sponsor": "",
        "registration_number": f"REG-6310-{worker.id:06d}",
        "registered_by": "Rina Wati",
        "registered_at": worker.registered_at.isoformat(timespec="seconds"),
        "status": "belum_aktif",
        "kpj": "",
    }


async def test_rows_are_by_village_then_name(database, registered):
    rows = await exported(database)
    assert [(r["village_code"], r["name"]) for r in rows] == [
        (SUNGAI_LEMBU, "Ahmad Fauzi"),
        (SUNGAI_LEMBU, "Budi Santoso"),
        (SUNGAI_LEMBU, "Siti Aminah"),
        (SUNGAI_LEMBU, "Wati"),
        (WIRITASI, "Dewi Lestari"),
    ]


async def test_contributions_status_and_occupations_per_worker(database, registered):
    rows = {r["name"]: r for r in await exported(database)}
    # PP 50/2025 halves JKK+JKM for a transport worker paying himself; JHT (Rp20.000 at 1 juta) is not discounted.
    assert rows["Budi Santoso"]["monthly_contribution"] == "28400"
    assert rows["Budi Santoso"]["programmes"] == "JKK+JKM+JHT"
    assert rows["Ahmad Fauzi"]["segment"] == "PU"
    assert rows["Ahmad Fauzi"]["monthly_contribution"] == ""  # the branch office sets a PU contribution
    assert rows["Wati"]["occupation"] == "penjahit keliling"
    assert (rows["Wati"]["payer"], rows["Wati"]["sponsor"]) == ("sponsor", "Yayasan Peduli Desa")
    assert rows["Wati"]["status"] == "meninggal"
    assert rows["Siti Aminah"]["status"] == "belum_aktif"


async def test_the_contribution_is_the_month_of_the_export(database, registered):
    after_the_discount = {r["name"]: r for r in await exported(database, date(2027, 4, 1))}
    assert after_the_discount["Budi Santoso"]["monthly_contribution"] == "36800"
    in_its_last_month = {r["name"]: r for r in await exported(database, date(2027, 3, 31))}
    assert in_its_last_month["Budi Santoso"]["monthly_contribution"] == "28400"


async def test_one_village_only(database, registered):
    assert [r["name"] for r in await exported(database, village=WIRITASI)] == ["Dewi Lestari"]


async def test_an_empty_database_exports_the_header_only(database):
    output = io.StringIO()
    assert await export_csv(database, output, TODAY) == 0
    assert output.getvalue().strip() == ",".join(COLUMNS)


async def test_xlsx_has_the_same_rows_with_numbers_as_numbers(database, registered, tmp_path):
    path = tmp_path / "workers.xlsx"
    assert await export_xlsx(database, path, TODAY) == 5
    sheet = load_workbook(path, read_only=True)["workers"]
    header, *values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert header == list(COLUMNS)
    as_text = [{k: "" if v is None else str(v) for k, v in zip(header, row, strict=True)} for row in values]
    assert as_text == await exported(database)
    siti = next(row for row in values if row[0] == "631005******0001")
    assert siti[COLUMNS.index("monthly_contribution")] == 16800
    assert siti[COLUMNS.index("declared_income")] == 1_000_000


async def test_niks_are_masked_unless_asked_for_whole_and_that_is_audited(database, registered):
    masked = {r["name"]: r["nik"] for r in await exported(database)}
    assert masked == {
        "Ahmad Fauzi": "631005******0003",
        "Budi Santoso": "631005******0002",
        "Dewi Lestari": "631005******0005",
        "Siti Aminah": "631005******0001",
        "Wati": "631005******0004",
    }
    async with database.transaction() as session:
        assert await audit.events(session, "export.full_nik") == []
    whole = {r["name"]: r["nik"] for r in await exported(database, village=WIRITASI, full_nik=True)}
    assert whole == {"Dewi Lestari": "6310054404950005"}
    async with database.transaction() as session:
        (event,) = await audit.events(session, "export.full_nik")
    assert event.details == {"village": WIRITASI, "format": "csv", "rows": 1}
    assert (event.subject_type, event.subject_id) == ("export", "workers")


async def test_a_forgotten_worker_is_not_exported(database, registered):
    async with database.transaction() as session:
        worker = await data_rights.find_worker(session, "6310054508800001", lock=True)
        assert worker is not None
        await data_rights.forget(session, worker, await data_rights.plan_erasure(session, worker))
    names = [r["name"] for r in await exported(database, full_nik=True)]
    assert names == ["Ahmad Fauzi", "Budi Santoso", "Wati", "Dewi Lestari"]


async def run_cli(*argv: str) -> int:
    """`kader ...` in-process; in a thread because the command runs its own event loop."""
    return await asyncio.to_thread(cli.main, list(argv))


async def test_the_command_writes_csv_to_standard_output(database, database_url, registered, capsys):
    capsys.readouterr()
    assert await run_cli("export", "workers", "--database", database_url) == 0
    rows = read_csv(capsys.readouterr().out)
    assert len(rows) == 5
    assert {r["name"]: r["monthly_contribution"] for r in rows}["Siti Aminah"] == "16800"
    assert {r["name"]: r["nik"] for r in rows}["Siti Aminah"] == "631005******0001"


async def test_the_command_gives_whole_niks_with_full_nik_and_audits_it(database, database_url, registered, capsys):
    admin = await add_staff(database, "+6281200000009", (), name="Ani Admin", admin=True)
    argv = ("export", "workers", "--full-nik", "--actor", "0812-0000-0009", "--database", database_url)
    assert await run_cli(*argv, "--village", SUNGAI_LEMBU) == 0
    rows = read_csv(capsys.readouterr().out)
    assert {r["name"]: r["nik"] for r in rows}["Siti Aminah"] == "6310054508800001"
    xlsx_path = Path("all.xlsx")
    assert await run_cli(*argv, "--format", "xlsx", "-o", str(xlsx_path)) == 0
    sheet = load_workbook(xlsx_path, read_only=True)["workers"]
    assert "6310054404950005" in [row[0] for row in sheet.iter_rows(values_only=True)]
    async with database.transaction() as session:
        events = await audit.events(session, "export.full_nik")
    assert [(e.details, e.actor_person_id) for e in events] == [
        ({"village": SUNGAI_LEMBU, "format": "csv", "rows": 4}, admin),
        ({"village": None, "format": "xlsx", "rows": 5}, admin),
    ]
    assert all("63100" not in str(e.details) for e in events)


async def test_the_command_masks_xlsx_too_and_audits_nothing_then(database, database_url, registered, tmp_path):
    path = tmp_path / "masked.xlsx"
    assert await run_cli("export", "workers", "--format", "xlsx", "-o", str(path), "--database", database_url) == 0
    niks = [row[0] for row in load_workbook(path, read_only=True)["workers"].iter_rows(values_only=True)][1:]
    assert len(niks) == 5 and all(nik.startswith("631005******") for nik in niks)
    async with database.transaction() as session:
        assert await audit.events(session, "export.full_nik") == []


async def test_the_command_filters_a_village_and_writes_files(database, database_url, registered, capsys, tmp_path):
    csv_path = tmp_path / "wiritasi.csv"
    assert (
        await run_cli("export", "workers", "--database", database_url, "--village", "6310022004", "-o", str(csv_path))
        == 0
    )
    assert [r["name"] for r in read_csv(csv_path.read_text(encoding="utf-8"))] == ["Dewi Lestari"]
    assert "1 worker(s) written to" in capsys.readouterr().err

    xlsx_path = tmp_path / "all.xlsx"
    assert await run_cli("export", "workers", "--database", database_url, "--format", "xlsx", "-o", str(xlsx_path)) == 0
    sheet = load_workbook(xlsx_path, read_only=True)["workers"]
    assert sum(1 for _ in sheet.iter_rows()) == 6


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (("--village", "99.99.99.9999"), "is not a Kemendagri village code"),
        (("--format", "xlsx"), "XLSX needs a file"),
        (("--full-nik", "--actor", "0812-0000-0001"), "is not an admin"),
    ],
)
async def test_the_command_refuses_what_it_cannot_do(database_url, capsys, argv, error):
    assert await run_cli("export", "workers", "--database", database_url, *argv) == 2
    assert error in capsys.readouterr().err


def test_an_export_file_is_its_owners_only(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'k.db'}"
    assert cli.main(["db", "upgrade", "--database", url]) == 0
    assert stat.S_IMODE(os.stat(tmp_path / "k.db").st_mode) == 0o600  # a new database file too
    target = tmp_path / "workers.csv"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o644)
    assert cli.main(["export", "workers", "-o", str(target), "--database", url]) == 0
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600


async def test_the_kpj_is_masked_like_the_nik_unless_whole_niks_are_asked_for(database, registered):
    from storage.worker_edits import change_worker

    async with database.transaction() as session:
        siti_id = registered["siti"].id
        await change_worker(session, siti_id, {"kpj": "17012345678"}, actor_person_id=None, actor_contact_id=None)
    masked = {r["name"]: r["kpj"] for r in await exported(database)}
    assert masked["Siti Aminah"] == "170*****678" and masked["Budi Santoso"] == ""
    whole = {r["name"]: r["kpj"] for r in await exported(database, full_nik=True)}
    assert whole["Siti Aminah"] == "17012345678"
