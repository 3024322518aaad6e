"""What every test of the edges shares: the logging a `kader` command configures ends with the test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.bot.logging_state import logging_kept


@pytest.fixture(autouse=True)
def _logging_restored() -> Iterator[None]:
    """Runs the test, then puts the logging configuration back as it was."""
    with logging_kept():
        yield
