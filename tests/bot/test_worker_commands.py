"""`kader worker forget` and `kader worker show`: a worker's rights over their data (UU 27/2022 PDP).

The central test registers a worker through the engine, records a payment, lets the worker check their status and a
stranger start a check, then forgets the worker and scans every text and JSON column of every table for the NIK, the
name, the phone and the birth date, in the forms people type them: before (so the scan cannot pass on an empty
database) and after."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import JSON, String, Text, cast, select

from bot import cli
from flows.engine import Engine
from flows.lookup_limits import NIK_SUBJECT, nik_key
from flows.registry import default_registry
from storage import audit, contacts, outbox
from storage.database import Database
from storage.models import Base, Contact, Conversation, OutboundMessage, Payment, Worker
from tests.chat import Chat
from tests.factories import add_payment, add_staff, add_worker
from tests.flows.test_register_refusals import ANSWERS

NOW = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)  # before the wall clock, as the engine's idle check needs
VILLAGE = "63.10.02.2003"
CADRE_PHONE = "+6281200000001"
ADMIN_PHONE = "+6281200000009"
NIK = ANSWERS["nik"]  # 6310054508800001, born 5 August 1980
NAME = ANSWERS["name"]  # Siti Aminah
PHONE = "+6281350001234"
MASKED = "631005******0001"

# Every form a value may take in stored text, lower case.
FORMS = {
    "nik": (NIK, "6310 0545 0880 0001", MASKED),
    "name": (NAME.lower(),),
    "phone": (PHONE, PHONE[1:], "081350001234", "0813-5000-1234", "0813 5000 1234", "0813-5000-1234"),
    "birth_date": ("1980-08-05", "05-08-1980", "05081980", "5 agustus 1980", "5 august 1980"),
}


@pytest.fixture(autouse=True)
def _wide_output_and_no_stray_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")


async def run_cli(*argv: str) -> int:
    """`kader ...` in-process; in a thread because the command runs its own event loop."""
    return await asyncio.to_thread(cli.main, list(argv))


async def traces(database: Database) -> dict[str, set[str]]:
    """Which values (nik, name, phone, birth_date) each table.column holds, over every text and JSON column."""
    found: dict[str, set[str]] = {}
    async with database.transaction() as session:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, String | Text | JSON):
                    continue
                for (value,) in await session.execute(select(cast(column, Text)).where(column.is_not(None))):
                    text = str(value).lower()
                    for kind, forms in FORMS.items():
                        if any(form in text for form in forms):
                            found.setdefault(f"{table.name}.{column.name}", set()).add(kind)
    return found


async def register_pay_and_look_up(database: Database) -> int:
    """The worker's whole life so far, through the engine; the worker's id."""
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await add_staff(database, ADMIN_PHONE, (), "Ani Admin", admin=True)
    engine = Engine(database, default_registry(), clock=lambda: NOW)
    worker = Chat(engine, PHONE, channel="whatsapp", phone=PHONE)
    await worker.say("halo")  # the worker's WhatsApp: the registration confirmation is queued for it
    cadre = Chat(engine, "tg-cadre", channel="telegram", phone=CADRE_PHONE)
    await cadre.say("daftar")
    for text in {**ANSWERS, "phone": "0813 5000 1234"}.values():
        await cadre.say(text)
    saved = await cadre.say("ya")
    assert "REG-6310-" in saved, saved
    for text in ("bayar", NIK, "12", "ya", "KW-001", "ya"):
        shown = await cadre.say(text)
    assert "Tercatat" in shown, shown
    assert NIK in await worker.say("cek status")  # the worker's own card
    stranger = Chat(engine, "tg-stranger", channel="telegram")  # a neighbour starts a check and stops half-way
    await stranger.say("cek status")
    await stranger.say(NIK)
    async with database.transaction() as session:
        worker_id = (await session.scalars(select(Worker.id))).one()
        cadre_contact = await contacts.find_contact(session, "telegram", "tg-cadre")
        assert cadre_contact is not None
        # A reply recorded as sent to the cadre (WhatsApp replies sent by REST are), and an event carrying the values
        # (no built flow writes one yet; a correction of a worker's data would): both must be scrubbed.
        await outbox.record_sent(session, cadre_contact, "reply", saved)
        await audit.record_event(
            session, "worker.corrected", subject_type="worker", subject_id=str(worker_id),
            details={"before": {"name": NAME, "phone": PHONE, "birth_date": "1980-08-05", "nik": NIK}},
        )  # fmt: skip
        # A stranger's missed check, counted by the NIK's keyed hash (flows/lookup_limits.py).
        await audit.record_event(session, "status_lookup_failed", subject_type=NIK_SUBJECT, subject_id=nik_key(NIK))
    return worker_id


# -- forget ------------------------------------------------------------------------------------


async def test_forgetting_leaves_no_trace_in_any_text_or_json_column(database, database_url, capsys):
    worker_id = await register_pay_and_look_up(database)
    before = await traces(database)
    assert {kind for kinds in before.values() for kind in kinds} == set(FORMS)
    assert before["conversation.state"] >= {"nik"}
    assert before["outbound_message.body"] >= {"name"}
    assert before["outbound_message.variables"] >= {"name"}
    assert before["audit_event.details"] == set(FORMS)
    assert before["worker.nik"] == {"nik"} and before["contact.address"] == {"phone"}

    argv = ("worker", "forget", NIK, "--confirm", "--reason", "permintaan tertulis", "--actor", ADMIN_PHONE)
    assert await run_cli(*argv, "--database", database_url) == 0
    out = capsys.readouterr().out
    assert f"Worker {worker_id} forgotten" in out and f"anon-{worker_id}" in out
    assert await traces(database) == {}

    async with database.transaction() as session:
        worker = await session.get(Worker, worker_id)
        assert worker is not None
        assert (worker.birth_date, worker.village_code, worker.programmes) == (date(1900, 1, 1), VILLAGE, "JKK,JKM")
        (payment,) = await session.scalars(select(Payment))
        assert (payment.worker_id, payment.first_month, payment.months, payment.amount) == (
            worker_id,
            date(2026, 11, 1),
            12,
            201_600,
        )
        assert await contacts.find_contact(session, "whatsapp", PHONE) is None
        stranger = await contacts.find_contact(session, "telegram", "tg-stranger")
        assert stranger is not None
        conversation = await session.get(Conversation, stranger.id)
        assert conversation is not None and (conversation.flow, conversation.state) == (None, {})
        (reply,) = await session.scalars(select(OutboundMessage))
        assert (reply.kind, reply.body, reply.variables) == ("reply", "", {})
        (forgotten,) = await audit.events(session, "worker.forgotten")
        assert (forgotten.subject_type, forgotten.subject_id) == ("worker", str(worker_id))
        assert forgotten.details["reason"] == "permintaan tertulis"
        assert forgotten.details["erased"]["contacts_deleted"] == 1
        assert forgotten.actor_person_id is not None
        actions = [e.action for e in await audit.events(session)]
        assert {"worker.registered", "payment_recorded", "status_lookup", "worker.corrected"} <= set(actions)
        (missed,) = await audit.events(session, "status_lookup_failed")
        assert (missed.subject_type, missed.subject_id) == (None, None)  # the NIK's pseudonym is gone too


async def test_without_confirm_it_says_what_would_be_erased_and_erases_nothing(database, database_url, capsys):
    worker_id = await add_worker(database, NIK, NAME, date(1980, 8, 5), phone=PHONE, paid=[(date(2026, 1, 1), 3)])
    async with database.transaction() as session:
        contact = await contacts.get_or_create_contact(session, "whatsapp", PHONE)
        contacts.set_verified_phone(contact, PHONE, None)
    assert await run_cli("worker", "forget", NIK, "--database", database_url) == 2
    captured = capsys.readouterr()
    assert f"Forgetting worker {worker_id} ({MASKED}) would change" in captured.out
    assert NIK not in captured.out
    for table, rows in (("worker", 1), ("payment", 1), ("contact", 1), ("audit_event", 0)):
        assert any(line.split()[1:4:2] == [table, str(rows)] for line in captured.out.splitlines()), table
    assert captured.err == "kader: error: nothing was erased: add --confirm --reason TEXT to erase\n"
    async with database.transaction() as session:
        worker = await session.get(Worker, worker_id)
        assert worker is not None and worker.nik == NIK
        assert await session.get(Contact, contact.id) is not None


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (("6310054508800009", "--confirm", "--reason", "x"), f"no worker is registered with NIK {MASKED[:-1]}9"),
        (("12345", "--confirm", "--reason", "x"), "that is not a NIK: a NIK has 16 digits"),
        ((NIK, "--confirm"), "--confirm needs --reason TEXT"),
        ((NIK, "--confirm", "--reason", "Siti Aminah asked"), "the reason must not contain the worker's NIK"),
        ((NIK, "--confirm", "--reason", "x", "--actor", CADRE_PHONE), "is not an admin"),
    ],
)
async def test_what_forget_refuses_in_one_line(database, database_url, capsys, argv, error):
    await add_staff(database, CADRE_PHONE)
    await add_worker(database, NIK, NAME, date(1980, 8, 5), phone=PHONE)
    assert await run_cli("worker", "forget", *argv, "--database", database_url) == 2
    err = capsys.readouterr().err
    assert err.startswith("kader: error: ") and error in err and err.count("\n") == 1
    assert NIK not in err
    async with database.transaction() as session:
        assert (await session.scalars(select(Worker.nik))).one() == NIK


async def test_a_forgotten_worker_cannot_be_forgotten_twice(database, database_url, capsys):
    worker_id = await add_worker(database, NIK, NAME, date(1980, 8, 5))
    assert await run_cli("worker", "forget", NIK, "--confirm", "--reason", "x", "--database", database_url) == 0
    assert await run_cli("worker", "forget", NIK, "--confirm", "--reason", "x", "--database", database_url) == 2
    assert "no worker is registered with NIK" in capsys.readouterr().err
    assert await run_cli("worker", "forget", f"anon-{worker_id}", "--database", database_url) == 2
    assert f"worker {worker_id} is forgotten already" in capsys.readouterr().err


# -- show --------------------------------------------------------------------------------------


async def test_show_gives_everything_stored_about_the_worker(database, database_url, capsys):
    worker_id = await register_pay_and_look_up(database)
    assert await run_cli("worker", "show", NIK, "--actor", ADMIN_PHONE, "--database", database_url) == 0
    out = capsys.readouterr().out
    for expected in (
        f"Worker {worker_id} (times in UTC)",
        NIK,
        NAME,
        "1980-08-05",
        PHONE,
        "63.10.02.2003 Sungai Lembu",
        "Rina Wati",
        "Payments",
        "2026-11",
        "201600",
        "KW-001",
        "Contacts on the worker's phone",
        "whatsapp",
        "registration",
        "Halo Siti Aminah",
        "Conversations holding the worker's data",
        "status_check",
        "Audit events about the worker",
        "worker.registered",
        "payment_recorded",
        "status_lookup",
        "worker.corrected",
        "status_lookup_failed",
        "worker.shown",
        "Ani Admin +62812****0009",
    ):
        assert expected in out, expected
    async with database.transaction() as session:
        (shown,) = await audit.events(session, "worker.shown")
        assert (shown.subject_id, shown.details) == (str(worker_id), {"format": "text"})


async def test_show_as_json_to_a_file(database, database_url, capsys, tmp_path):
    worker_id = await add_worker(database, NIK, NAME, date(1980, 8, 5), phone=PHONE)
    await add_payment(database, worker_id, date(2026, 1, 1), 6, reference="BR-7")
    path = tmp_path / "siti.json"
    argv = ("worker", "show", "6310 0545 0880 0001", "--format", "json", "-o", str(path), "--database", database_url)
    assert await run_cli(*argv) == 0
    assert f"written to {path}" in capsys.readouterr().err
    document = json.loads(path.read_text(encoding="utf-8"))
    assert set(document) == {
        "worker", "payments", "contacts", "contacts_phone_shared", "messages", "conversations", "audit_events"
    }  # fmt: skip
    worker = document["worker"]
    assert (worker["nik"], worker["name"], worker["birth_date"], worker["phone"]) == (
        NIK,
        NAME,
        "1980-08-05",
        PHONE,
    )
    assert worker["programmes"] == ["JKK", "JKM"] and worker["village"]["name"] == "Sungai Lembu"
    assert [(p["first_month"], p["months"], p["amount"], p["reference"]) for p in document["payments"]] == [
        ("2026-01", 6, 100_800, "BR-7")
    ]
    assert [e["action"] for e in document["audit_events"]] == ["worker.shown"]


async def test_show_of_an_unknown_nik_is_one_error_line(database_url, capsys):
    assert await run_cli("worker", "show", NIK, "--database", database_url) == 2
    assert capsys.readouterr().err == f"kader: error: no worker is registered with NIK {MASKED}\n"


# -- help --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "summary"),
    [
        (("worker",), "a registered worker's data"),
        (("worker", "show"), "everything stored about one worker"),
        (("worker", "forget"), "erase a worker's personal data everywhere"),
        (("audit",), "list who looked at or changed what"),
    ],
)
def test_help_describes_each_command(command, summary, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main([*command, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: kader " + " ".join(command)) and summary in " ".join(out.split())
