"""Choosing what to report: a death (JKM) or a work accident (JKK)."""

from __future__ import annotations

from flows.model import Choice, Context, Flow, Outcome, Step

REPORT = "report"

_CHOICES = (
    Choice("report_death", "menu.item.report_death", aliases=("kematian", "meninggal", "death")),
    Choice("report_accident", "menu.item.report_accident", aliases=("kecelakaan", "accident")),
)


async def _open(ctx: Context) -> Outcome:
    return Outcome(then=str(ctx.answers["kind"]))


def report_flow() -> Flow:
    """Asks which kind of report and hands over to that flow."""
    return Flow(
        name=REPORT,
        title="report.title",
        steps=(Step("kind", "report.ask", choices=_CHOICES),),
        complete=_open,
    )
