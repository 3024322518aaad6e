"""Opt-out and proactive messages through the real twilio client against the loopback Messages API."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.whatsapp.channel import WhatsAppChannel
from storage import audit, contacts, outbox
from tests.bot.whatsapp.fake_twilio import FakeTwilio
from tests.bot.whatsapp.phone import (
    ACCOUNT_SID,
    NUMBER,
    PUBLIC_URL,
    SENDER,
    TEMPLATE_SID,
    TWILIO_CLIENT_WARNINGS,
    Phone,
    message_sid,
    twiml_messages,
)

pytestmark = TWILIO_CLIENT_WARNINGS


async def _contact(database, number: str = NUMBER):
    async with database.transaction() as session:
        return await contacts.find_contact(session, "whatsapp", number)


async def _row(database, message_id: int):
    async with database.transaction() as session:
        return await outbox.get_message(session, message_id)


@pytest.mark.parametrize("word", ["STOP", "berhenti", "Unsubscribe"])
async def test_stop_opts_out_and_proactive_messages_are_skipped_then_start_resumes(
    word, phone: Phone, channel: WhatsAppChannel, database, fake_twilio: FakeTwilio
):
    await phone.send("menu")
    stopped = await phone.send(word)
    assert stopped == [
        "Baik, nomor ini tidak akan dikirimi pengingat iuran dan kabar lagi. Anda tetap bisa menulis kapan saja. "
        "Ketik MULAI untuk menerimanya lagi. (Untuk membatalkan isian, ketik batal.)"
    ]
    contact = await _contact(database)
    assert contact.opted_out

    skipped = await channel.outbound.send_proactive(contact.id, "reminder", "Iuran bulan ini jatuh tempo.")
    assert skipped.status == "skipped" and skipped.reason.startswith("opted_out")
    assert fake_twilio.requests == []

    resumed = await phone.send("mulai")
    assert "Anda akan menerima pengingat dan pemberitahuan lagi" in resumed[0]
    assert not (await _contact(database)).opted_out
    sent = await channel.outbound.send_proactive(contact.id, "reminder", "Iuran bulan ini jatuh tempo.")
    assert sent.status == "queued" and sent.external_id == fake_twilio.sent[0].sid
    async with database.transaction() as session:
        actions = [e.action for e in await audit.events(session) if e.action.startswith("contact.opt")]
    assert actions == ["contact.opted_out", "contact.opted_in"]


async def test_stop_is_acknowledged_in_the_contacts_language_and_deduplicated(phone: Phone, database):
    await phone.send("menu")
    await phone.send("5")
    await phone.send("English")
    sid = message_sid()
    first = await phone.send("stop", sid=sid)
    assert first[0].startswith("All right, this number will no longer be sent contribution reminders")
    again = await phone.post(phone.form("stop", sid=sid))
    assert twiml_messages(again.text) == []
    assert await phone.send("START") == [
        "All right, you will receive reminders and notices again. Type menu to see the services, or STOP to stop."
    ]


async def test_start_from_a_contact_who_never_opted_out_opens_the_menu(phone: Phone, database):
    replies = await phone.send("START")
    assert "1. Cek status kepesertaan" in replies[0]
    assert not (await _contact(database)).opted_out


async def test_stop_inside_a_sentence_is_an_ordinary_message(phone: Phone, database):
    await phone.send("tolong stop dulu")
    assert not (await _contact(database)).opted_out


async def test_a_proactive_message_inside_24_hours_goes_free_form(
    phone: Phone, channel: WhatsAppChannel, database, fake_twilio: FakeTwilio, clock
):
    await phone.send("menu")
    clock.advance(timedelta(hours=23))
    contact = await _contact(database)

    delivery = await channel.outbound.send_proactive(contact.id, "reminder", "Iuran Budi jatuh tempo 5 Agustus 2026.")

    [request] = fake_twilio.requests
    assert request.account == ACCOUNT_SID and request.username == ACCOUNT_SID
    assert request.form["To"] == f"whatsapp:{NUMBER}" and request.form["From"] == SENDER
    assert request.form["Body"] == "Iuran Budi jatuh tempo 5 Agustus 2026."
    assert "ContentSid" not in request.form
    assert request.form["StatusCallback"] == PUBLIC_URL + "/whatsapp/status"
    row = await _row(database, delivery.message_id)
    assert (row.status, row.external_id, row.attempts, row.template) == ("queued", request.sid, 1, None)


async def test_a_proactive_message_outside_24_hours_goes_as_the_template(
    phone: Phone, channel: WhatsAppChannel, database, fake_twilio: FakeTwilio, clock
):
    await phone.send("menu")
    clock.advance(timedelta(hours=25))
    contact = await _contact(database)
    variables = {"1": "Budi Santoso", "2": "5 Agustus 2026", "3": "Rp16.800"}

    delivery = await channel.outbound.send_proactive(contact.id, "reminder", "Iuran jatuh tempo.", variables, key="r:1")

    [request] = fake_twilio.requests
    assert request.form["ContentSid"] == TEMPLATE_SID
    assert json.loads(request.form["ContentVariables"]) == variables
    assert "Body" not in request.form
    row = await _row(database, delivery.message_id)
    assert (row.status, row.external_id, row.template, row.variables) == (
        "queued",
        request.sid,
        TEMPLATE_SID,
        variables,
    )
    assert (
        await channel.outbound.send_proactive(contact.id, "reminder", "Iuran jatuh tempo.", variables, key="r:1")
        is None
    )
    assert len(fake_twilio.requests) == 1


async def test_outside_24_hours_without_a_template_nothing_is_sent_and_the_reason_is_kept(
    phone: Phone, channel: WhatsAppChannel, database, fake_twilio: FakeTwilio, clock
):
    await phone.send("menu")
    clock.advance(timedelta(days=3))
    contact = await _contact(database)

    delivery = await channel.outbound.send_proactive(contact.id, "death_report", "Ada laporan kematian baru.")

    assert fake_twilio.requests == []
    row = await _row(database, delivery.message_id)
    assert row.status == "skipped" and row.external_id is None and row.attempts == 0
    assert row.reason == "no_template: outside the 24-hour window and TWILIO_TEMPLATE_DEATH_REPORT is not set"


async def test_twilio_21610_on_a_send_opts_the_contact_out(
    phone: Phone, channel: WhatsAppChannel, database, fake_twilio: FakeTwilio
):
    await phone.send("menu")
    contact = await _contact(database)
    fake_twilio.fail_next(21610)

    delivery = await channel.outbound.send_proactive(contact.id, "reminder", "Iuran jatuh tempo.")

    assert (delivery.status, delivery.error_code) == ("failed", "21610")
    assert (await _contact(database)).opted_out
    again = await channel.outbound.send_proactive(contact.id, "reminder", "Iuran jatuh tempo.")
    assert again.status == "skipped" and len(fake_twilio.requests) == 1


async def test_twilio_63016_inside_our_window_falls_back_to_the_template(
    phone: Phone, channel: WhatsAppChannel, database, fake_twilio: FakeTwilio
):
    await phone.send("menu")
    contact = await _contact(database)
    fake_twilio.fail_next(63016)

    delivery = await channel.outbound.send_proactive(contact.id, "reminder", "Iuran jatuh tempo.", {"1": "Budi"})

    assert [("Body" in r.form, r.form.get("ContentSid")) for r in fake_twilio.requests] == [
        (True, None),
        (False, TEMPLATE_SID),
    ]
    assert json.loads(fake_twilio.requests[1].form["ContentVariables"]) == {"1": "Budi"}
    row = await _row(database, delivery.message_id)
    assert (row.status, row.template, row.external_id) == ("queued", TEMPLATE_SID, fake_twilio.requests[1].sid)


async def test_a_rate_limited_send_goes_back_to_pending_for_later(
    phone: Phone, channel: WhatsAppChannel, database, fake_twilio: FakeTwilio, clock
):
    await phone.send("menu")
    contact = await _contact(database)
    fake_twilio.fail_next(20429, status=429)

    delivery = await channel.outbound.send_proactive(contact.id, "reminder", "Iuran jatuh tempo.")

    row = await _row(database, delivery.message_id)
    assert (row.status, row.error_code, row.attempts) == ("pending", "20429", 1)
    assert row.not_before == clock.now + timedelta(minutes=1)
    retried = await channel.outbound.deliver(delivery.message_id)
    assert retried.status == "queued" and len(fake_twilio.sent) == 1


async def test_a_message_is_delivered_once_even_when_asked_twice(
    phone: Phone, channel: WhatsAppChannel, database, fake_twilio: FakeTwilio
):
    await phone.send("menu")
    delivery = await channel.outbound.send_proactive((await _contact(database)).id, "reminder", "Iuran jatuh tempo.")

    again = await channel.outbound.deliver(delivery.message_id)

    assert again == delivery and len(fake_twilio.requests) == 1


async def test_an_unreachable_contact_gets_no_proactive_message(
    phone: Phone, channel: WhatsAppChannel, database, fake_twilio: FakeTwilio
):
    await phone.send("menu")
    async with database.transaction() as session:
        await contacts.mark_unreachable(session, "whatsapp", NUMBER)

    delivery = await channel.outbound.send_proactive((await _contact(database)).id, "reminder", "Iuran jatuh tempo.")

    assert delivery.status == "skipped" and delivery.reason.startswith("unreachable")
    assert fake_twilio.requests == []
