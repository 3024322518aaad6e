"""The one shape of a refused typed answer: which text, and why, as a short reason a message key ends with."""

from __future__ import annotations

# Kept of the refused text: enough to see what was typed, never a whole pasted message.
MAX_KEPT = 64


class RefusedInputError(ValueError):
    """Typed text refused, with the reason ("format", "several", "characters", …); the message names no text, so a
    logged error carries no personal data."""

    what = "input"

    def __init__(self, text: str, reason: str) -> None:
        """Keeps the start of the text and the reason."""
        super().__init__(f"{self.what} refused ({reason})")
        self.text = text[:MAX_KEPT]
        self.reason = reason
