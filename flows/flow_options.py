"""Settings the flows take from the process: age limits at registration, the strangers' status-check cap, the
period within which a payment may be voided."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FlowOptions:
    """Configurable limits used by the flows: both age limits are settings (docs/domain.md, "Eligibility")."""

    min_age: int = 15
    max_age: int = 65
    # Status checks by people who are neither the worker nor staff, from all contacts together, in an hour.
    stranger_checks_per_hour: int = 60
    # A payment may be voided in chat within this many days of its recording (PAYMENT_VOID_DAYS, as the CLI).
    payment_void_days: int = 30
