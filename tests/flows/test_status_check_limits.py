"""A stranger's status check, guarded: 5 misses a day per NIK from every contact and channel together, 5 misses an
hour per contact, an overall cap on all strangers' checks in an hour (`FlowOptions.stranger_checks_per_hour`), the
same words for every block whether the NIK is registered or not, and a notice to the worker whose status was seen."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from flows.engine import Engine
from flows.flow_options import FlowOptions
from flows.lookup_limits import nik_key
from flows.registry import default_registry
from storage import audit, contacts, outbox
from storage.database import Database
from storage.models import OutboundMessage
from tests.chat import Chat
from tests.factories import Clock, add_staff, add_worker

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)  # 18:00 WITA in Tanah Bumbu
VILLAGE = "63.10.02.2003"
WORKER_PHONE = "+6281350001234"
CADRE_PHONE = "+6281200000001"
SITI = "6310054508800001"
RAHMAH = "6310056104900003"
UNREGISTERED = "6310054508800002"  # a valid NIK nobody registered
MASKED_SITI = "631005******0001"
SITI_STATUS = f"Peserta dengan NIK {MASKED_SITI}: Aktif, terlindungi sampai 31 Desember 2026."
ASK_NIK = "Ketik NIK peserta yang ingin dicek (16 angka), atau nomor kartu peserta KPJ-nya (11 angka)."
ASK_SECOND = "Sekarang ketik satu data lain peserta, yang tidak tertulis di NIK."
REGISTER_ONLY = (
    "Layanan ini hanya memeriksa daftar program desa sendiri, bukan data BPJS Ketenagakerjaan. Untuk memastikan "
    "kepesertaan resmi, cek aplikasi JMO (Jamsostek Mobile) atau hubungi BPJS Ketenagakerjaan di 175."
)
NO_MATCH = (
    "NIK dan data itu tidak cocok dengan peserta mana pun di daftar program desa. Periksa lagi lalu coba kembali.\n"
    + REGISTER_ONLY
)
WAIT = (
    "Saat ini terlalu banyak percobaan cek status. Demi keamanan data peserta, mohon coba lagi dalam {}. Bila "
    "mendesak, tanyakan kepada kader desa peserta atau BPJS Ketenagakerjaan di 175."
)
YEAR_2026 = [(date(2026, 1, 1), 12)]


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def engine(database: Database, clock: Clock) -> Engine:
    return Engine(database, default_registry(), clock=clock)


async def siti(database: Database, name: str = "Siti Aminah", phone: str | None = WORKER_PHONE) -> int:
    return await add_worker(database, SITI, name, date(1980, 8, 5), phone=phone, paid=YEAR_2026)


async def check(chat: Chat, nik: str, detail: str) -> str:
    """One status check by NIK and a detail typed at once, from the menu; the reply before the menu."""
    asked = await chat.say("status")
    if asked != ASK_NIK:
        return asked.split("\n\n")[0]
    second = await chat.say(nik)
    if not second.startswith(ASK_SECOND):
        return second.split("\n\n")[0]
    return (await chat.say(detail)).split("\n\n")[0]


def strangers(engine: Engine) -> tuple[Chat, Chat, Chat]:
    """Three people guessing from three channels and addresses."""
    return (
        Chat(engine, "tg-501", channel="telegram"),
        Chat(engine, "whatsapp:+6281399990001", channel="whatsapp", phone="+6281399990001"),
        Chat(engine, "+6281399990002", channel="console", phone="+6281399990002"),
    )


async def audit_rows(database: Database, action: str) -> list:
    async with database.transaction() as session:
        return await audit.events(session, action)


# -- per NIK: 5 misses a day, whoever guesses ----------------------------------------------------------


async def test_guesses_from_three_contacts_reach_the_nik_limit_and_the_sixth_try_waits_even_when_right(
    engine, database, clock
):
    await siti(database)
    await add_worker(database, RAHMAH, "Siti Rahmah", date(1990, 4, 21), phone="+6281350005678", paid=YEAR_2026)
    telegram, whatsapp, console = strangers(engine)

    guesses = [
        (telegram, "0000"),
        (telegram, "1111"),
        (whatsapp, "2222"),
        (whatsapp, "REG-6310-000009"),
        (console, "3333"),
    ]
    for minute, (chat, detail) in enumerate(guesses):
        clock.now = NOW + timedelta(minutes=minute)
        answer = await check(chat, SITI, detail)
        # No contact reaches its own limit; the fifth miss on the NIK reaches the NIK's, and says so.
        assert answer == (NO_MATCH if minute < 4 else WAIT.format("24 jam") + "\n" + REGISTER_ONLY)
    misses = await audit_rows(database, "status_lookup_failed")
    assert len({row.actor_contact_id for row in misses}) == 3
    assert {(row.subject_type, row.subject_id) for row in misses} == {("nik_hash", nik_key(SITI))}

    # The sixth try, with the right detail: refused as soon as the NIK is typed, nothing looked up.
    clock.now = NOW + timedelta(minutes=5)
    assert await console.say("status") == ASK_NIK
    assert (await console.say(SITI)).split("\n\n")[0] == WAIT.format("24 jam")
    assert MASKED_SITI not in await console.say("1234")

    # Anyone else, later that day, with the right detail: the same.
    newcomer = Chat(engine, "tg-777", channel="telegram")
    clock.now = NOW + timedelta(hours=10)
    assert await check(newcomer, SITI, "1234") == WAIT.format("14 jam")
    # Only that NIK waits: another participant can be checked.
    assert (await check(newcomer, RAHMAH, "5678")).endswith("Aktif, terlindungi sampai 31 Desember 2026.")

    # A day after the first miss only four are left in the window: the right pair works again.
    clock.now = NOW + timedelta(hours=24, seconds=1)
    assert await check(newcomer, SITI, "1234") == SITI_STATUS
    assert len(await audit_rows(database, "status_lookup_failed")) == 5
    blocked = await audit_rows(database, "status_lookup_blocked")
    assert [row.details["limits"] for row in blocked] == [["nik"], ["nik"]]
    assert all(row.subject_id == nik_key(SITI) for row in blocked)


async def test_a_nik_block_says_the_same_words_for_a_registered_nik_and_an_unknown_one(engine, database, clock):
    await siti(database)
    guessers = strangers(engine)
    answers = {}
    for nik in (SITI, UNREGISTERED):
        answers[nik] = [await check(guessers[n % 3], nik, f"000{n}") for n in range(5)]
    assert answers[SITI] == answers[UNREGISTERED] == [NO_MATCH] * 4 + [WAIT.format("24 jam") + "\n" + REGISTER_ONLY]

    clock.now = NOW + timedelta(minutes=20)
    registered = Chat(engine, "tg-801", channel="telegram")
    unknown = Chat(engine, "tg-802", channel="telegram")
    for chat, nik in ((registered, SITI), (unknown, UNREGISTERED)):
        assert await chat.say("status") == ASK_NIK
        await chat.say(nik)
    assert [r.text for r in registered.last] == [r.text for r in unknown.last]
    assert registered.last[0].text == WAIT.format("24 jam")


async def test_the_nik_limit_and_the_contact_limit_say_the_same_words(engine, database, clock):
    await siti(database)
    guessers = strangers(engine)
    for n in range(5):  # one contact, five different NIKs: that contact's own limit
        await check(guessers[0], f"63100545088000{n + 3:02d}", "1234")
    for n in range(5):  # five misses on one NIK from the two others
        await check(guessers[1 + n % 2], SITI, f"000{n}")

    contact_block = await check(guessers[0], SITI, "1234")
    nik_block = await check(Chat(engine, "tg-900", channel="telegram"), SITI, "1234")
    assert contact_block == WAIT.format("60 menit") and nik_block == WAIT.format("24 jam")
    assert contact_block.replace("60 menit", "") == nik_block.replace("24 jam", "")
    blocked = await audit_rows(database, "status_lookup_blocked")
    assert [row.details["limits"] for row in blocked] == [["contact"], ["nik"]]


async def test_the_nik_is_never_stored_only_its_keyed_hash(engine, database):
    await siti(database)
    telegram, _, _ = strangers(engine)
    await check(telegram, SITI, "0000")
    await check(telegram, UNREGISTERED, "0000")
    rows = await audit_rows(database, "status_lookup_failed")
    assert [row.subject_id for row in rows] == [nik_key(SITI), nik_key(UNREGISTERED)]
    assert len(nik_key(SITI)) == 40 and nik_key(SITI) != nik_key(UNREGISTERED)
    stored = repr([(row.subject_id, row.details, row.note) for row in rows])
    assert SITI not in stored and UNREGISTERED not in stored


# -- overall: all strangers' checks in an hour -----------------------------------------------------


async def test_the_overall_cap_stops_every_stranger_but_not_workers_or_cadres(database, clock):
    engine = Engine(database, default_registry(FlowOptions(stranger_checks_per_hour=3)), clock=clock)
    await siti(database)
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    first, second, third = strangers(engine)
    assert await check(first, SITI, "1234") == SITI_STATUS
    assert await check(second, SITI, "9999") == NO_MATCH
    # The third check reaches the cap: a miss then says to wait, with the same words as any other block.
    assert await check(third, UNREGISTERED, "1234") == WAIT.format("60 menit") + "\n" + REGISTER_ONLY

    clock.now = NOW + timedelta(minutes=15)
    fourth = Chat(engine, "tg-404", channel="telegram")
    assert await check(fourth, SITI, "1234") == WAIT.format("45 menit")
    blocked = await audit_rows(database, "status_lookup_blocked")
    assert [row.details["limits"] for row in blocked] == [["overall"]]

    # The worker on her own phone and a cadre are not strangers: the cap does not apply to them.
    own = await Chat(engine, WORKER_PHONE, phone=WORKER_PHONE).say("status")
    assert own.startswith("Siti Aminah (REG-6310-000001)")
    cadre = Chat(engine, "tg-1", channel="telegram", phone=CADRE_PHONE)
    await cadre.say("status")
    await cadre.say("1")
    assert (await cadre.say(SITI)).startswith("Siti Aminah (REG-6310-000001)")

    clock.now = NOW + timedelta(hours=1, seconds=1)
    assert await check(fourth, SITI, "1234") == SITI_STATUS


async def test_the_overall_cap_counts_checks_not_refused_answers(database, clock):
    engine = Engine(database, default_registry(FlowOptions(stranger_checks_per_hour=1)), clock=clock)
    await siti(database)
    first, second, _ = strangers(engine)
    await first.say("status")
    await first.say(SITI)
    await first.say("05-08-1980")  # refused before any lookup: not a check
    await first.say("batal")
    assert await check(second, SITI, "1234") == SITI_STATUS
    assert await check(first, SITI, "1234") == WAIT.format("60 menit")


# -- the worker is told --------------------------------------------------------------------------


async def worker_contacts(database: Database) -> dict[str, int]:
    """The worker's own contacts: WhatsApp in Indonesian, Telegram in English, one opted out, one unreachable."""
    made = {}
    async with database.transaction() as session:
        for channel, address, language in (
            ("whatsapp", "whatsapp:" + WORKER_PHONE, "id"),
            ("telegram", "tg-siti", "en"),
            ("console", WORKER_PHONE, "id"),
            ("telegram", "tg-siti-old", "id"),
        ):
            contact = await contacts.get_or_create_contact(session, channel, address, language=language)
            contacts.set_verified_phone(contact, WORKER_PHONE, None)
            made[address] = contact.id
        (await contacts.get_contact(session, made[WORKER_PHONE])).opted_out = True
        (await contacts.get_contact(session, made["tg-siti-old"])).unreachable = True
    return made


