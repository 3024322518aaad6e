"""The console shell: scripted runs of `kader shell`, and the shell driven in-process."""

from __future__ import annotations

import asyncio
import io
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.cli import main
from bot.console import ConsoleShell
from bot.demo import DEMO_CADRE, DEMO_PHONE, DEMO_VILLAGE, seed_demo_if_empty
from storage import contacts, people, villages

KADER = Path(sys.executable).with_name("kader")
STRANGER = "+6281300000001"
MENU_ID = "Silakan pilih layanan"
INFO_ID = "Info apa yang ingin Anda ketahui?"
NOT_A_CHOICE = "tidak ada di pilihan"


def _environment() -> dict[str, str]:
    """The environment without settings that would change the outcome (unbuffered output would hide a missing flush)."""
    hidden = ("DATABASE_URL", "LOG_LEVEL", "PYTHONUNBUFFERED")
    return {key: value for key, value in os.environ.items() if key not in hidden}


def _shell(tmp_path: Path, script: str, *options: str, db: str = "x.db") -> subprocess.CompletedProcess[str]:
    """`kader shell` as a real process with its standard input piped (so not a terminal)."""
    return subprocess.run(
        [str(KADER), "shell", "--database", f"sqlite:///{tmp_path / db}", *options],
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=_environment(),
        cwd=tmp_path,
    )


# -- as a real process -----------------------------------------------------------------------


def test_a_scripted_shell_seeds_the_demo_once_and_answers_each_line(tmp_path):
    first = _shell(tmp_path, "menu\n8\n5\n")
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "Database baru" in out and "Sungai Lembu" in out and "Siti Rahmah" in out and "+6281234567890" in out
    assert "Halo, Kader Siti Rahmah!" in out
    assert "1. Daftarkan pekerja" in out and "8. Info program" in out
    assert INFO_ID in out and "5. Berapa iurannya" in out
    assert "Rp16.800" in out
    assert "> " not in out, "no prompt when standard input is not a terminal"
    assert out.index(MENU_ID) < out.index(INFO_ID) < out.index("Rp16.800"), "replies come in order"

    second = _shell(tmp_path, "menu\n")
    assert second.returncode == 0, second.stderr
    assert "Database baru" not in second.stdout
    assert "Anda masuk dengan nomor +6281234567890." in second.stdout
    assert "Halo, Kader Siti Rahmah!" in second.stdout


def test_another_phone_is_normalised_gets_no_cadre_menu_and_no_demo(tmp_path, capsys):
    result = _shell(tmp_path, "menu\n", "--phone", "0813 0000 0001")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Anda masuk dengan nomor +6281300000001." in out
    assert MENU_ID in out and "Info program" in out
    assert "Daftarkan pekerja" not in out and "Kader" not in out
    assert "Database baru" not in out and "Siti Rahmah" not in out
    assert main(["cadre", "list", "--database", f"sqlite:///{tmp_path / 'x.db'}"]) == 0
    assert "No cadres yet" in capsys.readouterr().out, "no demo cadre was seeded"


def test_the_shell_speaks_english_when_asked(tmp_path):
    result = _shell(tmp_path, "menu\n8\n", "--lang", "en")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "console conversation" in out and "New database" in out
    assert "Programme information" in out and "What would you like to know?" in out
    assert "Silakan" not in out and "Info program" not in out


