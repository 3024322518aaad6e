"""A contact sending faster than anyone types: past the limit, the first extra message is answered once that they
must slow down, and the rest are dropped before any database work (counted, not handled)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

WINDOW_SECONDS = 60.0
ADMIT = "admit"
WARN = "warn"
DROP = "drop"


@dataclass
class _Sender:
    times: deque[float] = field(default_factory=deque)
    warned: bool = False


class FloodGate:
    """Per-contact message counts over the last minute, in this process (a first line, not a shared quota)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.dropped = 0
        self._clock = clock
        self._senders: dict[Hashable, _Sender] = {}

    def admit(self, key: Hashable) -> str:
        """ADMIT a message within the limit; WARN the first one past it; DROP the rest until the minute frees up."""
        now = self._clock()
        sender = self._senders.setdefault(key, _Sender())
        while sender.times and now - sender.times[0] >= WINDOW_SECONDS:
            sender.times.popleft()
        if len(sender.times) < self.per_minute:
            sender.times.append(now)
            sender.warned = False
            self._forget_idle(now)
            return ADMIT
        self.dropped += 1
        if sender.warned:
            return DROP
        sender.warned = True
        return WARN

    def _forget_idle(self, now: float) -> None:
        """Drops senders silent for a minute, so the table holds only the last minute's senders."""
        if len(self._senders) < 1024:
            return
        for key in [k for k, s in self._senders.items() if not s.times or now - s.times[-1] >= WINDOW_SECONDS]:
            del self._senders[key]
