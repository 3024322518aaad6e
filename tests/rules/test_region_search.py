"""Village search as people type it: spellings of "Sungai", desa/kel. prefixes, a kecamatan name, and the count."""

from __future__ import annotations

import pytest

from rules.regions import find_villages, search_villages

SUNGAI_LEMBU = "63.10.02.2003"
KUSAN_HILIR_VILLAGES = 22


@pytest.mark.parametrize(
    "text",
    [
        "sungai lembu",
        "Sungai Lembu",
        "sei lembu",
        "Sei. Lembu",
        "sng lembu",
        "sng. lembu",
        "S. Lembu",
        "desa sungai lembu",
        "Desa Sei Lembu",
        "kel. sungai lembu",
        "kelurahan sungai lembu",
        "ds. sei lembu",
    ],
)
def test_sungai_lembu_however_it_is_spelt(text: str) -> None:
    found = find_villages(text)
    assert [v.code for v in found.villages] == [SUNGAI_LEMBU]
    assert found.total == 1


def test_a_spelling_of_sungai_also_finds_names_written_with_another_one() -> None:
    written_sei = {v.name for v in search_villages("sungai priok", limit=50)}
    assert "Sei. Priok" in written_sei


def test_names_written_as_one_word_are_found_with_a_space() -> None:
    assert "Sungaiabu" in {v.name for v in search_villages("sungai abu", limit=50)}


def test_a_kecamatan_name_lists_its_villages() -> None:
    found = find_villages("kusan hilir", limit=100)
    assert found.total == KUSAN_HILIR_VILLAGES
    assert {v.district for v in found.villages} == {"Kusan Hilir"}
    assert SUNGAI_LEMBU in {v.code for v in found.villages}


def test_kec_prefix_names_a_kecamatan_only() -> None:
    assert find_villages("kec. kusan hilir", limit=100).total == KUSAN_HILIR_VILLAGES


def test_the_total_counts_every_match_beyond_the_limit() -> None:
    found = find_villages("63.10.02", limit=20)
    assert len(found.villages) == 20
    assert found.total == KUSAN_HILIR_VILLAGES
    many = find_villages("sukamaju", limit=5)
    assert len(many.villages) == 5 and many.total > 5


def test_an_exact_name_comes_before_longer_ones() -> None:
    names = [v.name for v in search_villages("sungai lembu", limit=5)]
    assert names[0] == "Sungai Lembu"


def test_a_name_with_its_kecamatan_after_a_comma() -> None:
    found = find_villages("sei lembu, kusan hilir")
    assert [v.code for v in found.villages] == [SUNGAI_LEMBU] and found.total == 1


@pytest.mark.parametrize("text", ["", "  ", ",", "zzzzqqq", "kec. zzzzqqq"])
def test_nothing_found(text: str) -> None:
    found = find_villages(text)
    assert found.villages == () and found.total == 0
