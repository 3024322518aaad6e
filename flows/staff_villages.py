"""The villages a cadre serves, as a question several flows ask when there are more than one."""

from __future__ import annotations

from flows.model import Choice, Context


def village_choices(ctx: Context) -> list[Choice]:
    """The villages the cadre serves, each labelled with its name and code."""
    staff = ctx.staff
    if staff is None:
        return []
    return [Choice(code, label=f"{name} ({code})") for code, name in staff.villages]


def several_villages(ctx: Context) -> bool:
    """Whether the cadre serves more than one village, so the village is asked."""
    return ctx.staff is not None and len(ctx.staff.village_codes) > 1
