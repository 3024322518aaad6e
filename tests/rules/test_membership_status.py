"""The status words a user expects; the status on any day is computed (and tested) in rules/coverage.py."""

from __future__ import annotations

from rules.membership_status import ARREARS_MONTHS, STATUSES


def test_the_status_words_the_users_expect():
    assert STATUSES == ("belum_aktif", "aktif", "menunggak", "berakhir", "meninggal")
    assert ARREARS_MONTHS == 3
