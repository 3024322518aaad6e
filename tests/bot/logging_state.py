"""Keeping a test's logging configuration (what `kader` sets up for every command) from reaching the next test."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from bot.logs import LIBRARY_LOGGERS, OWN_LOGGERS, KaderHandler


@contextlib.contextmanager
def logging_kept() -> Iterator[None]:
    """Restores every logger's level, handlers and propagation as they were, and turns warnings capture off."""
    names = {*OWN_LOGGERS, *LIBRARY_LOGGERS, *logging.Logger.manager.loggerDict}
    loggers = [logging.getLogger()] + [logging.getLogger(name) for name in sorted(names)]
    kept = [(logger, logger.level, list(logger.handlers), logger.propagate) for logger in loggers]
    try:
        yield
    finally:
        for logger, level, handlers, propagate in kept:
            for handler in [h for h in logger.handlers if h not in handlers]:
                logger.removeHandler(handler)
                if isinstance(handler, KaderHandler):
                    handler.close()
            for handler in handlers:
                if handler not in logger.handlers:
                    logger.addHandler(handler)
            logger.setLevel(level)
            logger.propagate = propagate
        logging.captureWarnings(False)
