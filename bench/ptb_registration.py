"""Benchmark: N Telegram users each register a worker at the same moment, answering every question as soon as it is
asked; kader (the real engine, the Telegram channel behind its webhook, the register flow) beside the peer a
developer would otherwise write: a plain python-telegram-bot bot, one ConversationHandler of 8 questions (NIK,
name, birth date, phone, occupation, income, programmes, confirm) with PicklePersistence, its updates put on the
Application's queue by a webhook route (python-telegram-bot's custom-webhook pattern).

Both answer through the same loopback Bot API without caps (bench/fake_bot_api.py). Measured per bot: registrations
completed, incoming messages/s (every message of every user, over the time until the last registration was saved),
the first reply's p50/p99 (from posting a user's first message to the Bot API receiving the answer) and every reply's.

kader runs on a temporary SQLite file, and on PostgreSQL too when --database or TEST_DATABASE_URL names a server (a
scratch database kader_bench_ptb_<pid> is created there and dropped afterwards). A kader registration is 14
messages (the cadre's contact card, "daftar", consent, NIK, name, birth date, sex, phone, occupation, income, payer,
programmes, heir, "ya"); the peer's is 9 (it asks no consent, sex, payer or heir, and has no cadres).

Usage: .venv/bin/python bench/ptb_registration.py [--users 50] [--database URL]   (issue 14's figure: --users 200)
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import re
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from databases import scratch_database  # bench/databases.py
from fake_bot_api import LoopbackBotAPI, contact_update, percentile, serve, update  # bench/fake_bot_api.py
from rich.console import Console
from rich.table import Table
from rows import BenchRow, database_name  # bench/rows.py
from seed import VILLAGE  # bench/seed.py
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import (
    Application,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    PicklePersistence,
    filters,
)
from telegram_replies import NEW, SECRET, TOKEN, webhook  # bench/telegram_replies.py: kader behind its webhook

from rules.regions import village_info
from storage import migrate, people, villages
from storage.database import open_database
from storage.models import Worker

_chat_ids = itertools.count(700_000)
_update_ids = itertools.count(1)
TIMEOUT = 120.0  # seconds a user waits for one answer before the registration counts as not completed

Post = Callable[[dict[str, Any]], Awaitable[None]]
Step = tuple[dict[str, Any], str]  # the update a user sends, and a fragment of the answer to wait for


# -- the peer: a plain python-telegram-bot registration ---------------------------------------------------------

NIK, NAME, BIRTH, PHONE, OCCUPATION, INCOME, PROGRAMMES, CONFIRM = range(8)
OCCUPATIONS = ("petani", "buruh tani", "nelayan", "buruh harian", "pedagang", "tukang", "ojek", "lainnya")


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.clear()
    await update.message.reply_text("Pendaftaran pekerja baru. Ketik NIK pekerja (16 angka sesuai KTP).")
    return NIK


async def _nik(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    typed = re.sub(r"\D", "", update.message.text)
    if len(typed) != 16:
        await update.message.reply_text("NIK harus 16 angka. Mohon ketik lagi.")
        return NIK
    if typed in context.bot_data.get("workers", {}):
        await update.message.reply_text("NIK itu sudah terdaftar. Ketik NIK lain.")
        return NIK
    context.user_data["nik"] = typed
    await update.message.reply_text("Ketik nama lengkap pekerja sesuai KTP.")
    return NAME


async def _name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    typed = " ".join(update.message.text.split()).title()
    if not 2 <= len(typed) <= 100:
        await update.message.reply_text("Mohon ketik nama lengkap (2 sampai 100 huruf).")
        return NAME
    context.user_data["name"] = typed
    await update.message.reply_text("Tanggal lahir pekerja? (contoh 05-08-1980)")
    return BIRTH


async def _birth(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    try:
        born = datetime.strptime(update.message.text.strip(), "%d-%m-%Y").date()
    except ValueError:
        await update.message.reply_text("Tanggal tidak dikenali. Contoh: 05-08-1980.")
        return BIRTH
    if born > date.today():
        await update.message.reply_text("Tanggal lahir tidak boleh di masa depan.")
        return BIRTH
    context.user_data["birth_date"] = born
    await update.message.reply_text("Nomor HP pekerja?")
    return PHONE


async def _phone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    typed = re.sub(r"[\s-]", "", update.message.text)
    if not re.fullmatch(r"(\+62|0)8\d{8,11}", typed):
        await update.message.reply_text("Itu bukan nomor HP. Contoh: 0812 3456 7890.")
        return PHONE
    context.user_data["phone"] = "+62" + typed.removeprefix("+62").removeprefix("0")
    await update.message.reply_text("Apa pekerjaannya? (" + ", ".join(OCCUPATIONS) + ")")
    return OCCUPATION


async def _occupation(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    typed = update.message.text.strip().lower()
    if typed not in OCCUPATIONS:
        await update.message.reply_text("Pilih salah satu: " + ", ".join(OCCUPATIONS) + ".")
        return OCCUPATION
    context.user_data["occupation"] = typed
    await update.message.reply_text("Berapa penghasilan per bulan? (contoh 1500000 atau 1,5jt)")
    return INCOME


async def _income(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    typed = update.message.text.strip().lower().replace(",", ".")
    found = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(jt|juta)", typed)
    digits = typed.replace(".", "")
    income = round(float(found.group(1)) * 1_000_000) if found else int(digits) if digits.isdigit() else 0
    if not 1_000_000 <= income <= 20_700_000:
        await update.message.reply_text("Penghasilan antara 1.000.000 dan 20.700.000. Mohon ketik lagi.")
        return INCOME
    context.user_data["income"] = income
    await update.message.reply_text("Pilih program: 1. JKK + JKM, 2. JKK + JKM + JHT")
    return PROGRAMMES


async def _programmes(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    chosen = {"1": "JKK,JKM", "2": "JKK,JKM,JHT"}.get(update.message.text.strip())
    if chosen is None:
        await update.message.reply_text("Balas 1 atau 2.")
        return PROGRAMMES
    context.user_data["programmes"] = chosen
    lines = [f"{key}: {value}" for key, value in context.user_data.items()]
    await update.message.reply_text("Mohon periksa kembali:\n" + "\n".join(lines) + "\nBalas ya untuk menyimpan.")
    return CONFIRM


async def _confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if update.message.text.strip().lower() != "ya":
        await update.message.reply_text("Balas ya untuk menyimpan, atau batal.")
        return CONFIRM
    registered = context.bot_data.setdefault("workers", {})
    registered[context.user_data["nik"]] = dict(context.user_data)
    await update.message.reply_text(f"Tersimpan. {context.user_data['name']} terdaftar, nomor {len(registered)}.")
    context.user_data.clear()
    return ConversationHandler.END


async def _cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.clear()
    await update.message.reply_text("Pendaftaran dibatalkan.")
    return ConversationHandler.END


def peer_application(api_url: str, pickle: Path) -> Application:
    """The plain python-telegram-bot bot: one ConversationHandler, PicklePersistence, no Updater (webhook)."""
    answer = filters.TEXT & ~filters.COMMAND & ~filters.Regex(r"(?i)^batal$")
    states = {
        state: [MessageHandler(answer, handler)]
        for state, handler in (
            (NIK, _nik),
            (NAME, _name),
            (BIRTH, _birth),
            (PHONE, _phone),
            (OCCUPATION, _occupation),
            (INCOME, _income),
            (PROGRAMMES, _programmes),
            (CONFIRM, _confirm),
        )
    }
    registration = ConversationHandler(
        entry_points=[MessageHandler(filters.Regex(r"(?i)^(/start|daftar)$"), _start)],
        states=states,
        fallbacks=[MessageHandler(filters.Regex(r"(?i)^batal$"), _cancel)],
        name="registration",
        persistent=True,
    )
    application = (
        Application.builder()
        .token(TOKEN)
        .base_url(api_url)
        .persistence(PicklePersistence(filepath=pickle))
        .updater(None)
        .build()
    )
    application.add_handler(registration)
    return application


def peer_script(index: int, chat_id: int) -> list[Step]:
    """The 9 messages of one registration through the peer, each with the answer it waits for."""
    nik, born = nik_and_birth(index)
    answers = [
        ("daftar", "Ketik NIK"),
        (nik, "Ketik nama"),
        ("siti aminah", "Tanggal lahir"),
        (f"{born:%d-%m-%Y}", "Nomor HP"),
        (worker_phone(index), "pekerjaannya"),
        ("petani", "penghasilan"),
        ("1jt", "Pilih program"),
        ("1", "Mohon periksa kembali"),
        ("ya", "Tersimpan."),
    ]
    return [(update(next(_update_ids), chat_id, text), fragment) for text, fragment in answers]


# -- kader: the cadre shares their number, then "daftar" -------------------------------------------------------


def kader_script(index: int, chat_id: int) -> list[Step]:
    """The 14 messages of one registration through kader (the cadre's contact card first), each with the answer it
    waits for."""
    nik, _ = nik_and_birth(index)
    answers = [
        ("daftar", "apakah pekerja sudah mendengar ini"),
        ("1", "Ketik NIK pekerja"),
        (nik, "Ketik nama lengkap"),
        ("siti aminah", "Menurut NIK"),
        ("ya", "Jenis kelamin pekerja?"),
        ("1", "Nomor HP pekerja?"),
        (worker_phone(index), "Apa pekerjaan utamanya?"),
        ("petani", "Berapa perkiraan penghasilan"),
        ("1jt", "Siapa yang membayar iurannya?"),
        ("desa", "Pilih program"),
        ("1", "Nama ahli waris"),
        ("lewati", "Mohon periksa kembali"),
        ("ya", "Tersimpan."),
    ]
    card = (contact_update(next(_update_ids), chat_id, cadre_phone(index).replace("+62", "0")), "Halo")
    return [card, *((update(next(_update_ids), chat_id, text), fragment) for text, fragment in answers)]


def nik_and_birth(index: int) -> tuple[str, date]:
    """A valid, unique NIK of a woman of region 631005 (day of birth + 40), and the birth date it encodes."""
    born = date(1975, 1, 1) + timedelta(days=index % 5000)
    return f"631005{born.day + 40:02d}{born:%m%y}{index // 5000 + 1:04d}", born


def worker_phone(index: int) -> str:
    """The worker's mobile number as a cadre types it."""
    return f"0813{50_000_000 + index}"


def cadre_phone(index: int) -> str:
    """The cadre's own number, as stored."""
    return f"+62812{70_000_000 + index}"


async def add_cadres(url: str, count: int) -> None:
    """The village and `count` cadres of it, one per user."""
    database = open_database(url)
    try:
        async with database.transaction() as session:
            info = village_info(VILLAGE)
            assert info is not None
            await villages.ensure_village(session, info)
            for index in range(count):
                await people.add_person(session, f"Kader {index:03d}", cadre_phone(index), [VILLAGE])
    finally:
        await database.close()


# -- driving ----------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """One bot's run: registrations completed, messages sent by users, seconds, reply latencies."""

    users: int
    completed: int
    messages: int
    seconds: float
    first_replies: list[float]
    replies: list[float]

    def figures(self) -> dict[str, float]:
        """The run's figures: completed, messages/s, registrations/s, and latencies in ms."""
        return {
            "completed": self.completed,
            "messages/s": self.messages / self.seconds,
            "registrations/s": self.completed / self.seconds,
            "first p50": statistics.median(self.first_replies) * 1000 if self.first_replies else float("nan"),
            "first p99": percentile(self.first_replies, 0.99) * 1000 if self.first_replies else float("nan"),
            "reply p50": statistics.median(self.replies) * 1000 if self.replies else float("nan"),
            "reply p99": percentile(self.replies, 0.99) * 1000 if self.replies else float("nan"),
            "seconds": self.seconds,
        }


async def drive(api: LoopbackBotAPI, post: Post, scripts: dict[int, list[Step]]) -> Outcome:
    """Every user at once works through their script, each message as soon as the answer to the last came."""
    first_replies: list[float] = []
    replies: list[float] = []
    completed = 0
    messages = 0

    loop = asyncio.get_running_loop()
    arrived = {chat_id: asyncio.Event() for chat_id in scripts}
    api.on_send = lambda chat_id: loop.call_soon_threadsafe(arrived[chat_id].set) if chat_id in arrived else None

    async def converse(chat_id: int, script: list[Step]) -> None:
        nonlocal completed, messages
        for number, (body, fragment) in enumerate(script):
            before = len(api.sent.get(chat_id, []))
            posted = time.monotonic()
            arrived[chat_id].clear()
            await post(body)
            messages += 1
            while not (len(api.sent.get(chat_id, [])) > before and fragment in api.last_text(chat_id)):
                try:
                    await asyncio.wait_for(arrived[chat_id].wait(), timeout=posted + TIMEOUT - time.monotonic())
                except TimeoutError:
                    return  # not completed
                arrived[chat_id].clear()
            latency = api.sent[chat_id][before] - posted
            replies.append(latency)
            if number == 0:
                first_replies.append(latency)
        completed += 1

    began = time.monotonic()
    await asyncio.gather(*(converse(chat_id, script) for chat_id, script in scripts.items()))
    return Outcome(len(scripts), completed, messages, time.monotonic() - began, first_replies, replies)


async def run_peer(users: int) -> Outcome:
    """The plain python-telegram-bot bot, N users registering at once."""
    api = LoopbackBotAPI()
    with serve(api.app()) as port, tempfile.TemporaryDirectory() as folder:
        application = peer_application(f"http://127.0.0.1:{port}/bot", Path(folder) / "bot.pickle")

        async def receive(request: Request) -> Response:
            """The webhook: the update onto the Application's queue, then 200."""
            await application.update_queue.put(Update.de_json(await request.json(), application.bot))
            return Response()

        web = Starlette(routes=[Route("/telegram", receive, methods=["POST"])])
        async with application:
            await application.start()
            transport = httpx.ASGITransport(app=web)
            async with httpx.AsyncClient(transport=transport, base_url="http://peer.bench") as client:

                async def post(body: dict[str, Any]) -> None:
                    response = await client.post("/telegram", json=body)
                    assert response.status_code == 200, response.status_code

                scripts = {
                    chat: peer_script(index, chat) for index, chat in enumerate(next(_chat_ids) for _ in range(users))
                }
                outcome = await drive(api, post, scripts)
            assert len(application.bot_data.get("workers", {})) == outcome.completed
            await application.stop()
    return outcome


async def run_kader(url: str, users: int) -> Outcome:
    """kader behind its webhook on the database (empty), N cadres each registering a worker at once."""
    migrate.upgrade(url)
    await add_cadres(url, users)
    api = LoopbackBotAPI()
    with serve(api.app()) as port:
        async with webhook(url, port, NEW) as (client, channel):
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}

            async def post(body: dict[str, Any]) -> None:
                response = await client.post("/telegram/webhook", json=body, headers=headers)
                assert response.status_code == 200, response.status_code

            scripts = {
                chat: kader_script(index, chat) for index, chat in enumerate(next(_chat_ids) for _ in range(users))
            }
            outcome = await drive(api, post, scripts)
            await channel.sender.join(timeout=TIMEOUT)
    assert await registered_workers(url) == outcome.completed  # every "Tersimpan." is a stored worker
    return outcome


