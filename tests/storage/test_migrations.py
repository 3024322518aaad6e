"""Migrations: an empty database reaches head, upgrading again is harmless, and the schema matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, make_url, pool

from bot.cli import main
from storage import migrate
from storage.models import Base
from storage.urls import sync_url


def _tables(url: str) -> set[str]:
    engine = create_engine(sync_url(url), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return set(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def _differences(url: str) -> list[object]:
    engine = create_engine(sync_url(url), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_an_empty_sqlite_file_is_upgraded_to_head(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert migrate.current_revision(url) is None
    assert not migrate.is_up_to_date(url)
    migrate.upgrade(url)
    assert migrate.head_revision(url) is not None
    assert migrate.current_revision(url) == migrate.head_revision(url)
    assert migrate.is_up_to_date(url)
    assert {table.name for table in Base.metadata.sorted_tables} <= _tables(url)


def test_the_postgres_test_database_is_at_head(postgres_schema):
    assert migrate.is_up_to_date(postgres_schema)
    assert {table.name for table in Base.metadata.sorted_tables} <= _tables(postgres_schema)


def test_upgrading_twice_is_harmless_and_keeps_the_data(database_url):
    engine = create_engine(sync_url(database_url), poolclass=pool.NullPool)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO person (name, phone, created_at) VALUES ('Siti', '+6281234567890', CURRENT_TIMESTAMP)"
            )
        migrate.upgrade(database_url)
        migrate.upgrade(database_url)
        assert migrate.is_up_to_date(database_url)
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT name FROM person").scalars().all() == ["Siti"]
    finally:
        engine.dispose()


def test_the_migrated_schema_matches_the_models(database_url):
    assert _differences(database_url) == []


def test_a_fresh_sqlite_file_matches_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    migrate.upgrade(url)
    assert _differences(url) == []


def test_the_comparison_would_notice_a_missing_table(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    migrate.upgrade(url)
    engine = create_engine(sync_url(url), poolclass=pool.NullPool)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE audit_event")
    engine.dispose()
    assert any(diff[0] == "add_table" and diff[1].name == "audit_event" for diff in _differences(url))


def test_the_alembic_url_keeps_a_password_with_special_characters():
    config = migrate.alembic_config("postgresql://kader:p%40ss%25w0rd@db.example/kader")
    url = make_url(config.get_main_option("sqlalchemy.url"))
    assert url.password == "p@ss%w0rd"
    assert url.drivername == "postgresql+psycopg"


def test_kader_db_upgrade_creates_the_tables(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["db", "upgrade", "--database", url]) == 0
    assert {table.name for table in Base.metadata.sorted_tables} <= _tables(url)
    assert migrate.is_up_to_date(url)
    out = capsys.readouterr().out
    assert str(migrate.head_revision(url)) in out
