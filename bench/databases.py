"""Scratch databases for the benchmarks: a PostgreSQL database created on a server and dropped afterwards."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storage.urls import sync_url


@contextmanager
def scratch_database(server_url: str, label: str = "kpj") -> Iterator[str]:
    """A new, empty PostgreSQL database (kader_bench_<label>_<pid>) on the server of the URL, dropped afterwards."""
    name = f"kader_bench_{label}_{os.getpid()}"
    admin = create_engine(sync_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
