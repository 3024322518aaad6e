"""A cadre's lookup by name with control characters or LIKE wildcards typed: a NUL is dropped before the database
sees it (it listed every worker on SQLite and failed the step on PostgreSQL), and `%` or `_` match only themselves."""

from __future__ import annotations

from datetime import date

from storage.database import Database
from tests.chat import Chat
from tests.factories import add_staff, add_worker

CADRE_PHONE = "+6281200000001"
ASK = "Ketik NIK atau nama pekerja."
NOT_FOUND = "Pekerja itu tidak ditemukan di desa Anda. Periksa NIK atau ejaan namanya."


async def looking_up(engine, database: Database) -> Chat:
    await add_staff(database, CADRE_PHONE)
    await add_worker(database, "6310054508800001", "Siti Aminah", date(1980, 8, 5))
    await add_worker(database, "6310051203750002", "Budi Santoso", date(1975, 3, 12))
    chat = Chat(engine, "tg-1", channel="telegram", phone=CADRE_PHONE)
    await chat.say("status")
    assert await chat.say("1") == ASK
    return chat


async def test_a_nul_alone_is_no_name_and_lists_nobody(engine, database):
    chat = await looking_up(engine, database)
    refused = await chat.say("\x00\x00")
    assert refused.startswith("Ketik NIK (16 angka) atau paling sedikit 2 huruf dari nama pekerja.")
    assert "Siti" not in refused and "Budi" not in refused


async def test_a_nul_inside_a_name_is_dropped_and_the_name_found(engine, database):
    chat = await looking_up(engine, database)
    assert (await chat.say("Si\x00ti")).startswith("Siti Aminah (REG-6310-000001)")


async def test_wildcards_match_only_themselves(engine, database):
    chat = await looking_up(engine, database)
    assert (await chat.say("%%")).startswith("Ketik NIK (16 angka)")  # no letters: no name
    assert (await chat.say("S%n")).startswith(NOT_FOUND)  # would have found both as a pattern
    assert (await chat.say("Bud_")).startswith(NOT_FOUND)


async def test_a_kpj_card_number_is_read_as_printed_and_a_nul_inside_it_dropped(engine, database):
    from storage.worker_edits import change_worker

    chat = await looking_up(engine, database)
    async with database.transaction() as session:
        await change_worker(session, 2, {"kpj": "17012345678"}, actor_person_id=None, actor_contact_id=None)
    assert (await chat.say("KPJ: 170-1234-\x005678")).startswith("Budi Santoso (REG-6310-000002)")
    await chat.say("status")
    await chat.say("1")
    # Eleven digits that are nobody's card: not found, never a name search.
    assert (await chat.say("17012345679")).startswith(NOT_FOUND)
    await chat.say("status")
    await chat.say("1")
    # Twelve digits are neither a NIK nor a KPJ.
    assert (await chat.say("170123456789")).startswith("NIK harus 16 angka, nomor KPJ 11 angka.")
