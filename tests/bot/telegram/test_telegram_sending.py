"""Sending within Telegram's limits, against the loopback Bot API: 429, 403, retries, pacing, long texts."""

from __future__ import annotations

import time
from dataclasses import replace

from bot.telegram.botapi import make_bot
from bot.telegram.render import Outgoing
from bot.telegram.sender import SendLimits, SlidingWindow, TelegramSender, TokenBucket
from flows.engine import Engine
from flows.model import Context, Flow, Outcome
from flows.registry import default_registry
from storage import contacts
from tests.bot.telegram import tg
from tests.bot.telegram.harness import FAST, settings_for, webhook

A, B = 7001, 7002


async def _contact(database, chat_id: int):
    async with database.transaction() as session:
        return await contacts.find_contact(session, "telegram", str(chat_id))


async def test_a_429_delays_only_that_chat_and_the_message_is_delivered_after_retry_after(bot_api, database, engine):
    bot_api.fail_next(A, 429, retry_after=1)
    async with webhook(bot_api, database, engine, limits=SendLimits()) as hook:
        began = time.monotonic()
        await hook.post(tg.text(A, "/bantuan") | {"update_id": 1})
        await hook.post(tg.text(B, "/bantuan") | {"update_id": 2})
        await bot_api.wait_until(lambda: len(bot_api.to(B)) == 1, what="chat B's answer")
        b_at = time.monotonic() - began
        assert bot_api.to(A) == []
        await bot_api.wait_until(lambda: len(bot_api.to(A)) == 1, timeout=5, what="chat A's delayed answer")
        a_at = time.monotonic() - began
    assert b_at < 0.5, b_at
    assert 1.0 <= a_at < 2.0, a_at
    assert bot_api.to(A)[0].text == bot_api.to(B)[0].text  # the same help text, not lost, sent once
    assert len(bot_api.called("sendMessage")) == 3  # A's refused try, A's retry, B's


async def test_a_403_marks_the_contact_unreachable_and_other_chats_carry_on(bot_api, database, engine):
    bot_api.fail_next(A, 403)
    async with webhook(bot_api, database, engine) as hook:
        await hook.post(tg.text(A, "/start") | {"update_id": 1})
        await hook.post(tg.text(B, "/start") | {"update_id": 2})
        await bot_api.wait_until(lambda: len(bot_api.to(B)) == 1, what="chat B's menu")
        await bot_api.wait_until(lambda: hook.channel.sender.dropped == 1, what="A's menu to be dropped")
    assert bot_api.to(A) == []
    assert (await _contact(database, A)).unreachable is True
    assert (await _contact(database, B)).unreachable is False


async def test_after_a_403_the_rest_of_that_chats_queue_is_dropped(bot_api):
    bot_api.fail_next(A, 403)
    blocked: list[int] = []

    async def on_blocked(chat_id: int) -> None:
        """Records the chat the sender found blocked."""
        blocked.append(chat_id)

    async with make_bot(settings_for(bot_api)) as bot:
        sender = TelegramSender(bot, on_blocked=on_blocked)
        sender.enqueue(A, [Outgoing("satu"), Outgoing("dua"), Outgoing("tiga")])
        sender.enqueue(B, [Outgoing("untuk B")])
        assert await sender.join(timeout=5)
    assert [int(p["chat_id"]) for p in bot_api.called("sendMessage")].count(A) == 1
    assert [m.text for m in bot_api.sent] == ["untuk B"]
    assert blocked == [A] and sender.dropped == 3


async def test_writing_again_after_unblocking_makes_the_contact_reachable(bot_api, database, engine):
    bot_api.fail_next(A, 403)
    async with webhook(bot_api, database, engine) as hook:
        await hook.post(tg.text(A, "/start") | {"update_id": 1})
        await bot_api.wait_until(lambda: len(bot_api.called("sendMessage")) == 1, what="the refused send")
        assert await hook.channel.sender.join(timeout=5)  # includes marking the contact
        assert (await _contact(database, A)).unreachable is True
        await hook.post(tg.text(A, "/start") | {"update_id": 2})
        await bot_api.wait_until(lambda: len(bot_api.to(A)) == 1, what="the menu")
    assert (await _contact(database, A)).unreachable is False


async def test_server_errors_are_retried_with_backoff_then_given_up_without_logging_text(
    bot_api, database, engine, caplog
):
    bot_api.fail_next(A, 500, times=2)
    bot_api.fail_next(B, 500, times=10)
    limits = replace(FAST, backoff=0.05, max_attempts=4)
    async with webhook(bot_api, database, engine, limits=limits) as hook:
        await hook.post(tg.text(A, "/bantuan") | {"update_id": 1})
        await hook.post(tg.text(B, "/bantuan") | {"update_id": 2})
        await bot_api.wait_until(lambda: len(bot_api.to(A)) == 1, what="A's answer after two 500s")
        await bot_api.wait_until(lambda: hook.channel.sender.failed == 1, what="B's answer to be given up")
    sends = bot_api.called("sendMessage")
    assert sum(1 for p in sends if int(p["chat_id"]) == A) == 3
    assert sum(1 for p in sends if int(p["chat_id"]) == B) == 4
    assert f"telegram message given up chat={B} reason=NetworkError tries=4" in caplog.text
    assert "Cara memakai" not in caplog.text


