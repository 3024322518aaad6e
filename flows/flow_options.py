"""Settings the flows take from the process: age limits at registration."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FlowOptions:
    """Configurable limits used by the flows (DOMAIN.md marks both age limits as settings)."""

    min_age: int = 15
    max_age: int = 65
