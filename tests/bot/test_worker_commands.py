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
        "worker", "payments", "contacts", "contacts_phone_shared", "claims", "messages", "conversations",
        "audit_events",
    }  # fmt: skip
    assert document["claims"] == []
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


# -- edit --------------------------------------------------------------------------------------

KPJ = "17012345678"
OTHER_NIK = "6310050508800002"


async def edit_events(database: Database) -> list:
    async with database.transaction() as session:
        return [e for e in await audit.events(session) if e.action in ("worker.edited", "worker.corrected")]


async def stored(database: Database, worker_id: int) -> Worker:
    async with database.transaction() as session:
        worker = await session.get(Worker, worker_id)
        assert worker is not None
        return worker


async def test_edit_prints_each_change_and_audits_old_and_new(database, database_url, capsys):
    admin = await add_staff(database, ADMIN_PHONE, (), "Ani Admin", admin=True)
    worker_id = await add_worker(database, NIK, NAME, date(1980, 8, 5), phone=PHONE)
    argv = (
        "worker", "edit", "6310 0545 0880 0001", "--phone", "0813 5000 9999", "--kpj", "170 1234 5678",
        "--heir-name", "budi santoso", "--heir-relation", "anak", "--heir-phone", "0812-3456-7890",
        "--by", ADMIN_PHONE, "--database", database_url,
    )  # fmt: skip
    assert await run_cli(*argv) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        f"Worker {worker_id} ({MASKED}) changed:",
        f"  phone: {PHONE} → +6281350009999",
        "  heir_name: (none) → Budi Santoso",
        "  heir_relation: (none) → anak",
        "  heir_phone: (none) → +6281234567890",
        f"  kpj: (none) → {KPJ}",
    ]
    (event,) = await edit_events(database)
    assert (event.action, event.actor_person_id, event.subject_id) == ("worker.edited", admin, str(worker_id))
    assert event.details["changes"]["phone"] == {"old": PHONE, "new": "+6281350009999"}
    assert event.details["changes"]["kpj"] == {"old": None, "new": KPJ}
    worker = await stored(database, worker_id)
    assert (worker.kpj, worker.heir_name, worker.heir_relation) == (KPJ, "Budi Santoso", "anak")

    # The same values again: nothing changes, nothing is audited.
    assert await run_cli(*argv) == 0
    assert "Nothing changed" in capsys.readouterr().out
    assert len(await edit_events(database)) == 1


async def test_edit_of_income_and_programmes_tells_the_new_monthly_contribution(database, database_url, capsys):
    worker_id = await add_worker(database, NIK, NAME, date(1980, 8, 5))
    argv = ("worker", "edit", NIK, "--income", "1,95 juta", "--programmes", "jkk-jkm-jht", "--database", database_url)
    assert await run_cli(*argv) == 0
    out = capsys.readouterr().out
    assert "Note: income Rp1.950.000 is declared as Rp2.000.000" in out
    assert "  income: Rp1.000.000 → Rp2.000.000\n" in out
    assert "  programmes: JKK + JKM → JKK + JKM + JHT\n" in out
    last = out.splitlines()[-1]
    assert last.startswith("Monthly contribution from ") and last.endswith(": Rp66.800 (was Rp16.800).")
    worker = await stored(database, worker_id)
    assert (worker.declared_income, worker.programmes) == (2_000_000, "JKK,JKM,JHT")


async def test_a_kpj_another_worker_holds_is_refused(database, database_url, capsys):
    other = await add_worker(database, OTHER_NIK, "Budi", date(1980, 8, 5))
    worker_id = await add_worker(database, NIK, NAME, date(1980, 8, 5), phone=PHONE)
    assert await run_cli("worker", "edit", OTHER_NIK, "--kpj", KPJ, "--database", database_url) == 0
    capsys.readouterr()
    argv = ("worker", "edit", NIK, "--phone", "081350009999", "--kpj", KPJ, "--database", database_url)
    assert await run_cli(*argv) == 2
    assert f"KPJ {KPJ} is already recorded for another worker (id {other})" in capsys.readouterr().err
    assert ((await stored(database, worker_id)).phone, (await stored(database, worker_id)).kpj) == (PHONE, None)


