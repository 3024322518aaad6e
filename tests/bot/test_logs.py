"""The logging setup: libraries held at WARNING whatever LOG_LEVEL says, and the last line of defence that takes
NIKs, phones and secrets out of every line, never failing on a record it cannot read."""

from __future__ import annotations

import io
import logging

import pytest

from bot.cli import main
from bot.logs import KaderHandler, Redaction, configure_logging, redact_secrets, settings_secrets
from bot.settings import Settings

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SETTINGS = Settings(
    log_level="DEBUG",
    database_url="postgresql://kader:Db-Pa55word@db.example:5432/kader?sslmode=require&sslpassword=Key-Pa55",
    telegram_bot_token=TOKEN,
    telegram_webhook_secret="webhook-Secret_42",
    twilio_account_sid="AC" + "0" * 32,
    twilio_auth_token="twilio-auth-token-abcdef",
    twilio_whatsapp_from="whatsapp:+14155238886",
)


@pytest.fixture
def output() -> io.StringIO:
    """What the handler `configure_logging` installs writes, at LOG_LEVEL=DEBUG."""
    buffer = io.StringIO()
    configure_logging(SETTINGS, stream=buffer)
    return buffer


def lines(buffer: io.StringIO) -> list[str]:
    return buffer.getvalue().splitlines()


# -- which loggers write ------------------------------------------------------------------------------------


def test_kader_loggers_follow_log_level_and_libraries_stay_at_warning(output):
    logging.getLogger("kader.test").debug("turn contact=%s", 7)
    for name in ("aiosqlite", "sqlalchemy.engine.Engine", "httpx", "telegram.ext.Application", "twilio.http_client"):
        logging.getLogger(name).debug("%s debug", name)
        logging.getLogger(name).info("%s info", name)
        logging.getLogger(name).warning("%s warning", name)
    assert lines(output) == [
        "DEBUG kader.test turn contact=7",
        "WARNING aiosqlite aiosqlite warning",
        "WARNING sqlalchemy.engine.Engine sqlalchemy.engine.Engine warning",
        "WARNING httpx httpx warning",
        "WARNING telegram.ext.Application telegram.ext.Application warning",
        "WARNING twilio.http_client twilio.http_client warning",
    ]


def test_a_library_that_lowers_its_own_level_is_still_held_at_warning(output):
    # uvicorn sets its loggers' levels from its own configuration, SQLAlchemy's echo sets INFO: the handler decides.
    logging.getLogger("aiosqlite").setLevel(logging.DEBUG)
    logging.getLogger("some.unknown.library").setLevel(logging.DEBUG)
    logging.getLogger("aiosqlite").debug("executing INSERT")
    logging.getLogger("some.unknown.library").info("request body")
    assert lines(output) == []


def test_a_higher_log_level_holds_the_libraries_higher_too():
    buffer = io.StringIO()
    configure_logging(Settings(log_level="ERROR"), stream=buffer)
    logging.getLogger("httpx").warning("not written")
    logging.getLogger("kader.test").warning("not written either")
    logging.getLogger("httpx").error("written")
    assert lines(buffer) == ["ERROR httpx written"]


def test_uvicorn_error_lines_stay_readable(output):
    logging.getLogger("uvicorn.error").error(
        "[Errno 98] error while attempting to bind on address ('127.0.0.1', 8000): address already in use"
    )
    assert lines(output) == [
        "ERROR uvicorn.error [Errno 98] error while attempting to bind on address ('127.0.0.1', 8000):"
        " address already in use"
    ]


def test_a_library_logger_with_a_handler_of_its_own_writes_through_the_filtered_one_instead():
    # uvicorn's default configuration, or SQLAlchemy's echo, give their loggers their own unfiltered handlers.
    own = io.StringIO()
    library = logging.getLogger("uvicorn.error")
    library.addHandler(logging.StreamHandler(own))
    library.propagate = False
    buffer = io.StringIO()
    configure_logging(SETTINGS, stream=buffer)
    library.error("client +6281234567890 sent %s", "6310054508800001")
    assert own.getvalue() == ""
    assert lines(buffer) == ["ERROR uvicorn.error client [phone] sent [nik]"]


def test_configuring_again_replaces_the_handler_instead_of_adding_one():
    configure_logging(SETTINGS, stream=io.StringIO())
    configure_logging(SETTINGS, stream=io.StringIO())
    assert len([h for h in logging.getLogger().handlers if isinstance(h, KaderHandler)]) == 1


def test_without_a_stream_lines_go_to_the_stderr_of_the_moment(capsys):
    configure_logging(Settings(log_level="INFO"))
    logging.getLogger("kader.test").info("ready")
    assert capsys.readouterr().err == "INFO kader.test ready\n"


# -- redaction ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "nik", ["6310054508800001", "6310 0545 0880 0001", "6310-0545-0880-0001", "6310.0545.0880.0001"]
)
def test_a_nik_in_any_usual_writing_is_redacted(output, nik):
    logging.getLogger("kader.test").info("lookup nik=%s done", nik)
    assert lines(output) == ["INFO kader.test lookup nik=[nik] done"]


@pytest.mark.parametrize(
    "phone",
    [
        "+6281234567890",
        "+62 812-3456-7890",
        "+62 (812) 3456 7890",
        "6281234567890",
        "081234567890",
        "0812-3456-7890",
        "0812 3456 7890",
        "0812.3456.7890",
        "(0812) 3456-7890",
        "+62215551234",  # a Jakarta landline
    ],
)
def test_an_indonesian_phone_in_any_usual_writing_is_redacted(output, phone):
    logging.getLogger("kader.test").info("contact phone=%s", phone)
    assert lines(output) == ["INFO kader.test contact phone=[phone]"]


