""" "Batalkan pembayaran" read as conversations: a cadre voids a payment recorded by mistake, with a reason, within
PAYMENT_VOID_DAYS; the audit row is the CLI's payment.voided; the card no longer counts the months. Only the workers
of the cadre's villages, only chat payments for a cadre (imports are an admin's), never for workers or strangers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from flows.engine import Engine
from flows.flow_options import FlowOptions
from flows.model import Flow, Outcome
from flows.registry import default_registry
from flows.turn import Media
from flows.void_payment import VOID_PAYMENT
from storage import audit, payments
from storage.database import Database
from storage.models import Payment
from tests import factories
from tests.chat import Chat
from tests.factories import add_staff

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
VILLAGE = "63.10.02.2003"  # Sungai Lembu
OTHER_VILLAGE = "62.08.01.2001"  # Natai Sedawak
CADRE_PHONE = "+6281200000001"
OTHER_CADRE_PHONE = "+6281200000002"
ADMIN_PHONE = "+6281200000009"
WORKER_PHONE = "+6281350001234"
SITI = "6310054508800001"
ASK_REASON = (
    "Kenapa pembayaran ini dibatalkan? Ketik alasannya, misalnya: salah pekerja, salah jumlah, tercatat dua kali. "
    "Alasan disimpan di catatan audit."
)


def engine_of(database: Database, days: int = 30) -> Engine:
    return Engine(database, default_registry(FlowOptions(payment_void_days=days)), clock=lambda: NOW)


async def arrange(database: Database) -> dict[str, int]:
    """A cadre, Siti paid through January 2027 in two chat payments (Oct–Nov, then Dec–Jan, receipt BR-12)."""
    ids = {"cadre": await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")}
    ids["siti"] = await factories.add_worker(database, SITI, "Siti Aminah", date(1980, 8, 5), phone=WORKER_PHONE)
    await factories.add_payment(database, ids["siti"], date(2026, 10, 1), 2, source=payments.CADRE, reference="KW-1")
    await factories.add_payment(database, ids["siti"], date(2026, 12, 1), 2, source=payments.CADRE, reference="BR-12")
    return ids


async def stored(database: Database) -> list[Payment]:
    async with database.transaction() as session:
        return list(await session.scalars(select(Payment).order_by(Payment.id)))


async def cadre_chat(database: Database, phone: str = CADRE_PHONE, days: int = 30) -> Chat:
    return Chat(engine_of(database, days), f"tg-{phone}", channel="telegram", phone=phone)


async def test_a_cadre_voids_a_payment_with_a_reason_and_the_card_no_longer_counts_its_months(database):
    ids = await arrange(database)
    chat = await cadre_chat(database)

    assert await chat.say("batalkan pembayaran") == (
        "Membatalkan pembayaran yang salah catat: bulan-bulannya akan dihitung belum dibayar lagi.\n\n"
        "Ketik NIK atau nama pekerja."
    )
    choices = await chat.say("siti")
    assert choices.splitlines()[:4] == [
        "Pembayaran Siti Aminah mana yang dibatalkan? (yang dicatat dalam 30 hari terakhir)",
        "",
        "1. Des 2026 – Jan 2027, Rp33.600, ref BR-12",
        "2. Okt 2026 – Nov 2026, Rp33.600, ref KW-1",
    ]
    assert await chat.say("1") == ASK_REASON
    summary = await chat.say("salah bulan, dobel dengan kwitansi lain")
    assert summary.startswith(
        "Mohon periksa kembali:\n"
        "1. Pembayaran: Siti Aminah: Des 2026 – Jan 2027, Rp33.600, ref BR-12\n"
        "2. Alasan: salah bulan, dobel dengan kwitansi lain\n"
    )
    assert all(p.voided_at is None for p in await stored(database))

    saved = await chat.say("ya")
    voided, card = saved.split("\n\n")[:2]
    assert voided == (
        "Dibatalkan: pembayaran Siti Aminah Des 2026 – Jan 2027, Rp33.600, ref BR-12. Bulan-bulannya dihitung "
        "belum dibayar lagi; pembatalan tercatat di catatan audit."
    )
    assert "Status: Aktif" in card and "Terlindungi sampai: 30 November 2026" in card
    assert "Januari 2027" not in card
    kept, gone = await stored(database)
    assert (kept.reference, kept.voided_at) == ("KW-1", None)
    assert (gone.reference, gone.void_reason, gone.voided_by) == (
        "BR-12",
        "salah bulan, dobel dengan kwitansi lain",
        ids["cadre"],
    )

    async with database.transaction() as session:
        (event,) = await audit.events(session, "payment.voided")
    assert (event.actor_person_id, event.subject_type, event.subject_id) == (ids["cadre"], "worker", str(ids["siti"]))
    # The details are those `kader payments void` writes (tests/bot/test_payments_void.py).
    assert event.details == {
        "payment_id": gone.id,
        "worker_id": ids["siti"],
        "reason": "salah bulan, dobel dengan kwitansi lain",
        "actor": ids["cadre"],
        "reference": "BR-12",
        "source": "cadre",
        "first_month": "2026-12-01",
        "months": 2,
        "amount": 33_600,
    }

    # The worker's own card says the same.
    card = await Chat(engine_of(database), WORKER_PHONE, phone=WORKER_PHONE).say("status")
    assert "Terlindungi sampai: 30 November 2026" in card

    # The voided payment is no longer offered; the other one still is.
    await chat.say("batal bayar")
    again = await chat.say(SITI)
    assert "ref BR-12" not in again and "1. Okt 2026 – Nov 2026, Rp33.600, ref KW-1" in again


async def test_a_payment_older_than_the_period_is_not_offered_and_the_period_is_a_setting(database):
    ids = await arrange(database)
    old = NOW - timedelta(days=31)
    async with database.transaction() as session:
        await session.execute(update(Payment).where(Payment.reference == "KW-1").values(recorded_at=old))
    chat = await cadre_chat(database)
    await chat.say("batal bayar")
    choices = await chat.say("siti")
    assert "ref BR-12" in choices and "KW-1" not in choices
    await chat.say("menu")

    async with database.transaction() as session:
        await session.execute(update(Payment).values(recorded_at=old))
    await chat.say("batalkan pembayaran")
    assert (await chat.say("siti")).startswith(
        "Tidak ada pembayaran Siti Aminah yang bisa dibatalkan: hanya pembayaran yang dicatat dalam 30 hari terakhir "
        "dan belum dibatalkan."
    )
    # Ended at once: the menu follows.
    assert "Lapor kecelakaan kerja (JKK)" in chat.render(chat.last)

    # With PAYMENT_VOID_DAYS at 60, the same payments are offered again.
    longer = Chat(engine_of(database, 60), "tg-longer", channel="telegram", phone=CADRE_PHONE)
    await longer.say("batalkan pembayaran")
    assert "dalam 60 hari terakhir" in await longer.say("siti")
    assert all(p.voided_at is None for p in await stored(database))
    assert ids


async def test_the_period_passing_before_the_confirmation_voids_nothing(database):
    await arrange(database)
    chat = await cadre_chat(database)
    await chat.say("batalkan pembayaran")
    await chat.say("siti")
    await chat.say("1")
    await chat.say("salah pekerja")
    async with database.transaction() as session:
        await session.execute(update(Payment).values(recorded_at=NOW - timedelta(days=40)))
    assert (await chat.say("ya")).startswith(
        "Pembayaran itu sekarang sudah lebih dari 30 hari sejak dicatat, jadi tidak bisa dibatalkan lagi."
    )
    assert all(p.voided_at is None for p in await stored(database))


def engine_with_card_button(database: Database, worker_id: int) -> Engine:
    """An engine where "kartu" opens "void_payment" as the worker card's button does: {"query": {"id": worker_id}}."""
    registry = default_registry(FlowOptions())

    async def carry(ctx: object) -> Outcome:
        return Outcome(then=VOID_PAYMENT, carry={"query": {"id": worker_id}})

    registry.add(Flow(name="card_button", title="menu.title", steps=(), complete=carry), "kartu")
    return Engine(database, registry, clock=lambda: NOW)


