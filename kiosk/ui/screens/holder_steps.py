"""Handing the screen to the holder once the identity is checked: the answers to the
dossier's questions, or, for a dossier without any, choosing them at the desk."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.screen import Screen

from kiosk.ui.appointment_flow import AppointmentFlow
from kiosk.ui.screens.answers import AnswersScreen
from kiosk.ui.screens.define_questions import DefineQuestionsScreen
from kiosk.ui.screens.holder_cue import TO_HOLDER, HolderCueScreen

ANSWER = "Le titulaire va répondre à ses questions de révocation."
CHOOSE = "Le dossier n'a pas de questions de révocation : le titulaire va les choisir."
BACK_TO_IDENTITY = "revenir au contrôle d'identité"


def hand_over_to_holder(
    app: App[Any], flow: AppointmentFlow, back: Callable[[], object] | None = None
) -> None:
    """« Tournez l'écran vers le titulaire », then the holder's screen; ``back``: Échap
    returns to the identity check (to read the document again) before the holder sees
    anything."""
    has_questions = bool(flow.services.answers.questions(flow.appointment))

    def holder_screen() -> None:
        screen: Screen[None] = AnswersScreen(flow) if has_questions else DefineQuestionsScreen(flow)
        app.switch_screen(screen)

    detail = ANSWER if has_questions else CHOOSE
    back_to = (BACK_TO_IDENTITY, back) if back is not None else None
    cue = HolderCueScreen(TO_HOLDER, detail, holder_screen, holder_facing=False, back=back_to)
    app.switch_screen(cue)
