"""A death reported end to end over WhatsApp by the heir recorded at registration, writing from that very number
(which WhatsApp vouches for): the worker is marked deceased, the village letter sent as a photo is fetched from
Twilio into the media store and kept with the case, and the village cadre is told through the outbox."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from flows.engine import Engine
from flows.i18n import Translator
from flows.registry import default_registry
from tests.bot.whatsapp.phone import TWILIO_CLIENT_WARNINGS, Phone
from tests.flows.claim_arrange import (
    BUDI_NIK,
    HEIR_PHONE,
    add_budi,
    claims_in,
    documents_in,
    messages_to,
    village_cadre,
    worker_row,
)

pytestmark = TWILIO_CLIENT_WARNINGS

ID = Translator("id")
NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)  # 11.00 WITA in Sungai Lembu
YESTERDAY = date(2026, 11, 28)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + bytes(range(256)) * 56 + b"surat desa\xff\xd9"


@pytest.fixture
def engine(database) -> Engine:
    return Engine(database, default_registry(), clock=lambda: NOW)


async def test_the_heir_reports_a_death_over_whatsapp_with_the_village_letter(
    make_channel, settings, database, engine, fake_twilio, tmp_path
):
    _, cadre_contact = await village_cadre(engine, database)
    worker_id = await add_budi(database)
    _, client = await make_channel(settings=replace(settings, media_dir=str(tmp_path / "media")))
    heir = Phone(client, HEIR_PHONE)

    first = await heir.say("bapak saya meninggal kemarin")
    assert first.startswith("Turut berduka cita atas kepergian almarhum/almarhumah.")
    assert first.endswith(ID("claims.death.worker"))
    assert (await heir.say(BUDI_NIK)).startswith("Kami menemukan: Budi (NIK 631002******0001).\nBenar ini orangnya?")
    assert await heir.say("ya") == ID("claims.death.date")
    assert (await heir.say("kemarin")).startswith(ID("claims.death.cause"))
    assert await heir.say("1") == ID("claims.reporter.name")
    assert (await heir.say("Siti Aminah")).startswith(ID("claims.death.relation"))
    assert await heir.say("2") == ID("claims.death.letter")  # WhatsApp vouched for the number: not asked

    url = fake_twilio.add_media("ME9", JPEG, "image/jpeg")
    summary = "\n\n".join(
        await heir.send("", NumMedia="1", MessageType="image", MediaUrl0=url, MediaContentType0="image/jpeg")
    )
    assert summary.startswith("Mohon periksa kembali:\n1. Pekerja: Budi (NIK 631002******0001)\n")
    assert "5. Hubungan: Anak\n6. Surat kematian dari desa: 1 foto diterima" in summary
    assert "Nomor HP" not in summary
    assert await claims_in(database) == []  # nothing opened before the confirmation

    answer = await heir.say("ya")
    assert ID("claims.death.opened", reference="KLM-2026-000001") in answer
    assert "Budi kini tercatat meninggal dunia" in answer
    assert "Santunan kematian (JKM) Rp42.000.000:\n- santunan sekaligus Rp20.000.000" in answer
    assert "☐ Kartu Keluarga" in answer and "Santoso" not in answer

    (claim,) = await claims_in(database)
    assert (claim.reference, claim.kind, claim.match, claim.worker_id) == (
        "KLM-2026-000001",
        "death",
        "confirmed",
        worker_id,
    )
    assert (claim.event_date, claim.cause, claim.reporter_relation, claim.reporter_phone) == (
        YESTERDAY,
        "natural",
        "child",
        HEIR_PHONE,
    )
    assert (await worker_row(database, worker_id)).deceased_on == YESTERDAY

    (document,) = await documents_in(database)
    assert (document.claim_id, document.kind) == (claim.id, "death_letter")
    assert (document.sha256, document.size_bytes) == (hashlib.sha256(JPEG).hexdigest(), len(JPEG))
    assert Path(document.path).read_bytes() == JPEG
    assert Path(document.path).parent == (tmp_path / "media").resolve()
    # Fetched with the account's credentials, which are not carried on to the storage it redirects to.
    fetched = [(f.where, f.media_sid, f.username, f.authorised) for f in fake_twilio.media_fetches]
    assert fetched == [("api", "ME9", settings.twilio_account_sid, True), ("storage", "ME9", None, True)]

    (notice,) = await messages_to(database, cadre_contact)
    assert notice.body.startswith(
        "Laporan kematian KLM-2026-000001: Budi Santoso (REG-6310-000001), Desa Sungai Lembu. "
        "Meninggal 28 November 2026 (Sakit atau meninggal wajar).\n"
        "Pelapor: Siti Aminah (Anak), 0813-5555-0001."
    )
    assert ID("claims.staff.trust.confirmed") in notice.body
