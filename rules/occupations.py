"""The occupations cadres pick from, which ones are village officials, and which are transport work."""

from __future__ import annotations

OTHER = "lainnya"

OCCUPATIONS: tuple[str, ...] = (
    "petani",
    "buruh_tani",
    "nelayan",
    "buruh_harian",
    "pedagang",
    "tukang",
    "ojek_sopir",
    "keagamaan",
    "kader",
    "rt_rw",
    "perangkat_desa",
    OTHER,
)

VILLAGE_OFFICIALS = frozenset({"perangkat_desa", "rt_rw"})
TRANSPORT = frozenset({"ojek_sopir"})

BPU = "BPU"
PU = "PU"


def may_be_wage_earner(occupation: str) -> bool:
    """Whether the occupation suggests a village official some regencies register as PU."""
    return occupation in VILLAGE_OFFICIALS


def sector_of(occupation: str) -> str | None:
    """The sector a dated discount may target ("transport"), or None."""
    return "transport" if occupation in TRANSPORT else None
