"""The `kader` command: help, cadres, villages; run in-process, and once as the installed script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from storage import people

KADER = Path(sys.executable).with_name("kader")

COMMANDS = {
    (): "BPJS Ketenagakerjaan bot for village cadres",
    ("shell",): "talk to the bot in this terminal",
    ("db",): "database schema",
    ("db", "upgrade"): "apply every pending migration",
    ("cadre",): "cadres and admins",
    ("cadre", "add"): "add a cadre of one or more villages",
    ("cadre", "list"): "list cadres and admins",
    ("cadre", "deactivate"): "take every role from a cadre or admin",
    ("village",): "Kemendagri villages",
    ("village", "search"): "find villages by name, kecamatan or code prefix",
    ("payments",): "contribution payments",
    ("payments", "import"): "import the branch office's payment file (CSV or XLSX)",
    ("payments", "void"): "void the payment(s) recorded by mistake under a reference",
}


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'x.db'}"


@pytest.fixture(autouse=True)
def _no_database_in_the_working_directory(tmp_path, monkeypatch):
    """Any command that forgot --database would write kader.db here, not in the repository."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)


@pytest.mark.parametrize("command", list(COMMANDS), ids=lambda c: " ".join(c) or "kader")
def test_help_of_every_command_exits_0_and_describes_it(command, capsys):
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: kader" + "".join(f" {word}" for word in command))
    assert COMMANDS[command] in " ".join(out.split())


def test_the_top_level_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for name in ("shell", "db", "cadre", "village"):
        assert f"    {name} " in out


def test_a_command_is_required(capsys):
    with pytest.raises(SystemExit) as exited:
        main([])
    assert exited.value.code == 2
    assert "required" in capsys.readouterr().err


