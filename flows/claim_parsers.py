"""Reading what a family or a cadre types when reporting a death or an accident: which worker, the day and hour,
the village, a phone, free words, and a photo (or why it was refused)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flows.model import Context, Invalid, Parsed, Valid
from flows.shared_parsers import nik_refusal, read_free_text, read_name
from flows.text import fold, is_skip
from flows.turn import UNAVAILABLE, Media
from rules.dates import InvalidDateError, parse_date
from rules.nik import InvalidNikError, parse_nik
from rules.phones import InvalidPhoneError, normalise_mobile
from rules.regions import find_villages

# The words that say the NIK, the registration number and the KPJ are all unknown.
UNKNOWN_WORDS = frozenset(
    {"tidak tahu", "tidak tau", "tdk tahu", "tdk tau", "gak tahu", "gak tau", "ga tau", "ga tahu", "nggak tahu"}
    | {"ngga tau", "enggak tahu", "tak tahu", "belum tahu", "lupa", "tidak ingat", "tidak punya", "tidak ada"}
    | {"don t know", "dont know", "i don t know", "unknown", "not sure", "no idea"}
)
_REGISTRATION = re.compile(r"^reg\s*(\d{4})\s*(\d{6})$")
_DIGITS_ONLY = re.compile(r"^[\d\s.\-]+$")
NIK_DIGITS = 16
KPJ_DIGITS = 11
MAX_VILLAGE_CHOICES = 8
MAX_STORY = 500

# -- which worker -----------------------------------------------------------------------------------------------------


def is_unknown(text: str) -> bool:
    """Whether the text says the number is not known ("tidak tahu", "lupa", "don't know")."""
    return fold(text) in UNKNOWN_WORDS


def registration_id(text: str) -> int | None:
    """The worker id inside a registration number typed as REG-6310-000123 (any case, spaces or dashes)."""
    match = _REGISTRATION.match(fold(text))
    return int(match.group(2)) if match else None


def typed_digits(text: str) -> str | None:
    """The digits of a number typed with spaces, dots or dashes, or None when the text holds anything else."""
    if not _DIGITS_ONLY.match(text.strip()):
        return None
    digits = "".join(c for c in text if c.isdigit())
    return digits if digits.isascii() else None


def read_nik(text: str, today: date) -> Parsed:
    """A valid NIK (16 digits) or the reason it is refused."""
    try:
        return Valid(parse_nik(text, today).number)
    except InvalidNikError as error:
        return nik_refusal(error, text)


# -- days and times -----------------------------------------------------------------------------------------------

_TODAY = frozenset({"hari ini", "today", "tadi", "barusan", "baru saja", "just now", "this morning", "tonight"})
_YESTERDAY = frozenset({"kemarin", "kemaren", "kmrn", "yesterday", "semalam", "tadi malam kemarin", "last night"})
_TWO_DAYS = frozenset({"kemarin lusa", "lusa kemarin", "2 hari lalu", "dua hari lalu", "2 days ago", "two days ago"})
_DAYS_AGO = re.compile(r"^(\d{1,2}) (?:hari (?:yang )?lalu|days? ago)$")
_DAY_MONTH = re.compile(r"^(\d{1,2})[/.-](\d{1,2})$")
_PERIODS = {
    "pagi": "am",
    "subuh": "am",
    "siang": "noon",
    "sore": "pm",
    "petang": "pm",
    "malam": "night",
    "am": "am",
    "pm": "pm",
}
_TIME = re.compile(
    r"(?:^|\s)(?:jam|pukul|pkl|at|around|sekitar)?\s*(\d{1,2})(?:[.:](\d{2}))?\s*"
    r"(pagi|subuh|siang|sore|petang|malam|am|pm)?\s*(?:wib|wita|wit)?$"
)
_HOUR_WORD = re.compile(r"\b(?:jam|pukul|pkl|at)\b")


def _relative_day(words: str, today: date) -> date | None:
    """A day named in words relative to today ("kemarin", "2 hari lalu", "hari ini"), or None."""
    if words in _TODAY or words in {"tadi pagi", "tadi siang", "tadi sore", "pagi ini", "siang ini", "sore ini"}:
        return today
    if words in _YESTERDAY or words in {"kemarin pagi", "kemarin siang", "kemarin sore", "kemarin malam"}:
        return today - timedelta(days=1)
    if words in _TWO_DAYS:
        return today - timedelta(days=2)
    match = _DAYS_AGO.match(words)
    return today - timedelta(days=int(match.group(1))) if match else None


def read_day(text: str, today: date) -> date:
    """A day as people say it: "kemarin", "hari ini", "3 hari lalu", "28/11" (this year), "28-11-2026", "28 Nov
    2026"; InvalidDateError when it is none of these."""
    words = fold(text)
    relative = _relative_day(words, today)
    if relative is not None:
        return relative
    match = _DAY_MONTH.match(text.strip())
    if match:
        try:
            return date(today.year, int(match.group(2)), int(match.group(1)))
        except ValueError as error:
            raise InvalidDateError(text) from error
    return parse_date(text, today)


