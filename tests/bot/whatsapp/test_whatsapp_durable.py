"""Nothing a WhatsApp user sends is lost: the inbox before the turn, the spool while the database is down, the
replies kept until Twilio took them, and a `kader serve` killed mid-conversation that answers everyone once."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import stat
import sys
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bot.settings import Settings
from bot.whatsapp.client import Recent
from bot.whatsapp.group_commit import GroupCommit
from bot.whatsapp.kept_replies import already_sent
from bot.whatsapp.spool import Spool, default_spool_dir
from flows.engine import Engine
from flows.registry import default_registry
from flows.turn import Inbound
from storage import contacts, inbox, outbox
from storage.models import InboxMessage, OutboundMessage, ReceivedMessage
from tests.bot.whatsapp.fake_twilio import FakeTwilio
from tests.bot.whatsapp.phone import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    NUMBER,
    PUBLIC_URL,
    SENDER,
    TWILIO_CLIENT_WARNINGS,
    Phone,
    twiml_messages,
)

pytestmark = TWILIO_CLIENT_WARNINGS

KADER = Path(sys.executable).with_name("kader")
JPEG = b"\xff\xd8\xff\xe1\x00\x18Exif\x00\x00" + bytes(range(256)) * 64 + b"\xff\xd9"
CONVERSATIONS = 20


class InboxCheckingEngine(Engine):
    """The product's engine, noting for each message whether its inbox row was there, unhandled, when the turn began."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows_at_turn: list[tuple[str | None, bool]] = []

    async def handle(self, inbound: Inbound):
        assert inbound.inbox_id is not None
        async with self.database.transaction() as session:
            row = await session.get(InboxMessage, inbound.inbox_id)
            self.rows_at_turn.append((row.external_id if row else None, row is not None and row.handled_at is None))
        return await super().handle(inbound)


async def _rows(database, model):
    order = model.external_id if model is ReceivedMessage else model.id
    async with database.transaction() as session:
        return list(await session.scalars(select(model).order_by(order)))


async def _started(make_channel, settings, tmp_path, **options):
    """A channel whose start-up recovery pass is over (so that it cannot race the test), and its phone."""
    chosen = replace(settings, inbox_spool_dir=str(tmp_path / "spool"), media_dir=str(tmp_path / "media"))
    channel, client = await make_channel(settings=chosen, sweep_seconds=3600, **options)
    for _ in range(200):
        if channel.sweeps:
            break
        await asyncio.sleep(0.01)
    assert channel.sweeps == 1
    return channel, Phone(client)


@asynccontextmanager
async def _database_down(database):
    """Every transaction fails as an unreachable server does, until the block ends."""

    @asynccontextmanager
    async def refused():
        raise OperationalError("connect", {}, ConnectionRefusedError("connection refused"))
        yield  # pragma: no cover

    database.transaction = refused
    try:
        yield
    finally:
        del database.transaction  # the class's method again


async def test_a_message_is_in_the_inbox_before_its_turn_and_is_handled_once(
    make_channel, settings, database, tmp_path
):
    engine = InboxCheckingEngine(database, default_registry(), keep_replies=True)
    channel, phone = await _started(make_channel, settings, tmp_path, engine=engine)
    form = phone.form("menu")

    first = await phone.post(form)
    again = await phone.post(form)  # the same MessageSid delivered twice

    assert "1. Cek status kepesertaan" in twiml_messages(first.text)[0]
    assert twiml_messages(again.text) == []
    assert engine.rows_at_turn[0] == (form["MessageSid"], True)  # written, not yet handled, when the turn began
    [row] = await _rows(database, InboxMessage)
    assert (row.channel, row.external_id, row.address) == ("whatsapp", form["MessageSid"], f"whatsapp:{NUMBER}")
    assert row.payload == form and row.handled_at is not None and row.attempts == 1
    assert await _rows(database, OutboundMessage) == []  # kept in the turn, let go of as the TwiML left
    assert len(await _rows(database, ReceivedMessage)) == 1
    assert await channel.recover(datetime.now(UTC) + timedelta(minutes=1)) == 0  # nothing left to recover