def test_the_installed_script_answers_help():
    result = subprocess.run([str(KADER), "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "usage: kader" in result.stdout and "cadre" in result.stdout and result.stderr == ""


# -- cadre add -----------------------------------------------------------------------------


def test_an_unknown_village_code_is_refused_naming_it(capsys, tmp_path):
    status = main(["cadre", "add", "--name", "Siti", "--phone", "0812 3456 7890", "--village", "99.99.99.9999"])
    assert status == 2
    err = capsys.readouterr().err
    assert "99.99.99.9999" in err and "village" in err and "Traceback" not in err
    assert not (tmp_path / "kader.db").exists(), "nothing is written for a refused command"


def test_one_unknown_code_among_good_ones_adds_nothing(url, capsys):
    argv = ["cadre", "add", "--name", "Siti", "--phone", "0812 3456 7890", "--database", url]
    assert main([*argv, "--village", "63.10.02.2003", "--village", "63.10.02.9999"]) == 2
    assert "63.10.02.9999" in capsys.readouterr().err
    assert main(["cadre", "list", "--database", url]) == 0
    assert "No cadres yet" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("phone", "words"),
    [
        ("021 5551234", ("mobile",)),
        ("(021) 555-1234", ("mobile",)),
        ("+1 415 555 2671", ("Indonesian",)),
        ("+65 9123 4567", ("Indonesian",)),
        ("not a phone", ("not a phone number",)),
    ],
)
def test_a_phone_that_is_not_an_indonesian_mobile_is_refused(phone, words, url, capsys):
    status = main(["cadre", "add", "--name", "Siti", "--phone", phone, "--village", "63.10.02.2003", "--database", url])
    assert status == 2
    err = capsys.readouterr().err
    assert phone in err
    for word in words:
        assert word in err


def test_a_cadre_needs_a_village_unless_admin(url, capsys):
    assert main(["cadre", "add", "--name", "Siti", "--phone", "0812 3456 7890", "--database", url]) == 2
    assert "--village" in capsys.readouterr().err


def test_a_name_must_not_be_blank(url, capsys):
    argv = ["cadre", "add", "--name", "   ", "--phone", "0812 3456 7890", "--village", "63.10.02.2003"]
    assert main([*argv, "--database", url]) == 2
    assert "name" in capsys.readouterr().err


def test_added_cadres_are_listed_with_e164_phone_and_village(url, capsys):
    argv = ["cadre", "add", "--name", "Siti  Rahmah", "--phone", "0812-3456-7890", "--village", "63.10.02.2003"]
    assert main([*argv, "--database", url]) == 0
    added = capsys.readouterr().out
    assert "Siti Rahmah (+6281234567890) is cadre of Sungai Lembu (63.10.02.2003)" in added

    assert main(["cadre", "list", "--database", url]) == 0
    listed = capsys.readouterr().out
    assert "Siti Rahmah" in listed
    assert "+6281234567890" in listed
    assert "63.10.02.2003" in listed and "Sungai Lembu" in listed
    assert "cadre" in listed


def test_adding_again_adds_a_village_and_admin_to_the_same_person(url, capsys):
    base = ["cadre", "add", "--name", "Siti Rahmah", "--phone", "+62 812 3456 7890", "--database", url]
    assert main([*base, "--village", "63.10.02.2003"]) == 0
    assert main([*base, "--village", "63.10.02.2002", "--admin"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "was already cadre of Sungai Lembu (63.10.02.2003); added Betung (63.10.02.2002), admin." in out
    assert "Now admin and cadre of Betung (63.10.02.2002), Sungai Lembu (63.10.02.2003)." in out
    assert main(["cadre", "list", "--database", url]) == 0
    listed = capsys.readouterr().out
    assert listed.count("+6281234567890") == 1
    assert "Betung" in listed and "Sungai Lembu" in listed and "admin, cadre" in listed


def test_adding_an_existing_cadre_to_more_villages_prints_all_their_villages(url, capsys):
    base = ["cadre", "add", "--name", "Siti Rahmah", "--phone", "0812 3456 7890", "--database", url]
    assert main([*base, "--village", "63.10.02.2003"]) == 0
    capsys.readouterr()
    assert main([*base, "--village", "63.10.02.2003", "--village", "63.10.02.2004"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert out == (
        "Siti Rahmah (+6281234567890) was already cadre of Sungai Lembu (63.10.02.2003);"
        " added Wiritasi (63.10.02.2004). Now cadre of Sungai Lembu (63.10.02.2003), Wiritasi (63.10.02.2004)."
    )
    assert main([*base, "--village", "63.10.02.2004"]) == 0
    assert "nothing new added. Now cadre of Sungai Lembu" in " ".join(capsys.readouterr().out.split())


def test_deactivating_a_cadre_removes_their_roles_keeps_their_workers_and_is_audited(url, capsys):
    import asyncio
    from datetime import date

    from sqlalchemy import select

    from storage.database import open_database
    from storage.models import AuditEvent, Worker
    from tests.factories import add_worker

    add = ["cadre", "add", "--name", "Siti Rahmah", "--phone", "0812 3456 7890", "--database", url]
    assert main([*add, "--village", "63.10.02.2003", "--admin"]) == 0

    async def arrange() -> None:
        database = open_database(url)
        try:
            async with database.transaction() as session:
                person = await people.find_person_by_phone(session, "+6281234567890")
                assert person is not None
                await add_worker(session, "6310054508800001", "Siti Aminah", date(1980, 8, 5), registered_by=person.id)
        finally:
            await database.close()

    asyncio.run(arrange())
    capsys.readouterr()
    assert main(["cadre", "deactivate", "--phone", "+62 812-3456-7890", "--database", url]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert out == (
        "Siti Rahmah (+6281234567890) is no longer admin and cadre of Sungai Lembu (63.10.02.2003)."
        " The 1 worker(s) they registered stay registered."
        " Reassign them with: kader cadre move --from +6281234567890 --to PHONE"
    )

    async def read() -> tuple[people.Staff | None, list[Worker], list[AuditEvent]]:
        database = open_database(url)
        try:
            async with database.transaction() as session:
                staff = await people.staff_by_phone(session, "+6281234567890")
                registered = list(await session.scalars(select(Worker)))
                deactivated = select(AuditEvent).where(AuditEvent.action == "person.deactivated")
                events = list(await session.scalars(deactivated))
                return staff, registered, events
        finally:
            await database.close()

    staff, registered, events = asyncio.run(read())
    assert staff is not None and not staff.is_cadre and not staff.is_admin
    assert [w.registered_by for w in registered] == [staff.person_id]
    (event,) = events
    assert event.subject_id == str(staff.person_id)
    assert event.details == {"villages": ["63.10.02.2003"], "admin": True}

    assert main(["cadre", "deactivate", "--phone", "0812 3456 7890", "--database", url]) == 0
    assert "has no roles already; nothing changed" in capsys.readouterr().out
    assert main(["cadre", "list", "--database", url]) == 0
    listed = capsys.readouterr().out
    assert "Siti Rahmah" in listed and "none" in listed and "63.10.02.2003" not in listed


def test_deactivating_an_unknown_phone_is_an_error(url, capsys):
    assert main(["cadre", "deactivate", "--phone", "0812 3456 7890", "--database", url]) == 2
    err = capsys.readouterr().err
    assert "kader: error:" in err and "+6281234567890" in err and "Traceback" not in err


def test_the_list_is_readable_in_a_narrow_terminal(url, capsys, monkeypatch):
    argv = ["cadre", "add", "--name", "Siti Rahmah Binti Abdullah", "--phone", "0812 3456 7890", "--database", url]
    assert main([*argv, "--village", "63.10.02.2003", "--village", "63.10.02.2007"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("COLUMNS", "50")
    assert main(["cadre", "list", "--database", url]) == 0
    assert "+6281234567890" in capsys.readouterr().out


def test_the_database_url_comes_from_the_environment(tmp_path, monkeypatch, capsys):
    path = tmp_path / "from-env.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    argv = ["cadre", "add", "--name", "Siti", "--phone", "0812 3456 7890", "--village", "63.10.02.2003"]
    assert main(argv) == 0
    assert path.is_file()
    assert main(["cadre", "list", "--database", f"sqlite:///{path}"]) == 0
    assert "+6281234567890" in capsys.readouterr().out


# -- village search ------------------------------------------------------------------------


def test_village_search_finds_sungai_lembu(capsys):
    assert main(["village", "search", "sungai", "lembu"]) == 0
    out = capsys.readouterr().out
    assert "63.10.02.2003" in out
    assert "Sungai" in out and "Kusan Hilir" in out and "WITA" in out


def test_village_search_keeps_codes_whole_in_a_narrow_terminal(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    assert main(["village", "search", "sungai lembu"]) == 0
    assert "63.10.02.2003" in capsys.readouterr().out


def test_village_search_by_code_prefix(capsys):
    assert main(["village", "search", "63.10.02", "--limit", "3"]) == 0
    out = capsys.readouterr().out
    assert "63.10.02.1001" in out and out.count("63.10.02.") == 3


def test_a_search_says_how_many_match_when_it_shows_fewer(capsys):
    assert main(["village", "search", "63.10.02"]) == 0
    out = capsys.readouterr().out
    assert out.count("63.10.02.") == 20
    assert "showing 20 of 22; use --limit 30 to see all" in " ".join(out.split())
    assert main(["village", "search", "63.10.02", "--limit", "30"]) == 0
    out = capsys.readouterr().out
    assert out.count("63.10.02.") == 22 and "showing" not in out


def test_a_search_by_kecamatan_lists_its_villages(capsys):
    assert main(["village", "search", "kusan", "hilir", "--limit", "30"]) == 0
    out = capsys.readouterr().out
    assert out.count("63.10.02.") == 22 and "63.10.02.2003" in out


def test_a_search_with_sei_finds_sungai(capsys):
    assert main(["village", "search", "sei", "lembu"]) == 0
    out = capsys.readouterr().out
    assert "63.10.02.2003" in out and "showing" not in out


def test_a_limit_below_1_is_refused(capsys):
    assert main(["village", "search", "sungai", "--limit", "0"]) == 2
    assert "--limit" in capsys.readouterr().err


def test_a_search_without_a_match_exits_1_with_a_hint(capsys):
    assert main(["village", "search", "zzqx", "nothing"]) == 1
    out = capsys.readouterr().out
    assert "No village matches" in out and "code prefix" in out


def test_the_installed_script_uses_kader_db_in_the_working_directory(tmp_path):
    env = {**os.environ, "COLUMNS": "120"}
    env.pop("DATABASE_URL", None)

    def kader(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(KADER), *argv], capture_output=True, text=True, timeout=120, check=False, env=env, cwd=tmp_path
        )

    added = kader("cadre", "add", "--name", "Siti", "--phone", "0812 3456 7890", "--village", "63.10.02.2003")
    assert added.returncode == 0, added.stderr
    assert (tmp_path / "kader.db").is_file()
    listed = kader("cadre", "list")
    assert listed.returncode == 0, listed.stderr
    assert "+6281234567890" in listed.stdout and "Sungai Lembu" in listed.stdout


# -- a reader that closes the pipe early ----------------------------------------------------


def _add_many_workers(url: str, count: int) -> None:
    """Registers `count` workers in Sungai Lembu, enough rows to overflow a pipe's buffer."""
    import asyncio
    from datetime import date

    from bot.runtime import prepare_database
    from tests.factories import add_village, new_worker

    async def add() -> None:
        from storage import workers

        database = prepare_database(url)
        try:
            async with database.transaction() as session:
                await add_village(session, "63.10.02.2003")
                for n in range(count):
                    worker = new_worker(f"631002010190{n:04d}", "Budi Santoso", date(1990, 1, 1))
                    await workers.add_worker(session, worker)
        finally:
            await database.close()

    asyncio.run(add())


def test_an_export_piped_into_head_ends_quietly(url, tmp_path):
    _add_many_workers(url, 1500)
    env = {**os.environ, "DATABASE_URL": url}
    command = f"'{KADER}' export workers | head -2; echo \"status=${{PIPESTATUS[0]}}\""
    result = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, timeout=120, check=False, env=env, cwd=tmp_path
    )
    assert "Traceback" not in result.stderr and "BrokenPipeError" not in result.stderr, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].startswith("nik,") or "nik" in lines[0].lower()
    assert lines[-1] == "status=141"
