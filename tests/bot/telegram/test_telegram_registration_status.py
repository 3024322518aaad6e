"""Registration and "Cek status" end to end over Telegram: the real python-telegram-bot client against the loopback
Bot API, with the inline keyboards, the share-my-number keyboard and its removal as the user's app receives them."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.telegram.channel import TelegramChannel
from flows.i18n import Translator
from storage import contacts, people, workers
from storage.database import Database
from storage.models import Worker
from tests.bot.telegram import tg
from tests.bot.telegram.fake_bot_api import FakeBotAPI, Sent
from tests.bot.telegram.harness import FAST, Webhook, polling, settings_for, webhook
from tests.bot.telegram.tg import TelegramUser, joined
from tests.factories import add_payment, add_staff, add_worker, conversation_of

ID = Translator("id")
VILLAGE = "63.10.02.2003"  # Sungai Lembu, Kusan Hilir, Tanah Bumbu
CADRE_PHONE = "+6281200000001"
WORKER_PHONE = "+6281350001234"
SITI = "6310054508800001"  # a woman born 5 August 1980
MASKED_SITI = "631005******0001"

CADRE_CHAT = 8101
WORKER_CHAT = 8201
STRANGER_CHAT = 8301
SOMEONE_ELSE = 8999  # the Telegram user whose contact card the worker forwards first

REMOVE_KEYBOARD = {"remove_keyboard": True}
_update_ids = itertools.count(50_000)


# -- arranging ------------------------------------------------------------------------------------------


async def add_siti(database: Database) -> int:
    """Siti Aminah, registered with her own phone and no payment yet."""
    return await add_worker(
        database, SITI, "Siti Aminah", date(1980, 8, 5), phone=WORKER_PHONE, consent_at=datetime.now(UTC)
    )


async def pay_a_year(database: Database, worker_id: int) -> tuple[date, date]:
    """Twelve months paid from the first of this month; returns (protected until, next due)."""
    today = datetime.now(UTC).date()
    first = today.replace(day=1)
    years, month = divmod(first.month - 1 + 12, 12)
    next_due = date(first.year + years, month + 1, 1)
    assert await add_payment(database, worker_id, first, 12, reference="BR-TG-1")
    return next_due - timedelta(days=1), next_due


# -- reading --------------------------------------------------------------------------------------------


def ends_with(fragment: str) -> Callable[[list[Sent]], bool]:
    """The turn is over once its last message carries this text (free-text prompts have no buttons to wait for)."""
    return lambda messages: bool(messages) and fragment in messages[-1].text


def labels(message: Sent) -> list[str]:
    return [label for label, _ in message.buttons]


async def contact_of(database: Database, chat_id: int):  # type: ignore[no-untyped-def]
    async with database.transaction() as session:
        return await contacts.find_contact(session, "telegram", str(chat_id))


async def position(database: Database, chat_id: int) -> tuple[str | None, str | None]:
    row = await conversation_of(database, "telegram", str(chat_id))
    return row.flow, row.step


def poller(bot_api: FakeBotAPI, chat_id: int) -> TelegramUser:
    async def deliver(update):  # type: ignore[no-untyped-def]
        """Queues the update for the channel's next getUpdates."""
        bot_api.push(update)

    return TelegramUser(bot_api, chat_id, deliver)


def poster(bot_api: FakeBotAPI, hook: Webhook, chat_id: int) -> TelegramUser:
    async def deliver(update):  # type: ignore[no-untyped-def]
        """Posts the update to /telegram/webhook as Telegram would."""
        response = await hook.post(update | {"update_id": next(_update_ids)})
        assert response.status_code == 200

    return TelegramUser(bot_api, chat_id, deliver)


# -- a cadre registers a worker by long polling ---------------------------------------------------------


