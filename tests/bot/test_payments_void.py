"""`kader payments void REF`: a payment recorded by mistake stops covering its months (the status is recomputed),
within PAYMENT_VOID_DAYS of its recording, narrowed to one worker with --worker, audited without the NIK."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot import cli
from rules.coverage import covered_months, membership_on
from rules.membership_status import ACTIVE, NOT_ACTIVE
from storage import audit, payments, people
from storage.database import Database
from storage.models import Payment
from tests.factories import add_payment, add_worker

SITI, BUDI = "6310054508800001", "6310051203750002"
VILLAGE = "63.10.02.2003"
ADMIN = "+6281200000009"


async def run(*argv: str) -> int:
    """`kader ...` in-process; in a thread because the command runs its own event loop."""
    return await asyncio.to_thread(cli.main, list(argv))


async def void(url: str, *argv: str) -> int:
    return await run("payments", "void", *argv, "--database", url)


async def two_workers(database: Database) -> tuple[int, int]:
    async with database.transaction() as session:
        siti = await add_worker(session, SITI, "Siti Aminah", date(1980, 8, 5), sex="F")
        budi = await add_worker(session, BUDI, "Budi Santoso", date(1975, 3, 12))
    return siti, budi


async def status(database: Database, worker_id: int, day: date = date(2026, 11, 22)) -> str:
    async with database.transaction() as session:
        return membership_on(day, covered_months(await payments.paid_months(session, worker_id))).status


async def rows(database: Database) -> list[Payment]:
    async with database.transaction() as session:
        return list(await session.scalars(select(Payment).order_by(Payment.id)))


async def test_a_voided_payment_no_longer_covers_its_months_and_the_void_is_audited(database, database_url, capsys):
    siti, _ = await two_workers(database)
    async with database.transaction() as session:
        admin = await people.add_person(session, "Admin Kabupaten", ADMIN, [], admin=True)
    await add_payment(database, siti, date(2026, 1, 1), 12, reference="BR-2026-001")
    assert await status(database, siti) == ACTIVE

    code = await void(
        database_url, "BR-2026-001", "--reason", "  salah  NIK di file cabang ", "--actor", "0812 0000 0009"
    )
    assert code == 0
    out, err = capsys.readouterr()
    (payment,) = await rows(database)
    assert err == ""
    assert out.splitlines() == [
        f"Voided payment {payment.id} of worker {siti} (631005******0001): 2026-01 to 2026-12 (12 months), "
        f"Rp201.600, recorded {payment.recorded_at:%Y-%m-%d} (import).",
        "1 payment voided; their months count as unpaid again. Audited as payment.voided.",
    ]
    assert await status(database, siti) == NOT_ACTIVE  # Aktif → Belum aktif
    assert (payment.void_reason, payment.voided_by) == ("salah NIK di file cabang", admin.id)
    assert payment.voided_at is not None and payment.voided_at.tzinfo is not None

    async with database.transaction() as session:
        (event,) = await audit.events(session, "payment.voided")
    assert (event.actor_person_id, event.subject_type, event.subject_id) == (admin.id, "worker", str(siti))
    assert event.details == {
        "payment_id": payment.id,
        "worker_id": siti,
        "reason": "salah NIK di file cabang",
        "actor": admin.id,
        "reference": "BR-2026-001",
        "source": "import",
        "first_month": "2026-01-01",
        "months": 12,
        "amount": 201_600,
    }
    assert SITI not in str(event.details) and "Siti" not in str(event.details)

    # Voided already: said so, nothing changes.
    assert await void(database_url, "BR-2026-001", "--reason", "lagi") == 2
    assert capsys.readouterr().err.strip() == (
        "kader: error: the payment(s) with the reference 'BR-2026-001' are voided already"
    )


async def test_the_same_reference_can_be_recorded_again_after_its_void(database, database_url, capsys):
    siti, _ = await two_workers(database)
    await add_payment(database, siti, date(2026, 1, 1), 12, reference="BR-1")
    assert await void(database_url, "BR-1", "--reason", "bulan salah") == 0
    assert await add_payment(database, siti, date(2026, 1, 1), 12, reference="BR-1") is True
    assert await add_payment(database, siti, date(2026, 1, 1), 12, reference="BR-1") is False
    assert await status(database, siti) == ACTIVE
    assert [p.voided_at is None for p in await rows(database)] == [False, True]


async def test_a_village_payment_is_voided_for_every_worker_or_narrowed_to_one(database, database_url, capsys):
    siti, budi = await two_workers(database)
    await add_payment(database, siti, date(2026, 1, 1), 12, reference="DESA-2026")
    await add_payment(database, budi, date(2026, 1, 1), 12, reference="DESA-2026")

    assert await void(database_url, "DESA-2026", "--worker", "6310 0512 0375 0002", "--reason", "bukan warga") == 0
    out = capsys.readouterr().out
    assert f"of worker {budi} (631005******0002)" in out and f"of worker {siti} " not in out
    assert out.splitlines()[-1].startswith("1 payment voided")
    assert (await status(database, siti), await status(database, budi)) == (ACTIVE, NOT_ACTIVE)

    # Budi's is voided already; Siti's is not among Budi's payments, and an unknown NIK is said to be unknown.
    assert await void(database_url, "DESA-2026", "--worker", BUDI, "--reason", "lagi") == 2
    assert "are voided already" in capsys.readouterr().err
    assert await void(database_url, "DESA-2026", "--worker", "3174011203750009", "--reason", "x") == 2
    assert capsys.readouterr().err.strip() == "kader: error: no worker is registered with NIK 317401******0009"
    assert await void(database_url, "DESA-2026", "--worker", "12345", "--reason", "x") == 2
    assert "--worker is not a NIK: a NIK has 16 digits" in capsys.readouterr().err

    # Without --worker: every payment of the reference still counting, each listed.
    await add_payment(database, budi, date(2027, 1, 1), 12, reference="DESA-2026")
    assert await void(database_url, "DESA-2026", "--reason", "transfer dibatalkan bank") == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and f"of worker {siti} " in out[0] and f"of worker {budi} " in out[1]
    assert out[2].startswith("2 payments voided")
    assert (await status(database, siti), await status(database, budi)) == (NOT_ACTIVE, NOT_ACTIVE)
    async with database.transaction() as session:
        assert len(await audit.events(session, "payment.voided")) == 3


async def test_a_payment_older_than_the_void_period_is_refused_and_the_period_is_a_setting(
    database, database_url, capsys, monkeypatch
):
    siti, budi = await two_workers(database)
    await add_payment(database, siti, date(2026, 1, 1), 12, reference="DESA-1")
    await add_payment(database, budi, date(2026, 1, 1), 12, reference="DESA-1")
    old = datetime.now(UTC) - timedelta(days=31)
    async with database.transaction() as session:
        await session.execute(update(Payment).where(Payment.worker_id == budi).values(recorded_at=old))
    budi_payment = (await rows(database))[1]

    assert await void(database_url, "DESA-1", "--reason", "salah catat") == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line == (
        f"kader: error: payment {budi_payment.id} ('DESA-1') was recorded on {old:%Y-%m-%d}, 31 days ago: a payment "
        "can be voided only within 30 days of its recording (PAYMENT_VOID_DAYS); nothing was voided"
    )
    assert all(p.voided_at is None for p in await rows(database))  # all or nothing: Siti's is not voided either
    async with database.transaction() as session:
        assert await audit.events(session, "payment.voided") == []

    assert await void(database_url, "DESA-1", "--worker", SITI, "--reason", "salah catat") == 0  # a recent one
    capsys.readouterr()
    monkeypatch.setenv("PAYMENT_VOID_DAYS", "45")
    assert await void(database_url, "DESA-1", "--reason", "salah catat") == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("1 payment voided")

    monkeypatch.setenv("PAYMENT_VOID_DAYS", "minggu")
    assert await void(database_url, "DESA-1", "--reason", "x") == 2
    assert capsys.readouterr().err.strip() == (
        "kader: error: a setting is not valid: PAYMENT_VOID_DAYS must be a whole number from 0 to 3650, not 'minggu'"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["NOPE-1", "--reason", "x"], "no payment has the reference 'NOPE-1'"),
        (["BR-1", "--reason", "   "], "--reason must say why the payment is voided"),
        (["BR-1", "--reason", "x" * 501], "the reason must be at most 500 characters"),
        (["BR-1", "--reason", "NIK 6310054508800001 salah"], "the reason must not contain the worker's NIK"),
        (["BR-1", "--reason", "bukan Siti Aminah"], "the reason must not contain the worker's NIK"),
        (["BR-1", "--reason", "x", "--actor", "0812 3456 7890"], "--actor +6281234567890 is not an admin"),
    ],
)
async def test_what_the_command_refuses_in_one_line(database, database_url, capsys, argv, message):
    siti, _ = await two_workers(database)
    await add_payment(database, siti, date(2026, 1, 1), 12, reference="BR-1")
    assert await void(database_url, *argv) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("kader: error: ") and message in line
    assert SITI not in line
    assert (await rows(database))[0].voided_at is None


def test_the_reason_is_required(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["payments", "void", "BR-1"])
    assert exited.value.code == 2
    assert "the following arguments are required: --reason" in capsys.readouterr().err
