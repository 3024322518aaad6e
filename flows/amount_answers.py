"""An amount of money typed as an answer: one amount read whole, refused with its reason, or a likely reading to
confirm when a bare number is below anything meant here ("1,5" at the income question: "Rp1.500.000 (1,5 juta)?")."""

from __future__ import annotations

from decimal import Decimal

from flows.model import Context, Invalid, Parsed, Unsure, Valid
from rules.amounts import MILLION, THOUSAND, UnreadableAmountError, likely_meant, read_amount


def read_money(text: str, ctx: Context, plausible_minimum: int) -> Parsed:
    """Whole Rupiah as typed; a bare number below `plausible_minimum` asks what was meant; other text is refused
    with the reason (several numbers, a sign, a date, no amount at all)."""
    try:
        amount = read_amount(text)
    except UnreadableAmountError as error:
        return Invalid(f"amount.invalid.{error.reason}")
    meant = likely_meant(amount, plausible_minimum)
    if meant is not None:
        return Unsure(meant, "amount.unsure", {"amount": ctx.t.money(meant), "short": spoken(meant, ctx)})
    if amount.rupiah is None or amount.rupiah <= 0:
        return Invalid("amount.invalid.format")
    return Valid(amount.rupiah)


def spoken(amount: int, ctx: Context) -> str:
    """The amount as people say it: "1,5 juta", "20 ribu" ("1.5 million", "20 thousand")."""
    for scale, key in ((MILLION, "amount.million"), (THOUSAND, "amount.thousand")):
        if amount >= scale:
            return ctx.t(key, number=ctx.t.decimal(Decimal(amount) / scale))
    return ctx.t.number(amount)