async def test_a_cadre_of_another_village_cannot_void(database):
    ids = await arrange(database)
    await add_staff(database, OTHER_CADRE_PHONE, (OTHER_VILLAGE,), "Sari")
    chat = await cadre_chat(database, OTHER_CADRE_PHONE)
    await chat.say("batalkan pembayaran")
    assert (await chat.say(SITI)).startswith("Pekerja itu tidak ditemukan di desa Anda.")
    # Even with the worker carried from elsewhere (a card's button), the village is checked again.
    other = Chat(
        engine_with_card_button(database, ids["siti"]), "tg-carry", channel="telegram", phone=OTHER_CADRE_PHONE
    )
    answer = await other.say("kartu")
    assert answer.startswith("Membatalkan pembayaran yang salah catat")
    assert "Pekerja itu bukan pekerja desa Anda, jadi pembayarannya tidak bisa Anda batalkan." in answer
    assert all(p.voided_at is None for p in await stored(database))


async def test_a_carried_worker_skips_the_question(database):
    ids = await arrange(database)
    chat = Chat(engine_with_card_button(database, ids["siti"]), "tg-card", channel="telegram", phone=CADRE_PHONE)
    answer = await chat.say("kartu")
    assert "Ketik NIK atau nama pekerja." not in answer
    assert "Pembayaran Siti Aminah mana yang dibatalkan? (yang dicatat dalam 30 hari terakhir)" in answer
    assert await chat.say("2") == ASK_REASON