async def test_while_the_database_is_down_the_message_is_spooled_and_answered_by_rest_once_it_is_back(
    make_channel, settings, database, fake_twilio, tmp_path
):
    channel, phone = await _started(make_channel, settings, tmp_path)
    form = phone.form("menu")

    async with _database_down(database):
        response = await phone.post(form)
        with pytest.raises(OperationalError):  # a sweep while still down leaves the file where it is
            await channel.recover(datetime.now(UTC))

    assert response.status_code == 200 and twiml_messages(response.text) == []
    spool = tmp_path / "spool"
    [spooled] = list(spool.iterdir())
    assert spooled.name == form["MessageSid"] + ".json"
    assert stat.S_IMODE(spool.stat().st_mode) == 0o700 and stat.S_IMODE(spooled.stat().st_mode) == 0o600
    assert await _rows(database, InboxMessage) == [] and fake_twilio.sent == []

    assert await channel.recover(datetime.now(UTC)) == 1

    assert list(spool.iterdir()) == []
    [sent] = fake_twilio.sent
    assert sent.form["To"] == f"whatsapp:{NUMBER}" and "1. Cek status kepesertaan" in sent.form["Body"]
    [row] = await _rows(database, InboxMessage)
    assert row.external_id == form["MessageSid"] and row.handled_at is not None
    [reply] = await _rows(database, OutboundMessage)
    assert reply.external_id == sent.sid and reply.status == outbox.QUEUED
    assert await channel.recover(datetime.now(UTC) + timedelta(minutes=1)) == 0
    assert len(fake_twilio.sent) == 1  # replayed and answered exactly once


async def test_a_spooled_message_already_in_the_inbox_is_not_handled_twice(
    make_channel, settings, database, fake_twilio, tmp_path
):
    channel, phone = await _started(make_channel, settings, tmp_path)
    form = phone.form("menu")
    async with _database_down(database):
        await phone.post(form)
    async with database.transaction() as session:  # another process wrote and handled it meanwhile
        stored = await inbox.store(session, "whatsapp", form["MessageSid"], form["From"], form)
        await inbox.mark_handled(session, stored.id)

    assert await channel.recover(datetime.now(UTC)) == 0

    assert list((tmp_path / "spool").iterdir()) == [] and fake_twilio.sent == []


async def test_a_kept_reply_twilio_refuses_for_good_is_failed_and_never_resent(
    make_channel, settings, database, fake_twilio, tmp_path
):
    channel, phone = await _started(make_channel, settings, tmp_path)
    async with _database_down(database):
        await phone.post(phone.form("menu"))
    fake_twilio.fail_next(21610)  # the person has blocked the sender

    await channel.recover(datetime.now(UTC))
    await channel.recover(datetime.now(UTC) + timedelta(minutes=1))

    assert len(fake_twilio.requests) == 1 and fake_twilio.sent == []
    [reply] = await _rows(database, OutboundMessage)
    assert reply.status == outbox.FAILED and reply.error_code == "21610"
    async with database.transaction() as session:
        contact = await contacts.find_contact(session, "whatsapp", NUMBER)
        assert contact is not None and contact.opted_out


async def test_a_kept_reply_twilio_turns_away_for_now_is_sent_by_the_next_sweep_once(
    make_channel, settings, database, fake_twilio, tmp_path
):
    channel, phone = await _started(make_channel, settings, tmp_path)
    async with _database_down(database):
        await phone.post(phone.form("menu"))
    fake_twilio.fail_next(20429, 429)  # too many requests

    await channel.recover(datetime.now(UTC))
    [waiting] = await _rows(database, OutboundMessage)
    await channel.recover(datetime.now(UTC) + timedelta(minutes=1))
    await channel.recover(datetime.now(UTC) + timedelta(minutes=2))

    assert waiting.status == outbox.PENDING and waiting.reason.startswith("retry")
    [sent] = fake_twilio.sent
    assert len(fake_twilio.requests) == 2 and "1. Cek status kepesertaan" in sent.form["Body"]
    [reply] = await _rows(database, OutboundMessage)
    assert reply.status == outbox.QUEUED and reply.external_id == sent.sid and reply.attempts == 2


async def test_an_unhandled_inbox_row_is_handled_by_the_sweep_in_order_and_answered_by_rest(
    make_channel, settings, database, fake_twilio, tmp_path
):
    channel, phone = await _started(make_channel, settings, tmp_path)
    forms = [phone.form("menu"), phone.form("4")]  # the menu, then "Info program"
    async with database.transaction() as session:  # written by a process killed before either turn
        for form in forms:
            await inbox.store(session, "whatsapp", form["MessageSid"], form["From"], form)

    assert await channel.recover(datetime.now(UTC) - timedelta(minutes=1)) == 0  # too young for the sweep
    assert await channel.recover(datetime.now(UTC) + timedelta(seconds=1)) == 2

    bodies = [created.form["Body"] for created in fake_twilio.sent]
    assert len(bodies) == 2 and "1. Cek status kepesertaan" in bodies[0]
    assert "Cek status" not in bodies[1]  # the second answer follows the first: the menu's choice 4
    assert all(row.handled_at is not None for row in await _rows(database, InboxMessage))


