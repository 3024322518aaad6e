"""Migrations: an empty database reaches head, upgrading again is harmless, and the schema matches the models."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, make_url, pool
from sqlalchemy.exc import IntegrityError

from bot.cli import main
from storage import migrate
from storage.models import Base
from storage.urls import sync_url

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


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


# -- 0005: payment voids, up from 0004 with payments in it ---------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """An empty database with no schema at all: a new SQLite file, or a new PostgreSQL schema dropped after."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    schema = f"kader_migration_{uuid.uuid4().hex[:8]}"
    admin = create_engine(sync_url(POSTGRES_URL), poolclass=pool.NullPool)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield (
            make_url(POSTGRES_URL)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


_WORKER = (
    "INSERT INTO worker (nik, name, birth_date, sex, occupation, segment, declared_income, programmes, payer, "
    "village_code, registered_at, consent_at) VALUES ('6310054508800001', 'Siti Aminah', '1980-08-05', 'F', 'petani', "
    "'BPU', 1000000, 'JKK_JKM', 'self', '63.10.02.2003', '2025-12-15 03:00:00+00', '2025-12-15 03:00:00+00')"
)
_VILLAGE = (
    "INSERT INTO village (code, name, district, regency, province, timezone, created_at) VALUES ('63.10.02.2003', "
    "'Sungai Lembu', 'Kusan Hilir', 'Tanah Bumbu', 'Kalimantan Selatan', 'Asia/Makassar', CURRENT_TIMESTAMP)"
)
_PAYMENT = (
    "INSERT INTO payment (worker_id, first_month, months, amount, source, reference, recorded_at) "
    "VALUES (1, '{first}', 12, 201600, 'import', 'BR-1', '2026-01-05 03:00:00+00')"
)


def test_0005_upgrades_a_0004_database_keeping_its_payments_and_lets_a_voided_key_be_recorded_again(empty_url):
    migrate.upgrade(empty_url, "0004")
    assert migrate.current_revision(empty_url) == "0004"
    engine = create_engine(sync_url(empty_url), poolclass=pool.NullPool)
    try:
        with engine.begin() as connection:
            for statement in (
                _VILLAGE,
                _WORKER,
                _PAYMENT.format(first="2026-01-01"),
                _PAYMENT.format(first="2027-01-01"),
            ):
                connection.exec_driver_sql(statement)
        migrate.upgrade(empty_url, "0005")
        assert migrate.current_revision(empty_url) == "0005"
        with engine.connect() as connection:
            columns = {c["name"]: c for c in inspect(connection).get_columns("payment")}
            assert {"voided_at", "void_reason", "voided_by"} <= set(columns)
            assert all(columns[name]["nullable"] for name in ("voided_at", "void_reason", "voided_by"))
            indexes = {i["name"]: i for i in inspect(connection).get_indexes("payment")}
            assert indexes["ix_payment_worker_id_source_reference_first_month"]["unique"]
            assert not any(u["name"] for u in inspect(connection).get_unique_constraints("payment"))
            rows = connection.exec_driver_sql(
                "SELECT first_month, months, reference, voided_at, void_reason, voided_by FROM payment ORDER BY id"
            ).all()
            assert [(str(r[0]), r[1], r[2], r[3], r[4], r[5]) for r in rows] == [
                ("2026-01-01", 12, "BR-1", None, None, None),
                ("2027-01-01", 12, "BR-1", None, None, None),
            ]
        with engine.begin() as connection:  # the old key still holds for payments not voided
            with pytest.raises(IntegrityError), connection.begin_nested():
                connection.exec_driver_sql(_PAYMENT.format(first="2026-01-01"))
            with pytest.raises(IntegrityError), connection.begin_nested():  # a void needs its reason
                connection.exec_driver_sql("UPDATE payment SET voided_at = CURRENT_TIMESTAMP WHERE id = 1")
            connection.exec_driver_sql(
                "UPDATE payment SET voided_at = CURRENT_TIMESTAMP, void_reason = 'salah catat' WHERE id = 1"
            )
            connection.exec_driver_sql(_PAYMENT.format(first="2026-01-01"))  # recorded again after its void
            assert connection.exec_driver_sql("SELECT count(*) FROM payment").scalar() == 3
            assert connection.exec_driver_sql("SELECT count(*) FROM payment WHERE voided_at IS NULL").scalar() == 2
            # still checked after the table was rebuilt (SQLite's batch mode copies the table)
            with pytest.raises(IntegrityError), connection.begin_nested():
                connection.exec_driver_sql(_PAYMENT.format(first="2028-01-01").replace("12, 201600", "0, 0"))
    finally:
        engine.dispose()


def test_0005_downgrades_to_0004_only_without_voided_payments(empty_url):
    migrate.upgrade(empty_url, "0004")
    engine = create_engine(sync_url(empty_url), poolclass=pool.NullPool)
    try:
        with engine.begin() as connection:
            for statement in (_VILLAGE, _WORKER, _PAYMENT.format(first="2026-01-01")):
                connection.exec_driver_sql(statement)
        migrate.upgrade(empty_url, "0005")
        command.downgrade(migrate.alembic_config(empty_url), "0004")
        assert migrate.current_revision(empty_url) == "0004"
        with engine.connect() as connection:
            assert "voided_at" not in {c["name"] for c in inspect(connection).get_columns("payment")}
            assert connection.exec_driver_sql("SELECT count(*) FROM payment").scalar() == 1
        migrate.upgrade(empty_url, "0005")
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "UPDATE payment SET voided_at = CURRENT_TIMESTAMP, void_reason = 'salah catat' WHERE id = 1"
            )
        with pytest.raises(RuntimeError, match="voided payment"):
            command.downgrade(migrate.alembic_config(empty_url), "0004")
        assert migrate.current_revision(empty_url) == "0005"
    finally:
        engine.dispose()


def test_0006_to_head_go_down_to_0005_and_back_keeping_the_workers(empty_url):
    migrate.upgrade(empty_url, "0005")
    engine = create_engine(sync_url(empty_url), poolclass=pool.NullPool)
    try:
        with engine.begin() as connection:
            for statement in (_VILLAGE, _WORKER):
                connection.exec_driver_sql(statement)
        migrate.upgrade(empty_url)
        assert {"cadre_invite", "claim", "claim_document", "inbox_message"} <= _tables(empty_url)
        with engine.begin() as connection:
            connection.exec_driver_sql("UPDATE worker SET kpj = '12345678901'")
        command.downgrade(migrate.alembic_config(empty_url), "0005")
        assert not {"cadre_invite", "claim", "claim_document", "inbox_message"} & _tables(empty_url)
        with engine.connect() as connection:
            assert "kpj" not in {c["name"] for c in inspect(connection).get_columns("worker")}
            assert connection.exec_driver_sql("SELECT count(*) FROM worker").scalar() == 1
        migrate.upgrade(empty_url)
        assert _differences(empty_url) == []
    finally:
        engine.dispose()
