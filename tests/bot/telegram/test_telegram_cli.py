"""`kader poll` as a real process, and `kader telegram set-webhook | delete-webhook | webhook-info`."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from bot.cli import main
from storage import contacts
from tests.bot.telegram.harness import PUBLIC_URL, SECRET
from tests.bot.telegram.tg import TelegramUser, contact, joined

KADER = Path(sys.executable).with_name("kader")
CHAT = 9001


@pytest.fixture
def telegram_env(bot_api, monkeypatch, tmp_path):
    """The environment of an operator's shell pointed at the fake Bot API."""
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_WEBHOOK_SECRET", "PUBLIC_URL", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", bot_api.token)
    monkeypatch.setenv("TELEGRAM_API_URL", bot_api.base_url)
    return monkeypatch


async def _kader(*argv: str) -> int:
    """Runs `kader ARGV` in-process (on a worker thread: the command runs its own event loop)."""
    return await asyncio.to_thread(main, list(argv))


async def test_set_webhook_registers_the_public_url_with_the_secret_and_the_update_types(bot_api, telegram_env, capsys):
    telegram_env.setenv("PUBLIC_URL", PUBLIC_URL + "/")
    telegram_env.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    assert await _kader("telegram", "set-webhook") == 0
    assert bot_api.webhook == {
        "url": "https://kader.example.org/telegram/webhook",
        "secret_token": SECRET,
        "allowed_updates": ["message", "callback_query"],
    }
    assert "webhook set: https://kader.example.org/telegram/webhook" in capsys.readouterr().out
    assert await _kader("telegram", "webhook-info") == 0
    assert "update types: message, callback_query" in capsys.readouterr().out


async def test_delete_webhook_keeps_pending_updates_unless_asked(bot_api, telegram_env, capsys):
    bot_api.webhook = {"url": PUBLIC_URL + "/telegram/webhook"}
    bot_api.push(contact(CHAT, "+6281234567890", CHAT))
    assert await _kader("telegram", "delete-webhook") == 0
    assert bot_api.webhook["url"] == "" and len(bot_api.updates) == 1
    assert "pending updates: 1" in capsys.readouterr().out
    assert await _kader("telegram", "delete-webhook", "--drop-pending") == 0
    assert bot_api.updates == []


async def test_set_webhook_names_every_missing_setting(bot_api, telegram_env, capsys):
    telegram_env.delenv("TELEGRAM_BOT_TOKEN")
    assert await _kader("telegram", "set-webhook") == 2
    error = capsys.readouterr().err
    assert "TELEGRAM_BOT_TOKEN" in error and "PUBLIC_URL" in error and "TELEGRAM_WEBHOOK_SECRET" in error
    assert bot_api.calls == []


async def test_set_webhook_refuses_a_secret_telegram_would_refuse(bot_api, telegram_env, capsys):
    telegram_env.setenv("PUBLIC_URL", PUBLIC_URL)
    telegram_env.setenv("TELEGRAM_WEBHOOK_SECRET", "has spaces!")
    assert await _kader("telegram", "set-webhook") == 2
    assert "A-Z, a-z, 0-9, _ and -" in capsys.readouterr().err
    assert bot_api.calls == []


async def test_a_wrong_token_is_said_plainly_without_echoing_it(bot_api, telegram_env, capsys):
    telegram_env.setenv("TELEGRAM_BOT_TOKEN", "999:wrong")
    assert await _kader("telegram", "webhook-info") == 2
    error = capsys.readouterr().err
    assert "refused TELEGRAM_BOT_TOKEN" in error and "999:wrong" not in error


async def test_poll_without_a_token_says_what_to_do(telegram_env, capsys):
    telegram_env.delenv("TELEGRAM_BOT_TOKEN")
    assert await _kader("poll") == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in capsys.readouterr().err


async def _read_until(stream: asyncio.StreamReader, marker: str, timeout: float) -> str:
    seen = ""
    deadline = time.monotonic() + timeout
    while marker not in seen:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"{marker!r} not printed within {timeout} s; got: {seen!r}")
        line = await asyncio.wait_for(stream.readline(), timeout=remaining)
        if not line:
            raise AssertionError(f"the process ended before printing {marker!r}; got: {seen!r}")
        seen += line.decode()
    return seen


async def test_kader_poll_serves_the_menu_information_a_language_change_and_a_shared_contact(
    bot_api, database, database_url
):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "TWILIO_", "PUBLIC_URL", "DATABASE_URL"))
    }
    env |= {
        "TELEGRAM_BOT_TOKEN": bot_api.token,
        "TELEGRAM_API_URL": bot_api.base_url,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "INFO",
    }
    process = await asyncio.create_subprocess_exec(
        str(KADER), "poll", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    try:
        log = await _read_until(process.stderr, "polling Telegram as @kader_test_bot", timeout=15)

        async def deliver(update):
            """Hands the update to the fake, for the process's next getUpdates."""
            bot_api.push(update)

        async def cadre() -> None:
            """Shares her own contact, then reads what the programme costs."""
            user = TelegramUser(bot_api, CHAT, deliver)
            shared = await user.send(contact(CHAT, "0812-3456-7890", owner=CHAT))
            assert "Silakan pilih layanan" in shared[-1].text
            await user.tap("Info program")
            cost = await user.tap("Berapa iurannya")
            assert "Rp16.800" in joined(cost)

        async def visitor() -> None:
            """Opens the menu and switches to English."""
            user = TelegramUser(bot_api, CHAT + 1, deliver)
            await user.say("/start")
            await user.tap("Bahasa / Language")
            english = await user.tap("English")
            assert "Please choose a service:" in english[-1].text

        # Two people at once: one process serves both chats, neither waits for the other.
        await asyncio.gather(cadre(), visitor())
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout=15)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise
    log += (await process.stderr.read()).decode()
    assert process.returncode == 0, log
    assert "polling stopped" in log
    # Logs name chats and updates by id; never texts, phones or the token (even at INFO).
    for secret in ("Rp16.800", "81234567890", "0812-3456-7890", bot_api.token, "Info program"):
        assert secret not in log, secret
    async with database.transaction() as session:
        cadre = await contacts.find_contact(session, "telegram", str(CHAT))
        visitor = await contacts.find_contact(session, "telegram", str(CHAT + 1))
    assert cadre is not None and (cadre.phone, cadre.language) == ("+6281234567890", "id")
    assert visitor is not None and (visitor.phone, visitor.language) == (None, "en")