# -- a real `kader serve`, killed with SIGKILL in the middle of 20 conversations -------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _serve(env: dict[str, str], log: Path) -> tuple[asyncio.subprocess.Process, str]:
    port = _free_port()
    with log.open("ab") as sink:
        process = await asyncio.create_subprocess_exec(
            str(KADER), "serve", "--port", str(port), env=env, stdout=asyncio.subprocess.DEVNULL, stderr=sink
        )
    for _ in range(300):
        if "serving on" in log.read_text(errors="replace"):
            return process, f"http://127.0.0.1:{port}"
        assert process.returncode is None, log.read_text(errors="replace")
        await asyncio.sleep(0.05)
    process.kill()
    raise AssertionError(f"kader serve did not start: {log.read_text(errors='replace')}")


async def test_kader_serve_killed_mid_conversations_answers_every_message_once_after_a_restart(
    database, database_url, fake_twilio: FakeTwilio, tmp_path
):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "TWILIO_", "DATABASE", "PUBLIC"))}
    env |= {
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "INFO",
        "PUBLIC_URL": PUBLIC_URL,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": SENDER,
        "TWILIO_API_URL": fake_twilio.url,
        "INBOX_SPOOL_DIR": str(tmp_path / "spool"),
        "MEDIA_DIR": str(tmp_path / "media"),
    }
    log = tmp_path / "serve.log"
    # Each photo takes 5.5 s to download (past the 5-second budget: the replies go by REST) and each REST send
    # takes 3 s: the kill lands with some turns committed and their replies on their way to Twilio (half of which
    # Twilio takes, the bot never learning their MessageSid), others still downloading.
    fake_twilio.storage_delay = 5.5
    fake_twilio.create_delay = 3.0
    fake_twilio.take_hung_up_every = 2  # of the sends cut off by the kill, half reached Twilio, half did not
    numbers = [f"+62812345678{n:02d}" for n in range(10, 10 + CONVERSATIONS)]
    process, url = await _serve(env, log)
    try:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            phones = [Phone(client, number) for number in numbers]

            async def photo(index: int, phone: Phone) -> httpx.Response:
                await asyncio.sleep(index * 0.1)
                media = fake_twilio.add_media(f"ME{index}", JPEG, "image/jpeg")
                fields = {
                    "NumMedia": "1",
                    "MessageType": "image",
                    "MediaUrl0": media,
                    "MediaContentType0": "image/jpeg",
                }
                return await phone.post(phone.form("", **fields))

            answers = await asyncio.gather(*(photo(i, phone) for i, phone in enumerate(phones)))
        assert all(a.status_code == 200 and twiml_messages(a.text) == [] for a in answers)  # all acknowledged
        process.send_signal(signal.SIGKILL)
        await process.wait()
        in_flight_at_kill = list(fake_twilio.in_flight)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    async with database.transaction() as session:
        committed = int(
            await session.scalar(
                select(func.count()).select_from(InboxMessage).where(InboxMessage.handled_at.is_not(None))
            )
        )
    assert committed < CONVERSATIONS or in_flight_at_kill  # the kill did land mid-flight

    fake_twilio.storage_delay = 0.0
    fake_twilio.create_delay = 0.0
    await asyncio.sleep(3.2)  # the sends cut off by the kill end: Twilio takes them all the same
    process, _ = await _serve(env, log)
    try:
        for _ in range(300):
            received = {n for n in numbers if any(c.form["To"] == f"whatsapp:{n}" for c in fake_twilio.sent)}
            if received == set(numbers):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # room for a duplicate to show
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=15)

    per_number = {n: [c for c in fake_twilio.sent if c.form["To"] == f"whatsapp:{n}"] for n in numbers}
    missing = [n for n, sent in per_number.items() if not sent]
    repeated = [n for n, sent in per_number.items() if len(sent) > 1]
    assert missing == [], log.read_text(errors="replace")[-3000:]
    # Of the sends in flight at the kill, those Twilio took are found there after the restart and not sent again;
    # the others are sent from the outbox.
    assert repeated == []
    assert len(fake_twilio.hung_up) == len(in_flight_at_kill)
    rows = await _rows(database, InboxMessage)
    assert len(rows) == CONVERSATIONS and all(r.handled_at is not None and r.attempts == 1 for r in rows)
    assert len(await _rows(database, ReceivedMessage)) == CONVERSATIONS  # each message had one turn
    replies = await _rows(database, OutboundMessage)
    assert replies and all(r.status == outbox.QUEUED and r.external_id for r in replies)
    sids = {c.sid for c in fake_twilio.sent}
    assert all(r.external_id in sids for r in replies)
    print(  # noqa: T201 - the figures of the run, for the report
        f"\ncommitted at the kill: {committed}/{CONVERSATIONS}; REST sends in flight at the kill: "
        f"{len(in_flight_at_kill)}, of which Twilio took {len(fake_twilio.hung_up) // 2}; "
        f"repeated: {len(repeated)}; lookups of recent messages: {fake_twilio.lists}"
    )


