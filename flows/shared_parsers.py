"""Refusals and parsers that more than one flow uses, so that no flow imports another."""

from __future__ import annotations

from flows.model import Invalid
from rules.nik import InvalidNikError


def nik_refusal(error: InvalidNikError, text: str) -> Invalid:
    """Why a typed NIK was refused, with how many digits were typed."""
    return Invalid(f"nik.invalid.{error.reason}", {"digits": sum(c.isdigit() for c in text)})