async def test_a_nik_correction_needs_a_reason_and_an_admin(database, database_url, capsys):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    admin = await add_staff(database, ADMIN_PHONE, (), "Ani Admin", admin=True)
    worker_id = await add_worker(database, NIK, NAME, date(1980, 8, 5))
    new = "6310054508800003"
    assert await run_cli("worker", "edit", NIK, "--nik", new, "--database", database_url) == 2
    assert "give --reason TEXT" in capsys.readouterr().err
    argv = ("worker", "edit", NIK, "--nik", new, "--reason", "salah ketik", "--database", database_url)
    assert await run_cli(*argv, "--by", CADRE_PHONE) == 2
    assert "is not an admin" in capsys.readouterr().err
    assert await run_cli("worker", "edit", NIK, "--nik", new, "--reason", f"was {NIK}", "--database", database_url) == 2
    assert "the reason must not contain the worker's NIK" in capsys.readouterr().err
    assert await edit_events(database) == []

    assert await run_cli(*argv, "--by", ADMIN_PHONE, "--birth-date", "1980-08-06") == 0
    out = capsys.readouterr().out
    assert f"  nik: {NIK} → {new}\n" in out and "  birth_date: 1980-08-05 → 1980-08-06\n" in out
    assert "Note: the new NIK says born 1980-08-05, the record says 1980-08-06" in out
    (event,) = await edit_events(database)
    assert (event.action, event.note, event.actor_person_id) == ("worker.corrected", "salah ketik", admin)
    assert event.details["changes"]["birth_date"] == {"old": "1980-08-05", "new": "1980-08-06"}
    assert (await stored(database, worker_id)).nik == new


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (("--phone", "12345"), "--phone: '12345' is not accepted as a phone"),
        (("--kpj", "1701234567"), "--kpj is not a KPJ number: a KPJ number has 11 digits"),
        (("--kpj", "17O12345678"), "--kpj is not a KPJ number: a KPJ number has only digits"),
        (("--income", "banyak"), "--income 'banyak' is not an amount in Rupiah"),
        (("--income", "99 juta"), "--income is above the highest income that can be declared, Rp20.700.000"),
        (("--occupation", "astronaut"), "--occupation must be one of petani, "),
        (("--heir-relation", "tetangga"), "--heir-relation must be one of pasangan, anak"),
        (("--occupation-other", "penjahit"), "--occupation-other describes the occupation lainnya"),
        (("--occupation", "lainnya"), "--occupation lainnya needs --occupation-other TEXT"),
        (("--heir-name", "Budi"), "the worker has no heir yet: give --heir-relation with --heir-name"),
        (("--heir-name", "😀😀"), "--heir-name is not accepted as a name"),
        (("--village", "99.99.99.9999"), "'99.99.99.9999' is not a Kemendagri village code"),
        (("--nik", "6310054508800000", "--reason", "x"), "--nik is not a valid NIK: its last 4 digits cannot be 0000"),
        (("--birth-date", "2099-01-01", "--reason", "x"), "--birth-date is in the future"),
        (("--birth-date", "kemarin", "--reason", "x"), "--birth-date 'kemarin' is not a date"),
        ((), "nothing to change"),
    ],
)
async def test_what_edit_refuses_in_one_line_and_changes_nothing(database, database_url, capsys, argv, error):
    worker_id = await add_worker(database, NIK, NAME, date(1980, 8, 5), phone=PHONE)
    assert await run_cli("worker", "edit", NIK, *argv, "--database", database_url) == 2
    err = capsys.readouterr().err
    assert err.startswith("kader: error: ") and error in err and err.count("\n") == 1, err
    assert (await stored(database, worker_id)).phone == PHONE
    assert await edit_events(database) == []


async def test_edit_of_an_unknown_nik(database_url, capsys):
    assert await run_cli("worker", "edit", NIK, "--kpj", KPJ, "--database", database_url) == 2
    assert capsys.readouterr().err == f"kader: error: no worker is registered with NIK {MASKED}\n"


# -- import-kpj --------------------------------------------------------------------------------