async def registered_workers(url: str) -> int:
    """How many workers the database holds."""
    database = open_database(url)
    try:
        async with database.transaction() as session:
            return int(await session.scalar(select(func.count()).select_from(Worker)) or 0)
    finally:
        await database.close()


async def measure(url: str, users: int = 50) -> list[BenchRow]:
    """The benchmark's figures as rows for bench/run_all.py: kader on the database (empty) beside the peer, run
    right after it."""
    kader = (await run_kader(url, users)).figures()
    peer = (await run_peer(users)).figures()
    name, where = f"registration, {users} Telegram users at once", database_name(url)
    goal_rate = "≥ 150/s on PostgreSQL" if where == "PostgreSQL" else "≥ 150/s on PostgreSQL (SQLite: shown)"
    return [
        BenchRow(
            name,
            where,
            "registrations completed",
            kader["completed"],
            "",
            peer["completed"],
            f"{users}/{users}",
            higher_is_better=True,
        ),
        BenchRow(
            name,
            where,
            "incoming messages/s",
            kader["messages/s"],
            "/s",
            peer["messages/s"],
            goal_rate,
            higher_is_better=True,
        ),
        BenchRow(
            name,
            where,
            "registrations/s",
            kader["registrations/s"],
            "/s",
            peer["registrations/s"],
            "",
            higher_is_better=True,
        ),
        BenchRow(name, where, "first reply p50", kader["first p50"], "ms", peer["first p50"], "< 150 ms"),
        BenchRow(name, where, "first reply p99", kader["first p99"], "ms", peer["first p99"], "< 500 ms"),
    ]


