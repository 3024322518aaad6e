""" "Cek status" read as conversations: a worker sees their own card by their verified phone, a cadre looks up the
workers of their villages (never another village's), and anyone else needs the NIK and one detail the NIK does not
contain (the last 4 digits of the registered phone, or the registration number), sees only the status word and date
with the NIK masked, and is stopped after 5 misses in an hour. Every lookup is audited. The per-NIK and overall
limits and the worker's notice are in test_status_check_limits.py."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from flows.engine import Engine
from flows.lookup_limits import nik_key
from flows.registry import default_registry
from storage import audit
from storage.database import Database
from storage.worker_edits import change_worker
from tests.chat import Chat
from tests.factories import Clock, add_staff, add_worker

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)

VILLAGE = "63.10.02.2003"  # Sungai Lembu, Kusan Hilir, Tanah Bumbu
OTHER_VILLAGE = "62.08.01.2001"  # Natai Sedawak, Sukamara
CADRE_PHONE = "+6281200000001"
OTHER_CADRE_PHONE = "+6281200000002"
ADMIN_PHONE = "+6281200000009"
WORKER_PHONE = "+6281350001234"
STRANGER_PHONE = "+6281399990000"

SITI = "6310054508800001"  # born 5 August 1980
BUDI = "6310051203750002"  # born 12 March 1975
RAHMAH = "6310056104900003"  # born 21 April 1990
ANDI = "6208011505850004"  # born 15 May 1985, lives in the other village
YEAR_2026 = [(date(2026, 1, 1), 12)]

MASKED_SITI = "631005******0001"
REGISTER_ONLY = (
    "Layanan ini hanya memeriksa daftar program desa sendiri, bukan data BPJS Ketenagakerjaan. Untuk memastikan "
    "kepesertaan resmi, cek aplikasi JMO (Jamsostek Mobile) atau hubungi BPJS Ketenagakerjaan di 175."
)
NO_MATCH = (
    "NIK dan data itu tidak cocok dengan peserta mana pun di daftar program desa. Periksa lagi lalu coba kembali.\n"
    + REGISTER_ONLY
)
NO_CADRE = "Belum ada kader desa yang tercatat. Untuk bantuan, hubungi BPJS Ketenagakerjaan di 175."
RINA = "Kader desa: Rina Wati, 0812-0000-0001 (bisa ditelepon atau dikirimi pesan)"
NOT_FOUND = "Pekerja itu tidak ditemukan di desa Anda. Periksa NIK atau ejaan namanya."
MENU_ANYONE = "Halo! Ini layanan BPJS Ketenagakerjaan untuk pekerja desa."
MENU_CADRE = "Halo, Kader Rina Wati!"


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def engine(database: Database, clock: Clock) -> Engine:
    return Engine(database, default_registry(), clock=clock)


async def siti(database: Database, **options) -> int:
    return await add_worker(database, SITI, "Siti Aminah", date(1980, 8, 5), **options)


async def audited(database: Database) -> Counter[tuple[str, str | None]]:
    """The status audit events so far, by action and mode (or, for a stranger's check, the detail given)."""
    async with database.transaction() as session:
        events = await audit.events(session)
    return Counter(
        (e.action, e.details.get("mode", e.details.get("by"))) for e in events if e.action.startswith("status_")
    )


async def english(chat: Chat) -> None:
    await chat.say("bahasa")
    assert "All right, we will continue in English." in await chat.say("English")


SITI_LINES = """Siti Aminah (REG-6310-000001)
NIK: 6310054508800001
Status: Aktif
Terlindungi sampai: 31 Desember 2026
Iuran berikutnya: 1 Januari 2027, Rp16.800
Program: JKK + JKM"""
SITI_CARD = f"{SITI_LINES}\n{NO_CADRE}"  # no cadre serves her village: the card names 175
SITI_CARD_WITH_CADRE = f"{SITI_LINES}\n{RINA}"


# -- a worker, by their verified phone ----------------------------------------------------------------


async def test_a_worker_sees_their_own_card_by_their_verified_phone(engine, database):
    await siti(database, phone=WORKER_PHONE, paid=YEAR_2026)
    chat = Chat(engine, "whatsapp:" + WORKER_PHONE, channel="whatsapp", phone=WORKER_PHONE)

    reply = await chat.say("status")
    card, menu = reply.split("\n\n", 1)
    assert card == SITI_CARD
    assert menu.startswith(MENU_ANYONE)  # back at the menu, no NIK asked
    assert await audited(database) == {("status_lookup", "own"): 1}


async def test_a_worker_sees_their_own_card_in_english(engine, database):
    await siti(database, phone=WORKER_PHONE, paid=YEAR_2026)
    chat = Chat(engine, WORKER_PHONE, phone=WORKER_PHONE)
    await english(chat)

    card = (await chat.say("status")).split("\n\n")[0]
    assert card.splitlines() == [
        "Siti Aminah (REG-6310-000001)",
        "NIK: 6310054508800001",
        "Status: Active",
        "Protected until: 31 December 2026",
        "Next contribution: 1 January 2027, Rp16,800",
        "Programmes: JKK + JKM",
        "No village cadre is recorded yet. For help, contact BPJS Ketenagakerjaan on 175.",
    ]


async def test_a_new_worker_with_no_payment_is_told_protection_starts_with_the_first_payment(engine, database):
    await siti(database, phone=WORKER_PHONE, programmes=("JKK", "JKM", "JHT"))
    chat = Chat(engine, WORKER_PHONE, phone=WORKER_PHONE)

    card = (await chat.say("status")).split("\n\n")[0]
    assert "Status: Belum aktif" in card
    assert "Perlindungan mulai setelah iuran pertama dibayar." in card
    assert "Terlindungi" not in card and "Iuran berikutnya" not in card
    assert "Program: JKK + JKM + JHT" in card


async def test_two_workers_on_one_phone_pick_whose_status_to_see(engine, database):
    await siti(database, phone=WORKER_PHONE, paid=YEAR_2026)
    await add_worker(database, BUDI, "Budi Santoso", date(1975, 3, 12), phone=WORKER_PHONE)
    chat = Chat(engine, WORKER_PHONE, phone=WORKER_PHONE)

    pick = await chat.say("status")
    assert pick.startswith("Nomor ini dipakai beberapa peserta. Status siapa yang ingin dilihat?")
    assert "1. Budi Santoso" in pick and "2. Siti Aminah" in pick
    assert await audited(database) == {}  # nothing looked up yet

    card = (await chat.say("2")).split("\n\n")[0]
    assert card == SITI_CARD
    assert await audited(database) == {("status_lookup", "own"): 1}

    await chat.say("status")
    card = await chat.say("budi")
    assert card.startswith("Budi Santoso (REG-6310-000002)\nNIK: 6310051203750002\nStatus: Belum aktif")
    assert await audited(database) == {("status_lookup", "own"): 2}


async def test_a_tapped_button_on_the_pick_shows_the_worker_it_names(engine, database):
    # Telegram sends a tapped button's value as the message text; a value that is a bare number would be read as
    # the position in the list, and here worker 1 (Siti) is listed second.
    await siti(database, phone=WORKER_PHONE, paid=YEAR_2026)
    await add_worker(database, BUDI, "Budi Santoso", date(1975, 3, 12), phone=WORKER_PHONE)
    chat = Chat(engine, "tg-5", channel="telegram", phone=WORKER_PHONE)

    await chat.say("status")
    (prompt,) = chat.last
    tapped = next(option for option in prompt.options if option.label == "Siti Aminah")
    assert (await chat.say(tapped.value)).split("\n\n")[0] == SITI_CARD


async def test_a_worker_in_arrears_sees_the_months_owed_and_the_last_day_to_pay(engine, database):
    await siti(database, phone=WORKER_PHONE, paid=[(date(2026, 1, 1), 8)])  # January to August
    chat = Chat(engine, WORKER_PHONE, phone=WORKER_PHONE)

    card = (await chat.say("status")).split("\n\n")[0]
    assert card.splitlines()[2:] == [
        "Status: Menunggak",
        "Perlindungan berhenti: 31 Agustus 2026",
        "Belum dibayar sejak: 1 September 2026 (Rp16.800 per bulan)",
        "Tunggakan 3 bulan (Rp50.400). Bayar paling lambat 30 November 2026 agar kepesertaan tidak berakhir. "
        "Bulan yang belum dibayar kemungkinan besar tidak terlindungi (aturannya belum pasti); kader akan "
        "memastikannya ke kantor cabang.",
        "Program: JKK + JKM",
        NO_CADRE,
    ]


async def test_one_month_in_arrears_in_english(engine, database):
    await siti(database, phone=WORKER_PHONE, paid=[(date(2026, 1, 1), 10)])  # January to October
    chat = Chat(engine, WORKER_PHONE, phone=WORKER_PHONE)
    await english(chat)

    card = (await chat.say("status")).split("\n\n")[0]
    assert "Status: In arrears" in card
    assert "Protection stopped: 31 October 2026" in card
    assert "Unpaid since: 1 November 2026 (Rp16,800 a month)" in card
    assert "1 month(s) in arrears (Rp16,800). Pay by 31 January 2027 at the latest or the membership ends." in card


async def test_a_lapsed_and_a_deceased_worker(engine, database):
    await siti(database, phone=WORKER_PHONE, paid=[(date(2026, 1, 1), 7)])  # through July: lapsed after October
    chat = Chat(engine, WORKER_PHONE, phone=WORKER_PHONE)
    card = (await chat.say("status")).split("\n\n")[0]
    assert "Status: Berakhir" in card and "Perlindungan berhenti: 31 Juli 2026" in card
    assert "Kepesertaan sudah berakhir" in card and "Iuran berikutnya" not in card

    await add_worker(
        database, BUDI, "Budi Santoso", date(1975, 3, 12), phone="+6281350009999", paid=YEAR_2026,
        deceased_on=date(2026, 10, 3),
    )  # fmt: skip
    heir = Chat(engine, "+6281350009999", phone="+6281350009999")
    card = (await heir.say("status")).split("\n\n")[0]
    assert "Status: Meninggal" in card and "Terlindungi" not in card and "Iuran berikutnya" not in card


# -- cadres and admins ------------------------------------------------------------------------------


async def test_a_cadre_looks_up_a_worker_by_nik_and_by_part_of_a_name(engine, database):
    cadre = await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await siti(database, paid=YEAR_2026, registered_by=cadre)
    chat = Chat(engine, "tg-1", channel="telegram", phone=CADRE_PHONE)

    ask = await chat.say("status")
    assert ask.startswith("Apa yang ingin dilihat?")
    assert "1. Status satu pekerja (NIK atau nama)" in ask and "2. Ringkasan desa" in ask
    assert await chat.say("1") == "Ketik NIK atau nama pekerja."
    card, menu = (await chat.say("6310 0545 0880 0001")).split("\n\n", 1)
    assert card == SITI_CARD_WITH_CADRE  # the cadre who registered her sees the whole NIK, and is named
    assert menu.startswith(MENU_CADRE)

    await chat.say("status")
    await chat.say("1")
    assert (await chat.say("AMIN")).split("\n\n")[0] == SITI_CARD_WITH_CADRE
    assert await audited(database) == {("status_lookup", "staff"): 2}


async def test_a_cadre_picks_among_several_matching_names(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await siti(database, paid=YEAR_2026)
    await add_worker(database, RAHMAH, "Siti Rahmah", date(1990, 4, 21))
    await add_worker(database, BUDI, "Budi Santoso", date(1975, 3, 12))
    chat = Chat(engine, "tg-1", channel="telegram", phone=CADRE_PHONE)

    await chat.say("status")
    await chat.say("1")
    pick = await chat.say("siti")
    assert pick.startswith("Ada beberapa yang cocok. Pilih pekerjanya:")
    assert "1. Siti Aminah, REG-6310-000001" in pick and "2. Siti Rahmah, REG-6310-000002" in pick
    assert "Budi" not in pick
    card = (await chat.say("2")).split("\n\n")[0]
    assert card.startswith("Siti Rahmah (REG-6310-000002)") and "Status: Belum aktif" in card
    # Someone else of the same village registered her: the cadre sees her NIK masked.
    assert "NIK: 631005******0003" in card

    # A tapped Telegram button sends the option's value: it picks the worker it names.
    await chat.say("status")
    await chat.say("1")
    await chat.say("siti")
    (prompt,) = chat.last
    tapped = next(option for option in prompt.options if option.label.startswith("Siti Rahmah"))
    assert (await chat.say(tapped.value)).startswith("Siti Rahmah (REG-6310-000002)")


async def test_the_village_summary_counts_workers_per_status(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await siti(database, paid=YEAR_2026)  # aktif
    await add_worker(database, BUDI, "Budi Santoso", date(1975, 3, 12), paid=[(date(2026, 11, 1), 1)])  # aktif
    await add_worker(database, RAHMAH, "Siti Rahmah", date(1990, 4, 21), paid=[(date(2026, 1, 1), 9)])  # menunggak
    await add_worker(database, "6310054107920005", "Dewi", date(1992, 7, 1), paid=[(date(2025, 1, 1), 12)])  # berakhir
    await add_worker(database, "6310050101700006", "Joko", date(1970, 1, 1))  # belum aktif
    await add_worker(
        database, "6310052002880007", "Agus", date(1988, 2, 20), paid=YEAR_2026, deceased_on=date(2026, 9, 1)
    )
    await add_worker(database, ANDI, "Andi", date(1985, 5, 15), village=OTHER_VILLAGE, paid=YEAR_2026)
    chat = Chat(engine, "tg-1", channel="telegram", phone=CADRE_PHONE)

    await chat.say("status")
    summary = (await chat.say("ringkasan")).split("\n\n")[0]
    assert summary == ("Sungai Lembu: 6 pekerja\nBelum aktif 1, Aktif 2, Menunggak 1, Berakhir 1, Meninggal 1")
    assert await audited(database) == {("status_summary", None): 1}

    await english(chat)
    await chat.say("status")
    summary = (await chat.say("2")).split("\n\n")[0]
    assert summary == "Sungai Lembu: 6 workers\nNot active yet 1, Active 2, In arrears 1, Lapsed 1, Deceased 1"


async def test_a_cadre_of_two_villages_sees_a_summary_for_each(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE, OTHER_VILLAGE), "Rina Wati")
    await siti(database, paid=YEAR_2026)
    chat = Chat(engine, "tg-1", channel="telegram", phone=CADRE_PHONE)

    await chat.say("status")
    reply = await chat.say("2")
    assert "Natai Sedawak: 0 pekerja\nBelum aktif 0, Aktif 0, Menunggak 0, Berakhir 0, Meninggal 0" in reply
    assert "Sungai Lembu: 1 pekerja\nBelum aktif 0, Aktif 1," in reply


async def test_a_cadre_of_one_village_never_sees_a_worker_of_another_but_an_admin_does(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await add_staff(database, OTHER_CADRE_PHONE, (OTHER_VILLAGE,), "Yusuf")
    await add_staff(database, ADMIN_PHONE, (), "Admin Kabupaten", admin=True)
    await add_worker(database, ANDI, "Andi Wijaya", date(1985, 5, 15), village=OTHER_VILLAGE, paid=YEAR_2026)
    await siti(database, paid=YEAR_2026)

    cadre = Chat(engine, "tg-1", channel="telegram", phone=CADRE_PHONE)
    await cadre.say("status")
    await cadre.say("1")
    by_nik = await cadre.say(ANDI)
    assert by_nik == NOT_FOUND + "\n\nKetik NIK atau nama pekerja."
    by_name = await cadre.say("andi")
    assert by_name.startswith(NOT_FOUND) and by_name.endswith("Ketik NIK atau nama pekerja.")
    assert "Andi" not in by_nik and "Natai" not in by_nik
    assert await audited(database) == {}

    # The cadre's summary counts only their own village.
    await cadre.say("menu")
    await cadre.say("status")
    assert "Sungai Lembu: 1 pekerja" in await cadre.say("2")

    other = Chat(engine, "tg-2", channel="telegram", phone=OTHER_CADRE_PHONE)
    await other.say("status")
    await other.say("1")
    assert (await other.say("andi")).startswith("Andi Wijaya (REG-6208-000001)")
    await other.say("status")
    await other.say("1")
    assert (await other.say("siti")) == NOT_FOUND + "\n\nKetik NIK atau nama pekerja."

    admin = Chat(engine, "tg-9", channel="telegram", phone=ADMIN_PHONE)
    await admin.say("status")
    await admin.say("1")
    card = (await admin.say(ANDI)).split("\n\n")[0]
    assert card.startswith("Andi Wijaya (REG-6208-000001)\nNIK: 6208011505850004\nStatus: Aktif")
    await admin.say("status")
    await admin.say("1")
    assert (await admin.say("siti")).startswith("Siti Aminah (REG-6310-000002)\nNIK: 6310054508800001")
    assert await audited(database) == {("status_lookup", "staff"): 3, ("status_summary", None): 1}


async def test_a_cadre_lookup_refuses_what_is_neither_a_nik_nor_a_name(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    chat = Chat(engine, "tg-1", channel="telegram", phone=CADRE_PHONE)
    await chat.say("status")
    await chat.say("1")
    assert (await chat.say("631005450880")).startswith("NIK harus 16 angka, nomor KPJ 11 angka.")
    assert (await chat.say("x")).startswith("Ketik NIK (16 angka) atau paling sedikit 2 huruf")


# -- anyone else: the NIK and one detail the NIK does not contain ------------------------------------

ASK_NIK = "Ketik NIK peserta yang ingin dicek (16 angka), atau nomor kartu peserta KPJ-nya (11 angka)."
ASK_SECOND = """Sekarang ketik satu data lain peserta, yang tidak tertulis di NIK. Pilih salah satu:
- 4 angka terakhir nomor HP peserta yang terdaftar (contoh 7890),
- nomor pendaftarannya (contoh REG-6310-000123), atau
- nomor kartu peserta KPJ-nya (11 angka), bila sudah tercatat.
Peserta tanpa nomor HP terdaftar hanya bisa dicek dengan nomor pendaftaran atau nomor KPJ."""
SITI_STATUS = f"Peserta dengan NIK {MASKED_SITI}: Aktif, terlindungi sampai 31 Desember 2026."
SITI_DIGITS = WORKER_PHONE[-4:]  # "1234"
UNREGISTERED = [f"63100545088000{n:02d}" for n in range(2, 9)]  # valid NIKs (Siti's birth date), nobody registered
WAIT = (
    "Saat ini terlalu banyak percobaan cek status. Demi keamanan data peserta, mohon coba lagi dalam {}. Bila "
    "mendesak, tanyakan kepada kader desa peserta atau BPJS Ketenagakerjaan di 175."
)
WAIT_AFTER_MISS = WAIT + "\n" + REGISTER_ONLY


async def check(chat: Chat, nik: str, detail: str) -> str:
    """One status check by NIK (or KPJ) and a second detail typed at once, from the menu; the reply before the menu."""
    asked = await chat.say("status")
    if not asked.startswith("Ketik NIK peserta"):
        return asked.split("\n\n")[0]
    second = await chat.say(nik)
    if second not in (ASK_SECOND, ASK_SECOND_AFTER_KPJ):
        return second.split("\n\n")[0]
    return (await chat.say(detail)).split("\n\n")[0]


async def test_a_stranger_with_the_nik_and_the_last_phone_digits_sees_only_the_status_and_date_masked(engine, database):
    await siti(database, phone=WORKER_PHONE, paid=YEAR_2026)
    chat = Chat(engine, "whatsapp:" + STRANGER_PHONE, channel="whatsapp", phone=STRANGER_PHONE)

    assert await chat.say("status") == ASK_NIK
    assert await chat.say(SITI) == ASK_SECOND
    reply = (await chat.say("1234")).split("\n\n")[0]
    assert reply == SITI_STATUS
    transcript = "\n".join(r.text for r in chat.last)
    assert "Siti" not in transcript and "Aminah" not in transcript and SITI not in transcript
    assert "REG-" not in transcript and "Rp" not in transcript
    assert await audited(database) == {("status_lookup_matched", "phone"): 1}


async def test_the_birth_date_written_in_the_nik_no_longer_opens_a_status(engine, database):
    await siti(database, phone=WORKER_PHONE, paid=YEAR_2026)
    chat = Chat(engine, "tg-77", channel="telegram")

    await chat.say("status")
    await chat.say(SITI)
    for birth in ("05-08-1980", "5 Agustus 1980", "05081980"):  # Siti's birth date, read off her NIK (45 = 5 + 40)
        refused = await chat.say(birth)
        assert refused.startswith(
            "Tanggal lahir tidak bisa dipakai di sini: tanggal lahir sudah tertulis di dalam NIK, jadi tidak "
            "membuktikan apa-apa.\n"
        ), birth
        assert refused.endswith("\n\n" + ASK_SECOND), birth  # the same question again (from the second miss, a way out)
        assert MASKED_SITI not in refused and "Aktif" not in refused
    assert await audited(database) == {}  # nothing looked up
    assert (await chat.say(SITI_DIGITS)).split("\n\n")[0] == SITI_STATUS


async def test_the_detail_is_read_as_people_type_it(engine, database):
    await siti(database, phone=WORKER_PHONE, paid=YEAR_2026)
    chat = Chat(engine, "tg-77", channel="telegram")

    for typed in ("1234", "12 34", "REG-6310-000001", "reg 6310 000001", "6310-000001", "6310000001", "REG6310000001"):
        assert await check(chat, SITI, typed) == SITI_STATUS, typed
    assert await audited(database) == {
        ("status_lookup_matched", "phone"): 2,
        ("status_lookup_matched", "registration"): 5,
    }


async def test_what_is_neither_detail_is_refused_with_the_reason_and_nothing_is_looked_up(engine, database):
    await siti(database, phone=WORKER_PHONE, paid=YEAR_2026)
    chat = Chat(engine, "tg-77", channel="telegram")
    await chat.say("status")
    await chat.say(SITI)

    refusals = {
        "siti": "Itu bukan 4 angka terakhir nomor HP, dan bukan nomor pendaftaran.",
        "0813-5000-1234": "Cukup 4 angka terakhir nomor HP peserta (contoh 7890), bukan nomor lengkapnya.",
        "+62 813 5000 1234": "Cukup 4 angka terakhir nomor HP peserta (contoh 7890), bukan nomor lengkapnya.",
        "123": "Itu bukan 4 angka terakhir nomor HP, dan bukan nomor pendaftaran.",
        "REG-6310": "Itu bukan 4 angka terakhir nomor HP, dan bukan nomor pendaftaran.",
    }
    for typed, reason in refusals.items():
        refused = await chat.say(typed)
        assert refused.startswith(reason + "\n") and refused.endswith("\n\n" + ASK_SECOND), typed
    assert await audited(database) == {}
    assert (await chat.say(SITI_DIGITS)).split("\n\n")[0] == SITI_STATUS


async def test_a_worker_with_no_registered_phone_is_checked_only_by_the_registration_number(engine, database):
    await siti(database, paid=YEAR_2026)  # no phone
    chat = Chat(engine, "tg-77", channel="telegram")
    for digits in ("0000", "1234", "0001"):
        assert await check(chat, SITI, digits) == NO_MATCH
    assert await check(chat, SITI, "REG-6310-000001") == SITI_STATUS


async def test_a_stranger_check_in_english_for_a_worker_in_arrears(engine, database):
    await siti(database, paid=[(date(2026, 1, 1), 9)])
    chat = Chat(engine, "tg-77", channel="telegram")
    await english(chat)

    assert await chat.say("status") == (
        "Type the NIK of the participant to check (16 digits), or their participant card (KPJ) number (11 digits)."
    )
    assert await chat.say(SITI) == (
        "Now type one more detail of the participant, one that is not written in the NIK. Either:\n"
        "- the last 4 digits of the participant's registered phone number (for example 7890),\n"
        "- their registration number (for example REG-6310-000123), or\n"
        "- their participant card (KPJ) number (11 digits), if it is recorded.\n"
        "A participant with no registered phone can only be checked with the registration number or the KPJ number."
    )
    refused = await chat.say("05-08-1980")
    assert refused.startswith(
        "A date of birth cannot be used here: it is written inside the NIK, so it proves nothing.\n\nNow type one"
    )
    assert (await chat.say("0812 3456 7890")).startswith(
        "Just the last 4 digits of the participant's phone number (for example 7890), not the whole number."
    )
    reply = (await chat.say("REG 6310 000001")).split("\n\n")[0]
    assert reply == f"Participant with NIK {MASKED_SITI}: In arrears, protection stopped 30 September 2026."

    await chat.say("status")
    await chat.say(SITI)
    missed = (await chat.say("REG-6310-000002")).split("\n\n")[0]
    assert missed == (
        "That NIK and detail do not match any participant in the village programme's register. Please check and "
        "try again.\nThis service checks only the village programme's own register, not BPJS Ketenagakerjaan's. To "
        "check official membership, use the JMO (Jamsostek Mobile) app or call BPJS Ketenagakerjaan on 175."
    )


async def test_a_wrong_detail_tells_exactly_what_an_unknown_nik_tells_and_asks_the_same(engine, database):
    await siti(database, phone=WORKER_PHONE, paid=YEAR_2026)
    chat = Chat(engine, "tg-77", channel="telegram")

    asked_known = [await chat.say("status"), await chat.say(SITI)]
    wrong_detail = (await chat.say("9999")).split("\n\n")[0]
    replies_wrong_detail = [r.text for r in chat.last]
    asked_unknown = [await chat.say("status"), await chat.say(BUDI)]  # a valid NIK nobody registered
    unknown_nik = (await chat.say(SITI_DIGITS)).split("\n\n")[0]
    replies_unknown_nik = [r.text for r in chat.last]

    assert asked_known == asked_unknown == [ASK_NIK, ASK_SECOND]
    assert wrong_detail == unknown_nik == NO_MATCH
    assert replies_wrong_detail == replies_unknown_nik
    assert await audited(database) == {("status_lookup_failed", "phone"): 2}


async def test_after_five_misses_in_an_hour_even_the_right_pair_waits_until_the_hour_is_over(engine, database, clock):
    await siti(database, phone=WORKER_PHONE, paid=YEAR_2026)
    chat = Chat(engine, "tg-77", channel="telegram")

    # Five different NIKs (so that no NIK's own limit is reached): the contact's limit.
    for minute in range(4):
        clock.now = NOW + timedelta(minutes=minute)
        assert await check(chat, UNREGISTERED[minute], SITI_DIGITS) == NO_MATCH
    clock.now = NOW + timedelta(minutes=4)
    fifth = await check(chat, UNREGISTERED[4], SITI_DIGITS)
    assert fifth == WAIT_AFTER_MISS.format("56 menit")  # the first miss leaves the hour at NOW + 60 minutes

    # The sixth try, with the right NIK and detail: stopped before anything is asked.
    clock.now = NOW + timedelta(minutes=30)
    assert await chat.say("status") == WAIT.format("30 menit") + "\n\n" + (await chat.say("menu"))
    await chat.say(SITI)  # typed anyway: not a menu choice, nothing looked up
    reply = await chat.say(SITI_DIGITS)
    assert MASKED_SITI not in reply and "Aktif" not in reply

    clock.now = NOW + timedelta(minutes=59, seconds=30)
    assert await check(chat, SITI, SITI_DIGITS) == WAIT.format("1 menit")
    failed = {("status_lookup_failed", "phone"): 5}
    assert await audited(database) == failed | {("status_lookup_blocked", None): 2}

    # An hour after the first miss only four are left in the window: one more try is allowed, and it works.
    clock.now = NOW + timedelta(minutes=60, seconds=1)
    assert await check(chat, SITI, SITI_DIGITS) == SITI_STATUS
    assert await audited(database) == failed | {
        ("status_lookup_blocked", None): 2,
        ("status_lookup_matched", "phone"): 1,
    }


async def test_the_contact_limit_is_per_contact(engine, database):
    await siti(database, phone=WORKER_PHONE, paid=YEAR_2026)
    chat = Chat(engine, "tg-77", channel="telegram")
    for nik in UNREGISTERED[:5]:
        await check(chat, nik, "1234")
    assert (await chat.say("status")).startswith("Saat ini terlalu banyak percobaan cek status.")

    other = Chat(engine, "tg-78", channel="telegram")
    assert await check(other, SITI, SITI_DIGITS) == SITI_STATUS


async def test_a_stranger_gets_the_nik_questions_again_when_the_nik_is_not_valid(engine, database):
    chat = Chat(engine, "tg-77", channel="telegram")
    await chat.say("status")
    refused = await chat.say("12345")
    assert refused.endswith(ASK_NIK)
    assert await audited(database) == {}  # a NIK that cannot exist is not a lookup


async def test_every_lookup_writes_one_audit_event_with_who_and_whom(engine, database):
    cadre_id = await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    siti_id = await siti(database, phone=WORKER_PHONE, paid=YEAR_2026)

    await Chat(engine, WORKER_PHONE, phone=WORKER_PHONE).say("status")
    cadre = Chat(engine, "tg-1", channel="telegram", phone=CADRE_PHONE)
    await cadre.say("status")
    await cadre.say("1")
    await cadre.say(SITI)
    await cadre.say("status")
    await cadre.say("2")
    stranger = Chat(engine, "tg-77", channel="telegram")
    await check(stranger, SITI, SITI_DIGITS)
    await check(stranger, SITI, "REG-6310-000009")

    async with database.transaction() as session:
        events = [e for e in await audit.events(session) if e.action.startswith("status_")]
    shown = [(e.action, e.details.get("mode", e.details.get("by")), e.subject_type, e.actor_person_id) for e in events]
    assert shown == [
        ("status_lookup", "own", "worker", None),
        ("status_lookup", "staff", "worker", cadre_id),
        ("status_summary", None, None, cadre_id),
        ("status_lookup_matched", "phone", "worker", None),
        ("status_lookup_failed", "registration", "nik_hash", None),
    ]
    assert [e.subject_id for e in events[:2]] == [str(siti_id)] * 2 and events[3].subject_id == str(siti_id)
    # A miss is counted by a keyed hash of the NIK typed, never the NIK itself.
    assert events[4].subject_id == nik_key(SITI) and SITI not in repr([(e.subject_id, e.details) for e in events])
    assert all(e.actor_contact_id is not None for e in events)
    assert all(e.at == NOW for e in events)
    assert events[-1].actor_contact_id == events[-2].actor_contact_id != events[0].actor_contact_id


# -- the village's own calendar, payments ahead, lookups that find nothing --------------------


async def test_the_status_day_is_the_villages_day_not_utcs(database, clock):
    # 31 December 2026 17:00 UTC is already 1 January 2027 01:00 in Tanah Bumbu (WITA, UTC+8).
    clock.now = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    await add_worker(database, SITI, "Siti Aminah", date(1980, 8, 5), phone=WORKER_PHONE, paid=YEAR_2026)
    card = await Chat(Engine(database, default_registry(), clock=clock), WORKER_PHONE, phone=WORKER_PHONE).say("status")
    assert "Status: Menunggak" in card and "Perlindungan berhenti: 31 Desember 2026" in card
    # An hour earlier it was still the last protected day there.
    clock.now = datetime(2026, 12, 31, 15, 59, tzinfo=UTC)
    card = await Chat(Engine(database, default_registry(), clock=clock), WORKER_PHONE, phone=WORKER_PHONE).say("status")
    assert "Status: Aktif" in card


async def test_a_worker_paid_only_for_months_to_come_is_told_when_protection_starts(database, engine):
    await add_worker(database, SITI, "Siti Aminah", date(1980, 8, 5), phone=WORKER_PHONE, paid=[(date(2027, 1, 1), 12)])
    card = await Chat(engine, WORKER_PHONE, phone=WORKER_PHONE).say("status")
    assert "Status: Belum aktif" in card
    assert "Iuran sudah dibayar; perlindungan mulai 1 Januari 2027." in card
    assert "Iuran berikutnya" not in card and "setelah iuran pertama dibayar" not in card


async def test_a_cadres_lookup_that_finds_nothing_is_audited_too(database, engine):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await add_worker(database, ANDI, "Andi Saputra", date(1985, 5, 15), village=OTHER_VILLAGE)
    chat = Chat(engine, CADRE_PHONE, phone=CADRE_PHONE)
    await chat.say("status")
    await chat.say("1")
    assert (await chat.say(ANDI)).startswith(NOT_FOUND)
    assert (await chat.say("Andi")).startswith(NOT_FOUND)
    async with database.transaction() as session:
        found = await audit.events(session, "worker_lookup_not_found")
    assert [event.details["by"] for event in found] == ["nik", "name"]


# -- the KPJ card number -----------------------------------------------------------------------------

KPJ = "17012345678"
ASK_SECOND_AFTER_KPJ = """Sekarang ketik satu data lain peserta. Pilih salah satu:
- 4 angka terakhir nomor HP peserta yang terdaftar (contoh 7890),
- nomor pendaftarannya (contoh REG-6310-000123), atau
- NIK peserta (16 angka)."""
NO_MATCH_KPJ = (
    "Nomor KPJ dan data itu tidak cocok dengan peserta mana pun di daftar program desa. Periksa lagi lalu coba "
    "kembali.\n" + REGISTER_ONLY
)


async def with_kpj(database: Database, worker_id: int, kpj: str = KPJ) -> None:
    async with database.transaction() as session:
        await change_worker(session, worker_id, {"kpj": kpj}, actor_person_id=None, actor_contact_id=None)


async def test_a_cadre_finds_a_worker_by_the_kpj_on_the_card_and_sees_it_on_the_card(engine, database):
    cadre = await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await with_kpj(database, await siti(database, paid=YEAR_2026, registered_by=cadre))
    await with_kpj(database, await add_worker(database, RAHMAH, "Siti Rahmah", date(1990, 4, 21)), "17012345679")
    chat = Chat(engine, "tg-1", channel="telegram", phone=CADRE_PHONE)
    for typed in (KPJ, "170 1234 5678", "KPJ 17.012.345.678"):
        await chat.say("status")
        await chat.say("1")
        card = (await chat.say(typed)).split("\n\n")[0]
        assert card.startswith(
            "Siti Aminah (REG-6310-000001)\nNIK: 6310054508800001\nNo. KPJ: 17012345678\nStatus: Aktif"
        ), typed
    # Registered by someone else: the KPJ masked like the NIK.
    await chat.say("status")
    await chat.say("1")
    card = (await chat.say("17012345679")).split("\n\n")[0]
    assert "NIK: 631005******0003\nNo. KPJ: 170*****679\n" in card
    assert await audited(database) == {("status_lookup", "staff"): 4}


async def test_a_kpj_of_another_village_or_nobody_is_not_found_and_audited(engine, database):
    await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    andi = await add_worker(database, ANDI, "Andi Wijaya", date(1985, 5, 15), village=OTHER_VILLAGE)
    await with_kpj(database, andi)
    chat = Chat(engine, "tg-1", channel="telegram", phone=CADRE_PHONE)
    await chat.say("status")
    await chat.say("1")
    assert await chat.say(KPJ) == NOT_FOUND + "\n\nKetik NIK atau nama pekerja."
    assert (await chat.say("17012345670")).startswith(NOT_FOUND)
    assert (await chat.say("1701234567")).startswith("NIK harus 16 angka, nomor KPJ 11 angka.")
    async with database.transaction() as session:
        missed = await audit.events(session, "worker_lookup_not_found")
    assert [e.details for e in missed] == [{"by": "kpj"}, {"by": "kpj"}]


async def test_a_card_without_a_worker_card_line_when_no_kpj_is_known(engine, database):
    cadre = await add_staff(database, CADRE_PHONE, (VILLAGE,), "Rina Wati")
    await siti(database, paid=YEAR_2026, registered_by=cadre)
    chat = Chat(engine, "tg-1", channel="telegram", phone=CADRE_PHONE)
    await chat.say("status")
    await chat.say("1")
    assert "KPJ" not in await chat.say(SITI)


async def test_a_stranger_with_the_kpj_still_needs_a_second_detail(engine, database):
    await with_kpj(database, await siti(database, phone=WORKER_PHONE, paid=YEAR_2026))
    chat = Chat(engine, "tg-77", channel="telegram")

    assert await chat.say("status") == ASK_NIK
    assert await chat.say("170 1234 5678") == ASK_SECOND_AFTER_KPJ
    refused = await chat.say(KPJ)  # the same number again proves nothing
    assert refused.startswith("Itu nomor KPJ lagi.") and refused.endswith(ASK_SECOND_AFTER_KPJ)
    assert (await chat.say(SITI_DIGITS)).split("\n\n")[0] == SITI_STATUS
    for detail in ("REG-6310-000001", "6310 0545 0880 0001"):
        await chat.say("status")
        await chat.say(KPJ)
        assert (await chat.say(detail)).split("\n\n")[0] == SITI_STATUS, detail
    transcript = "\n".join(r.text for r in chat.last)
    assert "Siti" not in transcript and KPJ not in transcript
    assert await audited(database) == {
        ("status_lookup_matched", "phone"): 1,
        ("status_lookup_matched", "registration"): 1,
        ("status_lookup_matched", "nik"): 1,
    }


async def test_the_kpj_is_a_second_detail_after_the_nik(engine, database):
    worker_id = await siti(database, paid=YEAR_2026)  # no phone
    chat = Chat(engine, "tg-77", channel="telegram")
    assert await check(chat, SITI, KPJ) == NO_MATCH  # no KPJ recorded yet: no match, as for any wrong detail
    await with_kpj(database, worker_id)
    assert await check(chat, SITI, "KPJ 170-1234-5678") == SITI_STATUS
    assert await check(chat, SITI, "17012345679") == NO_MATCH
    assert await audited(database) == {("status_lookup_failed", "kpj"): 2, ("status_lookup_matched", "kpj"): 1}


async def test_a_wrong_detail_after_a_kpj_tells_what_an_unknown_kpj_tells_and_counts_a_miss(engine, database):
    await with_kpj(database, await siti(database, phone=WORKER_PHONE, paid=YEAR_2026))
    chat = Chat(engine, "tg-77", channel="telegram")
    asked_known = [await chat.say("status"), await chat.say(KPJ)]
    wrong = (await chat.say("9999")).split("\n\n")[0]
    asked_unknown = [await chat.say("status"), await chat.say("17012345670")]
    unknown = (await chat.say(SITI_DIGITS)).split("\n\n")[0]
    assert asked_known == asked_unknown == [ASK_NIK, ASK_SECOND_AFTER_KPJ]
    assert wrong == unknown == NO_MATCH_KPJ
    async with database.transaction() as session:
        failed = await audit.events(session, "status_lookup_failed")
    # Counted by a keyed hash of the typed card number, never the number itself.
    assert [(e.subject_type, e.subject_id) for e in failed] == [
        ("nik_hash", nik_key("kpj:" + KPJ)),
        ("nik_hash", nik_key("kpj:17012345670")),
    ]


async def test_five_misses_on_one_kpj_block_it_like_a_nik(engine, database, clock):
    await with_kpj(database, await siti(database, phone=WORKER_PHONE, paid=YEAR_2026))
    chats = [Chat(engine, f"tg-{n}", channel="telegram") for n in range(6)]
    for chat in chats[:4]:
        assert await check(chat, KPJ, "0000") == NO_MATCH_KPJ
    assert (await check(chats[4], KPJ, "0000")).startswith("Saat ini terlalu banyak percobaan cek status.")
    stopped = await check(chats[5], KPJ, SITI_DIGITS)
    assert stopped.startswith("Saat ini terlalu banyak percobaan cek status.")
    assert ("status_lookup_matched", "phone") not in await audited(database)
