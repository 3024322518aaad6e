"""WhatsApp's 24-hour rule: free-form inside the window, an approved template outside it, nothing when opted out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from storage.models import Contact

WINDOW = timedelta(hours=24)
# Twilio counts from when it received the person's message; keep a margin for the time a message waits in a queue.
SAFETY_MARGIN = timedelta(minutes=10)
FREE_FORM = "free_form"
TEMPLATE = "template"
SKIP = "skip"


@dataclass(frozen=True)
class Decision:
    """How one proactive message goes: free-form, as a template (content SID and variables), or not at all (why)."""

    how: str
    reason: str | None = None
    content_sid: str | None = None
    variables: Mapping[str, Any] = field(default_factory=dict)


def template_setting(kind: str) -> str:
    """The environment variable that holds the content SID of a kind of message."""
    return "TWILIO_TEMPLATE_" + kind.upper()


def template_for(templates: Mapping[str, str], kind: str, language: str | None) -> str | None:
    """The content SID for a kind in the contact's language (TWILIO_TEMPLATE_<KIND>_EN), else for the kind."""
    if language and templates.get(f"{kind}_{language}"):
        return templates[f"{kind}_{language}"]
    return templates.get(kind)


def inside_window(last_inbound_at: datetime | None, now: datetime) -> bool:
    """Whether free-form text may still go: the person wrote less than 24 hours (minus a margin) ago."""
    return last_inbound_at is not None and now - last_inbound_at < WINDOW - SAFETY_MARGIN


def decide(
    contact: Contact,
    kind: str,
    variables: Mapping[str, Any] | None,
    templates: Mapping[str, str],
    now: datetime,
) -> Decision:
    """Chooses free-form, template or skip for a proactive message of `kind` to this contact now."""
    if contact.opted_out:
        return Decision(SKIP, reason="opted_out: the contact sent STOP")
    if contact.unreachable:
        return Decision(SKIP, reason="unreachable: the channel cannot reach the contact")
    if inside_window(contact.last_inbound_at, now):
        return Decision(FREE_FORM, variables=dict(variables or {}))
    content_sid = template_for(templates, kind, contact.language)
    if not content_sid:
        reason = f"no_template: outside the 24-hour window and {template_setting(kind)} is not set"
        return Decision(SKIP, reason=reason)
    return Decision(TEMPLATE, content_sid=content_sid, variables=dict(variables or {}))