async def test_import_kpj_records_good_lines_reports_bad_ones_and_twice_changes_nothing(
    database, database_url, capsys, tmp_path
):
    siti_id = await add_worker(database, NIK, NAME, date(1980, 8, 5))
    budi_id = await add_worker(database, OTHER_NIK, "Budi", date(1980, 8, 5))
    path = tmp_path / "kpj.csv"
    path.write_text(
        "NIK;KPJ\n"
        f"'{NIK};'170 1234 5678\n"  # as a spreadsheet keeps long numbers as text
        f"{OTHER_NIK};17012345679\n"
        "6310054508800009;17012345670\n"  # nobody registered
        f"{NIK[:15]};17012345671\n"  # 15 digits
        f"{OTHER_NIK};1701234567\n",  # the KPJ too short (and Budi twice)
        encoding="utf-8",
    )
    assert await run_cli("worker", "import-kpj", str(path), "--database", database_url) == 1
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "line 4: no worker is registered with NIK 631005******0009",
        "line 5: the NIK is not 16 digits",
        "line 6: NIK 631005******0002: a KPJ number has 11 digits",
        "Nothing recorded: 3 of 5 lines are invalid. Correct them, or record the valid lines with --skip-invalid.",
    ]
    assert (await stored(database, siti_id)).kpj is None and await edit_events(database) == []

    argv = ("worker", "import-kpj", str(path), "--skip-invalid", "--database", database_url)
    assert await run_cli(*argv) == 0
    captured = capsys.readouterr()
    assert captured.out == "5 lines read: 2 KPJ recorded, 0 replaced, 0 already recorded, 3 invalid skipped.\n"
    assert "line 4: no worker is registered with NIK 631005******0009" in captured.err
    assert ((await stored(database, siti_id)).kpj, (await stored(database, budi_id)).kpj) == (KPJ, "17012345679")
    events = await edit_events(database)
    assert [e.details["changes"]["kpj"] for e in events] == [
        {"old": None, "new": KPJ},
        {"old": None, "new": "17012345679"},
    ]

    assert await run_cli(*argv) == 0
    assert capsys.readouterr().out.startswith("5 lines read: 0 KPJ recorded, 0 replaced, 2 already recorded")
    assert len(await edit_events(database)) == 2


async def test_import_kpj_refuses_a_kpj_held_by_another_worker_and_a_file_without_the_columns(
    database, database_url, capsys, tmp_path
):
    await add_worker(database, NIK, NAME, date(1980, 8, 5))
    await add_worker(database, OTHER_NIK, "Budi", date(1980, 8, 5))
    assert await run_cli("worker", "edit", OTHER_NIK, "--kpj", KPJ, "--database", database_url) == 0
    path = tmp_path / "kpj.csv"
    path.write_text(f"nik,kpj\n{NIK},{KPJ}\n", encoding="utf-8")
    assert await run_cli("worker", "import-kpj", str(path), "--database", database_url) == 1
    assert f"line 2: NIK {MASKED}: KPJ {KPJ} is recorded for another worker" in capsys.readouterr().err
    path.write_text(f"{NIK},{KPJ}\n", encoding="utf-8")
    assert await run_cli("worker", "import-kpj", str(path), "--database", database_url) == 2
    assert "must name the columns NIK and KPJ" in capsys.readouterr().err


async def test_import_kpj_audits_exactly_as_an_edit_does_and_replaces_a_kpj(database, database_url, capsys, tmp_path):
    admin = await add_staff(database, ADMIN_PHONE, (), "Ani Admin", admin=True)
    siti_id = await add_worker(database, NIK, NAME, date(1980, 8, 5))
    budi_id = await add_worker(database, OTHER_NIK, "Budi", date(1980, 8, 5))
    argv = ("--by", ADMIN_PHONE, "--database", database_url)
    assert await run_cli("worker", "edit", OTHER_NIK, "--kpj", "17000000001", *argv) == 0
    path = tmp_path / "kpj.csv"
    path.write_text(f"\ufeffKPJ\tNIK\n{KPJ}\t{NIK}\n17012345679\t{OTHER_NIK}\n", encoding="utf-8")
    capsys.readouterr()
    assert await run_cli("worker", "import-kpj", str(path), *argv) == 0
    assert capsys.readouterr().out == "2 lines read: 1 KPJ recorded, 1 replaced, 0 already recorded.\n"
    edited, siti, budi = await edit_events(database)

    def shape(event):
        return (event.action, event.subject_type, event.actor_person_id, event.actor_contact_id, event.note)

    assert shape(siti) == shape(budi) == shape(edited) == ("worker.edited", "worker", admin, None, None)
    assert (edited.subject_id, edited.details) == (
        str(budi_id),
        {"changes": {"kpj": {"old": None, "new": "17000000001"}}},
    )
    assert (siti.subject_id, siti.details) == (str(siti_id), {"changes": {"kpj": {"old": None, "new": KPJ}}})
    assert (budi.subject_id, budi.details) == (
        str(budi_id),
        {"changes": {"kpj": {"old": "17000000001", "new": "17012345679"}}},
    )
    assert ((await stored(database, siti_id)).kpj, (await stored(database, budi_id)).kpj) == (KPJ, "17012345679")


