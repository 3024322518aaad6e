"""Settings from the environment: DATABASE_URL and LOG_LEVEL, with defaults."""

from __future__ import annotations

import logging

from bot.cli import main
from bot.settings import Settings
from storage.urls import DEFAULT_DATABASE_URL


def test_defaults_without_environment():
    settings = Settings.from_env({})
    assert settings.database_url == DEFAULT_DATABASE_URL == "sqlite:///kader.db"
    assert settings.log_level == "WARNING"
    assert settings == Settings()


def test_database_url_and_log_level_are_read():
    settings = Settings.from_env({"DATABASE_URL": "postgresql://kader@db/kader", "LOG_LEVEL": "debug"})
    assert settings.database_url == "postgresql://kader@db/kader"
    assert settings.log_level == "DEBUG"


def test_blank_values_fall_back_to_the_defaults():
    settings = Settings.from_env({"DATABASE_URL": "", "LOG_LEVEL": "  "})
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.log_level == "WARNING"


def test_the_process_environment_is_read_by_default(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///elsewhere.db")
    monkeypatch.setenv("LOG_LEVEL", "info")
    settings = Settings.from_env()
    assert (settings.database_url, settings.log_level) == ("sqlite:///elsewhere.db", "INFO")
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.delenv("LOG_LEVEL")
    assert Settings.from_env() == Settings()


def test_the_log_level_reaches_the_logging_setup(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LOG_LEVEL", "info")
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    root.handlers = []
    try:
        assert main(["db", "upgrade", "--database", f"sqlite:///{tmp_path / 'x.db'}"]) == 0
        assert root.level == logging.INFO
    finally:
        root.handlers = saved_handlers
        root.setLevel(saved_level)
