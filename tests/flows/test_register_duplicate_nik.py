"""A NIK registered already is refused on a need-to-know basis: a cadre of another village learns only that it is
registered elsewhere and whom to ask; a cadre of that village, or an admin, is told which village."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from flows.engine import Engine
from flows.i18n import Translator
from flows.registry import default_registry
from storage.database import Database
from tests.chat import Chat
from tests.factories import add_staff, add_worker, position

ID = Translator("id")
NOW = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)  # before the wall clock, as in test_register_refusals.py

VILLAGE = "63.10.02.2003"  # Sungai Lembu, where Siti is registered
OTHER_VILLAGE = "62.08.01.2001"  # Natai Sedawak
NIK = "6310054508800001"
HERE, ELSEWHERE, ADMIN = "+6281200000001", "+6281200000002", "+6281200000009"

ELSEWHERE_ID = (
    "NIK 631005******0001 sudah terdaftar di desa lain, jadi tidak bisa didaftarkan lagi. Bila pekerja ini sudah "
    "pindah ke desa Anda atau menurut Anda ada yang keliru, tanyakan kepada admin program. Atau ketik NIK lain."
)
HERE_ID = (
    "NIK 631005******0001 sudah terdaftar di desa Sungai Lembu, jadi tidak bisa didaftarkan lagi. Untuk melihat "
    "statusnya, ketik menu lalu pilih Cek status. Atau ketik NIK lain."
)


@pytest.fixture
def engine(database: Database) -> Engine:
    return Engine(database, default_registry(), clock=lambda: NOW)


@pytest.fixture(autouse=True)
async def registered(database: Database) -> None:
    await add_staff(database, HERE, (VILLAGE,), "Rina Wati")
    await add_staff(database, ELSEWHERE, (OTHER_VILLAGE,), "Yusuf")
    await add_staff(database, ADMIN, (), "Admin Kabupaten", admin=True)
    await add_worker(database, NIK, "Siti Aminah", date(1980, 8, 5), consent_at=NOW)


async def at_the_nik(engine: Engine, database: Database, phone: str, *, village_code: str | None = None) -> Chat:
    chat = Chat(engine, f"tg-{phone[-4:]}", channel="telegram", phone=phone)
    await chat.say("daftar")
    await chat.say("setuju")
    if village_code is not None:
        await chat.say(village_code)
    assert await position(database, chat) == ("register", "nik")
    return chat


async def test_a_cadre_of_another_village_is_not_told_which_village(engine, database):
    chat = await at_the_nik(engine, database, ELSEWHERE)
    refused = await chat.say("6310 0545 0880 0001")
    assert refused == ELSEWHERE_ID + "\n\n" + ID("register.nik.ask")
    assert "Sungai Lembu" not in refused and "Cek status" not in refused and NIK not in refused
    assert await position(database, chat) == ("register", "nik")


async def test_a_cadre_of_another_village_in_english(engine, database):
    chat = Chat(engine, "tg-en", channel="telegram", phone=ELSEWHERE)
    await chat.say("bahasa")
    assert "All right, we will continue in English." in await chat.say("English")
    await chat.say("register")
    await chat.say("1")  # agrees
    assert await position(database, chat) == ("register", "nik")
    refused = await chat.say(NIK)
    assert refused.startswith(
        "NIK 631005******0001 is already registered in another village, so it cannot be registered again. If the "
        "worker has moved to your village or you think something is wrong, ask the programme admin. Or type another "
        "NIK."
    )
    assert "Sungai Lembu" not in refused


async def test_a_cadre_of_that_village_is_told_which_village_and_how_to_see_the_status(engine, database):
    chat = await at_the_nik(engine, database, HERE)
    assert await chat.say(NIK) == HERE_ID + "\n\n" + ID("register.nik.ask")


async def test_an_admin_is_told_which_village(engine, database):
    chat = await at_the_nik(engine, database, ADMIN, village_code=OTHER_VILLAGE)
    assert (await chat.say(NIK)).startswith(HERE_ID)