async def test_import_kpj_refuses_a_kpj_held_in_the_database_or_twice_in_the_file(
    database, database_url, capsys, tmp_path
):
    siti_id = await add_worker(database, NIK, NAME, date(1980, 8, 5))
    budi_id = await add_worker(database, OTHER_NIK, "Budi", date(1980, 8, 5))
    third_nik = "6310054508800003"
    third_id = await add_worker(database, third_nik, "Rina", date(1980, 8, 5))
    assert await run_cli("worker", "edit", OTHER_NIK, "--kpj", KPJ, "--database", database_url) == 0
    path = tmp_path / "kpj.csv"
    # Siti is given Budi's KPJ while Budi is given a new one: refused, as the holder is checked before any write.
    path.write_text(f"NIK,KPJ\n{NIK},{KPJ}\n{OTHER_NIK},17012345679\n{third_nik},17012345679\n", encoding="utf-8")
    capsys.readouterr()
    assert await run_cli("worker", "import-kpj", str(path), "--database", database_url) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"line 2: NIK {MASKED}: KPJ {KPJ} is recorded for another worker (id {budi_id})",
        "line 4: NIK 631005******0003: KPJ 17012345679 is on line 3 already",
        "Nothing recorded: 2 of 3 lines are invalid. Correct them, or record the valid lines with --skip-invalid.",
    ]
    assert [(await stored(database, i)).kpj for i in (siti_id, budi_id, third_id)] == [None, KPJ, None]
    assert len(await edit_events(database)) == 1

    assert await run_cli("worker", "import-kpj", str(path), "--skip-invalid", "--database", database_url) == 0
    assert (
        capsys.readouterr().out == "3 lines read: 0 KPJ recorded, 1 replaced, 0 already recorded, 2 invalid skipped.\n"
    )
    assert [(await stored(database, i)).kpj for i in (siti_id, budi_id, third_id)] == [None, "17012345679", None]
    assert [e.details["changes"]["kpj"] for e in await edit_events(database)][1:] == [
        {"old": KPJ, "new": "17012345679"}
    ]


# -- show: the KPJ and voided payments ---------------------------------------------------------


async def test_show_gives_the_kpj_and_marks_a_voided_payment(database, database_url, capsys):
    from storage import payments

    worker_id = await add_worker(database, NIK, NAME, date(1980, 8, 5), phone=PHONE)
    await add_payment(database, worker_id, date(2026, 1, 1), 6, reference="BR-7")
    async with database.transaction() as session:
        (payment,) = await session.scalars(select(Payment))
        await payments.void_payments(session, [payment.id], "dobel dicatat", None, datetime(2026, 11, 29, tzinfo=UTC))
    assert await run_cli("worker", "edit", NIK, "--kpj", KPJ, "--database", database_url) == 0
    capsys.readouterr()
    assert await run_cli("worker", "show", NIK, "--database", database_url) == 0
    out = capsys.readouterr().out
    assert "BATAL 2026-11-29: dobel dicatat" in out and KPJ in out
    assert await run_cli("worker", "show", NIK, "--format", "json", "--database", database_url) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["worker"]["kpj"] == KPJ
    assert document["worker"]["status_today"] == "belum_aktif"  # the voided months cover nothing
    (shown,) = document["payments"]
    assert (shown["void_reason"], shown["voided_at"][:10]) == ("dobel dicatat", "2026-11-29")


