"""Database URLs: the embedded default, the drivers each user-written URL maps to, TLS settings kept for libpq,
and passwords hidden when a URL is shown."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import create_async_engine

from storage import migrate
from storage.database import open_database
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


# -- TLS for PostgreSQL ------------------------------------------------------------------------------------

TLS_URL = "postgresql://kader:secret@db.example:5432/kader?sslmode=verify-full&sslrootcert=/etc/ssl/certs/db-ca.pem"


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_tls_parameters_are_kept_for_both_drivers(scheme):
    url = TLS_URL.replace("postgresql://", f"{scheme}://")
    for mapped in (async_url(url), sync_url(url)):
        assert dict(mapped.query) == {"sslmode": "verify-full", "sslrootcert": "/etc/ssl/certs/db-ca.pem"}


@pytest.mark.parametrize(("mapping", "make_engine"), [(async_url, create_async_engine), (sync_url, create_engine)])
def test_psycopg_receives_the_tls_parameters_as_connection_options(mapping, make_engine):
    engine = make_engine(mapping(TLS_URL + "&sslcert=/etc/kader/client.pem&sslkey=/etc/kader/client.key"))
    _args, options = engine.dialect.create_connect_args(engine.url)
    assert {key: options[key] for key in ("sslmode", "sslrootcert", "sslcert", "sslkey")} == {
        "sslmode": "verify-full",
        "sslrootcert": "/etc/ssl/certs/db-ca.pem",
        "sslcert": "/etc/kader/client.pem",
        "sslkey": "/etc/kader/client.key",
    }
    assert (options["host"], options["dbname"], options["user"]) == ("db.example", "kader", "kader")


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="TEST_DATABASE_URL is not set")
async def test_libpq_applies_the_tls_parameters(tmp_path):
    # No TLS server is needed: a root certificate that does not exist fails verify-full before anything else,
    # while the same URL without it connects; so the parameters reach libpq.
    base = os.environ["TEST_DATABASE_URL"]
    joiner = "&" if "?" in base else "?"
    plain = open_database(base)
    verified = open_database(f"{base}{joiner}sslmode=verify-full&sslrootcert={tmp_path / 'missing-ca.pem'}")
    try:
        assert await plain.is_reachable()
        assert not await verified.is_reachable()
    finally:
        await plain.close()
        await verified.close()


def test_redacted_hides_passwords_in_the_query_string_too():
    shown = redacted("postgresql://kader@db.example/kader?sslmode=verify-full&sslpassword=Key-Pa55&password=Pw-1")
    assert "Key-Pa55" not in shown and "Pw-1" not in shown
    assert "sslpassword=***" in shown and "password=***" in shown and "sslmode=verify-full" in shown
