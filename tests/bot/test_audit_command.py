"""`kader audit`: who looked at or changed what, newest first, filtered by worker, actor and day; NIKs and phones
masked, times in UTC or a named Indonesian zone."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest

from bot import cli
from flows.lookup_limits import NIK_SUBJECT, nik_key
from storage import audit, contacts
from storage.database import Database
from tests.factories import add_staff, add_worker

CADRE_PHONE = "+6281200000001"
WORKER_PHONE = "+6281350001234"
SITI, BUDI = "6310054508800001", "6310050101900002"


@pytest.fixture(autouse=True)
def _wide_output_and_no_stray_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "220")


async def run_cli(*argv: str) -> int:
    """`kader ...` in-process; in a thread because the command runs its own event loop."""
    return await asyncio.to_thread(cli.main, list(argv))


@pytest.fixture
async def trail(database: Database) -> dict[str, int]:
    """A cadre registers two workers and looks one up; that worker checks their own status; someone misses a check
    of the other's NIK; a file is imported."""
    cadre = await add_staff(database, CADRE_PHONE, name="Rina Wati")
    siti = await add_worker(database, SITI, "Siti Aminah", date(1980, 8, 5), phone=WORKER_PHONE)
    budi = await add_worker(database, BUDI, "Budi Santoso", date(1990, 1, 1))
    async with database.transaction() as session:
        contact = await contacts.get_or_create_contact(session, "whatsapp", WORKER_PHONE)
        contacts.set_verified_phone(contact, WORKER_PHONE, None)
        cadre_chat = await contacts.get_or_create_contact(session, "telegram", "555")
        for at, action, person, contact_id, worker, details in (
            (datetime(2026, 11, 1, 2, 0, tzinfo=UTC), "worker.registered", cadre, cadre_chat.id, siti, {}),
            (datetime(2026, 11, 2, 3, 0, tzinfo=UTC), "worker.registered", cadre, cadre_chat.id, budi, {}),
            (datetime(2026, 11, 20, 16, 30, tzinfo=UTC), "status_lookup", cadre, cadre_chat.id, siti, {"q": SITI}),
            (datetime(2026, 11, 21, 1, 0, tzinfo=UTC), "status_lookup", None, contact.id, siti, {"mode": "own"}),
        ):
            await audit.record_event(
                session, action, person_id=person, contact_id=contact_id, subject_type="worker",
                subject_id=str(worker), details=details, at=at,
            )  # fmt: skip
        await audit.record_event(
            session, "status_lookup_failed", contact_id=cadre_chat.id, subject_type=NIK_SUBJECT,
            subject_id=nik_key(BUDI), at=datetime(2026, 11, 3, 0, 0, tzinfo=UTC),
        )  # fmt: skip
        await audit.record_event(
            session, "payments.imported", subject_type="file", subject_id="bayar.csv", details={"rows": 3},
            at=datetime(2026, 11, 22, 0, 0, tzinfo=UTC),
        )  # fmt: skip
    return {"siti": siti, "budi": budi, "contact": contact.id}


def rows(out: str) -> list[str]:
    """The table's rows: each line that starts with a date, as its cells."""
    return [line for line in out.splitlines() if line.startswith("│ 20")]


async def test_every_event_newest_first_with_time_actor_subject_and_masked_details(trail, database_url, capsys):
    assert await run_cli("audit", "--database", database_url) == 0
    out = capsys.readouterr().out
    assert "Time (UTC)" in out
    listed = rows(out)
    assert [line.split("│")[2].strip() for line in listed] == [
        "payments.imported",
        "status_lookup",
        "status_lookup",
        "status_lookup_failed",
        "worker.registered",
        "worker.registered",
    ]
    assert listed[0].split("│")[1].strip() == "2026-11-22 00:00:00"
    assert f"contact {trail['contact']} (whatsapp +62813****1234)" in listed[1]
    assert "Rina Wati +62812****0001" in listed[2]
    assert f"worker {trail['siti']} Siti Aminah 631005******0001" in listed[2]
    assert "q=631005******0001" in listed[2]
    assert "file bayar.csv" in listed[0] and "rows=3" in listed[0]
    assert SITI not in out and WORKER_PHONE not in out and CADRE_PHONE not in out


async def test_filtered_by_worker_with_the_checks_counted_by_their_nik(trail, database_url, capsys):
    assert await run_cli("audit", "--worker", "6310 0501 0190 0002", "--database", database_url) == 0
    listed = rows(capsys.readouterr().out)
    assert len(listed) == 2
    assert "status_lookup_failed" in listed[0] and f"nik_hash {nik_key(BUDI)[:12]}…" in listed[0]
    assert "worker.registered" in listed[1] and "Budi Santoso" in listed[1]


async def test_filtered_by_actor_as_person_or_contact(trail, database_url, capsys):
    assert await run_cli("audit", "--actor", "0812-0000-0001", "--database", database_url) == 0
    assert len(rows(capsys.readouterr().out)) == 3
    assert await run_cli("audit", "--actor", WORKER_PHONE, "--database", database_url) == 0
    (own,) = rows(capsys.readouterr().out)
    assert "mode=own" in own


async def test_since_a_day_in_the_zone_asked_for_and_a_limit(trail, database_url, capsys):
    assert await run_cli("audit", "--since", "2026-11-21", "--database", database_url) == 0
    assert len(rows(capsys.readouterr().out)) == 2
    # 20 November 16:30 UTC is already 21 November 00:30 in WITA.
    assert await run_cli("audit", "--since", "2026-11-21", "--zone", "WITA", "--database", database_url) == 0
    out = capsys.readouterr().out
    assert "Time (WITA)" in out and "2026-11-21 00:30:00" in out and len(rows(out)) == 3
    assert await run_cli("audit", "--worker", SITI, "--limit", "1", "--database", database_url) == 0
    (newest,) = rows(capsys.readouterr().out)
    assert "mode=own" in newest


async def test_nothing_matching_says_so(trail, database_url, capsys):
    assert await run_cli("audit", "--since", "2027-01-01", "--database", database_url) == 0
    assert "No audit events match." in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (("--worker", "6310054508800009"), "no worker is registered with that NIK"),
        (("--actor", "0812 9999 0000"), "no cadre, admin or contact has the phone +62812****0000"),
        (("--actor", "021 5551234"), "is not accepted as a phone"),
        (("--since", "22/11/2026"), "is not a date: use YYYY-MM-DD"),
        (("--limit", "0"), "--limit must be at least 1"),
    ],
)
async def test_what_it_refuses_in_one_line(trail, database_url, capsys, argv, error):
    assert await run_cli("audit", *argv, "--database", database_url) == 2
    err = capsys.readouterr().err
    assert err.startswith("kader: error: ") and error in err and err.count("\n") == 1
