"""Twilio's status callbacks, signed, moving a message's delivery state forward only."""

from __future__ import annotations

from storage import contacts, outbox
from tests.bot.whatsapp.phone import NUMBER, TWILIO_CLIENT_WARNINGS, Phone, sign

pytestmark = TWILIO_CLIENT_WARNINGS

PATH = "/whatsapp/status"


def _callback(sid: str, status: str, error_code: str | None = None) -> dict[str, str]:
    form = {
        "SmsSid": sid,
        "SmsStatus": status,
        "MessageStatus": status,
        "To": f"whatsapp:{NUMBER}",
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": "whatsapp:+14155238886",
        "ApiVersion": "2010-04-01",
        "ChannelToAddress": NUMBER,
    }
    if error_code:
        form["ErrorCode"] = error_code
    return form


async def _proactive(phone: Phone, channel, database):
    await phone.send("menu")
    async with database.transaction() as session:
        contact = await contacts.find_contact(session, "whatsapp", NUMBER)
    return await channel.outbound.send_proactive(contact.id, "reminder", "Iuran jatuh tempo.")


async def _status(database, message_id: int) -> tuple[str, str | None]:
    async with database.transaction() as session:
        row = await outbox.get_message(session, message_id)
        return row.status, row.error_code


async def test_status_callbacks_move_forward_and_a_late_sent_does_not_move_back(phone: Phone, channel, database):
    delivery = await _proactive(phone, channel, database)
    sid = delivery.external_id

    for state in ("queued", "sent", "delivered", "read"):
        response = await phone.post(_callback(sid, state), path=PATH)
        assert response.status_code == 200
        assert (await _status(database, delivery.message_id))[0] == state
    assert (await phone.post(_callback(sid, "sent"), path=PATH)).status_code == 200
    assert (await _status(database, delivery.message_id))[0] == "read"


async def test_failed_with_21610_records_the_code_and_opts_the_contact_out(phone: Phone, channel, database):
    delivery = await _proactive(phone, channel, database)

    await phone.post(_callback(delivery.external_id, "sent"), path=PATH)
    response = await phone.post(_callback(delivery.external_id, "failed", "21610"), path=PATH)

    assert response.status_code == 200
    assert await _status(database, delivery.message_id) == ("failed", "21610")
    async with database.transaction() as session:
        assert (await contacts.find_contact(session, "whatsapp", NUMBER)).opted_out


async def test_undelivered_keeps_the_error_code_without_opting_out(phone: Phone, channel, database):
    delivery = await _proactive(phone, channel, database)

    await phone.post(_callback(delivery.external_id, "undelivered", "63024"), path=PATH)

    assert await _status(database, delivery.message_id) == ("undelivered", "63024")
    async with database.transaction() as session:
        assert not (await contacts.find_contact(session, "whatsapp", NUMBER)).opted_out


async def test_an_unknown_sid_is_answered_200_and_logged_by_sid_only(phone: Phone, caplog):
    sid = "SM" + "f" * 32
    with caplog.at_level("INFO", logger="kader.whatsapp.delivery"):
        response = await phone.post(_callback(sid, "delivered"), path=PATH)
    assert response.status_code == 200
    [record] = [r for r in caplog.records if "unknown" in r.getMessage()]
    assert record.getMessage() == f"status for an unknown message sid={sid}"


async def test_a_status_callback_with_a_wrong_signature_changes_nothing(phone: Phone, channel, database):
    delivery = await _proactive(phone, channel, database)
    form = _callback(delivery.external_id, "failed", "21610")

    forged = sign(PATH, form, token="wrong")
    assert (await phone.post(form, path=PATH, signature=forged)).status_code == 403
    assert (await phone.post(form, path=PATH, signed=False)).status_code == 403
    assert await _status(database, delivery.message_id) == ("queued", None)


async def test_statuses_twilio_has_but_we_do_not_track_are_ignored(phone: Phone, channel, database):
    delivery = await _proactive(phone, channel, database)

    for state in ("accepted", "sending", "canceled"):
        assert (await phone.post(_callback(delivery.external_id, state), path=PATH)).status_code == 200
    assert await _status(database, delivery.message_id) == ("queued", None)
