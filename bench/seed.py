"""Rows the benchmarks insert in bulk: plain village-paid BPU farmers of Sungai Lembu."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

VILLAGE = "63.10.02.2003"


def worker_row(index: int, nik: str, born: date, at: datetime) -> dict[str, Any]:
    """One registered worker as an insert row: a village-paid BPU farmer at the minimum income."""
    return dict(
        nik=nik,
        name=f"Pekerja {index:04d}",
        birth_date=born,
        sex="M",
        occupation="petani",
        segment="BPU",
        declared_income=1_000_000,
        programmes="JKK,JKM",
        payer="village",
        village_code=VILLAGE,
        registered_at=at,
        consent_at=at,
        registration_number=f"REG-6310-{index + 1:06d}",
    )
