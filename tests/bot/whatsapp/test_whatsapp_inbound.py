"""Inbound WhatsApp messages end to end: signed form posts in, TwiML out, through the real app and engine."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import func, select

from bot.enabled_channels import enabled_channels
from bot.settings import Settings
from bot.web import create_app
from bot.whatsapp.channel import MAX_TWIML_PARTS
from bot.whatsapp.render import MAX_BODY
from flows.engine import Engine
from flows.model import Context, Flow, Outcome, Step
from flows.registry import default_registry
from flows.turn import DOCUMENT
from storage import contacts, conversations, outbox
from storage.models import Contact, ReceivedMessage
from tests.bot.whatsapp.phone import (
    NUMBER,
    PUBLIC_URL,
    TWILIO_CLIENT_WARNINGS,
    Phone,
    message_sid,
    sign,
    twiml_messages,
)

pytestmark = TWILIO_CLIENT_WARNINGS


async def _count(database, model) -> int:
    async with database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)))


def _extra_flows_engine(database) -> Engine:
    """The product's flows plus three test flows: a document upload, a very long answer and a slow step."""
    registry = default_registry()

    async def got_document(ctx: Context) -> Outcome:
        answer = ctx.answers["document"]
        return Outcome(texts=[f"dokumen diterima: {len(answer['media'])} berkas: {' '.join(answer['media'])}"])

    registry.add(
        Flow("upload", "info.title", (Step("document", "info.ask", expects=DOCUMENT),), got_document), "unggah"
    )

    def long_answer(paragraphs: int):
        async def complete(ctx: Context) -> Outcome:
            return Outcome(texts=["\n\n".join(f"Paragraf {n}: " + "kata " * 150 for n in range(paragraphs))])

        return complete

    registry.add(Flow("long", "info.title", (), long_answer(5)), "panjang")
    registry.add(Flow("very_long", "info.title", (), long_answer(12)), "sangat panjang")

    async def slow_answer(ctx: Context) -> Outcome:
        await asyncio.sleep(0.3)
        return Outcome(texts=["jawaban lambat"])

    registry.add(Flow("slow", "info.title", (), slow_answer), "lambat")
    return Engine(database, registry)


async def test_signed_menu_post_gets_twiml_with_the_numbered_menu(phone: Phone, database):
    replies = await phone.send("menu")

    assert len(replies) == 1
    menu = replies[0]
    assert "1. Cek status kepesertaan" in menu
    assert "4. Info program" in menu
    assert "5. Bahasa / Language" in menu
    assert menu.rstrip().endswith("Balas dengan angka 1 sampai 5.")
    async with database.transaction() as session:
        contact = await contacts.find_contact(session, "whatsapp", NUMBER)
        assert contact is not None and contact.phone == NUMBER and contact.last_inbound_at is not None


async def test_a_whole_conversation_menu_information_and_language(phone: Phone):
    assert "Info program" in await phone.say("halo")
    topics = await phone.say("4")
    assert "Berapa iurannya" in topics and "Balas dengan angka 1 sampai 8." in topics
    cost = await phone.say("berapa iurannya")
    assert "Rp16.800" in cost and "Rp36.800" in cost
    assert "Info apa yang ingin Anda ketahui?" in cost

    assert "Bahasa / Language" in await phone.say("menu")
    choose = await phone.say("Bahasa / Language")
    assert "1. Bahasa Indonesia" in choose and "2. English" in choose and "Balas 1 atau 2." in choose
    english = await phone.say("2")
    assert "All right, we will continue in English." in english
    assert "1. Check membership status" in english and "Reply with a number from 1 to 5." in english
    info = await phone.say("Programme information")
    assert "What would you like to know?" in info
    assert "Rp16,800" in await phone.say("5")


async def test_forged_and_missing_signatures_are_refused_without_effect(phone: Phone, database):
    form = phone.form("menu")
    forged = sign("/whatsapp/inbound", form, token="not-the-auth-token")
    other_host = sign("/whatsapp/inbound", form, base="https://attacker.example.com")
    tampered = dict(form, Body="batal")

    assert (await phone.post(form, signature=forged)).status_code == 403
    assert (await phone.post(form, signature=other_host)).status_code == 403
    assert (await phone.post(tampered, signature=sign("/whatsapp/inbound", form))).status_code == 403
    assert (await phone.post(form, signed=False)).status_code == 403
    assert (await phone.post(form, signature="")).status_code == 403

    assert await _count(database, Contact) == 0
    assert await _count(database, ReceivedMessage) == 0


async def test_without_public_url_every_webhook_is_refused(make_channel, settings: Settings, database, caplog):
    unset = Settings(**{**settings.__dict__, "public_url": None})
    with caplog.at_level("ERROR", logger="kader.whatsapp"):
        _, client = await make_channel(settings=unset)
        phone = Phone(client)
        assert (await phone.post(phone.form("menu"))).status_code == 403
        assert (await phone.post(phone.form("menu"))).status_code == 403
    assert await _count(database, Contact) == 0
    assert sum("PUBLIC_URL is not set" in r.getMessage() for r in caplog.records) == 1


async def test_the_signature_covers_the_query_string_as_twilio_called_it(phone: Phone):
    path = "/whatsapp/inbound?source=wa&x=a%20b"
    form = phone.form("menu")

    response = await phone.post(form, path=path, signature=sign(path, form))
    assert response.status_code == 200 and "Info program" in response.text
    again = phone.form("menu")
    assert (await phone.post(again, path=path, signature=sign("/whatsapp/inbound", again))).status_code == 403