def main() -> None:
    """Parses the options, runs the peer and kader (SQLite, and PostgreSQL when given), and prints the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50, help="users registering at once (default 50; issue 14: 200)")
    parser.add_argument("--database", help="a PostgreSQL server URL (default: TEST_DATABASE_URL, else SQLite only)")
    args = parser.parse_args()
    server = args.database or os.environ.get("TEST_DATABASE_URL")
    results: dict[str, Outcome] = {}
    results["python-telegram-bot (ConversationHandler + PicklePersistence)"] = asyncio.run(run_peer(args.users))
    with tempfile.TemporaryDirectory() as folder:
        results["kader, SQLite"] = asyncio.run(run_kader(f"sqlite:///{folder}/bench.db", args.users))
    if server:
        with scratch_database(server, "ptb") as url:
            results["kader, PostgreSQL"] = asyncio.run(run_kader(url, args.users))
    table = Table(title=f"registration, {args.users} Telegram users at once, loopback Bot API without caps")
    table.add_column("bot", no_wrap=True)
    columns = ("completed", "messages", "incoming msg/s", "registrations/s", "first reply p50", "p99")
    for column in (*columns, "every reply p50", "p99", "all done after"):
        table.add_column(column, justify="right")
    for label, outcome in results.items():
        found = outcome.figures()
        table.add_row(
            label,
            f"{outcome.completed}/{outcome.users}",
            f"{outcome.messages:,}",
            f"{found['messages/s']:.0f}",
            f"{found['registrations/s']:.1f}",
            *(f"{found[key]:.0f} ms" for key in ("first p50", "first p99", "reply p50", "reply p99")),
            f"{found['seconds']:.2f} s",
        )
    Console(width=200).print(table)


if __name__ == "__main__":
    main()
