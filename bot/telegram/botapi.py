"""Talking to the Bot API itself: the client for the settings, the command menu, registering the webhook."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from telegram import Bot, BotCommand, WebhookInfo
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError

from bot.settings import Settings
from bot.telegram.inbound import ALLOWED_UPDATES
from flows.i18n import Translator

log = logging.getLogger("kader.telegram")

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_TOKEN_IN_PATH = re.compile(r"/bot\d+:[^/]+")


class TelegramSetupError(TelegramError):
    """Telegram settings that are missing or wrong, or a Bot API that refuses them; said in one sentence.

    A TelegramError, so code that catches the library's errors (`kader poll`) reports it the same way.
    """


def quiet_library_logs() -> None:
    """Keeps message text and the token out of the logs: httpx logs URLs, PTB logs whole updates at DEBUG."""
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger(name).getEffectiveLevel()))
    telegram_logger = logging.getLogger("telegram")
    telegram_logger.setLevel(max(logging.INFO, telegram_logger.getEffectiveLevel()))


def file_url_for(api_url: str) -> str:
    """The Bot API's file download base for its method base: `…/bot` becomes `…/file/bot`."""
    if "/bot{token}" in api_url:
        return api_url.replace("/bot{token}", "/file/bot{token}", 1)
    if api_url.rstrip("/").endswith("/bot"):
        return api_url.rstrip("/")[: -len("/bot")] + "/file/bot"
    parts = urlsplit(api_url)
    return f"{parts.scheme}://{parts.netloc}/file/bot"


_HINTS = {
    "TELEGRAM_BOT_TOKEN": "the token @BotFather gave you",
    "PUBLIC_URL": "the https address where `kader serve` is reachable",
    "TELEGRAM_WEBHOOK_SECRET": "1-256 characters of A-Z, a-z, 0-9, _ and -,"
    " e.g. from: python -c 'import secrets; print(secrets.token_urlsafe(32))'",
}


def require(settings: Settings, *names: str) -> None:
    """Raises one error naming every setting among `names` that is not set, each with a hint."""
    values = {
        "TELEGRAM_BOT_TOKEN": settings.telegram_bot_token,
        "PUBLIC_URL": settings.public_url,
        "TELEGRAM_WEBHOOK_SECRET": settings.telegram_webhook_secret,
    }
    missing = [name for name in names if not values[name]]
    if missing:
        raise TelegramSetupError("not set: " + "; ".join(f"{name} ({_HINTS[name]})" for name in missing))


def make_bot(settings: Settings) -> Bot:
    """A Bot API client for the configured token and API server (use it as `async with make_bot(...)`)."""
    require(settings, "TELEGRAM_BOT_TOKEN")
    assert settings.telegram_bot_token is not None
    quiet_library_logs()
    return Bot(
        settings.telegram_bot_token,
        base_url=settings.telegram_api_url,
        base_file_url=file_url_for(settings.telegram_api_url),
    )


def webhook_url(settings: Settings) -> str:
    """The address Telegram posts updates to: PUBLIC_URL plus /telegram/webhook."""
    require(settings, "PUBLIC_URL")
    assert settings.public_url is not None
    return settings.public_url.rstrip("/") + WEBHOOK_PATH


def check_secret(secret: str | None) -> str:
    """The webhook secret when Telegram would accept it (1-256 of A-Z, a-z, 0-9, _ and -)."""
    if not secret or not _SECRET.fullmatch(secret):
        raise TelegramSetupError(f"TELEGRAM_WEBHOOK_SECRET is not valid: {_HINTS['TELEGRAM_WEBHOOK_SECRET']}")
    return secret


def command_menu(language: str) -> list[BotCommand]:
    """The commands shown in Telegram's menu button, described in the language."""
    t = Translator(language)
    return [
        BotCommand("menu", t("telegram.command.menu")),
        BotCommand("daftar", t("telegram.command.daftar")),
        BotCommand("status", t("telegram.command.status")),
        BotCommand("lapor", t("telegram.command.lapor")),
        BotCommand("batal", t("telegram.command.batal")),
        BotCommand("bantuan", t("telegram.command.bantuan")),
    ]


async def set_command_menu(bot: Bot) -> bool:
    """Sets the command menu: Indonesian for everyone, English for English-language users; False if refused."""
    try:
        await bot.set_my_commands(command_menu("id"))
        await bot.set_my_commands(command_menu("en"), language_code="en")
    except TelegramError as error:
        log.warning("telegram command menu not set error=%s", type(error).__name__)
        return False
    return True


async def set_webhook(settings: Settings, *, drop_pending: bool = False) -> WebhookInfo:
    """Registers PUBLIC_URL/telegram/webhook with the secret and the update types the bot reads."""
    require(settings, "TELEGRAM_BOT_TOKEN", "PUBLIC_URL", "TELEGRAM_WEBHOOK_SECRET")
    url = webhook_url(settings)
    secret = check_secret(settings.telegram_webhook_secret)
    bot = make_bot(settings)
    try:
        async with bot:
            await bot.set_webhook(
                url=url,
                secret_token=secret,
                allowed_updates=list(ALLOWED_UPDATES),
                drop_pending_updates=drop_pending,
            )
            return await bot.get_webhook_info()
    except TelegramError as error:
        raise TelegramSetupError(explain(error, settings)) from error


async def delete_webhook(settings: Settings, *, drop_pending: bool = False) -> WebhookInfo:
    """Removes the webhook (updates then wait for `kader poll`); pending updates are kept unless asked."""
    bot = make_bot(settings)
    try:
        async with bot:
            await bot.delete_webhook(drop_pending_updates=drop_pending)
            return await bot.get_webhook_info()
    except TelegramError as error:
        raise TelegramSetupError(explain(error, settings)) from error


async def webhook_info(settings: Settings) -> WebhookInfo:
    """What the Bot API has registered: the webhook URL, pending updates, the last delivery error."""
    bot = make_bot(settings)
    try:
        async with bot:
            return await bot.get_webhook_info()
    except TelegramError as error:
        raise TelegramSetupError(explain(error, settings)) from error


def shown_api_url(url: str) -> str:
    """The Bot API URL as logs and errors show it: without a password, the token or a query string."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    if parts.username:
        host = f"{parts.username}:***@{host}" if parts.password else f"{parts.username}@{host}"
    path = _TOKEN_IN_PATH.sub("/bot", parts.path)
    return f"{parts.scheme}://{host}{path}" if parts.scheme else path


def explain(error: TelegramError, settings: Settings) -> str:
    """One sentence for an operator: what the Bot API said, without the token."""
    if isinstance(error, TelegramSetupError):
        return error.message
    if isinstance(error, InvalidToken):
        return "the Bot API refused TELEGRAM_BOT_TOKEN: check the token @BotFather gave you"
    if isinstance(error, BadRequest):
        return f"the Bot API refused the request: {error.message}"
    if isinstance(error, NetworkError):
        return (
            f"Telegram unreachable at {shown_api_url(settings.telegram_api_url)} ({error.message}):"
            " check TELEGRAM_API_URL and the network"
        )
    return f"the Bot API answered {type(error).__name__}: {error.message}"
