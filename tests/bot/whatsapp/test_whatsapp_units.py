"""The pure parts of the WhatsApp channel: reading Twilio's form, opt words, rendering, the 24-hour decision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.whatsapp.client import SendError, content_variables
from bot.whatsapp.inbound import START, STOP, InvalidWebhookError, opt_command, parse_inbound
from bot.whatsapp.outbound import retry_delay
from bot.whatsapp.render import MAX_BODY, reply_parts, twiml
from bot.whatsapp.window import FREE_FORM, SKIP, TEMPLATE, decide
from flows.i18n import catalogue, placeholders
from flows.turn import Inbound, Media, Option, Reply
from storage.models import Contact

NOW = datetime(2026, 8, 5, 2, 0, tzinfo=UTC)


def _form(**fields: str) -> dict[str, str]:
    return {"MessageSid": "SM1", "From": "whatsapp:+6281234567801", "Body": "", "NumMedia": "0", **fields}


def test_the_sender_is_a_verified_e164_phone_and_the_sid_the_message_id():
    inbound = parse_inbound(_form(Body="menu", From="whatsapp:+62 812-3456-7801"), NOW)
    assert inbound == Inbound(
        channel="whatsapp",
        address="+6281234567801",
        text="menu",
        message_id="SM1",
        verified_phone="+6281234567801",
        received_at=NOW,
    )


def test_media_urls_and_content_types_become_inbound_media():
    inbound = parse_inbound(
        _form(
            NumMedia="2",
            MediaUrl0="https://api.twilio.com/m/ME0",
            MediaContentType0="image/jpeg",
            MediaUrl1="https://api.twilio.com/m/ME1",
            MediaContentType1="application/pdf",
        ),
        NOW,
    )
    assert inbound.media == (
        Media("https://api.twilio.com/m/ME0", "image/jpeg"),
        Media("https://api.twilio.com/m/ME1", "application/pdf"),
    )
    assert inbound.text is None and inbound.unsupported is None


def test_a_message_with_neither_text_nor_media_is_unsupported():
    assert parse_inbound(_form(MessageType="location", Latitude="-3.4"), NOW).unsupported == "location"
    assert parse_inbound(_form(Latitude="-3.4"), NOW).unsupported == "location"
    assert parse_inbound(_form(Body="   "), NOW).unsupported == "empty"


def test_a_foreign_number_is_kept_as_given_and_garbage_is_refused():
    assert parse_inbound(_form(From="whatsapp:+14155550100"), NOW).address == "+14155550100"
    for sender in ("+6281234567801", "whatsapp:12345", "whatsapp:", ""):
        with pytest.raises(InvalidWebhookError):
            parse_inbound(_form(From=sender), NOW)
    with pytest.raises(InvalidWebhookError):
        parse_inbound(_form(MessageSid=""), NOW)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("STOP", STOP),
        ("stop", STOP),
        (" Berhenti ", STOP),
        ("UNSUBSCRIBE!", STOP),
        ("START", START),
        ("Mulai", START),
        ("stop dulu", None),
        ("mulai ulang", None),
        ("menu", None),
    ],
)
def test_opt_words_count_only_alone_in_any_case(text, command):
    assert opt_command(Inbound("whatsapp", "+6281234567801", text=text)) == command


def test_replies_become_numbered_plain_text_joined_in_one_message():
    replies = [
        Reply("Halo!"),
        Reply("Pilih bahasa:", (Option("id", "Bahasa Indonesia"), Option("en", "English")), "choice"),
    ]
    assert reply_parts(replies) == ["Halo!\n\nPilih bahasa:\n\n1. Bahasa Indonesia\n2. English\n\nBalas 1 atau 2."]
    assert reply_parts([]) == []


def test_long_text_is_split_under_the_limit_and_twiml_escapes_it():
    parts = reply_parts([Reply(("kata " * 99 + "\n\n") * 10, language="en")])
    assert len(parts) > 1 and all(len(p) <= MAX_BODY for p in parts)
    assert (
        twiml(["a < b & c"])
        == '<?xml version="1.0" encoding="UTF-8"?><Response><Message>a &lt; b &amp; c</Message></Response>'
    )


def _contact(**fields: object) -> Contact:
    values = {"opted_out": False, "unreachable": False, "last_inbound_at": NOW - timedelta(hours=1), **fields}
    return Contact(channel="whatsapp", address="+6281234567801", **values)


def test_the_24_hour_decision():
    templates = {"reminder": "HX1"}
    assert decide(_contact(), "reminder", {}, templates, NOW).how == FREE_FORM
    late = _contact(last_inbound_at=NOW - timedelta(hours=23, minutes=55))
    assert decide(late, "reminder", {"1": "x"}, templates, NOW).how == TEMPLATE
    never = decide(_contact(last_inbound_at=None), "reminder", {"1": "x"}, templates, NOW)
    assert (never.how, never.content_sid, dict(never.variables)) == (TEMPLATE, "HX1", {"1": "x"})
    assert decide(_contact(last_inbound_at=None), "notice", {}, templates, NOW).how == SKIP
    assert decide(_contact(opted_out=True), "reminder", {}, templates, NOW).reason.startswith("opted_out")
    assert decide(_contact(unreachable=True), "reminder", {}, templates, NOW).reason.startswith("unreachable")


def test_a_template_in_the_contacts_language_is_preferred():
    templates = {"reminder": "HXid", "reminder_en": "HXen"}
    english = decide(_contact(last_inbound_at=None, language="en"), "reminder", {}, templates, NOW)
    indonesian = decide(_contact(last_inbound_at=None, language="id"), "reminder", {}, templates, NOW)
    assert (english.content_sid, indonesian.content_sid) == ("HXen", "HXid")


def test_content_variables_are_a_json_object_of_one_line_strings():
    assert content_variables({1: "Budi", "2": 16800}) == '{"1": "Budi", "2": "16800"}'
    assert content_variables({"1": "Desa\nSungai   Lembu\t", "2": " "}) == '{"1": "Desa Sungai Lembu", "2": "-"}'


def test_send_errors_are_classified_for_retries():
    assert SendError("x", code=20429, http_status=429).retryable
    assert SendError("x", code=20500, http_status=500).retryable
    assert not SendError("x", code=21610, http_status=400).retryable
    assert SendError("connection refused").retryable
    unknown = SendError("no answer from twilio (TimeoutError)")
    assert unknown.outcome_unknown and not unknown.retryable
    assert [retry_delay(n) for n in (1, 2, 3, 10)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(hours=1),
    ]


def test_whatsapp_messages_exist_in_both_languages_with_the_same_placeholders():
    indonesian, english = catalogue("id"), catalogue("en")
    for key in ("whatsapp.opted_out", "whatsapp.opted_in"):
        assert placeholders(indonesian[key]) == placeholders(english[key])
