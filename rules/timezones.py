"""Indonesian time zones by Kemendagri province code (no daylight saving)."""

from __future__ import annotations

JAKARTA = "Asia/Jakarta"
PONTIANAK = "Asia/Pontianak"
MAKASSAR = "Asia/Makassar"
JAYAPURA = "Asia/Jayapura"

_WIB = ("11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35", "36")
_WIB_KALIMANTAN = ("61", "62")
_WITA = ("51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76")
_WIT = ("81", "82", "91", "92", "93", "94", "95", "96")

PROVINCE_ZONES: dict[str, str] = {
    **dict.fromkeys(_WIB, JAKARTA),
    **dict.fromkeys(_WIB_KALIMANTAN, PONTIANAK),
    **dict.fromkeys(_WITA, MAKASSAR),
    **dict.fromkeys(_WIT, JAYAPURA),
}

_LABELS: dict[str, str] = {JAKARTA: "WIB", PONTIANAK: "WIB", MAKASSAR: "WITA", JAYAPURA: "WIT"}


def zone_for_province(province_code: str) -> str:
    """IANA time zone for a two-digit province code such as "63"."""
    zone = PROVINCE_ZONES.get(province_code.strip())
    if zone is None:
        raise ValueError(f"unknown province code: {province_code!r}")
    return zone


def zone_label(zone: str) -> str:
    """Indonesian label ("WIB", "WITA" or "WIT") for an IANA zone from this module."""
    try:
        return _LABELS[zone]
    except KeyError:
        raise ValueError(f"not an Indonesian time zone: {zone!r}") from None


def zone_for_village(code: str) -> str:
    """IANA time zone for a region code, dotted ("63.10.02.2003") or plain ("6310022003")."""
    text = code.strip()
    province = text.split(".", 1)[0] if "." in text else text[:2]
    if len(province) != 2:
        raise ValueError(f"not a region code: {code!r}")
    return zone_for_province(province)
