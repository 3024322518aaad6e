"""Benchmark: N Telegram users write at the same moment; how long until each sees the bot's first reply.

Every user posts one update to the real webhook route (in-process), which goes through the engine (SQLite or the
given database) and the sender to a loopback Bot API that accepts everything at once (no caps, so only the bot's
own pacing shows). Measured per user: from posting the update to the Bot API receiving the first sendMessage for
that chat. Two runs side by side, each on a fresh database: the old pacing (replies paced like broadcasts: 30/s
overall, 1/s per chat after a burst of 4, as before issue 14) and the new (replies at once, proactive paced).

With --turns N each user writes N times, the next as soon as the answer came (a conversation, which the old
per-chat pace held to 1/s after four messages).

Usage: .venv/bin/python bench/telegram_replies.py [--users 50] [--text /start] [--turns 1] [--database URL] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import statistics
import tempfile
import time
from collections.abc import AsyncIterator

import httpx
from fake_bot_api import LoopbackBotAPI, percentile, serve, update  # bench/fake_bot_api.py
from rich.console import Console
from rich.table import Table
from rows import BenchRow, database_name  # bench/rows.py

from bot.runtime import build_engine
from bot.settings import Settings
from bot.telegram.channel import TelegramChannel
from bot.telegram.sender import SendLimits
from bot.web import create_app
from storage import migrate
from storage.database import open_database

TOKEN = "123456:BENCH-token_for-the-loopback-api"
SECRET = "bench-secret"
_chat_ids = itertools.count(500_000)  # every run meets new users, even on a shared database
_update_ids = itertools.count(1)
# As before issue 14: every reply paced like a broadcast.
OLD = SendLimits(overall_per_second=30, proactive_per_second=30, chat_rate=1.0, chat_burst=4.0, paced_replies=True)
NEW = SendLimits.from_settings(Settings())  # TELEGRAM_MAX_PER_SECOND 30, TELEGRAM_PROACTIVE_PER_SECOND 25


@contextlib.asynccontextmanager
async def webhook(url: str, port: int, limits: SendLimits) -> AsyncIterator[tuple[httpx.AsyncClient, TelegramChannel]]:
    """The web app with the Telegram channel on a fresh database, started, and a client posting to it."""
    settings = Settings(
        database_url=url,
        telegram_bot_token=TOKEN,
        telegram_api_url=f"http://127.0.0.1:{port}/bot",
        telegram_webhook_secret=SECRET,
        public_url="https://kader.example.org",
        messages_per_minute=1000,
    )
    migrate.upgrade(url)
    database = open_database(url)
    try:
        channel = TelegramChannel(settings, database, build_engine(database, settings), limits=limits)
        app = create_app(database, [channel])
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://kader.bench") as client:
                yield client, channel
    finally:
        await database.close()


async def one_run(url: str, limits: SendLimits, users: int, text: str, turns: int) -> dict[str, float]:
    """N new users write at once, each `turns` times (the next as soon as the answer came): latencies, counts."""
    api = LoopbackBotAPI()
    first_replies: list[float] = []
    replies: list[float] = []
    with serve(api.app()) as port:
        async with webhook(url, port, limits) as (client, channel):
            chats = [next(_chat_ids) for _ in range(users)]

            async def converse(chat_id: int) -> None:
                headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                for turn in range(turns):
                    before = len(api.sent.get(chat_id, []))
                    posted = time.monotonic()
                    body = update(next(_update_ids), chat_id, text)
                    response = await client.post("/telegram/webhook", json=body, headers=headers)
                    assert response.status_code == 200, response.status_code
                    deadline = posted + 120
                    while len(api.sent.get(chat_id, [])) <= before:
                        assert time.monotonic() < deadline, "a user was not answered within 120 s"
                        await asyncio.sleep(0.002)
                    latency = api.sent[chat_id][before] - posted
                    replies.append(latency)
                    if turn == 0:
                        first_replies.append(latency)

            began = time.monotonic()
            await asyncio.gather(*(converse(chat) for chat in chats))
            assert await channel.sender.join(timeout=120)
            ended = time.monotonic()
            waits = channel.sender.paced_waits
    return {
        "p50": statistics.median(first_replies),
        "p99": percentile(first_replies, 0.99),
        "max": max(first_replies),
        "reply p50": statistics.median(replies),
        "reply p99": percentile(replies, 0.99),
        "all sent": ended - began,
        "messages": sum(len(times) for times in api.sent.values()),
        "paced waits": waits,
    }


async def best_runs(
    database: str | None, users: int, text: str, turns: int, repeat: int
) -> dict[str, dict[str, float]]:
    """The old pacing and the new, alternating, `repeat` times each; the run with the best p50 of each."""
    results: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
    with tempfile.TemporaryDirectory() as folder:
        for number in range(repeat):
            for name, limits in (("old", OLD), ("new", NEW)):
                url = database or f"sqlite:///{folder}/{name}-{number}.db"
                results[name].append(await one_run(url, limits, users, text, turns))
    return {name: min(runs, key=lambda r: r["p50"]) for name, runs in results.items()}


async def measure(database: str | None, users: int = 50, turns: int = 1, repeat: int = 1) -> list[BenchRow]:
    """The benchmark's figures as rows for bench/run_all.py: the new pacing beside the old (the baseline)."""
    best = await best_runs(database, users, "/start", turns, repeat)
    name = f"Telegram replies, {users} users × {turns} at once"
    where = database_name(database or "sqlite")
    old, new = best["old"], best["new"]
    return [
        BenchRow(name, where, "first reply p50", new["p50"] * 1000, "ms", old["p50"] * 1000, "< 150 ms"),
        BenchRow(name, where, "first reply p99", new["p99"] * 1000, "ms", old["p99"] * 1000, "< 500 ms"),
        BenchRow(name, where, "every reply sent after", new["all sent"], "s", old["all sent"], "replies at once"),
        BenchRow(name, where, "paced waits", new["paced waits"], "", old["paced waits"], "0 for replies"),
    ]


