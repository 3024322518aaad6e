"""The console channel: the same flows at a terminal, or scripted one message per line on standard input.

`/foto PATH` or `/file PATH` sends a local file as an attachment, copied into the media store with the same checks
as a photo from Telegram or WhatsApp (size, allowed type, magic bytes).
"""

from __future__ import annotations

import asyncio
import mimetypes
import sys
import uuid
from pathlib import Path
from typing import TextIO

from bot.demo import DemoSeed
from bot.media_store import MediaStore
from flows.engine import Engine
from flows.i18n import Translator
from flows.render import numbered
from flows.turn import UNAVAILABLE, Inbound, Media, Reply
from storage import contacts
from storage.database import Database

CHANNEL = "console"
EXIT_WORDS = {"keluar", "exit", "quit"}
ATTACH_COMMANDS = ("/foto", "/file")


class ConsoleShell:
    """One person talking to the engine through standard input and output; the phone is trusted."""

    def __init__(
        self,
        engine: Engine,
        database: Database,
        phone: str,
        output: TextIO | None = None,
        *,
        echo: bool = False,
        media: MediaStore | None = None,
    ) -> None:
        self.engine = engine
        # Where `/foto PATH` copies files; without a store such lines are plain text.
        self.media = media
        self.database = database
        self.phone = phone
        # Print each line read from a pipe ("> 1") before its answer, so a scripted session reads as a conversation.
        self.echo = echo
        # sys.stdout as it is now, not as it was at import (a default argument would freeze that one).
        self.output = output if output is not None else sys.stdout

    async def language(self) -> str:
        """The contact's current language."""
        async with self.database.transaction() as session:
            contact = await contacts.get_or_create_contact(session, CHANNEL, self.phone)
            return contact.language

    async def set_language(self, language: str) -> None:
        """Sets the contact's language before the conversation starts."""
        async with self.database.transaction() as session:
            contact = await contacts.get_or_create_contact(session, CHANNEL, self.phone)
            contacts.set_language(contact, language)

    async def greet(self, seed: DemoSeed | None) -> None:
        """Prints who the shell is signed in as, and the demo it created if any."""
        t = Translator(await self.language())
        lines = [t("shell.greeting")]
        if seed is not None and seed.created:
            lines.append(t("shell.demo_seeded", name=seed.name, phone=seed.phone))
        else:
            lines.append(t("shell.identity", phone=self.phone))
        self._print("\n".join(lines))

    async def send(self, text: str) -> list[Reply]:
        """Hands one line to the engine (a file for `/foto PATH`) and prints the replies at once."""
        attachment = self._attachment(text)
        inbound = Inbound(
            channel=CHANNEL,
            address=self.phone,
            text=text if attachment is None else None,
            message_id=f"console-{uuid.uuid4()}",
            verified_phone=self.phone,
            media=() if attachment is None else (attachment,),
        )
        replies = await self.engine.handle(inbound)
        for reply in replies:
            self._print(numbered(reply))
        return replies

    def _attachment(self, line: str) -> Media | None:
        """The file a `/foto PATH` or `/file PATH` line names, kept in the media store (or refused); None otherwise."""
        command, _, rest = line.strip().partition(" ")
        if self.media is None or command.casefold() not in ATTACH_COMMANDS or not rest.strip():
            return None
        path = Path(rest.strip().strip("'\"")).expanduser()
        declared, _ = mimetypes.guess_type(path.name)
        media = Media(ref=str(path), content_type=declared)
        try:
            early = self.media.precheck(declared, path.stat().st_size)
            if early is not None:
                return MediaStore.refused(media, early)
            with path.open("rb") as source:
                return self.media.keep_file(media, source)
        except OSError:
            return MediaStore.refused(media, UNAVAILABLE)

    async def run(self, input_stream: TextIO | None = None) -> None:
        """Reads until end of input or an exit word: a prompt on a terminal, plain lines otherwise."""
        input_stream = input_stream if input_stream is not None else sys.stdin
        interactive = input_stream.isatty() and self.output.isatty()
        while True:
            line = await self._read_line(input_stream, interactive)
            if line is None:
                return
            if line.strip().casefold() in EXIT_WORDS:
                return
            if not line.strip():
                continue
            if self.echo and not interactive:
                self._print(f"> {line.strip()}")
            await self.send(line.rstrip("\r\n"))

    async def _read_line(self, input_stream: TextIO, interactive: bool) -> str | None:
        if interactive:
            try:
                return await asyncio.to_thread(input, "> ")
            except (EOFError, KeyboardInterrupt):
                self._print("")
                return None
        line = await asyncio.to_thread(input_stream.readline)
        return line if line else None

    def _print(self, text: str) -> None:
        self.output.write(text + "\n\n")
        self.output.flush()