async def test_a_cadre_registers_siti_aminah_pressing_every_button(bot_api, database, engine):
    await add_staff(database, CADRE_PHONE)
    channel = TelegramChannel(settings_for(bot_api), database, engine, polling=True, limits=FAST)
    async with polling(channel):
        cadre = poller(bot_api, CADRE_CHAT)
        # Her own contact card first: the phone is verified, and it is a cadre's.
        (*_, menu) = await cadre.send(tg.contact(CADRE_CHAT, "0812-0000-0001", owner=CADRE_CHAT))
        assert "Halo, Kader Rina Wati!" in menu.text
        assert "Daftarkan pekerja" in labels(menu)

        # Consent first: the privacy notice, before any personal data is asked.
        opened = await cadre.tap("Daftarkan pekerja", until=ends_with("apakah pekerja sudah mendengar ini"))
        consent = opened[-1]
        assert joined(opened).startswith("Pendaftaran pekerja baru.")
        assert "Pemberitahuan privasi:" in consent.text
        assert labels(consent) == ["Ya, pekerja setuju", "Tidak setuju"]
        (ask_nik,) = await cadre.tap("Ya, pekerja setuju", until=ends_with(ID("register.nik.ask")))
        assert ask_nik.text == "Ketik NIK pekerja (16 angka sesuai KTP)."
        assert ask_nik.reply_markup == REMOVE_KEYBOARD  # free text: no keyboard lingers

        (ask_name,) = await cadre.say(SITI, until=ends_with(ID("register.name.ask")))
        assert ask_name.reply_markup == REMOVE_KEYBOARD
        (ask_birth,) = await cadre.say("siti aminah", until=ends_with("Menurut NIK"))
        assert "Menurut NIK: 5 Agustus 1980." in ask_birth.text and ask_birth.reply_markup == REMOVE_KEYBOARD

        (ask_sex,) = await cadre.say("ya")
        assert ask_sex.text == "Jenis kelamin pekerja? (menurut NIK: Perempuan)"
        assert tg.answers(ask_sex) == [("Perempuan", "F"), ("Laki-laki", "M")]
        (ask_phone,) = await cadre.tap("Perempuan", until=ends_with(ID("register.phone.ask")))
        assert ask_phone.reply_markup == REMOVE_KEYBOARD

        (ask_occupation,) = await cadre.say("0813 5000 1234")
        assert ask_occupation.text == "Apa pekerjaan utamanya?"
        assert labels(ask_occupation)[:3] == ["Petani", "Buruh tani", "Nelayan"]
        assert labels(ask_occupation)[-1] == "Lainnya" and len(ask_occupation.buttons) == 12
        (ask_income,) = await cadre.tap("Petani", until=ends_with("Berapa perkiraan penghasilan"))
        assert "antara Rp1.000.000 dan Rp20.700.000" in ask_income.text
        assert ask_income.reply_markup == REMOVE_KEYBOARD

        (ask_payer,) = await cadre.say("1jt")
        assert labels(ask_payer) == ["Desa (APBDes)", "Pekerja sendiri", "Donatur / pihak lain"]
        (ask_programmes,) = await cadre.tap("Desa (APBDes)")
        assert ask_programmes.text.startswith("Penghasilan dicatat Rp1.000.000. Pilih program:")
        assert tg.answers(ask_programmes) == [
            ("JKK + JKM: Rp16.800 per bulan", "JKK,JKM"),
            ("JKK + JKM + JHT: Rp36.800 per bulan", "JKK,JKM,JHT"),
        ]
        (ask_heir,) = await cadre.tap("JKK + JKM: Rp16.800 per bulan", until=ends_with(ID("register.heir.ask")))
        assert ask_heir.reply_markup == REMOVE_KEYBOARD

        (summary,) = await cadre.say("lewati")
        assert summary.text.startswith("Mohon periksa kembali:")
        for line in (
            "1. NIK: 6310054508800001",
            "2. Nama: Siti Aminah",
            "3. Tanggal lahir: 5 Agustus 1980",
            "4. Jenis kelamin: Perempuan",
            "5. No. HP: +6281350001234",
            "6. Pekerjaan: Petani",
            "7. Penghasilan per bulan: Rp1.000.000",
            "8. Pembayar iuran: Desa (APBDes)",
            "9. Program: JKK + JKM: Rp16.800 per bulan",
            "10. Ahli waris: tidak ada",
        ):
            assert line in summary.text.splitlines(), line
        assert labels(summary) == ["Ya, simpan", "Batal"]
        async with database.transaction() as session:
            assert await workers.find_by_nik(session, SITI) is None  # nothing is stored before "Ya, simpan"

        # "Saved" and the menu arrive as one message, with the menu's buttons.
        (saved,) = await cadre.tap("Ya, simpan")
        number = re.search(r"REG-6310-\d{6}", saved.text)
        assert number is not None, saved.text
        assert saved.text.startswith(
            f"Tersimpan. Siti Aminah terdaftar dengan nomor registrasi {number.group()}.\n"
            "Status: belum aktif - menunggu iuran pertama (Rp16.800 per bulan).\n\n"
        )
        assert "Halo, Kader Rina Wati!" in saved.text and saved.buttons

    assert len(bot_api.callback_answers) == 7  # every one of the 7 presses stopped its button's spinner
    async with database.transaction() as session:
        (worker,) = list(await session.scalars(select(Worker)))
        cadre_person = await people.staff_by_phone(session, CADRE_PHONE)
    assert cadre_person is not None
    assert (worker.nik, worker.name, worker.birth_date, worker.sex) == (SITI, "Siti Aminah", date(1980, 8, 5), "F")
    assert (worker.phone, worker.occupation, worker.segment, worker.declared_income) == (
        WORKER_PHONE,
        "petani",
        "BPU",
        1_000_000,
    )
    assert (worker.programmes, worker.payer, worker.heir_name, worker.village_code) == (
        "JKK,JKM",
        "village",
        None,
        VILLAGE,
    )
    assert worker.registration_number == number.group()
    assert worker.registered_by == cadre_person.person_id


