"""`kader cadre move --from PHONE --to PHONE [--village CODE]`: the workers a leaving cadre registered get another
cadre of their village, who then sees their full NIK and is the cadre their workers are told to ask; each move is
audited with the old and the new person; a cadre of another village is refused and nothing moves."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import select

from bot import cli
from storage import audit, people
from storage.database import Database
from storage.models import Worker
from tests.factories import VILLAGE, add_staff, add_worker

OTHER_VILLAGE = "63.10.02.2004"
LEAVING = "+6281200000001"
TAKING_OVER = "+6281200000002"
ELSEWHERE = "+6281200000003"
BIRTH = date(1975, 3, 12)


@pytest.fixture(autouse=True)
def _no_stray_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")


async def run_cli(*argv: str) -> int:
    """`kader ...` in-process; in a thread because the command runs its own event loop."""
    return await asyncio.to_thread(cli.main, list(argv))


async def registered_by(database: Database) -> dict[str, int | None]:
    """Each worker's name and the person who registered them."""
    async with database.transaction() as session:
        return {w.name: w.registered_by for w in await session.scalars(select(Worker))}


@pytest.fixture
async def cadres(database: Database) -> dict[str, int]:
    """Rina leaves Sungai Lembu and Wiritasi, Budi serves Sungai Lembu, Sari only Wiritasi; Rina
    registered two workers in Sungai Lembu and one in Wiritasi, Budi one of his own."""
    ids = {
        "rina": await add_staff(database, LEAVING, (VILLAGE, OTHER_VILLAGE), name="Rina Wati"),
        "budi": await add_staff(database, TAKING_OVER, (VILLAGE,), name="Budi Santoso"),
        "sari": await add_staff(database, ELSEWHERE, (OTHER_VILLAGE,), name="Sari Dewi"),
    }
    await add_worker(database, "6310051203750001", "Ahmad", BIRTH, registered_by=ids["rina"])
    await add_worker(database, "6310051203750002", "Citra", BIRTH, registered_by=ids["rina"])
    await add_worker(database, "6310051203750003", "Dedi", BIRTH, village=OTHER_VILLAGE, registered_by=ids["rina"])
    await add_worker(database, "6310051203750004", "Eka", BIRTH, registered_by=ids["budi"])
    return ids


async def test_move_of_one_village_reassigns_and_audits_each_worker(database, database_url, cadres, capsys):
    argv = ("cadre", "move", "--from", "0812 0000 0001", "--to", TAKING_OVER, "--village", VILLAGE)
    assert await run_cli(*argv, "--database", database_url) == 0
    assert capsys.readouterr().out.strip() == (
        "Moved 2 worker(s) of Sungai Lembu (63.10.02.2003) from Rina Wati (+6281200000001)"
        " to Budi Santoso (+6281200000002)."
    )
    rina, budi = cadres["rina"], cadres["budi"]
    assert await registered_by(database) == {"Ahmad": budi, "Citra": budi, "Dedi": rina, "Eka": budi}

    async with database.transaction() as session:
        moved = await audit.events(session, "worker.moved")
        ahmad = await session.scalar(select(Worker).where(Worker.name == "Ahmad"))
        assert ahmad is not None
        # Rina still serves the village, but Budi is now the cadre Ahmad is told to ask.
        asked = await people.cadre_for_village(session, VILLAGE, ahmad.registered_by)
    assert asked is not None and asked.id == budi
    assert len(moved) == 2
    assert {e.details["from_person"] for e in moved} == {rina} and {e.details["to_person"] for e in moved} == {budi}
    assert {e.subject_id for e in moved} == {str(ahmad.id), str(ahmad.id + 1)}


async def test_a_cadre_of_another_village_is_refused_and_nothing_moves(database, database_url, cadres, capsys):
    before = await registered_by(database)
    # Budi does not serve Wiritasi, where Dedi lives: the whole move is refused.
    assert await run_cli("cadre", "move", "--from", LEAVING, "--to", TAKING_OVER, "--database", database_url) == 2
    err = capsys.readouterr().err
    assert "Budi Santoso is not a cadre of" in err and "63.10.02.2004" in err and "nothing moved" in err
    # Sari serves only Wiritasi, not Sungai Lembu.
    argv = ("cadre", "move", "--from", LEAVING, "--to", ELSEWHERE, "--village", VILLAGE, "--database", database_url)
    assert await run_cli(*argv) == 2
    assert "Sari Dewi is not a cadre of Sungai Lembu (63.10.02.2003): nothing moved" in capsys.readouterr().err
    assert await registered_by(database) == before
    async with database.transaction() as session:
        assert await audit.events(session, "worker.moved") == []


async def test_a_deactivated_cadres_workers_move_village_by_village(database, database_url, cadres, capsys):
    assert await run_cli("cadre", "deactivate", "--phone", LEAVING, "--database", database_url) == 0
    assert "The 3 worker(s) they registered stay registered." in capsys.readouterr().out
    assert await run_cli("cadre", "move", "--from", LEAVING, "--to", ELSEWHERE, "--village", OTHER_VILLAGE,
                         "--database", database_url) == 0  # fmt: skip
    assert await run_cli("cadre", "move", "--from", LEAVING, "--to", TAKING_OVER, "--database", database_url) == 0
    out = capsys.readouterr().out
    assert "Moved 1 worker(s) of Wiritasi (63.10.02.2004) from Rina Wati" in out
    assert "Moved 2 worker(s) from Rina Wati" in out
    budi, sari = cadres["budi"], cadres["sari"]
    assert await registered_by(database) == {"Ahmad": budi, "Citra": budi, "Dedi": sari, "Eka": budi}
    # Nothing left to move.
    assert await run_cli("cadre", "move", "--from", LEAVING, "--to", TAKING_OVER, "--database", database_url) == 0
    assert "has no registered workers; nothing moved" in capsys.readouterr().out


async def test_move_to_an_unknown_phone_or_the_same_cadre_is_refused(database, database_url, cadres, capsys):
    assert await run_cli("cadre", "move", "--from", LEAVING, "--to", "0813 9999 0000", "--database", database_url) == 2
    assert "no active cadre has the phone +6281399990000" in capsys.readouterr().err
    assert await run_cli("cadre", "move", "--from", LEAVING, "--to", LEAVING, "--database", database_url) == 2
    assert "the same phone" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("command", "summary"),
    [
        ("move", "reassign the workers a cadre registered to another cadre"),
        ("invite", "print a single-use, expiring Telegram link for a cadre"),
    ],
)
def test_the_new_commands_describe_themselves(command, summary, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["cadre", command, "--help"])
    assert exited.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert out.startswith(f"usage: kader cadre {command}") and summary in out
