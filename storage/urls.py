"""Database URLs: the default, and the mapping of user-written URLs to the drivers this project uses.

Query parameters pass through to the driver unchanged, so libpq's TLS settings work on PostgreSQL URLs:
`postgresql://kader@db.example/kader?sslmode=verify-full&sslrootcert=/etc/ssl/certs/db-ca.pem`.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url

DEFAULT_DATABASE_URL = "sqlite:///kader.db"
# Query parameters libpq reads as secrets; shown as *** like the password.
SECRET_QUERY_KEYS = frozenset({"password", "sslpassword"})
_HIDDEN = "***"


class UnsupportedDatabaseError(ValueError):
    """The URL names a database this project does not run on."""


def _normalised(url: str) -> URL:
    text = url.strip()
    if text.startswith("postgres://"):
        text = "postgresql://" + text[len("postgres://") :]
    parsed = make_url(text)
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise UnsupportedDatabaseError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")
    return parsed


def async_url(url: str) -> URL:
    """The URL with the asyncio driver: aiosqlite for SQLite, psycopg 3 for PostgreSQL."""
    parsed = _normalised(url)
    driver = "aiosqlite" if parsed.get_backend_name() == "sqlite" else "psycopg"
    return parsed.set(drivername=f"{parsed.get_backend_name()}+{driver}")


def sync_url(url: str) -> URL:
    """The URL with the blocking driver used by migrations: pysqlite or psycopg 3."""
    parsed = _normalised(url)
    driver = "pysqlite" if parsed.get_backend_name() == "sqlite" else "psycopg"
    return parsed.set(drivername=f"{parsed.get_backend_name()}+{driver}")


def is_sqlite(url: str) -> bool:
    """Whether the URL points at an SQLite database."""
    return _normalised(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL, or None for an in-memory or non-SQLite database."""
    parsed = _normalised(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def redacted(url: str) -> str:
    """The URL with its password (and any password in its query string) hidden, for logs and messages."""
    parsed = _normalised(url)
    secret_keys = [key for key in parsed.query if key.lower() in SECRET_QUERY_KEYS]
    if secret_keys:
        parsed = parsed.update_query_dict(dict.fromkeys(secret_keys, _HIDDEN))
    return parsed.render_as_string(hide_password=True).replace("%2A%2A%2A", _HIDDEN)
