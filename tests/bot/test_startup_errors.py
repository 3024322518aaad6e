"""Start-up failures of `kader serve` and `kader poll` end in one `kader: error:` line, exit status 2, no traceback,
and no secret: an unreachable Bot API (a closed port on 127.0.0.1), and an address already in use."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from bot.cli import main

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
PROXY_PASSWORD = "hunter2-proxy"
SECONDS = 20  # far more than a refused loopback connection takes


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port something else listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.fixture(autouse=True)
def _environment(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_API_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_WHATSAPP_FROM", "PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'kader.db'}")
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")


def run(argv: list[str]) -> tuple[int, float]:
    started = time.monotonic()
    status = main(argv)
    return status, time.monotonic() - started


def one_error_line(err: str) -> str:
    """The single `kader: error:` line, checked to be the last line and the only one, with no traceback."""
    assert "Traceback" not in err, err
    errors = [line for line in err.splitlines() if line.startswith("kader: error:")]
    assert len(errors) == 1, err
    assert err.splitlines()[-1] == errors[0], err
    return errors[0]


def test_serve_with_an_unreachable_bot_api_says_so_in_one_line(monkeypatch, capsys, closed_port, busy_port):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "webhook-Secret_42")
    monkeypatch.setenv("TELEGRAM_API_URL", f"http://kader:{PROXY_PASSWORD}@127.0.0.1:{closed_port}/bot")
    status, seconds = run(["serve", "--port", str(busy_port)])  # never reached: the channel fails first
    err = capsys.readouterr().err
    line = one_error_line(err)
    assert status == 2 and seconds < SECONDS
    assert line.startswith(
        "kader: error: the telegram channel could not start:"
        f" Telegram unreachable at http://kader:***@127.0.0.1:{closed_port}/bot ("
    ), line
    assert line.endswith("): check TELEGRAM_API_URL and the network")
    assert TOKEN not in err and TOKEN.split(":")[1] not in err and PROXY_PASSWORD not in err


def test_poll_with_an_unreachable_bot_api_says_so_in_one_line(monkeypatch, capsys, closed_port):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_URL", f"http://127.0.0.1:{closed_port}/bot")
    status, seconds = run(["poll"])
    err = capsys.readouterr().err
    line = one_error_line(err)
    assert status == 2 and seconds < SECONDS
    assert line.startswith(f"kader: error: Telegram unreachable at http://127.0.0.1:{closed_port}/bot ("), line
    assert "could not start" not in err.replace(line, "")  # said once, in the error line
    assert TOKEN.split(":")[1] not in err


def test_serve_on_an_address_in_use_names_it_in_one_line(capsys, monkeypatch, busy_port):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    status, seconds = run(["serve", "--host", "127.0.0.1", "--port", str(busy_port)])
    err = capsys.readouterr().err
    line = one_error_line(err)
    assert status == 2 and seconds < SECONDS
    assert line == f"kader: error: the web server could not start on 127.0.0.1:{busy_port} (see the error above)"
    # uvicorn's own line, through kader's logging, says why.
    assert f"ERROR uvicorn.error [Errno 98] error while attempting to bind on address ('127.0.0.1', {busy_port})" in err


def test_serve_with_an_unreachable_database_says_so_in_one_line_without_the_password(monkeypatch, capsys, closed_port):
    monkeypatch.setenv("DATABASE_URL", f"postgresql://kader:Db-Pa55word@127.0.0.1:{closed_port}/kader")
    status, seconds = run(["serve"])
    err = capsys.readouterr().err
    line = one_error_line(err)
    assert status == 2 and seconds < SECONDS
    assert line.startswith("kader: error: the database cannot be opened or reached: connection failed:"), line
    assert "Db-Pa55word" not in err
