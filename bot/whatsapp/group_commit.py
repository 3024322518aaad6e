"""Letting go of TwiML replies in shared transactions (a group commit), one write for many webhooks under load."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from storage import outbox
from storage.database import Database


class GroupCommit:
    """Lets go of TwiML replies in shared transactions: the webhooks that confirm while one batch commits share the
    next one (one write for many turns under load, which SQLite's single writer feels); each caller returns only once
    its own ids are committed."""

    def __init__(self, database: Database) -> None:
        """Batches over this database."""
        self.database = database
        self._waiting: list[tuple[list[int], asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self.batches = 0

    async def confirm(self, ids: Sequence[int]) -> None:
        """Returns once the rows are let go of; raises what the database raised."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((list(ids), future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await future

    async def _flush(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                async with self.database.transaction() as session:
                    await outbox.replies_sent(session, [i for ids, _ in batch for i in ids])
            except Exception as error:  # noqa: BLE001 - handed to every caller of the batch
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
            else:
                self.batches += 1
                for _, future in batch:
                    if not future.done():
                        future.set_result(None)
