"""Settings read from the environment, each with a documented default."""

from __future__ import annotations

import os
from dataclasses import dataclass

from storage.urls import DEFAULT_DATABASE_URL


@dataclass(frozen=True)
class Settings:
    """The process's configuration."""

    database_url: str = DEFAULT_DATABASE_URL
    log_level: str = "WARNING"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Settings from environment variables (DATABASE_URL, LOG_LEVEL)."""
        env = os.environ if environ is None else environ
        return cls(
            database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            log_level=(env.get("LOG_LEVEL") or "WARNING").upper(),
        )