@pytest.mark.parametrize("phone", [WORKER_PHONE, "+6281399990000"])
async def test_a_worker_or_a_stranger_cannot_void(database, phone):
    await arrange(database)
    chat = Chat(engine_of(database), f"wa-{phone}", channel="whatsapp", phone=phone)
    answer = await chat.say("batalkan pembayaran")
    assert answer.startswith("Pembatalan pembayaran hanya untuk kader desa dan admin.")
    await chat.say("siti")
    assert all(p.voided_at is None for p in await stored(database))


async def test_an_imported_payment_is_voided_by_an_admin_not_by_a_cadre(database):
    ids = await arrange(database)
    await factories.add_payment(database, ids["siti"], date(2027, 2, 1), 1, reference="BRANCH-7")  # an import
    chat = await cadre_chat(database)
    await chat.say("batalkan pembayaran")
    choices = await chat.say("siti")
    assert choices.startswith("1 pembayaran dari file kantor cabang hanya bisa dibatalkan admin.\nPembayaran Siti")
    assert "BRANCH-7" not in choices

    admin = await add_staff(database, ADMIN_PHONE, (), "Admin Kabupaten", admin=True)
    boss = Chat(engine_of(database), "tg-admin", channel="telegram", phone=ADMIN_PHONE)
    await boss.say("void payment")
    choices = await boss.say(SITI)
    assert "1. Feb 2027, Rp16.800, ref BRANCH-7 (file kantor cabang)" in choices
    await boss.say("1")
    await boss.say("dobel dengan file bulan lalu")
    assert (await boss.say("ya")).startswith(
        "Dibatalkan: pembayaran Siti Aminah Feb 2027, Rp16.800, ref BRANCH-7 (file kantor cabang)."
    )
    async with database.transaction() as session:
        (event,) = await audit.events(session, "payment.voided")
    assert (event.details["source"], event.details["actor"]) == ("import", admin)


async def test_no_reason_or_an_unreadable_one_asks_again_and_keeps_the_step(database):
    await arrange(database)
    chat = await cadre_chat(database)
    await chat.say("batalkan pembayaran")
    await chat.say("siti")
    await chat.say("1")
    for text in ("ya", "🙏🙏", "12345"):
        answer = await chat.say(text)
        assert answer.endswith(ASK_REASON), text
    assert (await chat.say("x" * 5_000)).startswith("Pesan Anda terlalu panjang")
    assert (await chat.say("a " * 300)).startswith(
        "Alasan itu tidak bisa saya simpan. Ketik alasannya dengan kata-kata, 2 sampai 500 huruf."
    )
    voice = await chat.send(None, media=(Media(ref="file-1", content_type="audio/ogg"),))
    assert chat.render(voice).startswith("Maaf, saya hanya bisa membaca pesan teks.")
    assert chat.render(voice).endswith(ASK_REASON)
    personal = await chat.say(f"salah NIK {SITI}")
    assert personal.startswith("Alasan tidak boleh memuat NIK, nama, nomor HP atau tanggal lahir pekerja")
    assert (await chat.say("salah pekerja")).startswith("Mohon periksa kembali:")
    assert all(p.voided_at is None for p in await stored(database))