async def notices(database: Database) -> list[OutboundMessage]:
    async with database.transaction() as session:
        rows = []
        for contact_id in range(1, 40):
            rows += await outbox.messages_for(session, contact_id)
    return sorted((row for row in rows if row.kind == "status_checked"), key=lambda row: row.id)


async def test_the_worker_is_told_on_each_reachable_contact_in_its_language(engine, database, clock):
    await siti(database, name="Hj. Siti Aminah")
    made = await worker_contacts(database)
    stranger = Chat(engine, "tg-77", channel="telegram")

    assert (
        await check(stranger, SITI, "1234")
        == f"Peserta dengan NIK {MASKED_SITI}: Aktif, terlindungi sampai 31 Desember 2026."
    )
    told = await notices(database)
    assert [(row.contact_id, row.status) for row in told] == [
        (made["whatsapp:" + WORKER_PHONE], "pending"),
        (made["tg-siti"], "pending"),
    ]
    whatsapp, telegram = told
    assert whatsapp.body == (
        "Halo Siti, status kepesertaan BPJS Ketenagakerjaan Anda baru saja dilihat (22 November 2026 pukul 18.00 "
        "WITA) oleh seseorang yang mengetahui NIK Anda dan satu data lain. Bila itu bukan keluarga Anda, hubungi "
        "kader desa."
    )
    assert whatsapp.variables == {"1": "Siti", "2": "22 November 2026 pukul 18.00 WITA"}
    assert telegram.body == (
        "Hello Siti, your BPJS Ketenagakerjaan membership status was just viewed (22 November 2026 at 18:00 WITA) by "
        "someone who knows your NIK and one other detail. If that was not your family, contact your village cadre."
    )
    assert telegram.variables == {"1": "Siti", "2": "22 November 2026 at 18:00 WITA"}
    assert whatsapp.channel == "whatsapp" and telegram.channel == "telegram"
    assert whatsapp.key != telegram.key and whatsapp.key.startswith("status_checked:")

    # Each check is its own notice; a miss, the worker's own look and a cadre's are not told.
    clock.now = NOW + timedelta(minutes=5)
    assert await check(stranger, SITI, "REG-6310-000001") == SITI_STATUS
    assert await check(stranger, SITI, "9999") != SITI_STATUS
    await Chat(engine, "whatsapp:" + WORKER_PHONE, channel="whatsapp", phone=WORKER_PHONE).say("status")
    told = await notices(database)
    assert len(told) == 4 and len({row.key for row in told}) == 4
    assert told[2].variables == {"1": "Siti", "2": "22 November 2026 pukul 18.05 WITA"}


async def test_no_notice_for_an_opted_out_contact_or_a_worker_with_no_phone(engine, database):
    await siti(database, phone=None)
    stranger = Chat(engine, "tg-77", channel="telegram")
    assert await check(stranger, SITI, "REG-6310-000001") == SITI_STATUS
    assert await notices(database) == []

    await add_worker(database, RAHMAH, "Siti Rahmah", date(1990, 4, 21), phone="+6281350005678")
    async with database.transaction() as session:
        contact = await contacts.get_or_create_contact(session, "whatsapp", "whatsapp:+6281350005678")
        contacts.set_verified_phone(contact, "+6281350005678", None)
        contacts.set_opted_out(contact, True)
    assert (await check(stranger, RAHMAH, "5678")).startswith("Peserta dengan NIK 631005******0003: Belum aktif")
    assert await notices(database) == []
