"""One figure of a benchmark as data, so that bench/run_all.py can print every benchmark in one table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BenchRow:
    """A figure of kader beside the baseline measured in the same run, and the goal it is held to."""

    benchmark: str
    database: str
    figure: str
    value: float
    unit: str
    baseline: float | None
    goal: str = ""
    higher_is_better: bool = False  # seconds: lower is better; messages/s: higher

    def ratio(self) -> float | None:
        """How many times better kader is than the baseline (above 1: better), or None without a baseline."""
        if self.baseline is None or not self.value or not self.baseline:
            return None
        return self.value / self.baseline if self.higher_is_better else self.baseline / self.value


def database_name(url: str) -> str:
    """'SQLite' or 'PostgreSQL' for a database URL."""
    return "PostgreSQL" if url.startswith("postgres") else "SQLite"
