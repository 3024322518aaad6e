"""An accident reported end to end over WhatsApp, with a photo fetched from Twilio into the media store and kept
with the case; the reporter's number is the one WhatsApp vouches for, so it is not asked."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flows.engine import Engine
from flows.registry import default_registry
from tests.bot.whatsapp.phone import TWILIO_CLIENT_WARNINGS, Phone
from tests.flows.claim_arrange import BUDI_NIK, add_budi, claims_in, documents_in

pytestmark = TWILIO_CLIENT_WARNINGS

NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)  # 11.00 WITA in Sungai Lembu
FAMILY = "+6281234567811"
JPEG = b"\xff\xd8\xff\xe1\x00\x18Exif\x00\x00" + bytes(range(256)) * 64 + b"\xff\xd9"


@pytest.fixture
def engine(database) -> Engine:
    return Engine(database, default_registry(), clock=lambda: NOW)


async def test_a_family_reports_an_accident_over_whatsapp_with_a_photo(
    make_channel, settings, database, fake_twilio, tmp_path
):
    await add_budi(database)
    _, client = await make_channel(settings=replace(settings, media_dir=str(tmp_path / "media")))
    family = Phone(client, FAMILY)
    first = await family.say("suami saya kecelakaan kerja")
    assert first.startswith("Semoga lekas pulih.") and "1. Saya sendiri (pekerja)" in first
    assert "NIK (16 angka)" in await family.say("2")
    assert "Kami menemukan: Budi (NIK 631002******0001)." in await family.say(BUDI_NIK)
    for typed in ("1", "kemarin jam 3 sore", "sawah", "jatuh dari pematang saat panen", "1", "2", "kaki bengkak"):
        await family.say(typed)
    await family.say("belum")
    await family.say("lewati")
    assert "kirim foto" in await family.say("Siti Aminah")  # WhatsApp vouched for the number: not asked
    url = fake_twilio.add_media("ME7", JPEG, "image/jpeg")
    summary = "\n\n".join(
        await family.send("", NumMedia="1", MessageType="image", MediaUrl0=url, MediaContentType0="image/jpeg")
    )
    assert "Foto: 1 foto diterima" in summary and "Nomor HP" not in summary
    answer = await family.say("ya")
    assert "KLM-2026-000001" in answer
    assert "30 November 2026 pukul 15.00 WITA, sisa 28 jam 0 menit" in answer

    (claim,) = await claims_in(database)
    assert (claim.kind, claim.reporter_phone, claim.reporter_relation) == ("accident", FAMILY, "family")
    (document,) = await documents_in(database)
    assert (document.kind, document.sha256) == ("accident_photo", hashlib.sha256(JPEG).hexdigest())
    assert Path(document.path).read_bytes() == JPEG
