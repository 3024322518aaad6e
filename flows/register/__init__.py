"""Registering a worker: the cadre's guided conversation, ending in one stored, audited registration."""

from __future__ import annotations

from flows.register.flow import REGISTER, register_flow

__all__ = ["REGISTER", "register_flow"]