async def test_batal_still_cancels_and_batalkan_pembayaran_opens_the_void(database):
    await arrange(database)
    chat = await cadre_chat(database)
    await chat.say("batalkan pembayaran")
    await chat.say("siti")
    await chat.say("1")
    assert (await chat.say("batal")).startswith("Dibatalkan. Tidak ada yang disimpan.")
    assert all(p.voided_at is None for p in await stored(database))
    assert (await chat.say("batal")).startswith("Tidak ada yang sedang berjalan.")
    assert (await chat.say("batalkan")).startswith("Tidak ada yang sedang berjalan.")
    # Inside another form, the phrase asks whether to leave it for the void.
    await chat.say("bayar")
    leave = await chat.say("tolong batalkan pembayaran siti")
    assert leave.startswith("Tinggalkan isian ini dan buka Batalkan pembayaran?")
    # A reason that mentions paying is an answer, not a request for "Catat pembayaran".
    await chat.say("ya")
    await chat.say("siti")
    await chat.say("1")
    assert (await chat.say("sudah bayar lewat desa, salah catat")).startswith("Mohon periksa kembali:")


async def test_the_conversation_in_english(database):
    await arrange(database)
    chat = await cadre_chat(database)
    await chat.say("bahasa")
    await chat.say("English")
    await chat.say("void payment")
    choices = await chat.say("siti")
    assert choices.splitlines()[0] == "Which payment of Siti Aminah should be voided? (recorded in the last 30 days)"
    assert "1. Dec 2026 – Jan 2027, Rp33,600, ref BR-12" in choices
    assert (await chat.say("1")).startswith("Why is this payment voided?")
    await chat.say("wrong worker")
    saved = await chat.say("yes")
    assert saved.startswith("Voided: Siti Aminah's payment Dec 2026 – Jan 2027, Rp33,600, ref BR-12.")
    assert "Protected until: 30 November 2026" in saved


async def test_after_a_void_leaves_a_gap_a_payment_fills_it_and_never_pays_a_month_twice(database):
    ids = await arrange(database)
    await factories.add_payment(database, ids["siti"], date(2027, 2, 1), 2, source=payments.CADRE, reference="KW-3")
    chat = await cadre_chat(database)
    await chat.say("batalkan pembayaran")
    await chat.say("siti")
    assert "2. Des 2026 – Jan 2027, Rp33.600, ref BR-12" in chat.render(chat.last)
    await chat.say("2")
    await chat.say("salah bulan")
    await chat.say("ya")  # October, November, then February and March paid: December and January are open

    await chat.say("bayar")
    months = await chat.say("siti")
    assert months.splitlines()[:5] == [
        "Februari 2027 sudah dibayar, jadi mulai Desember 2026 bisa dibayar paling banyak 2 bulan.",
        "Berapa bulan iuran yang dibayar untuk Siti Aminah, mulai Desember 2026? Balas 1, 3, 6 atau 12.",
        "",
        "- 1 bulan: Rp16.800",
        "- 2 bulan: Rp33.600",
    ]
    assert "3 bulan" not in months
    refused = await chat.say("setahun")
    assert refused.startswith(
        "Februari 2027 sudah dibayar, jadi mulai Desember 2026 bisa dibayar paling banyak 2 bulan."
    )
    assert (await chat.say("2")).startswith("Iuran 2 bulan untuk Siti Aminah: Rp33.600.")
    # More money than the open months cost: the rest is a note, never February paid twice.
    settle = await chat.say("100.000")
    assert settle.startswith("Jumlah Rp100.000 berbeda dari iuran Rp33.600. Lebihnya Rp66.400 disimpan sebagai catatan")
    await chat.say("1")
    await chat.say("KW-4")
    await chat.say("ya")
    live = [(p.first_month, p.months) for p in await stored(database) if p.voided_at is None]
    assert sorted(live) == [(date(2026, 10, 1), 2), (date(2026, 12, 1), 2), (date(2027, 2, 1), 2)]


def test_the_void_period_comes_from_the_settings():
    from bot.runtime import flow_options
    from bot.settings import Settings

    assert flow_options(Settings.from_env({"PAYMENT_VOID_DAYS": "7"})).payment_void_days == 7
    assert FlowOptions().payment_void_days == Settings().payment_void_days == 30
