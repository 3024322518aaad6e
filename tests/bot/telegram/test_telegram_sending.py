"""Sending to the loopback Bot API: replies at once, proactive messages paced; 429, 403, retries, long texts."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import pytest

from bot.settings import Settings
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
        assert hook.channel.sender.paced_waits == 0  # the 429 was the only thing that slowed A
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


def test_the_rates_are_settings_and_the_proactive_share_stays_within_the_overall_rate():
    assert SendLimits.from_settings(Settings.from_env({})) == SendLimits(overall_per_second=30, proactive_per_second=25)
    slower = Settings.from_env({"TELEGRAM_MAX_PER_SECOND": "10"})
    assert SendLimits.from_settings(slower) == SendLimits(overall_per_second=10, proactive_per_second=10)
    chosen = Settings.from_env({"TELEGRAM_MAX_PER_SECOND": "100", "TELEGRAM_PROACTIVE_PER_SECOND": "80"})
    assert SendLimits.from_settings(chosen) == SendLimits(overall_per_second=100, proactive_per_second=80)
    for environ, named in [
        ({"TELEGRAM_MAX_PER_SECOND": "0"}, "TELEGRAM_MAX_PER_SECOND must be a whole number from 1 to 1000"),
        ({"TELEGRAM_MAX_PER_SECOND": "30/s"}, "TELEGRAM_MAX_PER_SECOND must be a whole number"),
        ({"TELEGRAM_PROACTIVE_PER_SECOND": "31"}, "TELEGRAM_PROACTIVE_PER_SECOND must be a whole number from 1 to 30"),
    ]:
        with pytest.raises(ValueError, match=named):
            Settings.from_env(environ)


async def test_the_channel_paces_by_its_settings(bot_api, database, engine):
    async with webhook(bot_api, database, engine, limits=None, telegram_max_per_second=12) as hook:
        assert hook.channel.sender.limits == SendLimits(overall_per_second=12, proactive_per_second=12)


class FrozenClock:
    """A clock that moves only when told: pacing that waits for it waits for ever, unless the test moves it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        """The time the test has set."""
        return self.now


async def test_fifty_chats_answered_at_the_same_moment_through_the_webhook_wait_for_no_pacing_slot(
    bot_api, database, engine
):
    chats = range(9000, 9050)
    async with webhook(bot_api, database, engine, limits=None) as hook:  # the limits of the default settings
        assert hook.channel.sender.limits.overall_per_second == 30
        responses = await asyncio.gather(
            *(hook.post(tg.text(chat, "/bantuan") | {"update_id": n}) for n, chat in enumerate(chats, 1))
        )
        assert all(response.status_code == 200 for response in responses)
        await bot_api.wait_until(lambda: len(bot_api.sent) == 50, timeout=30, what="fifty answers")
        assert hook.channel.sender.paced_waits == 0  # under the old pacing, 20 of them waited for the next second
    assert sorted(m.chat_id for m in bot_api.sent) == list(chats)


async def test_replies_are_never_paced_however_many_go_in_the_same_instant(bot_api):
    clock = FrozenClock()  # time stands still: a reply waiting for a pacing slot would wait for ever
    async with make_bot(settings_for(bot_api)) as bot:
        sender = TelegramSender(bot, clock=clock)
        for chat in range(8000, 8050):
            sender.enqueue(chat, [Outgoing(f"jawaban {chat}"), Outgoing("pertanyaan berikutnya")])
        assert await sender.join(timeout=10)
    assert len(bot_api.sent) == 100 and sender.paced_waits == 0
    assert [m.text for m in bot_api.to(8049)] == ["jawaban 8049", "pertanyaan berikutnya"]


async def test_the_old_pacing_remains_reachable_for_the_benchmark_and_does_pace_replies(bot_api):
    clock = FrozenClock()
    old = SendLimits(overall_per_second=30, proactive_per_second=30, chat_burst=4, paced_replies=True)
    async with make_bot(settings_for(bot_api)) as bot:
        sender = TelegramSender(bot, old, clock=clock)
        for chat in range(8000, 8050):
            sender.enqueue(chat, [Outgoing(f"jawaban {chat}")])
        assert not await sender.join(timeout=1)  # 30 went; the rest wait for a second that never comes
        assert len(bot_api.sent) == 30 and sender.paced_waits == 20
        await sender.close(timeout=0)


async def test_proactive_messages_take_their_share_of_the_overall_rate_and_replies_count_in_it(bot_api):
    clock = FrozenClock()
    limits = SendLimits(overall_per_second=30, proactive_per_second=25)
    async with make_bot(settings_for(bot_api)) as bot:
        sender = TelegramSender(bot, limits, clock=clock)
        for chat in range(8000, 8010):
            sender.enqueue(chat, [Outgoing("jawaban")])
        await bot_api.wait_until(lambda: len(bot_api.sent) == 10, what="the ten replies")
        for chat in range(8100, 8150):
            sender.enqueue(chat, [Outgoing("pengingat")], proactive=True)
        # 10 replies in this second leave 20 of the 30 for proactive messages, fewer than their share of 25.
        assert not await sender.join(timeout=0.5)
        assert len(bot_api.sent) == 30 and sender.pending() == 30
        clock.now += 1.0  # a new second: the proactive share (25) is the limit now
        await bot_api.wait_until(lambda: len(bot_api.sent) == 55, what="the next 25 reminders")
        assert not await sender.join(timeout=0.5)
        assert len(bot_api.sent) == 55
        clock.now += 1.0
        assert await sender.join(timeout=5)
    assert len(bot_api.sent) == 60 and sender.paced_waits == 30