async def run(database: str | None, users: int, text: str, turns: int, repeat: int) -> None:
    """The old pacing and the new, alternating, `repeat` times each; prints the run with the best p50 of each."""
    best_of = await best_runs(database, users, text, turns, repeat)
    where = (database or "sqlite").split(":")[0].split("+")[0]
    title = f"Telegram replies, {where}, {users} users writing {text!r} at once × {turns}, best p50 of {repeat}"
    table = Table(title=title)
    columns = ["pacing", "first reply p50", "p99", "max"]
    if turns > 1:
        columns += ["every reply p50", "p99"]
    for column in [*columns, "all sent after", "messages", "paced waits"]:
        table.add_column(column, justify="right")
    labels = {
        "old": "old: replies paced (30/s, 1/s per chat after 4)",
        "new": "new: replies at once (proactive 25/s of 30/s)",
    }
    for name, best in best_of.items():
        cells = [labels[name], *(f"{best[key] * 1000:.0f} ms" for key in ("p50", "p99", "max"))]
        if turns > 1:
            cells += [f"{best[key] * 1000:.0f} ms" for key in ("reply p50", "reply p99")]
        cells += [f"{best['all sent']:.2f} s", f"{best['messages']:.0f}", f"{best['paced waits']:.0f}"]
        table.add_row(*cells)
    Console(width=170).print(table)


def main() -> None:
    """Parses the options and runs the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--text", default="/start", help="what every user writes (default /start)")
    parser.add_argument("--turns", type=int, default=1, help="times each user writes, after each answer (default 1)")
    parser.add_argument("--database", help="a database URL shared by every run (default: a fresh SQLite file each)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each pacing, the best p50 shown (default 3)")
    args = parser.parse_args()
    asyncio.run(run(args.database, args.users, args.text, args.turns, args.repeat))


if __name__ == "__main__":
    main()
