"""`kader cadre invite` and the link it prints: a single-use, expiring Telegram deep link whose token is stored only
hashed; opening it greets the cadre by name and asks for the number; the invited number links the chat, any other
number does not, and a link used, revoked or expired says so and shows the menu."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import cli
from flows.engine import Engine
from flows.i18n import Translator
from flows.registry import default_registry
from flows.turn import PHONE, Inbound
from storage import audit, cadre_invites, contacts
from storage.database import Database
from storage.models import AuditEvent, CadreInvite, Conversation
from tests.factories import add_staff

ID = Translator("id")
CADRE_PHONE = "+6281200000001"
OTHER_PHONE = "+6281300000077"
CADRE_CHAT = "8801"
LINK = re.compile(r"https://t\.me/kader_bot\?start=([A-Za-z0-9_-]+)\n")
_ids = iter(range(1, 10_000))
WITA = ZoneInfo("Asia/Makassar")  # Tanah Bumbu's time zone


@pytest.fixture(autouse=True)
def _operator_shell(tmp_path, monkeypatch):
    """The operator's environment: the bot's username set, no token, no stray database in the repository."""
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "TELEGRAM_BOT_TOKEN", "CADRE_INVITE_HOURS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "@kader_bot")
    monkeypatch.setenv("COLUMNS", "200")


async def run_cli(*argv: str) -> int:
    """`kader ...` in-process; in a thread because the command runs its own event loop."""
    return await asyncio.to_thread(cli.main, list(argv))


async def invite_rows(database: Database) -> list[CadreInvite]:
    """Every invite, oldest first."""
    async with database.transaction() as session:
        return list(await session.scalars(select(CadreInvite).order_by(CadreInvite.id)))


async def events(database: Database, action: str) -> list[AuditEvent]:
    """The audit events of one action."""
    async with database.transaction() as session:
        return await audit.events(session, action)


async def new_token(database: Database, person_id: int, *, now: datetime | None = None, hours: int = 72) -> str:
    """An invite made in storage, as the command makes it; its token."""
    async with database.transaction() as session:
        invite = await cadre_invites.create_invite(session, person_id, CADRE_PHONE, timedelta(hours=hours), now=now)
    return invite.token


def telegram(chat: str, text: str | None = None, *, shared: str | None = None, invite: str | None = None) -> Inbound:
    """A Telegram message as bot/telegram/inbound.py hands it over: text, a deep link, or an own shared contact."""
    if shared is not None:
        text = shared
    return Inbound(
        channel="telegram",
        address=chat,
        text=text,
        message_id=f"inv-{next(_ids)}",
        verified_phone=shared,
        invite=invite,
    )


async def contact_of(database: Database, chat: str) -> contacts.Contact:
    """The contact of a Telegram chat."""
    async with database.transaction() as session:
        found = await contacts.find_contact(session, "telegram", chat)
        assert found is not None
        return found


# -- the command ---------------------------------------------------------------------------------------------------


async def test_invite_prints_a_link_whose_token_is_stored_only_hashed(database, database_url, capsys):
    person = await add_staff(database, CADRE_PHONE, name="Rina Wati")
    before = datetime.now(UTC)
    assert await run_cli("cadre", "invite", "--phone", "0812-0000-0001", "--database", database_url) == 0
    out = capsys.readouterr().out
    assert out.startswith("Telegram invite for Rina Wati (+6281200000001), cadre of Sungai Lembu (63.10.02.2003):\n")
    token = LINK.search(out).group(1)  # type: ignore[union-attr]
    assert 40 <= len(token) <= 64

    (row,) = await invite_rows(database)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    assert (row.person_id, row.phone, row.used_at) == (person, CADRE_PHONE, None)
    # 72 hours by default, said in the village's time zone (Tanah Bumbu: WITA).
    assert row.expires_at - row.created_at == timedelta(hours=72) and row.created_at >= before
    local = row.expires_at.astimezone(WITA)
    assert f"Valid once, until {local:%Y-%m-%d %H:%M} WITA" in out

    (created,) = await events(database, "cadre_invite.created")
    assert created.subject_id == str(person) and created.details["invite"] == row.id
    async with database.transaction() as session:
        everything = [json.dumps(e.details) for e in await audit.events(session)]
    assert not any(token in text for text in everything)


async def test_hours_and_the_setting_set_the_expiry(database, database_url, monkeypatch, capsys):
    await add_staff(database, CADRE_PHONE)
    assert await run_cli("cadre", "invite", "--phone", CADRE_PHONE, "--hours", "5", "--database", database_url) == 0
    monkeypatch.setenv("CADRE_INVITE_HOURS", "24")
    assert await run_cli("cadre", "invite", "--phone", CADRE_PHONE, "--database", database_url) == 0
    first, second = await invite_rows(database)
    assert second.expires_at - second.created_at == timedelta(hours=24)
    # A new link revokes the older one (expired at once), so only the link handed over last works.
    assert first.expires_at == second.created_at
    assert "Their 1 earlier link(s) no longer work." in capsys.readouterr().out
    assert await run_cli("cadre", "invite", "--phone", CADRE_PHONE, "--hours", "0", "--database", database_url) == 2
    assert "--hours must be from 1 to 720" in capsys.readouterr().err


async def test_invite_for_a_phone_that_is_no_active_cadre_is_refused(database, database_url, capsys):
    await add_staff(database, CADRE_PHONE)
    assert await run_cli("cadre", "deactivate", "--phone", CADRE_PHONE, "--database", database_url) == 0
    capsys.readouterr()
    for phone in (CADRE_PHONE, OTHER_PHONE):
        assert await run_cli("cadre", "invite", "--phone", phone, "--database", database_url) == 2
        assert "no active cadre or admin has the phone" in capsys.readouterr().err
    assert await invite_rows(database) == []
    assert await events(database, "cadre_invite.created") == []


async def test_invite_without_username_or_token_says_what_to_set(database, database_url, monkeypatch, capsys):
    await add_staff(database, CADRE_PHONE)
    monkeypatch.delenv("TELEGRAM_BOT_USERNAME")
    assert await run_cli("cadre", "invite", "--phone", CADRE_PHONE, "--database", database_url) == 2
    assert "set TELEGRAM_BOT_USERNAME" in capsys.readouterr().err
    assert await invite_rows(database) == []


async def test_deactivating_a_cadre_revokes_their_unused_link(database, database_url, capsys):
    person = await add_staff(database, CADRE_PHONE)
    token = await new_token(database, person)
    assert await run_cli("cadre", "deactivate", "--phone", CADRE_PHONE, "--database", database_url) == 0
    assert "Their 1 unused Telegram invite link(s) no longer work." in capsys.readouterr().out
    replies = await Engine(database, default_registry()).handle(telegram(CADRE_CHAT, f"/start {token}", invite=token))
    assert replies[0].text == ID("cadre_invite.invalid")


# -- the link in the chat ------------------------------------------------------------------------------------------


async def test_the_link_then_the_invited_number_links_the_chat_and_shows_the_cadre_menu(database):
    person = await add_staff(database, CADRE_PHONE, name="Rina Wati")
    token = await new_token(database, person)
    engine = Engine(database, default_registry())

    (asked,) = await engine.handle(telegram(CADRE_CHAT, f"/start {token}", invite=token))
    assert asked.text == ID("cadre_invite.ask_phone", name="Rina Wati")
    assert asked.expects == PHONE  # the share-my-number keyboard on Telegram
    assert (await contact_of(database, CADRE_CHAT)).person_id is None
    async with database.transaction() as session:
        kept = json.dumps((await session.get(Conversation, (await contact_of(database, CADRE_CHAT)).id)).state)
    assert token not in kept  # the conversation keeps the invite's id, never its token

    linked, menu = await engine.handle(telegram(CADRE_CHAT, shared=CADRE_PHONE))
    assert linked.text == ID("cadre_invite.linked", name="Rina Wati")
    assert ID("menu.greeting.cadre", name="Rina Wati") in menu.text
    assert ID("menu.item.register") in [o.label for o in menu.options]

    contact = await contact_of(database, CADRE_CHAT)
    assert (contact.phone, contact.person_id) == (CADRE_PHONE, person)
    (row,) = await invite_rows(database)
    assert row.used_at is not None and row.used_by_contact_id == contact.id
    (used,) = await events(database, "cadre_invite.used")
    assert (used.actor_contact_id, used.subject_id, used.details) == (contact.id, str(person), {"invite": row.id})

    # Single use: the same link again, even from the same chat, no longer works.
    again = await engine.handle(telegram(CADRE_CHAT, f"/start {token}", invite=token))
    assert again[0].text == ID("cadre_invite.invalid")
    assert ID("menu.item.register") in [o.label for o in again[-1].options]  # still the cadre's menu
    stranger = await engine.handle(telegram("8802", f"/start {token}", invite=token))
    assert stranger[0].text == ID("cadre_invite.invalid")
    assert ID("menu.item.register") not in [o.label for o in stranger[-1].options]
    assert (await contact_of(database, "8802")).person_id is None


async def test_another_number_is_refused_kindly_and_the_link_stays_unused(database):
    person = await add_staff(database, CADRE_PHONE, name="Rina Wati")
    token = await new_token(database, person)
    engine = Engine(database, default_registry())

    await engine.handle(telegram("8803", f"/start {token}", invite=token))
    refused, menu = await engine.handle(telegram("8803", shared=OTHER_PHONE))
    assert refused.text == ID("cadre_invite.other_phone")
    assert ID("menu.item.register") not in [o.label for o in menu.options]
    assert (await contact_of(database, "8803")).person_id is None
    (row,) = await invite_rows(database)
    assert row.used_at is None
    (event,) = await events(database, "cadre_invite.refused")
    assert event.details == {"invite": row.id, "reason": "other_phone"}

    # The cadre's own phone can still use it.
    await engine.handle(telegram(CADRE_CHAT, f"/start {token}", invite=token))
    linked, _menu = await engine.handle(telegram(CADRE_CHAT, shared=CADRE_PHONE))
    assert linked.text == ID("cadre_invite.linked", name="Rina Wati")


async def test_a_chat_that_shared_the_invited_number_before_is_linked_at_once(database):
    person = await add_staff(database, CADRE_PHONE, name="Rina Wati")
    engine = Engine(database, default_registry())
    await engine.handle(telegram(CADRE_CHAT, shared=CADRE_PHONE))
    token = await new_token(database, person)
    linked, menu = await engine.handle(telegram(CADRE_CHAT, f"/start {token}", invite=token))
    assert linked.text == ID("cadre_invite.linked", name="Rina Wati")
    assert ID("menu.item.register") in [o.label for o in menu.options]
    (row,) = await invite_rows(database)
    assert row.used_at is not None


async def test_an_expired_revoked_or_unknown_link_says_ask_the_admin_then_the_menu(database):
    person = await add_staff(database, CADRE_PHONE)
    now = datetime.now(UTC)
    expired = await new_token(database, person, now=now - timedelta(hours=3), hours=2)
    later = Engine(database, default_registry())
    for token in (expired, "not-a-token", "x" * 64):
        first, *rest = await later.handle(telegram(CADRE_CHAT, f"/start {token}", invite=token))
        assert first.text == ID("cadre_invite.invalid")
        assert rest and rest[-1].options  # the menu
    revoked = await new_token(database, person)
    await new_token(database, person)  # a newer link revokes the older one
    (first, *_menu) = await later.handle(telegram(CADRE_CHAT, f"/start {revoked}", invite=revoked))
    assert first.text == ID("cadre_invite.invalid")


async def test_a_link_that_expires_while_the_number_is_awaited_is_no_longer_valid(database):
    person = await add_staff(database, CADRE_PHONE)
    token = await new_token(database, person, hours=1)
    moment = {"now": datetime.now(UTC)}
    engine = Engine(database, default_registry(), clock=lambda: moment["now"])
    await engine.handle(telegram(CADRE_CHAT, f"/start {token}", invite=token))
    moment["now"] += timedelta(hours=2)
    first, *_menu = await engine.handle(telegram(CADRE_CHAT, shared=CADRE_PHONE))
    assert first.text == ID("cadre_invite.invalid")
    (row,) = await invite_rows(database)
    assert row.used_at is None
