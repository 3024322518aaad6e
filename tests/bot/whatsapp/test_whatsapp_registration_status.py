"""Registration and the status check end to end over WhatsApp: signed form posts in, numbered TwiML out."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from storage import people, workers
from storage.models import Worker
from tests.bot.whatsapp.phone import TWILIO_CLIENT_WARNINGS, Phone
from tests.factories import add_payment, add_staff, add_worker

pytestmark = TWILIO_CLIENT_WARNINGS

CADRE = "+6281234567802"
WORKER = "+6281234567803"
NIK = "6310054508800001"


async def _add_cadre(database) -> None:
    await add_staff(database, CADRE, ("63.10.02.2003",), "Siti Rahmah")


async def test_a_cadre_registers_a_worker_over_whatsapp_and_the_worker_checks_their_status(channel_client, database):
    _channel, client = channel_client
    await _add_cadre(database)
    cadre = Phone(client, CADRE)

    menu = await cadre.say("menu")
    assert "1. Daftarkan pekerja" in menu and "Balas dengan angka 1 sampai 9." in menu
    consent = await cadre.say("1")  # consent first, before any personal data
    assert "Pemberitahuan privasi" in consent and "1. Ya, pekerja setuju" in consent and "2. Tidak setuju" in consent
    assert "Ketik NIK" in await cadre.say("1")
    assert "nama lengkap" in await cadre.say("6310 0545 0880 0001")
    assert "Menurut NIK: 5 Agustus 1980" in await cadre.say("siti aminah")
    sex = await cadre.say("ya")
    assert "1. Perempuan" in sex and "2. Laki-laki" in sex and "Balas 1 atau 2." in sex
    assert "Nomor HP" in await cadre.say("1")
    occupation = await cadre.say("0812-3456-7803")
    assert "1. Petani" in occupation and "12. Lainnya" in occupation
    assert "penghasilan" in await cadre.say("petani")  # the words work as well as the number
    assert "Siapa yang membayar" in await cadre.say("1 juta")
    programmes = await cadre.say("1")
    assert "1. JKK + JKM: Rp16.800 per bulan" in programmes
    assert "ahli waris" in await cadre.say("1")
    summary = await cadre.say("lewati")
    assert "Siti Aminah" in summary and "+6281234567803" in summary and "Rp16.800" in summary
    saved = await cadre.say("ya")
    assert "REG-6310-" in saved and "belum aktif" in saved

    async with database.transaction() as session:
        worker = await session.scalar(select(Worker).where(Worker.nik == NIK))
        assert worker is not None and worker.phone == WORKER and worker.village_code == "63.10.02.2003"

    # The worker writes from the phone the cadre registered: WhatsApp vouches for that number.
    own = Phone(client, WORKER)
    await own.say("menu")
    card = await own.say("status")
    assert "Siti Aminah" in card and "Status: Belum aktif" in card and "iuran pertama" in card

    async with database.transaction() as session:
        found = await workers.find_by_nik(session, NIK)
        assert found is not None
        await add_payment(session, found.id, date.today().replace(day=1), 12, 201_600)
    card = await own.say("status")
    assert "Status: Aktif" in card and "Terlindungi sampai:" in card and "Rp16.800" in card


async def test_a_stranger_over_whatsapp_gives_nik_and_phone_digits_and_sees_only_the_status(channel_client, database):
    _channel, client = channel_client
    await _add_cadre(database)
    async with database.transaction() as session:
        person = await people.find_person_by_phone(session, CADRE)
        assert person is not None
        await add_worker(
            session,
            NIK,
            "Siti Aminah",
            date(1980, 8, 5),
            village="63.10.02.2003",
            phone=WORKER,
            registered_by=person.id,
            consent_at=datetime.now(UTC),
        )
    stranger = Phone(client, "+6281399990000")
    assert "NIK peserta" in await stranger.say("status")
    assert "4 angka terakhir nomor HP" in await stranger.say(NIK)
    answer = await stranger.say(WORKER[-4:])
    assert "631005******0001" in answer and "Belum aktif" in answer
    assert "Siti" not in answer and NIK not in answer
