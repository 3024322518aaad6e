"""One message being handled (the conversation and its replies so far), and the words and choices the engine
itself offers: the summary's two answers, resuming, leaving a form, confirming a reading."""

from __future__ import annotations

from dataclasses import dataclass

from flows.model import Choice, Context
from flows.text import BACK, CANCEL, MENU
from flows.turn import Option, Reply
from storage.conversations import ConversationState

CONFIRM_STEP = "_confirm"
MENU_FLOW = "menu"
VERB_CHOICES = frozenset({BACK, CANCEL, MENU})
SAVE_WORDS = {"simpan", "save"}
RESUME_WORDS = {"lanjut", "lanjutkan", "continue", "ya", "yes", "1"}
RESTART_WORDS = {"2", "tidak", "no", "ulang", "mulai ulang", "restart"}
CONFIRM_CHOICES = (Choice("ya", "common.confirm.yes"), Choice("batal", "common.confirm.cancel"))
RESUME_CHOICES = (Choice("lanjut", "common.resume.continue"), Choice("menu", "common.resume.menu"))
UNSURE_CHOICES = (Choice("ya", "common.unsure.yes"), Choice("tidak", "common.unsure.no"))
STAY_WORDS = ("lanjut", "lanjutkan", "continue", "tetap", "tetap di sini")
# The menu's questions keep one token, so an older menu keyboard still works wherever the menu is shown.
MENU_RUN = "m"
GREETING = "greeting"


@dataclass
class Turn:
    """The state of one message being handled: the conversation and the replies so far."""

    ctx: Context
    state: ConversationState
    replies: list[Reply]
    expired: bool

    def say(
        self,
        text: str,
        options: tuple[Option, ...] = (),
        expects: str = "text",
        numbered: bool = True,
        *,
        question: str | None = None,
        refused_press: bool = False,
    ) -> None:
        """Adds a reply; one with options names the question it asks, which becomes the one open question."""
        reply = Reply(
            text=text,
            options=options,
            expects=expects,
            language=self.ctx.language,
            numbered=numbered,
            question=question if options else None,
            refused_press=refused_press,
        )
        self.state.data["question"] = reply.question
        self.replies.append(reply)

    def token(self, suffix: str) -> str:
        """The token of a question of this flow run ("3f9a.4"): a press on another run's keyboard is refused."""
        return f"{self.state.data.get('run', MENU_RUN)}.{suffix}"