PARAGRAPH = "Nama Siti_*[Rahmah]* (~>#+-=|{}.!) " + "kata " * 150
LONG_TEXT = "\n\n".join(f"{n}. {PARAGRAPH}" for n in range(1, 13))


async def _tell_at_length(ctx: Context) -> Outcome:
    return Outcome(texts=[LONG_TEXT], then="menu")


async def test_a_turn_longer_than_4096_characters_arrives_in_parts_with_the_buttons_on_the_last(bot_api, database):
    registry = default_registry()
    registry.add(Flow(name="long", title="menu.title", steps=(), complete=_tell_at_length), "panjang")
    engine = Engine(database, registry)
    async with webhook(bot_api, database, engine) as hook:
        await hook.post(tg.text(A, "/panjang") | {"update_id": 1})
        await bot_api.wait_until(lambda: bot_api.to(A) and bot_api.to(A)[-1].buttons, what="the parts and the menu")
    sent = bot_api.to(A)
    # The long text and the menu after it are one message's worth of text, cut at paragraph ends.
    assert len(LONG_TEXT) > 9000 and len(sent) == 3 and all(len(m.text) <= 4096 for m in sent)
    told = " ".join(" ".join(m.text for m in sent).split())
    assert told.startswith(" ".join(LONG_TEXT.split()))  # nothing lost, nothing reordered
    assert not any(m.buttons for m in sent[:-1])
    assert "Silakan pilih layanan" in sent[-1].text and sent[-1].buttons


async def test_never_more_than_30_messages_in_any_second(bot_api):
    async with make_bot(settings_for(bot_api)) as bot:
        sender = TelegramSender(bot)
        began = time.monotonic()
        for chat in range(8000, 8045):
            sender.enqueue(chat, [Outgoing(f"pesan {chat}")])
        assert await sender.join(timeout=10)
        elapsed = time.monotonic() - began
    times = sorted(m.at for m in bot_api.sent)
    assert len(times) == 45
    assert 1.0 <= elapsed < 3.0, elapsed  # 30 at once, the other 15 a second later
    # Message n+30 starts only when message n is a second old; where the fake received them, a request's
    # own latency (under a loaded test machine, up to a few hundred ms) comes off that second.
    closest = min(times[n + 30] - times[n] for n in range(len(times) - 30))
    assert closest >= 0.7, closest


async def test_the_sliding_window_grants_its_limit_then_waits_for_the_oldest_to_age():
    window = SlidingWindow(limit=3, period=0.2)
    began = time.monotonic()
    for _ in range(3):
        await window.acquire()
    granted_at = time.monotonic() - began
    await window.acquire()
    assert granted_at < 0.05 and 0.19 <= time.monotonic() - began < 0.4


async def test_one_chat_gets_a_short_burst_then_one_message_a_second_in_order(bot_api):
    async with make_bot(settings_for(bot_api)) as bot:
        sender = TelegramSender(bot)
        began = time.monotonic()
        sender.enqueue(A, [Outgoing(f"bagian {n}") for n in range(1, 7)])
        sender.enqueue(B, [Outgoing("untuk B")])
        assert await sender.join(timeout=10)
    to_a = bot_api.to(A)
    assert [m.text for m in to_a] == [f"bagian {n}" for n in range(1, 7)]
    offsets = [m.at - began for m in to_a]
    assert offsets[3] < 0.5  # the burst of four: one turn's replies arrive together
    assert 0.95 <= offsets[4] < 1.5 and 1.95 <= offsets[5] < 2.5  # then one more each second
    assert bot_api.to(B)[0].at - began < 0.5  # B never waited behind A


def test_the_token_bucket_allows_its_burst_then_spaces_reservations():
    now = [0.0]
    bucket = TokenBucket(rate=1.0, capacity=3.0, clock=lambda: now[0])
    assert [bucket.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert [bucket.reserve() for _ in range(3)] == [1.0, 2.0, 3.0]
    now[0] = 10.0
    assert bucket.is_full() and bucket.reserve() == 0.0


async def test_closing_gives_up_on_what_cannot_be_sent_in_time(bot_api, caplog):
    bot_api.fail_next(A, 429, retry_after=30)
    async with make_bot(settings_for(bot_api)) as bot:
        sender = TelegramSender(bot)
        sender.enqueue(A, [Outgoing("satu"), Outgoing("dua")])
        await bot_api.wait_until(lambda: len(bot_api.called("sendMessage")) == 1, what="the refused send")
        began = time.monotonic()
        await sender.close(timeout=0.2)
    assert time.monotonic() - began < 1.0
    assert sender.dropped == 2 and sender.pending() == 0
    assert f"telegram send abandoned at shutdown chat={A} messages=2" in caplog.text
