"""What a channel hands the engine (Inbound) and what the engine hands back (Reply)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from flows.i18n import DEFAULT_LANGUAGE

TEXT = "text"
CHOICE = "choice"
PHONE = "phone"
DOCUMENT = "document"


@dataclass(frozen=True)
class Media:
    """An attachment: a Telegram file id or a Twilio media URL, with its content type when known.

    A channel adapter that keeps attachments fills in where the file was stored, or why it was refused.
    """

    ref: str
    content_type: str | None = None
    stored_path: str | None = None
    size_bytes: int | None = None
    sha256: str | None = None
    # Why the file was not kept: TOO_LARGE, WRONG_TYPE or UNAVAILABLE (the download failed); None when kept.
    refused: str | None = None


TOO_LARGE = "too_large"
WRONG_TYPE = "wrong_type"
UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Inbound:
    """One message from one person on one channel, already verified by the channel adapter."""

    channel: str
    address: str
    text: str | None = None
    message_id: str | None = None
    verified_phone: str | None = None
    media: tuple[Media, ...] = ()
    unsupported: str | None = None
    language_hint: str | None = None
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    # The question whose button was pressed (Reply.question of the keyboard), None for typed text: a press on the
    # keyboard of a question no longer asked changes nothing.
    question: str | None = None
    # The durable inbox's row of this message (storage/inbox.py): the turn marks it handled in its transaction.
    inbox_id: int | None = None
    # The token of an invitation link the person opened (Telegram's t.me/<bot>?start=TOKEN arrives as "/start TOKEN").
    invite: str | None = None


@dataclass(frozen=True)
class Option:
    """One answer the user can pick: the value the engine understands and the label shown."""

    value: str
    label: str


@dataclass(frozen=True)
class Reply:
    """One message back to the sender, in its language; options are rendered as buttons or a numbered list."""

    text: str
    options: tuple[Option, ...] = ()
    expects: str = TEXT
    language: str = DEFAULT_LANGUAGE
    numbered: bool = True
    # Which question the options answer, for channels with buttons to send back with a press (Inbound.question).
    question: str | None = None
    # The reply refuses a button press on a question no longer asked: nothing changed.
    refused_press: bool = False
    # The outbox row that keeps this reply until the channel confirms it sent (None: not kept, e.g. a failure notice).
    outbox_id: int | None = None


def reply_to_document(reply: Reply) -> dict[str, Any]:
    """A reply as a JSON document, to be kept in the outbox until it is sent."""
    document = asdict(reply)
    document.pop("outbox_id", None)
    return document


def reply_from_document(document: dict[str, Any], outbox_id: int | None = None) -> Reply:
    """The reply kept as a JSON document (reply_to_document), with the outbox row that keeps it."""
    fields = dict(document)
    fields["options"] = tuple(Option(**option) for option in fields.get("options", ()))
    return Reply(**fields, outbox_id=outbox_id)