# -- a worker links her phone and sees her card, over the webhook ---------------------------------------


async def test_a_worker_links_her_own_contact_not_someone_elses_and_sees_her_card(bot_api, database, engine):
    siti_id = await add_siti(database)
    async with webhook(bot_api, database, engine) as hook:
        siti = poster(bot_api, hook, WORKER_CHAT)

        (ask_nik,) = await siti.say("status")
        assert ask_nik.text == ID("status.check.nik")
        assert ask_nik.keyboard[0] == {"text": "Bagikan nomor saya", "request_contact": True}
        assert ask_nik.reply_markup is not None and ask_nik.reply_markup["one_time_keyboard"] is True

        # Someone else's card carrying her number: nothing is linked, and the NIK is still asked.
        # The refusal and the question again arrive as one message, with the share-my-number keyboard.
        (again,) = await siti.send(tg.contact(WORKER_CHAT, "0813-5000-1234", owner=SOMEONE_ELSE))
        assert again.text.startswith("NIK harus 16 angka")
        assert again.text.endswith(ID("status.check.nik")) and again.keyboard[0]["request_contact"] is True
        assert (await contact_of(database, WORKER_CHAT)).phone is None
        assert await position(database, WORKER_CHAT) == ("status_check", "nik")
        assert "Siti Aminah" not in joined(bot_api.to(WORKER_CHAT))

        # Her own card: the phone is linked and the status conversation starts over, now knowing her.
        linked = await siti.send(tg.contact(WORKER_CHAT, "0813-5000-1234", owner=WORKER_CHAT))
        assert linked[0].text.startswith(ID("common.phone_linked"))
        # One message: "linked", her card and the menu, each a paragraph of it.
        paragraphs = "\n\n".join(m.text for m in linked).split("\n\n")
        card = next(p for p in paragraphs if p.startswith("Siti Aminah (REG-6310-"))
        assert card.splitlines()[1:] == [
            f"NIK: {SITI}",
            "Status: Belum aktif",
            "Perlindungan mulai setelah iuran pertama dibayar.",
            "Program: JKK + JKM",
            ID("status.card.no_cadre"),  # no cadre serves her village here: the card names 175 instead
        ]
        assert "Silakan pilih layanan" in linked[-1].text and linked[-1].buttons  # back at the menu
        assert (await contact_of(database, WORKER_CHAT)).phone == WORKER_PHONE

        # A year paid: "Cek status" from the menu button shows her protection, no NIK asked.
        until, next_due = await pay_a_year(database, siti_id)
        after = await siti.tap("Cek status kepesertaan")
        card = after[0].text
        assert card.splitlines()[2:5] == [
            "Status: Aktif",
            f"Terlindungi sampai: {ID.date(until)}",
            f"Iuran berikutnya: {ID.date(next_due)}, Rp16.800",
        ]
        assert ID("status.check.nik") not in joined(after)


# -- a stranger checks by NIK and phone digits, over the webhook ----------------------------------------


async def test_a_stranger_with_nik_and_phone_digits_sees_only_the_masked_nik_and_status(bot_api, database, engine):
    siti_id = await add_siti(database)
    until, _ = await pay_a_year(database, siti_id)
    async with webhook(bot_api, database, engine) as hook:
        stranger = poster(bot_api, hook, STRANGER_CHAT)
        await stranger.say("/start")
        (ask_nik,) = await stranger.tap("Cek status kepesertaan")
        assert ask_nik.text == ID("status.check.nik") and ask_nik.keyboard[0]["request_contact"] is True

        (ask_second,) = await stranger.say("6310 0545 0880 0001", until=ends_with(ID("status.check.second")))
        assert ask_second.reply_markup == REMOVE_KEYBOARD  # the share-my-number keyboard goes away
        answer = await stranger.say(WORKER_PHONE[-4:])  # the last 4 digits of her registered phone

    # The answer and the menu after it arrive as one message.
    assert answer[0].text.startswith(f"Peserta dengan NIK {MASKED_SITI}: Aktif, terlindungi sampai {ID.date(until)}.")
    assert "Silakan pilih layanan" in answer[-1].text
    told = joined(bot_api.to(STRANGER_CHAT))
    # (The question shows an example registration number; hers is never told.)
    for secret in (SITI, "Siti", "Aminah", f"REG-6310-{siti_id:06d}", "Rp16.800", "Iuran berikutnya"):
        assert secret not in told, secret
    assert (await contact_of(database, STRANGER_CHAT)).phone is None
