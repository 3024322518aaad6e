"""Choosing the language of the conversation, remembered per contact."""

from __future__ import annotations

from flows.model import Choice, Context, Flow, Outcome, Step
from storage import audit, contacts

LANGUAGE = "language"

_CHOICES = (
    Choice("id", label="Bahasa Indonesia", aliases=("indonesia", "bahasa", "bi", "ind")),
    Choice("en", label="English", aliases=("inggris", "bahasa inggris", "eng")),
)


async def _save(ctx: Context) -> Outcome:
    language = str(ctx.answers["language"])
    contacts.set_language(ctx.contact, language)
    await audit.record_event(ctx.session, "contact.language", contact_id=ctx.contact.id, details={"language": language})
    ctx.switch_language(language)
    return Outcome(texts=[ctx.t("language.saved")], then="menu")


def language_flow() -> Flow:
    """Asks for Bahasa Indonesia or English and switches to it at once."""
    return Flow(
        name=LANGUAGE,
        title="language.title",
        steps=(Step("language", "language.ask", choices=_CHOICES),),
        complete=_save,
    )
