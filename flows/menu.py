"""The main menu: everything the bot offers, shown by role, with what is not built yet said plainly."""

from __future__ import annotations

from collections.abc import Sequence

from flows.model import Choice, Context, Flow, Outcome, Step

MENU = "menu"

_CADRE_ITEMS = (
    Choice("register", "menu.item.register", aliases=("daftar", "daftarkan", "register")),
    Choice("my_workers", "menu.item.my_workers", aliases=("pekerja saya", "my workers")),
    Choice("payment", "menu.item.payment", aliases=("bayar", "pembayaran", "payment")),
    Choice(
        "village_payment", "menu.item.village_payment", aliases=("bayar untuk desa", "apbdes", "pay for the village")
    ),
)
_EVERYONE_ITEMS = (
    Choice("status", "menu.item.status", aliases=("status", "cek status")),
    Choice("report_death", "menu.item.report_death", aliases=("kematian", "meninggal", "death")),
    Choice("report_accident", "menu.item.report_accident", aliases=("kecelakaan", "accident")),
    Choice("info", "menu.item.info", aliases=("info", "informasi", "information")),
    Choice("language", "menu.item.language", aliases=("bahasa", "language")),
)


def menu_items(ctx: Context) -> Sequence[Choice]:
    """The menu for this contact: cadre work first for cadres and admins, then what everyone may do."""
    if ctx.is_staff:
        return _CADRE_ITEMS + _EVERYONE_ITEMS
    return _EVERYONE_ITEMS


def _prompt_params(ctx: Context) -> dict[str, str]:
    if ctx.staff is not None and ctx.is_staff:
        return {"greeting": ctx.t("menu.greeting.cadre", name=ctx.staff.name)}
    # A first message is greeted once, with what the service is and the offer of English.
    return {"greeting": ctx.t("common.welcome" if ctx.answers.get("welcome") else "menu.greeting.anyone")}


async def _open(ctx: Context) -> Outcome:
    return Outcome(then=str(ctx.answers["item"]))


def menu_flow() -> Flow:
    """The main menu as a flow of one step whose answer starts the chosen flow."""
    return Flow(
        name=MENU,
        title="menu.title",
        steps=(Step("item", "menu.ask", choices=menu_items, prompt_params=_prompt_params),),
        complete=_open,
    )
