"""How often strangers may check a status by NIK: per contact, per NIK (from every contact together) and overall.

Three limits, each counted from `audit_event` rows in a sliding window ending now:

- per contact: 5 misses an hour (`MAX_FAILED_LOOKUPS` in `FAILED_LOOKUP_WINDOW`), as before;
- per NIK: 5 misses in 24 hours from all contacts and channels together (`MAX_MISSES_PER_NIK` in
  `NIK_MISS_WINDOW`); a miss is stored with a keyed hash of the typed NIK (`nik_key`), never the NIK;
- overall: `FlowOptions.stranger_checks_per_hour` checks (matched or missed) by all strangers in an hour.

Someone blocked waits until the last limit reached frees up; every block says the same words.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flows.flow_options import FlowOptions
from flows.model import Context
from storage import audit

FAILED_LOOKUP = "status_lookup_failed"  # a stranger's check that matched no participant (subject: the NIK's key)
MATCHED_LOOKUP = "status_lookup_matched"  # a stranger's check that showed a status (subject: the worker)
BLOCKED_LOOKUP = "status_lookup_blocked"  # a stranger's check refused by a limit before any lookup
STRANGER_CHECKS = (MATCHED_LOOKUP, FAILED_LOOKUP)

MAX_FAILED_LOOKUPS = 5
FAILED_LOOKUP_WINDOW = timedelta(hours=1)
MAX_MISSES_PER_NIK = 5
NIK_MISS_WINDOW = timedelta(hours=24)
STRANGER_CHECK_WINDOW = timedelta(hours=1)

NIK_SUBJECT = "nik_hash"
# A fixed application key, so that the same NIK gives the same key in every process and after every restart (the
# per-NIK count needs that). It keeps these keys apart from any other system's plain SHA-256 of a NIK; it is no
# secret (it is in the source), so it does not stop someone holding both the database and the code from trying
# every NIK of a kecamatan and birth date: the audit table is to be guarded like the worker table.
_NIK_KEY = b"kader/status-check/nik/v1"
_NIK_KEY_LENGTH = 40  # hex characters kept (160 bits): audit_event.subject_id holds 40

# Waits up to this long are said in minutes, longer ones in hours.
_MINUTES_UP_TO = timedelta(hours=2)

CONTACT, NIK, OVERALL = "contact", "nik", "overall"


def nik_key(nik: str) -> str:
    """The keyed hash (HMAC-SHA256) a NIK is counted by in the audit trail, in place of the NIK."""
    return hmac.new(_NIK_KEY, nik.encode("ascii"), hashlib.sha256).hexdigest()[:_NIK_KEY_LENGTH]


@dataclass(frozen=True)
class Block:
    """A check refused for now: until when, and which limits were reached (for the audit trail only)."""

    until: datetime
    limits: tuple[str, ...]


async def blocked(ctx: Context, options: FlowOptions | None = None, nik: str | None = None) -> Block | None:
    """Whether a stranger must wait before the next check: the contact's limit always, the overall cap when the
    options are given, the NIK's limit when the NIK is known; None while every limit leaves room."""
    reached: dict[str, datetime] = {}
    since = ctx.now - FAILED_LOOKUP_WINDOW
    at = await audit.nth_latest_by_contact(ctx.session, (FAILED_LOOKUP,), ctx.contact.id, since, MAX_FAILED_LOOKUPS)
    if at is not None:
        reached[CONTACT] = at + FAILED_LOOKUP_WINDOW
    if options is not None:
        since = ctx.now - STRANGER_CHECK_WINDOW
        at = await audit.nth_latest(ctx.session, STRANGER_CHECKS, since, max(1, options.stranger_checks_per_hour))
        if at is not None:
            reached[OVERALL] = at + STRANGER_CHECK_WINDOW
    if nik is not None:
        since = ctx.now - NIK_MISS_WINDOW
        at = await audit.nth_latest_about(
            ctx.session, FAILED_LOOKUP, NIK_SUBJECT, nik_key(nik), since, MAX_MISSES_PER_NIK
        )
        if at is not None:
            reached[NIK] = at + NIK_MISS_WINDOW
    if not reached:
        return None
    return Block(until=max(reached.values()), limits=tuple(reached))


def wait_text(ctx: Context, until: datetime) -> str:
    """Asks kindly to wait, in minutes (or hours for a long wait); the same words whichever limit was reached."""
    return ctx.t("status.check.wait", wait=wait_duration(ctx, until))


def wait_duration(ctx: Context, until: datetime) -> str:
    """How long until `until`, rounded up: "56 menit", or "23 jam" past two hours."""
    left = until - ctx.now
    if left > _MINUTES_UP_TO:
        return ctx.t("status.check.hours", count=math.ceil(left.total_seconds() / 3600))
    return ctx.t("status.check.minutes", count=max(1, math.ceil(left.total_seconds() / 60)))
