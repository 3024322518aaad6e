"""Telegram through python-telegram-bot: webhook and long polling, keyboards, a rate-limited sender."""
