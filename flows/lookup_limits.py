"""How often a stranger may miss the status check (NIK and birth date): 5 failed tries an hour per contact."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from flows.model import Context
from storage import audit

FAILED_LOOKUP = "status_lookup_failed"
MAX_FAILED_LOOKUPS = 5
FAILED_LOOKUP_WINDOW = timedelta(hours=1)


async def blocked_until(ctx: Context) -> datetime | None:
    """When this contact may try again, or None while it has failed fewer than the limit within the window."""
    since = ctx.now - FAILED_LOOKUP_WINDOW
    if await audit.count_since(ctx.session, FAILED_LOOKUP, ctx.contact.id, since) < MAX_FAILED_LOOKUPS:
        return None
    oldest = await audit.oldest_since(ctx.session, FAILED_LOOKUP, ctx.contact.id, since)
    return (oldest or ctx.now) + FAILED_LOOKUP_WINDOW


def wait_text(ctx: Context, until: datetime) -> str:
    """Tells the contact how many minutes to wait before the next try."""
    minutes = max(1, math.ceil((until - ctx.now).total_seconds() / 60))
    return ctx.t("status.check.wait", minutes=minutes)