def test_replies_are_written_as_soon_as_each_line_is_handled(tmp_path):
    """With stdin and stdout both pipes, the reply to the first line must arrive before stdin is closed."""
    process = subprocess.Popen(
        [str(KADER), "shell", "--database", f"sqlite:///{tmp_path / 'x.db'}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_environment(),
        cwd=tmp_path,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write(b"menu\n")
        process.stdin.flush()
        received = b""
        deadline = time.monotonic() + 60
        while b"Balas dengan angka" not in received:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no reply while the input is still open; got {received!r}"
            ready, _, _ = select.select([process.stdout], [], [], remaining)
            if ready:
                chunk = os.read(process.stdout.fileno(), 65536)
                assert chunk, f"the shell ended early: {process.stderr.read()!r}"
                received += chunk
        assert b"Daftarkan pekerja" in received
        process.stdin.write(b"keluar\n")
        process.stdin.close()
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


# -- the command in-process ------------------------------------------------------------------


def test_an_invalid_phone_exits_2(tmp_path, capsys):
    assert main(["shell", "--phone", "12345", "--database", f"sqlite:///{tmp_path / 'x.db'}"]) == 2
    err = capsys.readouterr().err
    assert "12345" in err and "phone" in err
    assert not (tmp_path / "x.db").exists()


def test_an_unknown_language_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["shell", "--lang", "fr", "--database", f"sqlite:///{tmp_path / 'x.db'}"])
    assert exited.value.code == 2


def test_the_shell_command_reads_stdin_and_writes_stdout_as_they_are_now(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("menu\nkeluar\n"))
    assert main(["shell", "--phone", "0813-0000-0001", "--database", f"sqlite:///{tmp_path / 'x.db'}"]) == 0
    out = capsys.readouterr().out
    assert "+6281300000001" in out and MENU_ID in out


def test_echo_prints_each_line_before_its_answer(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("menu\n1\n"))
    database = f"sqlite:///{tmp_path / 'x.db'}"
    assert main(["shell", "--phone", "0813-0000-0001", "--echo", "--database", database]) == 0
    out = capsys.readouterr().out
    assert out.index("> menu") < out.index(MENU_ID) < out.index("> 1")
    monkeypatch.setattr(sys, "stdin", io.StringIO("menu\n"))
    assert main(["shell", "--phone", "0813-0000-0001", "--database", database]) == 0
    assert "> menu" not in capsys.readouterr().out  # without --echo, only the answers


# -- the shell in-process ------------------------------------------------------------------


@pytest.fixture
def output() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def shell(engine, database, output) -> ConsoleShell:
    return ConsoleShell(engine, database, STRANGER, output=output)


async def test_a_reply_is_written_before_send_returns(shell, output):
    replies = await shell.send("menu")
    assert replies
    assert MENU_ID in output.getvalue() and "Info program" in output.getvalue()


async def test_a_reply_is_flushed_through_a_buffered_output(engine, database):
    raw = io.BytesIO()
    buffered = io.TextIOWrapper(io.BufferedWriter(raw, buffer_size=1 << 20), encoding="utf-8")
    shell = ConsoleShell(engine, database, STRANGER, output=buffered)
    await shell.send("menu")
    assert MENU_ID in raw.getvalue().decode("utf-8")


@pytest.mark.parametrize("word", ["keluar", "KELUAR  ", "exit", "quit"])
async def test_an_exit_word_ends_the_session_before_later_lines(shell, output, word):
    await shell.run(io.StringIO(f"menu\n{word}\n4\nmenu\n"))
    out = output.getvalue()
    assert out.count(MENU_ID) == 1
    assert INFO_ID not in out


async def test_empty_lines_are_ignored(shell, output):
    await shell.run(io.StringIO("menu\n\n   \n\t\n4\n"))
    out = output.getvalue()
    assert NOT_A_CHOICE not in out
    assert out.count(MENU_ID) == 1
    assert INFO_ID in out


async def test_the_session_ends_at_end_of_input_without_a_newline(shell, output):
    await asyncio.wait_for(shell.run(io.StringIO("menu\n4")), timeout=30)
    assert INFO_ID in output.getvalue()


async def test_the_greeting_shows_the_identity_or_the_demo(engine, database, output):
    shell = ConsoleShell(engine, database, DEMO_PHONE, output=output)
    seed = await seed_demo_if_empty(database)
    await shell.greet(seed)
    assert "Database baru" in output.getvalue() and DEMO_CADRE in output.getvalue()
    output.truncate(0)
    output.seek(0)
    await shell.greet(await seed_demo_if_empty(database))
    assert "Anda masuk dengan nomor +6281234567890." in output.getvalue()
    assert "Database baru" not in output.getvalue()


async def test_a_language_set_before_the_greeting_is_used(shell, output):
    await shell.set_language("en")
    assert await shell.language() == "en"
    await shell.greet(None)
    await shell.send("menu")
    out = output.getvalue()
    assert "You are signed in with the number +6281300000001." in out
    assert "Programme information" in out


# -- the demo seed --------------------------------------------------------------------------


async def test_the_demo_is_seeded_only_into_a_database_without_people(database):
    async with database.transaction() as session:
        earlier = await contacts.get_or_create_contact(session, "console", DEMO_PHONE)
        contacts.set_verified_phone(earlier, DEMO_PHONE, None)
    first = await seed_demo_if_empty(database)
    second = await seed_demo_if_empty(database)
    assert (first.created, second.created) == (True, False)
    assert (first.name, first.phone) == (DEMO_CADRE, DEMO_PHONE)
    async with database.transaction() as session:
        assert await people.count_people(session) == 1
        staff = await people.staff_by_phone(session, DEMO_PHONE)
        village = await villages.get_village(session, DEMO_VILLAGE)
        linked = await contacts.get_contact(session, earlier.id)
    assert staff is not None and staff.village_codes == (DEMO_VILLAGE,) and not staff.is_admin
    assert village is not None and village.name == "Sungai Lembu"
    assert linked is not None and linked.person_id == staff.person_id


async def test_no_demo_when_someone_was_added(database):
    async with database.transaction() as session:
        await people.add_person(session, "Pak Admin", "+6281399990000", [], admin=True)
    seed = await seed_demo_if_empty(database)
    assert seed.created is False
    async with database.transaction() as session:
        assert await people.staff_by_phone(session, DEMO_PHONE) is None