@pytest.mark.parametrize(
    ("command", "summary"),
    [
        (("worker", "edit"), "change a registered worker's details"),
        (("worker", "import-kpj"), "record KPJ card numbers from the branch office's CSV"),
    ],
)
def test_help_of_edit_and_import_kpj(command, summary, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main([*command, "--help"])
    assert exited.value.code == 0
    assert summary in " ".join(capsys.readouterr().out.split())


async def test_edit_to_another_occupation_with_its_description(database, database_url, capsys):
    worker_id = await add_worker(database, NIK, NAME, date(1980, 8, 5))
    argv = ("worker", "edit", NIK, "--occupation", "lainnya", "--occupation-other", "penjahit  keliling")
    assert await run_cli(*argv, "--database", database_url) == 0
    assert "  occupation_other: (none) → penjahit keliling\n" in capsys.readouterr().out
    assert await run_cli("worker", "edit", NIK, "--occupation", "nelayan", "--database", database_url) == 0
    out = capsys.readouterr().out
    assert "  occupation: lainnya → nelayan\n  occupation_other: penjahit keliling → (none)\n" in out
    assert (await stored(database, worker_id)).occupation_other is None


# -- cases (deaths, accidents) and their documents ---------------------------------------------

HEIR_PHONE = "+6281355550001"
HEIR_FORMS = (HEIR_PHONE, HEIR_PHONE[1:], "081355550001", "0813-5555-0001", "rahmat hidayat")
LATER = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # three days after the registration, still before the wall clock


def stored_file(directory, content: bytes):
    """A document as the media store keeps it, <sha256>.jpg in MEDIA_DIR; its Media, as a channel hands it over."""
    import hashlib

    from flows.turn import Media

    sha256 = hashlib.sha256(content).hexdigest()
    path = directory / f"{sha256}.jpg"
    path.write_bytes(content)
    return Media(
        ref=f"media-{sha256[:8]}", content_type="image/jpeg", stored_path=str(path), size_bytes=len(content),
        sha256=sha256,
    )  # fmt: skip


async def report_death_as_neighbour(database: Database, letter) -> str:
    """Rahmat, a neighbour on WhatsApp, reports Siti's death through the engine with the village's letter; the
    reference."""
    async with database.transaction() as session:
        (worker,) = await session.scalars(select(Worker).where(Worker.nik == NIK))
        worker.registered_at = NOW  # the registration took the wall clock; the death comes after it
    engine = Engine(database, default_registry(), clock=lambda: LATER)
    neighbour = Chat(engine, HEIR_PHONE, channel="whatsapp", phone=HEIR_PHONE)
    await neighbour.say("ibu siti meninggal kemarin")
    assert "631005******0001" in await neighbour.say(NIK)
    for text in ("ya", "kemarin", "1", "Rahmat Hidayat", "8"):
        await neighbour.say(text)
    assert "1 foto diterima" in neighbour.render(await neighbour.send(None, media=(letter,)))
    opened = await neighbour.say("ya")
    reference = opened.split("KLM-", 1)[1][:11]
    return f"KLM-{reference}"


async def cases_and_documents(database: Database) -> tuple[list, list]:
    """Every case and every document row, oldest first."""
    from storage.models import Claim, ClaimDocument

    async with database.transaction() as session:
        claims = list(await session.scalars(select(Claim).order_by(Claim.id)))
        documents = list(await session.scalars(select(ClaimDocument).order_by(ClaimDocument.id)))
    return claims, documents


async def test_forgetting_a_worker_reported_dead_leaves_no_trace_and_deletes_only_her_files(
    database, database_url, capsys, tmp_path, monkeypatch
):
    from storage import claims
    from storage.claims import NewClaim

    worker_id = await register_pay_and_look_up(database)
    media = tmp_path / "media"
    media.mkdir()
    monkeypatch.setenv("MEDIA_DIR", str(media))
    letter = stored_file(media, b"\xff\xd8\xff surat kematian dari desa")
    reference = await report_death_as_neighbour(database, letter)
    family_card = stored_file(media, b"\xff\xd8\xff kartu keluarga")
    budi = await add_worker(database, "6310050101900002", "Budi Santoso", date(1990, 1, 1))
    async with database.transaction() as session:
        # Her accident earlier in the year, told in free text, with a photo of the family card; Budi's case has the
        # very same photo (one file in the content-addressed store).
        accident = await claims.open_claim(
            session,
            NewClaim(
                kind=claims.ACCIDENT, event_date=date(2026, 3, 2), event_at=datetime(2026, 3, 2, 1, 30, tzinfo=UTC),
                reporter_name="Rina Wati", worker_id=worker_id, reporter_relation="cadre",
                details={
                    "place": "Jalan Poros km 7", "story": f"{NAME} (lahir 5 Agustus 1980) jatuh dari motor",
                    "witnesses": "Pak Udin, 0813-5000-1234", "road": True,
                },
            ),
        )  # fmt: skip
        budis = await claims.open_claim(
            session, NewClaim(kind=claims.DEATH, event_date=date(2026, 11, 1), reporter_name="Ani", worker_id=budi)
        )
        for case in (accident, budis):
            assert await claims.attach_document(
                session, case.id, kind="kartu_keluarga", path=family_card.stored_path, content_type="image/jpeg",
                size_bytes=family_card.size_bytes, sha256=family_card.sha256,
            )  # fmt: skip
    db = ("--actor", ADMIN_PHONE, "--database", database_url)
    assert await run_cli("claims", "confirm", reference, *db) == 0
    for ref in (reference, accident.reference):
        assert await run_cli("claims", "update", ref, "--status", "dibayar", "--note", f"Diterima {NAME}", *db) == 0
    before = await traces(database)
    assert before["claim.details"] == {"name", "phone", "birth_date"}
    assert {"claim.reporter_name", "claim.reporter_phone", "outbound_message.body"} <= {
        column for column, _ in await heir_traces(database)
    }
    capsys.readouterr()

    assert await run_cli("worker", "show", NIK, *db) == 0
    out = capsys.readouterr().out
    assert "Cases (deaths, accidents) about the worker or naming them" in out
    for case in (reference, accident.reference):
        line = next(line for line in out.splitlines() if case in line)
        assert "dibayar" in line and "about the worker" in line, line
    death_line = next(line for line in out.splitlines() if reference in line)
    assert "death" in death_line and "confirmed" in death_line and "2026-11-24" in death_line, death_line
    assert "other" in death_line and "│ 1 " in death_line, death_line

    argv = ("worker", "forget", NIK, "--confirm", "--reason", "permintaan ahli waris", *db)
    assert await run_cli(*argv) == 0
    out = capsys.readouterr().out
    assert f"1 document file(s) deleted from {media}" in out
    assert not (media / f"{letter.sha256}.jpg").exists()  # only her case had the letter
    assert (media / f"{family_card.sha256}.jpg").exists()  # Budi's case still refers to the family card
    assert await traces(database) == {}
    assert {column for column, _ in await heir_traces(database)} <= {"contact.address", "contact.phone"}

    cases, documents = await cases_and_documents(database)
    death, crash, budis_case = cases
    assert (death.kind, death.status, death.match, death.worker_id, death.reporter_relation) == (
        "death", "dibayar", "confirmed", worker_id, "other",
    )  # fmt: skip
    assert (death.reporter_name, death.reporter_phone, death.event_date) == ("[forgotten]", None, date(2026, 11, 1))
    assert crash.details == {"place": "[forgotten]", "story": "[forgotten]", "witnesses": "[forgotten]", "road": True}
    assert [(d.claim_id, d.kind, d.path == "[forgotten]") for d in documents] == [
        (death.id, "death_letter", True), (crash.id, "kartu_keluarga", True), (budis_case.id, "kartu_keluarga", False)
    ]  # fmt: skip
    async with database.transaction() as session:
        (forgotten,) = await audit.events(session, "worker.forgotten")
        assert forgotten.details["erased"]["claims_scrubbed"] == 2
        assert forgotten.details["erased"]["document_files_deleted"] == 1
        notes = [e.details["note"] for e in await audit.events(session, "claim.status")]
        assert notes == ["[forgotten]", "[forgotten]"]

    # The anonymous row still shows its cases: the counts keep them.
    assert await run_cli("worker", "show", f"anon-{worker_id}", "--format", "json", *db) == 0
    shown = json.loads(capsys.readouterr().out)["claims"]
    assert [(c["reference"], c["kind"], c["status"], c["event_date"], c["documents"]) for c in shown] == [
        (reference, "death", "dibayar", "2026-11-01", 1),
        (accident.reference, "accident", "dibayar", "2026-03-01", 1),
    ]


async def heir_traces(database: Database) -> list[tuple[str, str]]:
    """Where the neighbour's phone or name is stored: (table.column, the form found)."""
    found = []
    async with database.transaction() as session:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, String | Text | JSON):
                    continue
                for (value,) in await session.execute(select(cast(column, Text)).where(column.is_not(None))):
                    text = str(value).lower()
                    found += [(f"{table.name}.{column.name}", form) for form in HEIR_FORMS if form in text]
    return found


