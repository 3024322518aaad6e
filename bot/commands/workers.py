"""`kader worker`: a registered worker's data. `show` and `forget` (access and erasure, UU 27/2022 PDP) are in
bot/commands/worker_rights.py, `edit` and `import-kpj` in bot/commands/worker_edit.py and bot/commands/kpj_import.py."""

from __future__ import annotations

from typing import Any

from bot.commands import kpj_import, worker_edit, worker_rights
from bot.commands.base import add_command


def register(commands: Any) -> None:
    """Adds the `worker` group to the `kader` parser."""
    worker = add_command(
        commands, "worker", "a registered worker's data: show it all, change it, or forget it (UU 27/2022 PDP)"
    )
    worker_commands = worker.add_subparsers(dest="worker_command", metavar="COMMAND", required=True)
    worker_rights.register(worker_commands)
    worker_edit.register(worker_commands)
    kpj_import.register(worker_commands)
