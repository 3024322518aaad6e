"""How a failure is logged everywhere: the exception's type and stack, never its message (it may quote a user)."""

from __future__ import annotations

import traceback


def failure_trace(error: BaseException | None) -> str:
    """The exception's type name and its stack frames, without the message."""
    if error is None:
        return "None"
    return f"{type(error).__name__}\n{''.join(traceback.format_tb(error.__traceback__))}"
