"""The main menu and programme information through the engine, read as a transcript."""

from __future__ import annotations

from tests.chat import Chat


async def test_menu_then_cost_information_quotes_the_minimum_contribution(engine):
    chat = Chat(engine)
    menu = await chat.say("menu")
    assert "Info program" in menu and "Cek status kepesertaan" in menu
    topics = await chat.say("Info program")
    assert "Berapa iurannya" in topics
    cost = await chat.say("5")
    assert "Rp16.800" in cost and "Rp36.800" in cost
