"""Searching workers by name finds what the typed text literally holds, the same on SQLite and PostgreSQL: control
characters (a NUL) are dropped before searching, and `%`, `_` and the escape character match only themselves."""

from __future__ import annotations

from datetime import date

import pytest

from storage import workers
from storage.database import Database
from tests.factories import add_worker

NAMES = {
    "6310054508800001": "Siti Aminah",
    "6310054508800002": "Siti%Dewi",
    "6310051203750003": "Budi a_b",
    "6310051203750004": "Budi axb",
    "6310051203750005": "Agus 100%",
    "6310051203750006": "Joko!",
    "6310051203750007": "Ani_Lestari",
}


@pytest.fixture(autouse=True)
async def registered(database: Database) -> None:
    for n, (nik, name) in enumerate(NAMES.items()):
        await add_worker(database, nik, name, date(1980, 1, 1 + n))


async def found(database: Database, text: str, villages: tuple[str, ...] | None = None) -> list[str]:
    async with database.transaction() as session:
        return [w.name for w in await workers.search_by_name(session, text, villages, limit=20)]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("\x00", []),  # not every worker (SQLite ended the pattern at the NUL), and no failure (PostgreSQL)
        ("\x00\x01\x7f", []),
        ("%", ["Agus 100%", "Siti%Dewi"]),
        ("_", ["Ani_Lestari", "Budi a_b"]),
        ("Siti%", ["Siti%Dewi"]),
        ("a_b", ["Budi a_b"]),
        ("!", ["Joko!"]),  # the escape character itself
        ("!%", []),
        ("siti", ["Siti Aminah", "Siti%Dewi"]),
        ("Si\x00ti", ["Siti Aminah", "Siti%Dewi"]),  # the NUL dropped, the rest searched
        ("budi\ta_b", ["Budi a_b"]),  # a tab is a space
        ("   ", []),
    ],
)
async def test_a_search_finds_only_what_it_literally_matches(database, typed, expected):
    assert await found(database, typed) == expected


async def test_the_villages_still_bound_a_search(database):
    assert await found(database, "%", ("62.08.01.2001",)) == []
    assert await found(database, "%", ("63.10.02.2003",)) == ["Agus 100%", "Siti%Dewi"]


def test_search_text_drops_control_characters_and_keeps_the_words():
    assert workers.search_text("\x00Siti\x00 \x1b[31mAminah\r\n") == "Siti [31mAminah"
    assert workers.search_text("\x00") == ""
    assert workers.like_literal("50%_a!b") == "50!%!_a!!b"


async def test_a_forgotten_worker_is_neither_found_nor_listed(database: Database):
    await add_worker(database, "anon-9", "anon-9", date(1900, 1, 1), sex="F")
    async with database.transaction() as session:
        listed = [w.name for w in await workers.page_in_village(session, "63.10.02.2003", 0, 20)]
        count = await workers.count_in_village(session, "63.10.02.2003")
    assert "anon-9" not in listed and count == len(NAMES) == len(listed)
    assert await found(database, "anon") == []
