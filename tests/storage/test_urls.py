"""Database URLs: the embedded default and the drivers each user-written URL maps to."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import migrate
from storage.urls import (
    DEFAULT_DATABASE_URL,
    UnsupportedDatabaseError,
    async_url,
    is_sqlite,
    redacted,
    sqlite_path,
    sync_url,
)


def test_the_default_is_an_sqlite_file_named_kader_db_relative_to_the_working_directory():
    assert is_sqlite(DEFAULT_DATABASE_URL)
    path = sqlite_path(DEFAULT_DATABASE_URL)
    assert path == Path("kader.db")
    assert not path.is_absolute()


def test_the_default_database_is_created_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    migrate.upgrade(DEFAULT_DATABASE_URL)
    assert (tmp_path / "kader.db").is_file()
    assert migrate.is_up_to_date(DEFAULT_DATABASE_URL)


@pytest.mark.parametrize(
    ("url", "database"),
    [
        ("sqlite:///kader.db", "kader.db"),
        ("sqlite:///data/x.db", "data/x.db"),
        ("sqlite:////var/lib/kader/x.db", "/var/lib/kader/x.db"),
    ],
)
def test_sqlite_maps_to_aiosqlite_and_pysqlite_keeping_the_file(url, database):
    assert async_url(url).drivername == "sqlite+aiosqlite"
    assert sync_url(url).drivername == "sqlite+pysqlite"
    assert async_url(url).database == database
    assert sync_url(url).database == database
    assert sqlite_path(url) == Path(database)


@pytest.mark.parametrize(
    "url",
    [
        "postgres://kader:secret@db.example:5433/kader",
        "postgresql://kader:secret@db.example:5433/kader",
        "postgresql+psycopg2://kader:secret@db.example:5433/kader",
        "postgresql+asyncpg://kader:secret@db.example:5433/kader",
    ],
)
def test_postgres_urls_map_to_psycopg_3_for_both_async_and_sync(url):
    for mapped in (async_url(url), sync_url(url)):
        assert mapped.drivername == "postgresql+psycopg"
        assert (mapped.username, mapped.password, mapped.host, mapped.port, mapped.database) == (
            "kader",
            "secret",
            "db.example",
            5433,
            "kader",
        )
    assert not is_sqlite(url)
    assert sqlite_path(url) is None


def test_surrounding_whitespace_is_ignored():
    assert async_url("  postgres://u@h/db\n").drivername == "postgresql+psycopg"


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_sqlite_database_has_no_file(url):
    assert is_sqlite(url)
    assert sqlite_path(url) is None


@pytest.mark.parametrize(
    "url", ["mysql://root:pw@localhost/kader", "mysql+pymysql://root@localhost/kader", "oracle://u:p@h/db"]
)
def test_unsupported_databases_are_refused_everywhere(url):
    for function in (async_url, sync_url, is_sqlite, sqlite_path, redacted):
        with pytest.raises(UnsupportedDatabaseError) as caught:
            function(url)
        assert "sqlite" in str(caught.value) and "postgresql" in str(caught.value)
    assert issubclass(UnsupportedDatabaseError, ValueError)


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_redacted_hides_the_password_but_keeps_the_rest(scheme):
    shown = redacted(f"{scheme}://kader:s3cr3t-Pa55@db.example:5432/kader")
    assert "s3cr3t-Pa55" not in shown
    assert "***" in shown
    assert "kader@" in shown or "kader:***@" in shown
    assert "db.example:5432/kader" in shown


def test_redacted_leaves_a_url_without_password_readable():
    assert redacted("sqlite:///kader.db") == "sqlite:///kader.db"
    assert redacted("postgresql://postgres@127.0.0.1:5432/test") == "postgresql://postgres@127.0.0.1:5432/test"