async def test_an_open_case_about_the_worker_stops_forget_and_keeps_everything(
    database, database_url, capsys, tmp_path, monkeypatch
):
    worker_id = await register_pay_and_look_up(database)
    media = tmp_path / "media"
    media.mkdir()
    monkeypatch.setenv("MEDIA_DIR", str(media))
    letter = stored_file(media, b"\xff\xd8\xff surat kematian")
    reference = await report_death_as_neighbour(database, letter)  # pending: nobody has vouched for it
    capsys.readouterr()
    assert await run_cli("worker", "forget", NIK, "--database", database_url) == 2
    out = capsys.readouterr().out
    assert any(line.split()[1:4:2] == ["claim", "1"] for line in out.splitlines()), out
    assert f"(open: {reference})" in " ".join(out.split())
    argv = ("worker", "forget", NIK, "--confirm", "--reason", "permintaan", "--actor", ADMIN_PHONE)
    assert await run_cli(*argv, "--database", database_url) == 2
    err = capsys.readouterr().err
    assert err == (
        f"kader: error: worker {worker_id} has open case(s) {reference}: their reporter and documents are needed until "
        "they are paid, refused or withdrawn (kader claims update/reject/withdraw); nothing was erased\n"
    )
    assert (media / f"{letter.sha256}.jpg").exists()
    (case,), _ = await cases_and_documents(database)
    assert case.reporter_name == "Rahmat Hidayat"
    async with database.transaction() as session:
        assert (await session.scalars(select(Worker.nik))).one() == NIK