def test_a_whatsapp_address_keeps_its_prefix_and_loses_the_number(output):
    logging.getLogger("kader.test").info("to=whatsapp:+6281234567890")
    assert lines(output) == ["INFO kader.test to=whatsapp:[phone]"]


def test_the_configured_secrets_are_redacted_even_inside_urls(output):
    log = logging.getLogger("httpx")
    log.warning("POST https://api.telegram.org/bot%s/sendMessage", TOKEN)
    log.warning("header X-Telegram-Bot-Api-Secret-Token: webhook-Secret_42")
    log.warning("auth twilio-auth-token-abcdef and Db-Pa55word and Key-Pa55")
    log.warning("connect postgresql://kader:Db-Pa55word@db.example:5432/kader")
    assert lines(output) == [
        "WARNING httpx POST https://api.telegram.org/bot[secret]/sendMessage",
        "WARNING httpx header X-Telegram-Bot-Api-Secret-Token: [secret]",
        "WARNING httpx auth [secret] and [secret] and [secret]",
        "WARNING httpx connect postgresql://kader:***@db.example:5432/kader",
    ]


def test_any_bot_token_or_url_password_is_redacted_though_not_configured(output):
    log = logging.getLogger("kader.test")
    log.warning("url=https://api.telegram.org/bot987654321:ZZHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe")
    log.warning("proxy=http://user:hunter2@proxy.example:3128")
    assert lines(output) == [
        "WARNING kader.test url=https://api.telegram.org/bot[secret]/getMe",
        "WARNING kader.test proxy=http://user:***@proxy.example:3128",
    ]


def test_ids_times_and_amounts_in_ordinary_lines_are_left_alone(output):
    line = (
        "status sid=SM0123456789abcdef0123456789abcdef message=42 update=50001 chat=8101"
        " at=2026-11-22 01:00:00.123456 number=REG-6310-000001 amount=201600"
    )
    logging.getLogger("kader.test").info(line)
    assert lines(output) == [f"INFO kader.test {line}"]


def test_an_exception_and_its_message_are_redacted_with_the_line(output):
    try:
        raise ValueError("duplicate key (nik)=(6310054508800001) phone +6281234567890")
    except ValueError:
        logging.getLogger("sqlalchemy.pool").exception("connection failed for 0812-3456-7890")
    text = output.getvalue()
    assert text.startswith("ERROR sqlalchemy.pool connection failed for [phone]\nTraceback (most recent call last):")
    assert "ValueError: duplicate key (nik)=([nik]) phone [phone]" in text
    assert "6310054508800001" not in text and "81234567890" not in text


def test_a_stack_is_redacted_too(output):
    logging.getLogger("kader.test").warning("nik 6310054508800001", stack_info=True)
    text = output.getvalue()
    assert text.startswith("WARNING kader.test nik [nik]\nStack (most recent call last):")
    assert "6310054508800001" not in text


class _Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no")


@pytest.mark.parametrize(
    ("message", "args", "expected"),
    [
        ("%s and %s", ("6310054508800001",), "[unformattable log message from "),  # too few arguments
        ("%d", ("not a number",), "[unformattable log message from "),
        (_Unprintable(), (), "[unformattable log message from "),
        ({"nik": "6310054508800001"}, (), "{'nik': '[nik]'}"),
        (None, (), "None"),
    ],
)
def test_an_odd_record_is_written_without_failing_and_without_its_arguments(output, message, args, expected):
    logging.getLogger("kader.test").warning(message, *args)
    (line,) = lines(output)
    assert line.startswith(f"WARNING kader.test {expected}")
    assert "6310054508800001" not in line and "not a number" not in line


def test_a_record_that_cannot_be_redacted_is_withheld(output, monkeypatch):
    def broken(_self: Redaction, _text: str) -> str:
        raise RuntimeError("redaction broke")

    monkeypatch.setattr(Redaction, "all", broken)
    logging.getLogger("kader.test").warning("nik 6310054508800001")
    assert lines(output) == ["WARNING kader.test [log message withheld: it could not be redacted]"]


def test_warnings_are_written_through_the_same_filters(output):
    import warnings

    warnings.warn("odd value 6310054508800001", UserWarning, stacklevel=1)
    assert "[nik]" in output.getvalue() and "6310054508800001" not in output.getvalue()


def test_the_secrets_of_the_settings_are_the_tokens_and_passwords():
    assert {s for s in settings_secrets(SETTINGS) if s} == {
        TOKEN,
        "twilio-auth-token-abcdef",
        "webhook-Secret_42",
        "Db-Pa55word",
        "Key-Pa55",
    }


def test_secrets_too_short_to_matter_are_not_replaced_everywhere():
    assert Redaction(["ab", None, ""]).secrets("a tab b") == "a tab b"


# -- `kader: error:` lines ----------------------------------------------------------------------------------


def test_error_lines_hide_secrets_but_keep_what_the_operator_typed():
    configure_logging(SETTINGS, stream=io.StringIO())
    assert redact_secrets(f"refused {TOKEN} for 0812 3456 7890") == "refused [secret] for 0812 3456 7890"


def test_a_log_level_that_is_no_level_is_one_error_line(monkeypatch, capsys):
    monkeypatch.setenv("LOG_LEVEL", "loud")
    assert main(["village", "search", "lembu"]) == 2
    err = capsys.readouterr().err
    assert err == "kader: error: LOG_LEVEL='LOUD' is not a logging level (use DEBUG, INFO, WARNING or ERROR)\n"
