"""Media sent on WhatsApp reaches the engine already kept in the media store, or refused with the reason.

Signed Twilio posts carry MediaUrl0; the channel fetches it from the loopback Twilio with the account's basic auth,
follows the redirect to the storage origin (dropping the credentials there), and a recording Engine, built the way
the app builds it, shows what the engine was handed.
"""

from __future__ import annotations

import hashlib
import stat
from dataclasses import replace
from pathlib import Path

from flows.engine import Engine
from flows.registry import default_registry
from flows.turn import TOO_LARGE, UNAVAILABLE, WRONG_TYPE, Inbound
from tests.bot.whatsapp.fake_twilio import MediaFetch
from tests.bot.whatsapp.phone import ACCOUNT_SID, TWILIO_CLIENT_WARNINGS, Phone, sign, twiml_messages

pytestmark = TWILIO_CLIENT_WARNINGS

JPEG = b"\xff\xd8\xff\xe1\x00\x18Exif\x00\x00" + bytes(range(256)) * 64 + b"\xff\xd9"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 300


class RecordingEngine(Engine):
    """The product's engine, remembering every Inbound it was handed."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.seen: list[Inbound] = []

    async def handle(self, inbound: Inbound):
        self.seen.append(inbound)
        return await super().handle(inbound)


async def _phone(make_channel, settings, database, tmp_path, **options):
    engine = RecordingEngine(database, default_registry())
    chosen = replace(settings, media_dir=str(tmp_path / "media"), **options.pop("settings_changes", {}))
    channel, client = await make_channel(settings=chosen, engine=engine, **options)
    return channel, Phone(client), engine


def _with_media(phone: Phone, *items: tuple[str, str]) -> dict[str, str]:
    fields = {"NumMedia": str(len(items)), "MessageType": "image"}
    for index, (url, content_type) in enumerate(items):
        fields |= {f"MediaUrl{index}": url, f"MediaContentType{index}": content_type}
    return phone.form("", **fields)


async def test_a_photo_is_fetched_with_basic_auth_through_the_redirect_and_kept(
    make_channel, settings, database, fake_twilio, tmp_path
):
    _, phone, engine = await _phone(make_channel, settings, database, tmp_path)
    url = fake_twilio.add_media("ME1", JPEG, "image/jpeg")

    response = await phone.post(_with_media(phone, (url, "image/jpeg")))

    assert response.status_code == 200 and twiml_messages(response.text)  # answered inline, within the budget
    (media,) = engine.seen[-1].media
    assert media.ref == url and media.refused is None
    assert media.sha256 == hashlib.sha256(JPEG).hexdigest()
    assert (media.size_bytes, media.content_type) == (len(JPEG), "image/jpeg")
    stored = Path(media.stored_path)
    assert stored.read_bytes() == JPEG and stored.parent == (tmp_path / "media").resolve()
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    # The credentials went to Twilio's API only; the storage origin got the signed URL and no credentials.
    assert fake_twilio.media_fetches == [
        MediaFetch("api", "ME1", ACCOUNT_SID, authorised=True),
        MediaFetch("storage", "ME1", None, authorised=True),
    ]


async def test_a_program_declared_as_a_photo_is_refused_as_the_wrong_type_and_nothing_is_kept(
    make_channel, settings, database, fake_twilio, tmp_path
):
    _, phone, engine = await _phone(make_channel, settings, database, tmp_path)
    url = fake_twilio.add_media("ME2", EXE, "image/jpeg")

    await phone.post(_with_media(phone, (url, "image/jpeg")))

    (media,) = engine.seen[-1].media
    assert (media.refused, media.stored_path, media.sha256) == (WRONG_TYPE, None, None)
    assert [fetch.where for fetch in fake_twilio.media_fetches] == ["api", "storage"]
    assert list((tmp_path / "media").iterdir()) == []  # not even a temporary file


async def test_a_declared_type_outside_the_allowed_ones_is_refused_without_fetching(
    make_channel, settings, database, fake_twilio, tmp_path
):
    _, phone, engine = await _phone(make_channel, settings, database, tmp_path)
    url = fake_twilio.add_media("ME3", b"OggS\x00\x02", "audio/ogg")

    await phone.post(_with_media(phone, (url, "audio/ogg")))

    assert engine.seen[-1].media[0].refused == WRONG_TYPE
    assert fake_twilio.media_fetches == []


async def test_media_over_the_limit_is_refused_and_each_file_of_a_message_is_judged_alone(
    make_channel, settings, database, fake_twilio, tmp_path
):
    changes = {"media_max_bytes": 2048}
    _, phone, engine = await _phone(make_channel, settings, database, tmp_path, settings_changes=changes)
    big = fake_twilio.add_media("ME4", JPEG, "image/jpeg")  # 16 KB
    small = fake_twilio.add_media("ME5", PDF, "application/pdf")

    await phone.post(_with_media(phone, (big, "image/jpeg"), (small, "application/pdf")))

    too_big, pdf = engine.seen[-1].media
    assert (too_big.refused, too_big.stored_path) == (TOO_LARGE, None)
    assert pdf.refused is None and pdf.content_type == "application/pdf"
    assert pdf.sha256 == hashlib.sha256(PDF).hexdigest()
    assert [p.name for p in (tmp_path / "media").iterdir()] == [f"{pdf.sha256}.pdf"]


async def test_a_url_off_the_twilio_api_is_never_fetched(make_channel, settings, database, fake_twilio, tmp_path):
    _, phone, engine = await _phone(make_channel, settings, database, tmp_path)
    elsewhere = "https://media.example.net/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME6"

    await phone.post(_with_media(phone, (elsewhere, "image/jpeg")))

    assert engine.seen[-1].media[0].refused == UNAVAILABLE
    assert fake_twilio.media_fetches == []  # the credentials never left for another host


async def test_media_twilio_refuses_to_serve_is_unavailable(make_channel, settings, database, fake_twilio, tmp_path):
    token = "not-the-account-token"
    _, phone, engine = await _phone(
        make_channel, settings, database, tmp_path, settings_changes={"twilio_auth_token": token}
    )
    url = fake_twilio.add_media("ME6", JPEG, "image/jpeg")
    form = _with_media(phone, (url, "image/jpeg"))

    await phone.post(form, signature=sign("/whatsapp/inbound", form, token=token))

    assert engine.seen[-1].media[0].refused == UNAVAILABLE
    assert fake_twilio.media_fetches == [MediaFetch("api", "ME6", ACCOUNT_SID, authorised=False)]


async def test_a_slow_download_keeps_the_webhook_on_time_and_the_reply_follows_by_rest(
    make_channel, settings, database, fake_twilio, tmp_path
):
    channel, phone, engine = await _phone(make_channel, settings, database, tmp_path, reply_budget=0.1)
    fake_twilio.storage_delay = 0.5
    url = fake_twilio.add_media("ME7", JPEG, "image/jpeg")

    response = await phone.post(_with_media(phone, (url, "image/jpeg")))

    assert response.status_code == 200 and twiml_messages(response.text) == []  # within the budget, empty
    assert await channel.wait_idle(5)
    assert engine.seen[-1].media[0].sha256 == hashlib.sha256(JPEG).hexdigest()
    assert len(fake_twilio.sent) == 1  # the answer went by REST once the file was in


async def test_a_download_past_its_time_limit_is_unavailable(make_channel, settings, database, fake_twilio, tmp_path):
    channel, phone, engine = await _phone(make_channel, settings, database, tmp_path)
    channel.media.timeout = 0.2
    fake_twilio.storage_delay = 2.0
    url = fake_twilio.add_media("ME8", JPEG, "image/jpeg")

    await phone.post(_with_media(phone, (url, "image/jpeg")))

    assert engine.seen[-1].media[0].refused == UNAVAILABLE
    assert not (tmp_path / "media").exists() or list((tmp_path / "media").iterdir()) == []