async def test_a_document_outside_the_media_directory_stops_forget_and_nothing_is_erased(
    database, database_url, capsys, tmp_path
):
    from storage import claims
    from storage.claims import NewClaim

    media = tmp_path / "media"
    media.mkdir()
    outside = stored_file(tmp_path, b"\xff\xd8\xff somewhere else")
    inside = stored_file(media, b"\xff\xd8\xff kept here")
    worker_id = await add_worker(database, NIK, NAME, date(1980, 8, 5))
    async with database.transaction() as session:
        case = await claims.open_claim(
            session, NewClaim(kind=claims.DEATH, event_date=date(2026, 11, 1), reporter_name="Ani", worker_id=worker_id)
        )
        for number, (file, path) in enumerate(
            ((outside, f"{media}/../{outside.sha256}.jpg"), (inside, f"{media}/../media/{inside.sha256}.jpg"))
        ):
            assert await claims.attach_document(
                session, case.id, kind=f"k{number}", path=path, content_type="image/jpeg",
                size_bytes=file.size_bytes, sha256=file.sha256,
            )  # fmt: skip
        await claim_decisions_withdraw(session, case.reference)
    argv = ("worker", "forget", NIK, "--confirm", "--reason", "x", "--media-dir", str(media))
    assert await run_cli(*argv, "--database", database_url) == 2
    assert capsys.readouterr().err == (
        f"kader: error: the cases' documents {media}/../{outside.sha256}.jpg are outside the media directory "
        f"{media.resolve()}: run with MEDIA_DIR or --media-dir set to where the bot keeps them; nothing was erased\n"
    )
    assert (tmp_path / f"{outside.sha256}.jpg").exists() and (media / f"{inside.sha256}.jpg").exists()
    (claim,), documents = await cases_and_documents(database)
    assert claim.reporter_name == "Ani" and [d.sha256 for d in documents] == [outside.sha256, inside.sha256]

    # Told where the files really are, it erases and deletes both.
    argv = ("worker", "forget", NIK, "--confirm", "--reason", "x", "--media-dir", str(tmp_path))
    assert await run_cli(*argv, "--database", database_url) == 0
    assert f"2 document file(s) deleted from {tmp_path}" in capsys.readouterr().out
    assert not (tmp_path / f"{outside.sha256}.jpg").exists() and not (media / f"{inside.sha256}.jpg").exists()


async def claim_decisions_withdraw(session, reference: str) -> None:
    """Closes a case as withdrawn (a mistaken report)."""
    from storage import claim_decisions

    await claim_decisions.withdraw_claim(session, reference, "salah lapor")