async def test_proactive_messages_to_one_chat_go_one_a_second_and_a_reply_passes_them(bot_api):
    clock = FrozenClock()
    async with make_bot(settings_for(bot_api)) as bot:
        sender = TelegramSender(bot, clock=clock)
        sender.enqueue(A, [Outgoing("pengingat 1"), Outgoing("pengingat 2"), Outgoing("pengingat 3")], proactive=True)
        sender.enqueue(B, [Outgoing("pengingat untuk B")], proactive=True)
        await bot_api.wait_until(lambda: len(bot_api.sent) == 2, what="one reminder to each chat")
        sender.enqueue(A, [Outgoing("jawaban")])  # A wrote meanwhile: the answer does not wait behind reminders
        await bot_api.wait_until(lambda: len(bot_api.to(A)) == 2, what="A's answer")
        assert not await sender.join(timeout=0.3)
        clock.now += 1.0
        await bot_api.wait_until(lambda: len(bot_api.to(A)) == 3, what="A's second reminder")
        assert not await sender.join(timeout=0.3)
        clock.now += 1.0
        assert await sender.join(timeout=5)
    assert [m.text for m in bot_api.to(A)] == ["pengingat 1", "jawaban", "pengingat 2", "pengingat 3"]
    assert [m.text for m in bot_api.to(B)] == ["pengingat untuk B"]


async def test_a_429_on_a_reminder_holds_only_that_chat_while_another_chats_reply_goes_at_once(bot_api):
    bot_api.fail_next(A, 429, retry_after=1)
    async with make_bot(settings_for(bot_api)) as bot:
        sender = TelegramSender(bot)
        began = time.monotonic()
        sender.enqueue(A, [Outgoing("pengingat")], proactive=True)
        await bot_api.wait_until(lambda: len(bot_api.called("sendMessage")) == 1, what="the refused reminder")
        sender.enqueue(B, [Outgoing("jawaban")])
        await bot_api.wait_until(lambda: len(bot_api.to(B)) == 1, what="B's answer")
        b_at = bot_api.to(B)[0].at - began
        assert bot_api.to(A) == []
        assert await sender.join(timeout=5)
    assert b_at < 0.5, b_at
    assert 1.0 <= bot_api.to(A)[0].at - began < 2.0  # sent again once retry_after had passed
    assert [m.text for m in bot_api.to(A)] == ["pengingat"] and sender.failed == 0


async def test_never_more_proactive_messages_in_any_second_than_their_share(bot_api):
    async with make_bot(settings_for(bot_api)) as bot:
        sender = TelegramSender(bot)  # 25 proactive messages a second
        began = time.monotonic()
        for chat in range(8000, 8045):
            sender.enqueue(chat, [Outgoing(f"pesan {chat}")], proactive=True)
        assert await sender.join(timeout=10)
        elapsed = time.monotonic() - began
    times = sorted(m.at for m in bot_api.sent)
    assert len(times) == 45
    assert 1.0 <= elapsed < 3.0, elapsed  # 25 at once, the other 20 a second later
    # Message n+25 starts only when message n is a second old; where the fake received them, a request's
    # own latency (under a loaded test machine, up to a few hundred ms) comes off that second.
    closest = min(times[n + 25] - times[n] for n in range(len(times) - 25))
    assert closest >= 0.7, closest


async def test_the_sliding_window_grants_its_limit_then_waits_for_the_oldest_to_age():
    window = SlidingWindow(limit=3, period=0.2)
    began = time.monotonic()
    for _ in range(3):
        await window.acquire()
    granted_at = time.monotonic() - began
    await window.acquire()
    assert granted_at < 0.05 and 0.19 <= time.monotonic() - began < 0.4


def test_the_sliding_window_counts_what_it_did_not_grant():
    clock = FrozenClock()
    window = SlidingWindow(limit=3, period=1.0, clock=clock)
    for _ in range(5):
        window.record()  # replies, sent without asking
    assert window.delay() == 1.0
    clock.now += 1.0
    assert window.delay() == 0.0
    for _ in range(10_000):
        clock.now += 0.01
        window.record()  # a day of replies and no proactive message: the window keeps only the last second
    assert len(window._times) <= 101


def test_the_token_bucket_allows_its_burst_then_spaces_reservations():
    now = [0.0]
    bucket = TokenBucket(rate=1.0, capacity=3.0, clock=lambda: now[0])
    assert [bucket.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert [bucket.reserve() for _ in range(3)] == [1.0, 2.0, 3.0]
    now[0] = 10.0
    assert bucket.is_full() and bucket.reserve() == 0.0


def test_a_reply_spends_the_chats_pace_but_never_runs_it_into_debt():
    clock = FrozenClock()
    bucket = TokenBucket(rate=1.0, capacity=1.0, clock=clock)
    assert bucket.delay() == 0.0
    for _ in range(5):
        bucket.take()
    assert bucket.delay() == 1.0  # one second after the last reply, not five
    clock.now += 1.0
    assert bucket.delay() == 0.0


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