async def test_the_same_message_sid_twice_has_one_effect(phone: Phone, database):
    await phone.send("menu")
    sid = message_sid()
    first = await phone.send("4", sid=sid)
    assert "Berapa iurannya" in first[0]
    async with database.transaction() as session:
        contact = await contacts.find_contact(session, "whatsapp", NUMBER)
        before = await conversations.load_for_update(session, contact.id)
        before = (before.flow, before.step, before.updated_at, contact.last_inbound_at)

    second = await phone.post(phone.form("4", sid=sid))
    assert second.status_code == 200
    assert twiml_messages(second.text) == []

    async with database.transaction() as session:
        contact = await contacts.find_contact(session, "whatsapp", NUMBER)
        after = await conversations.load_for_update(session, contact.id)
        assert (after.flow, after.step, after.updated_at, contact.last_inbound_at) == before
    assert await _count(database, ReceivedMessage) == 2


async def test_a_document_step_receives_the_media_urls(make_channel, database):
    _, client = await make_channel(engine=_extra_flows_engine(database))
    phone = Phone(client)
    await phone.send("unggah")
    media = {
        "NumMedia": "2",
        "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1",
        "MediaContentType0": "image/jpeg",
        "MediaUrl1": "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME2",
        "MediaContentType1": "application/pdf",
        "MessageType": "image",
    }
    replies = await phone.send("", **media)
    assert replies == [f"dokumen diterima: 2 berkas: {media['MediaUrl0']} {media['MediaUrl1']}"]


async def test_a_location_or_empty_message_is_answered_as_unsupported(phone: Phone):
    await phone.send("menu")
    location = await phone.send("", MessageType="location", Latitude="-3.44", Longitude="115.99")
    assert "hanya bisa membaca pesan teks" in location[0]
    assert "1. Cek status kepesertaan" in location[0]


async def test_media_outside_a_document_step_is_unsupported(phone: Phone):
    replies = await phone.send("", NumMedia="1", MediaUrl0="https://api.twilio.com/m/1", MediaContentType0="image/png")
    assert "hanya bisa membaca pesan teks" in replies[0]


async def test_a_long_reply_is_split_into_twiml_messages_under_1600_characters(make_channel, database, fake_twilio):
    _, client = await make_channel(engine=_extra_flows_engine(database))
    replies = await Phone(client).send("panjang")

    assert 1 < len(replies) <= MAX_TWIML_PARTS
    assert all(len(part) <= MAX_BODY for part in replies)
    text = "\n\n".join(replies)
    assert all(f"Paragraf {n}:" in text for n in range(5))
    assert fake_twilio.requests == []


async def test_a_reply_of_many_parts_goes_by_rest_in_order_and_is_recorded(make_channel, database, fake_twilio):
    channel, client = await make_channel(engine=_extra_flows_engine(database))
    response = await Phone(client).post(Phone(client).form("sangat panjang"))

    assert response.status_code == 200 and twiml_messages(response.text) == []
    assert await channel.wait_idle(5)
    bodies = [r.form["Body"] for r in fake_twilio.sent]
    assert len(bodies) > MAX_TWIML_PARTS and all(len(b) <= MAX_BODY for b in bodies)
    text = "\n\n".join(bodies)
    positions = [text.index(f"Paragraf {n}:") for n in range(12)]
    assert positions == sorted(positions)
    assert all(r.form["To"] == f"whatsapp:{NUMBER}" for r in fake_twilio.sent)
    assert all(r.form["StatusCallback"] == PUBLIC_URL + "/whatsapp/status" for r in fake_twilio.sent)
    async with database.transaction() as session:
        contact = await contacts.find_contact(session, "whatsapp", NUMBER)
        rows = await outbox.messages_for(session, contact.id)
    assert [row.external_id for row in rows] == [r.sid for r in fake_twilio.sent]
    assert {row.status for row in rows} == {"queued"} and {row.kind for row in rows} == {"reply"}


async def test_a_slow_turn_answers_empty_twiml_and_replies_by_rest(make_channel, database, fake_twilio):
    channel, client = await make_channel(engine=_extra_flows_engine(database), reply_budget=0.05)
    phone = Phone(client)
    response = await phone.post(phone.form("lambat"))

    assert response.status_code == 200 and twiml_messages(response.text) == []
    assert await channel.wait_idle(5)
    assert [r.form["Body"] for r in fake_twilio.sent] == ["jawaban lambat"]
    async with database.transaction() as session:
        contact = await contacts.find_contact(session, "whatsapp", NUMBER)
        rows = await outbox.messages_for(session, contact.id)
    assert [(row.kind, row.external_id, row.status) for row in rows] == [("reply", fake_twilio.sent[0].sid, "queued")]


async def test_a_signed_post_that_is_not_a_whatsapp_message_is_a_bad_request(phone: Phone):
    sms = phone.form("menu", From="+6281234567801")
    assert (await phone.post(sms)).status_code == 400
    no_sid = {k: v for k, v in phone.form("menu").items() if "Sid" not in k or k == "AccountSid"}
    assert (await phone.post(no_sid)).status_code == 400


async def test_kader_serve_enables_the_channel_from_the_environment(database, engine, fake_twilio):
    environment = {
        "PUBLIC_URL": PUBLIC_URL + "/",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "test-auth-token-0123456789abcdef",
        "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
        "TWILIO_API_URL": fake_twilio.url,
        "TWILIO_TEMPLATE_REMINDER_DUE": "HX" + "2" * 32,
    }
    [channel] = [c for c in enabled_channels(Settings.from_env(environment), database, engine) if c.name == "whatsapp"]
    app = create_app(database, [channel])
    async with app.router.lifespan_context(app):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000")
        async with client:
            replies = await Phone(client).send("menu")
    assert "1. Cek status kepesertaan" in replies[0]
    assert channel.outbound.templates == {"reminder_due": "HX" + "2" * 32}
    assert channel.outbound.sender.status_callback == PUBLIC_URL + "/whatsapp/status"
