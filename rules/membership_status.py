"""The words of a worker's membership status, and how long arrears may last (see rules/coverage.py)."""

from __future__ import annotations

NOT_ACTIVE = "belum_aktif"
ACTIVE = "aktif"
IN_ARREARS = "menunggak"
LAPSED = "berakhir"
DECEASED = "meninggal"

STATUSES = (NOT_ACTIVE, ACTIVE, IN_ARREARS, LAPSED, DECEASED)
ARREARS_MONTHS = 3
