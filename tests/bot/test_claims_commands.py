"""`kader claims ...`: listing and showing cases (documents with size, checksum and path), and every decision —
update, confirm, reject, withdraw, outcome — audited and told to the reporter in the reporter's language."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot import cli
from storage import audit, claims, contacts
from storage.claims import NewClaim
from storage.database import Database
from storage.models import OutboundMessage, Worker
from tests.factories import VILLAGE, add_staff, add_worker

NIK = "6310021203750002"
OTHER_VILLAGE = "63.10.02.2002"
HEIR_PHONE, STRANGER_PHONE = "+6281255550101", "+6281399999999"
ADMIN_PHONE, OTHER_CADRE_PHONE = "+6281300000003", "+6281300000002"
SHA = "3f" * 32


async def run(*argv: str) -> int:
    """`kader ...` in-process; in a thread because the command runs its own event loop."""
    return await asyncio.to_thread(cli.main, list(argv))


async def claims_cli(url: str, *argv: str) -> int:
    return await run("claims", *argv, "--database", url)


async def _report(
    database: Database,
    *,
    phone: str = STRANGER_PHONE,
    language: str = "id",
    kind: str = claims.DEATH,
    event_at: datetime | None = None,
    paid: tuple[tuple[date, int], ...] = ((date(2026, 1, 1), 12),),
) -> tuple[str, int, int]:
    """A worker of Sungai Lembu and a report about them from a contact with this phone; reference, worker, contact."""
    async with database.transaction() as session:
        worker_id = await add_worker(session, NIK, "Budi Santoso", date(1975, 3, 12), paid=paid)
        worker = await session.get(Worker, worker_id)
        worker.heir_phone = HEIR_PHONE
        worker.registered_at = datetime(2025, 12, 1, tzinfo=UTC)
        contact = await contacts.get_or_create_contact(session, "telegram", "reporter", language)
        contacts.set_verified_phone(contact, phone, None)
        opened = await claims.open_claim(
            session,
            NewClaim(
                kind=kind,
                event_date=date(2026, 11, 27),
                event_at=event_at,
                reporter_name="Siti",
                worker_id=worker_id,
                reporter_contact_id=contact.id,
                reporter_relation="spouse",
                reporter_phone=phone,
                details={"place": "sawah"},
            ),
        )
    return opened.reference, worker_id, contact.id


async def _messages(database: Database, contact_id: int) -> list[OutboundMessage]:
    async with database.transaction() as session:
        query = select(OutboundMessage).where(OutboundMessage.contact_id == contact_id).order_by(OutboundMessage.id)
        return list(await session.scalars(query))


async def _deceased_on(database: Database, worker_id: int) -> date | None:
    async with database.transaction() as session:
        return (await session.get(Worker, worker_id)).deceased_on


async def test_update_moves_the_status_audits_it_and_tells_the_reporter_in_their_language(
    database, database_url, capsys
):
    reference, _, contact = await _report(database, phone=HEIR_PHONE, language="en")
    code = await claims_cli(database_url, "update", reference, "--status", "dokumen-kurang", "--note", " bawa  KK ")
    assert code == 0
    out = capsys.readouterr().out
    assert f"{reference}: status, status dokumen-kurang, match confirmed." in out
    assert f"Reporter (contact {contact}) notified through the outbox." in out
    (message,) = await _messages(database, contact)
    assert message.kind == "claim" and message.status == "pending"
    assert message.body.startswith(f"Report {reference}: some documents are still missing.")
    assert "Note from the officer: bawa KK" in message.body
    assert f"cek laporan {reference}" in message.body
    async with database.transaction() as session:
        (event,) = await audit.events(session, "claim.status")
    assert event.subject_id == reference
    assert event.details == {"from": "baru", "to": "dokumen-kurang", "note": "bawa KK"}

    # The same status again changes nothing and tells no one.
    assert await claims_cli(database_url, "update", reference, "--status", "dokumen-kurang") == 0
    assert "Reporter not notified: nothing changed." in capsys.readouterr().out
    assert len(await _messages(database, contact)) == 1


async def test_confirm_marks_the_worker_meninggal_and_tells_the_reporter_the_coverage(database, database_url, capsys):
    reference, worker, contact = await _report(database)
    assert await _deceased_on(database, worker) is None
    assert await claims_cli(database_url, "confirm", reference) == 0
    assert "The worker's status changed." in capsys.readouterr().out
    assert await _deceased_on(database, worker) == date(2026, 11, 27)
    (message,) = await _messages(database, contact)
    assert f"Laporan {reference} sudah dikonfirmasi" in message.body
    assert "Pada 27 November 2026, kepesertaannya terlindungi" in message.body

    assert await claims_cli(database_url, "confirm", reference) == 2
    assert "is confirmed, not pending; nothing was changed" in capsys.readouterr().err


async def test_confirm_of_a_month_in_arrears_says_the_rule_is_uncertain(database, database_url):
    reference, _, contact = await _report(database, paid=((date(2026, 1, 1), 9),))  # paid to September
    assert await claims_cli(database_url, "confirm", reference) == 0
    (message,) = await _messages(database, contact)
    assert "iurannya sedang menunggak" in message.body and "belum pasti" in message.body


async def test_reject_refuses_a_false_report_and_leaves_the_worker_alive(database, database_url, capsys):
    reference, worker, contact = await _report(database)
    assert await claims_cli(database_url, "reject", reference, "--reason", "masih hidup") == 0
    assert f"{reference}: rejected, status ditolak, match rejected." in capsys.readouterr().out
    assert await _deceased_on(database, worker) is None
    (message,) = await _messages(database, contact)
    assert "tidak dapat kami terima" in message.body and "Alasan: masih hidup" in message.body


async def test_withdraw_restores_the_worker_and_is_audited(database, database_url, capsys):
    reference, worker, contact = await _report(database, phone=HEIR_PHONE)
    assert await _deceased_on(database, worker) == date(2026, 11, 27)  # the registered heir: Meninggal at once
    assert await claims_cli(database_url, "withdraw", reference, "--reason", "salah orang") == 0
    assert await _deceased_on(database, worker) is None
    (message,) = await _messages(database, contact)
    assert f"Laporan {reference} ditarik kembali" in message.body
    async with database.transaction() as session:
        assert [e.subject_id for e in await audit.events(session, "claim.withdrawn")] == [reference]
        assert [e.subject_id for e in await audit.events(session, "worker.deceased_undone")] == [str(worker)]
    capsys.readouterr()
    assert await claims_cli(database_url, "update", reference, "--status", "diproses") == 2
    assert "was withdrawn; nothing was changed" in capsys.readouterr().err


async def test_outcome_records_the_verdict_and_gives_the_stage_two_documents(database, database_url, capsys):
    at = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
    reference, worker, contact = await _report(database, kind=claims.ACCIDENT, event_at=at, language="en")
    assert await claims_cli(database_url, "outcome", reference, "--outcome", "sembuh") == 0
    (message,) = await _messages(database, contact)
    assert "the doctor says the worker has recovered" in message.body and "receipts" in message.body
    async with database.transaction() as session:
        claim = await claims.claim_by_reference(session, reference)
        assert claim.outcome == "recovered"
    assert await _deceased_on(database, worker) is None
    with pytest.raises(SystemExit) as exited:
        await claims_cli(database_url, "outcome", reference, "--outcome", "rusak")
    assert exited.value.code == 2
    assert "invalid choice: 'rusak'" in capsys.readouterr().err


async def test_the_actor_must_be_an_admin_or_a_cadre_of_the_village(database, database_url, capsys):
    reference, worker, _ = await _report(database)
    await add_staff(database, OTHER_CADRE_PHONE, villages=[OTHER_VILLAGE], name="Dewi")
    admin = await add_staff(database, ADMIN_PHONE, villages=[], name="Pak Admin", admin=True)
    assert await claims_cli(database_url, "confirm", reference, "--actor", "081300000002") == 2
    assert "is neither an admin nor a cadre of the case's village" in capsys.readouterr().err
    assert await _deceased_on(database, worker) is None
    assert await claims_cli(database_url, "confirm", reference, "--actor", "081300000003") == 0
    async with database.transaction() as session:
        (event,) = await audit.events(session, "claim.confirmed")
    assert event.actor_person_id == admin


async def test_an_unknown_reference_is_one_error_line(database_url, capsys):
    assert await claims_cli(database_url, "show", "KLM-2026-999999") == 2
    assert capsys.readouterr().err == "kader: error: no case has the reference 'KLM-2026-999999'\n"


async def test_show_lists_everything_with_the_documents(database, database_url, capsys):
    at = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)  # 09:00 WITA in Sungai Lembu
    reference, _, _ = await _report(database, kind=claims.ACCIDENT, event_at=at)
    async with database.transaction() as session:
        claim = await claims.claim_by_reference(session, reference)
        await claims.attach_document(
            session,
            claim.id,
            kind="photo",
            path="media/2026/11/ab.jpg",
            content_type="image/jpeg",
            size_bytes=48213,
            sha256=SHA,
        )
    assert await claims_cli(database_url, "show", reference.lower()) == 0
    out = capsys.readouterr().out
    assert f"Case {reference}" in out
    assert "Budi Santoso (631002******0002)" in out
    assert NIK not in out and STRANGER_PHONE not in out
    assert "2026-11-27 09:00 WITA" in out
    assert "2026-11-29 09:00 WITA" in out  # the stage-I deadline, 2 × 24 h on
    assert re.search(r'details\.place +│ "sawah"', out)
    assert "Documents (1)" in out
    assert SHA in out and "48,213" in out and "media/2026/11/ab.jpg" in out and "image/jpeg" in out


async def test_list_filters_by_status_village_and_overdue(database, database_url, capsys):
    long_ago = datetime.now(UTC) - timedelta(hours=60)
    reference, _, _ = await _report(database, kind=claims.ACCIDENT, event_at=long_ago)
    assert await claims_cli(database_url, "list") == 0
    out = capsys.readouterr().out
    assert reference in out and "accident" in out and "(passed)" in out
    assert await claims_cli(database_url, "list", "--overdue") == 0
    assert reference in capsys.readouterr().out
    assert await claims_cli(database_url, "list", "--village", OTHER_VILLAGE) == 0
    assert capsys.readouterr().out.strip() == "No cases match."
    assert await claims_cli(database_url, "list", "--status", "diproses") == 0
    assert capsys.readouterr().out.strip() == "No cases match."
    assert await claims_cli(database_url, "update", reference, "--status", "diproses") == 0
    capsys.readouterr()
    assert await claims_cli(database_url, "list", "--overdue", "--village", VILLAGE) == 0
    assert capsys.readouterr().out.strip() == "No cases match."


@pytest.mark.parametrize("argv", [("reject", "KLM-1", "--reason", "   "), ("withdraw", "KLM-1", "--reason", "")])
async def test_an_empty_reason_is_refused(database_url, capsys, argv):
    assert await claims_cli(database_url, *argv) == 2
    assert "--reason must not be empty" in capsys.readouterr().err


async def test_confirm_names_the_worker_of_a_report_that_gave_only_a_name(database, database_url, capsys):
    async with database.transaction() as session:
        worker = await add_worker(session, NIK, "Budi Santoso", date(1975, 3, 12), paid=((date(2026, 1, 1), 12),))
        (await session.get(Worker, worker)).registered_at = datetime(2026, 1, 5, tzinfo=UTC)
        contact = await contacts.get_or_create_contact(session, "whatsapp", "whatsapp:+6281399999999", "id")
        opened = await claims.open_claim(
            session,
            NewClaim(
                kind=claims.DEATH,
                event_date=date(2026, 11, 27),
                reporter_name="Tetangga",
                village_code=VILLAGE,
                named_worker="Pak Budi",
                reporter_contact_id=contact.id,
            ),
        )
    assert await claims_cli(database_url, "confirm", opened.reference) == 2
    assert "names no registered worker yet; nothing was changed" in capsys.readouterr().err
    assert await claims_cli(database_url, "confirm", opened.reference, "--worker", "6310021203759999") == 2
    assert "no worker is registered with NIK 631002******9999" in capsys.readouterr().err
    assert await claims_cli(database_url, "confirm", opened.reference, "--worker", "6310 0212 0375 0002") == 0
    assert await _deceased_on(database, worker) == date(2026, 11, 27)
    (message,) = await _messages(database, contact.id)
    assert "kepesertaannya terlindungi" in message.body
    assert await claims_cli(database_url, "show", opened.reference) == 0
    assert "Budi Santoso (631002******0002)" in capsys.readouterr().out
