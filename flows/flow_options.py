"""Settings the flows take from the process: age limits at registration."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FlowOptions:
    """Configurable limits used by the flows: both age limits are settings (docs/domain.md, "Eligibility")."""

    min_age: int = 15
    max_age: int = 65