# -- the spool and its setting ------------------------------------------------------------------------------


def test_the_spool_sits_beside_the_sqlite_file_or_in_the_working_directory_unless_inbox_spool_dir_is_set():
    assert Settings.from_env({}).inbox_spool_dir is None
    assert Settings.from_env({"INBOX_SPOOL_DIR": "/var/lib/kader/spool"}).inbox_spool_dir == "/var/lib/kader/spool"
    assert default_spool_dir("sqlite+aiosqlite:////srv/kader/kader.db") == Path("/srv/kader/inbox-spool")
    assert default_spool_dir("postgresql+psycopg://kader@db/kader") == Path("inbox-spool")
    chosen = Spool.from_settings(Settings(database_url="sqlite+aiosqlite:////srv/k.db", inbox_spool_dir="/x/spool"))
    assert chosen.directory == Path("/x/spool")


def test_a_spool_file_is_named_by_its_sid_never_by_a_path_and_an_unreadable_one_is_left_in_place(tmp_path, caplog):
    spool = Spool(tmp_path / "spool")
    received = datetime(2026, 8, 5, 2, 0, tzinfo=UTC)
    second = spool.keep("SM2", {"MessageSid": "SM2", "Body": "dua 🙂"}, received + timedelta(seconds=1))
    first = spool.keep("SM1", {"MessageSid": "SM1", "Body": "satu"}, received)
    odd = spool.keep("../../etc/passwd", {"MessageSid": "x"}, received + timedelta(seconds=2))
    (tmp_path / "spool" / "SM3.json").write_text("{half a file")

    assert (first.name, second.name) == ("SM1.json", "SM2.json")
    assert odd.parent == tmp_path / "spool" and odd.name.startswith("sid-")
    waiting = spool.waiting()
    assert [w.form["Body"] for w in waiting[:2]] == ["satu", "dua 🙂"]  # oldest first
    assert len(waiting) == 3 and "spool file unreadable, left in place file=SM3.json" in caplog.text
    spool.remove(waiting[0])
    assert sorted(p.name for p in (tmp_path / "spool").iterdir()) == sorted(["SM2.json", "SM3.json", odd.name])


async def test_webhooks_confirming_their_twiml_replies_together_share_one_transaction(database):
    async with database.transaction() as session:
        contact = await contacts.get_or_create_contact(session, "whatsapp", NUMBER)
        ids = await outbox.keep_replies(session, contact, [(f"jawaban {n}", {"text": "x"}) for n in range(5)])
    confirmations = GroupCommit(database)

    await asyncio.gather(*(confirmations.confirm([i]) for i in ids))

    assert confirmations.batches == 1 and await _rows(database, OutboundMessage) == []
    async with _database_down(database):
        with pytest.raises(OperationalError):
            await confirmations.confirm([12345])


def test_a_reply_is_found_at_twilio_by_its_text_in_a_message_created_since_it_was_kept():
    kept_at = datetime(2026, 8, 5, 2, 0, 0, 500000, tzinfo=UTC)
    recent = [
        Recent("SM3", "Menu utama\n\n1. Cek status", kept_at + timedelta(seconds=1)),
        Recent("SM2", "bagian dua", kept_at),
        Recent("SM1", "Menu utama\n\n1. Cek status", kept_at - timedelta(minutes=5)),
    ]

    assert already_sent(recent, ["Menu utama"], kept_at).sid == "SM3"
    assert already_sent(recent[1:], ["Menu utama"], kept_at) is None  # an older one with the same text is not it
    assert already_sent(recent, ["Menu utama", "bagian dua"], kept_at).sid == "SM2"
    assert already_sent(recent, ["Menu utama", "bagian tiga"], kept_at) is None
    assert already_sent([], ["Menu utama"], kept_at) is None