def _hour(hour: int, period: str | None) -> int:
    """The 24-hour hour of "3 sore" (15), "10 malam" (22), "12 siang" (12), "7 pagi" (7), "14" (14)."""
    if period in ("pm", "night") and hour < 12 and not (period == "night" and hour < 4):
        return hour + 12
    if period == "noon" and 1 <= hour <= 5:
        return hour + 12
    if period in ("am", "night") and hour == 12:
        return 0
    return hour


def read_moment(text: str, today: date) -> tuple[date, time]:
    """A day and an hour: "kemarin jam 3 sore", "29/11 14.30", "hari ini pukul 07:15", "28-11-2026 jam 22";
    InvalidDateError("no_time") when the hour is missing, InvalidDateError otherwise."""
    words = " ".join(text.casefold().replace(",", " ").split())
    match = _TIME.search(words)
    said_hour = match is not None and (match.group(2) or match.group(3) or _HOUR_WORD.search(words))
    if match is None or not said_hour:
        raise InvalidDateError("no_time")
    day_words = words[: match.start()].strip().split()
    period = match.group(3)
    if period is None and day_words and day_words[-1] in _PERIODS:  # "kemarin sore jam 3"
        period = day_words.pop()
    hour, minute = _hour(int(match.group(1)), _PERIODS.get(period or "")), int(match.group(2) or 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise InvalidDateError("time")
    day = today if not day_words or day_words == ["tadi"] else read_day(" ".join(day_words), today)
    return day, time(hour, minute)


def local_moment(day: date, at: time, zone: str) -> datetime:
    """The day and hour in the zone, as an aware datetime."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(zone))


# -- village, phone, words, photos ------------------------------------------------------------------------------------


def read_village(text: str) -> Parsed:
    """One village (its code), a few to choose from, or why none: too many (add the kecamatan) or not found."""
    if len(text) > 200 or not any(c.isalnum() for c in text):
        return Invalid("claims.village.not_found")
    matches = find_villages(text, limit=MAX_VILLAGE_CHOICES)
    if matches.total == 0:
        return Invalid("claims.village.not_found")
    if matches.total == 1:
        return Valid({"code": matches.villages[0].code})
    if matches.total > MAX_VILLAGE_CHOICES:
        return Invalid("claims.village.too_many", {"count": matches.total})
    return Valid({"candidates": [[v.code, f"{v.name}, {v.district}, {v.regency}"] for v in matches.villages]})


def read_phone(text: str) -> Parsed:
    """An Indonesian mobile number in E.164, or why it was refused."""
    try:
        return Valid(normalise_mobile(text))
    except InvalidPhoneError as error:
        return Invalid(f"claims.phone.{error.reason}")


def read_words(text: str, max_length: int = MAX_STORY) -> Parsed:
    """Words in the person's own terms (a place, what happened, injuries), up to max_length characters."""
    if len(text.strip()) > max_length:
        return Invalid("claims.words.too_long", {"limit": max_length})
    return read_free_text(text, "claims.words.invalid", max_length)


_NOT_YET = frozenset({"belum", "blm", "belum dirawat", "belum berobat", "not yet", "not treated", "nowhere"})


def read_optional_words(text: str, max_length: int = MAX_STORY) -> Parsed:
    """Words, or None when skipped ("lewati", "tidak ada", "-", "belum")."""
    return Valid(None) if is_skip(text) or fold(text) in _NOT_YET else read_words(text, max_length)


def read_person(text: str) -> Parsed:
    """A person's name, tidied."""
    return read_name(text)


def photo_text(text: str, ctx: Context) -> Parsed:
    """Text where a photo is asked: a skip keeps no photo; anything else is told a photo is awaited."""
    return Valid(None) if is_skip(text) else Invalid("claims.photo.text_instead")


def kept_photo(value: Any, ctx: Context) -> dict[str, Any] | None:
    """The stored files behind a photo answer ({"media": [refs]}), read from the message that brought them, or as
    read before: {"files": [...]} when kept, {"refused": reason} when not; None for a skipped photo."""
    if not isinstance(value, dict):
        return None
    if "files" in value or "refused" in value:
        return value
    refs = list(value.get("media") or ())
    media: list[Media] = [m for m in ctx.inbound.media if m.ref in refs]
    kept = [m for m in media if m.refused is None and m.stored_path and m.sha256]
    value.clear()
    if kept:
        value["files"] = [
            {
                "path": m.stored_path,
                "content_type": m.content_type or "application/octet-stream",
                "size_bytes": int(m.size_bytes or 0),
                "sha256": m.sha256,
            }
            for m in kept
        ]
    else:
        value["refused"] = next((m.refused for m in media if m.refused), None) or UNAVAILABLE
    return value


def refused_reason(value: Any, ctx: Context) -> str | None:
    """Why the photo answered was not kept (TOO_LARGE, WRONG_TYPE, UNAVAILABLE), or None."""
    kept = kept_photo(value, ctx)
    return None if kept is None else kept.get("refused")
