"""The holder's side of the desk: answering the revocation questions, or choosing them
for a dossier without any; the lock after too many wrong answers and its unlocking by an
administrator. Each test reads back the audit trail and the dossier."""

from __future__ import annotations

from pathlib import Path

from kiosk.domain.answers import FIRST_QUESTIONS, SECOND_QUESTIONS
from kiosk.domain.dossier_state import DossierState
from kiosk.ui.screens.answers import AnswersScreen
from kiosk.ui.screens.define_questions import DefineQuestionsScreen
from kiosk.ui.screens.dossier import DossierScreen
from kiosk.ui.screens.holder_cue import HolderCueScreen
from kiosk.ui.screens.identity import IdentityScreen
from kiosk.ui.screens.lookup import LookupScreen
from kiosk.ui.screens.token_insert import TokenInsertScreen
from kiosk.ui.widgets.choice import Choice
from kiosk.ui.widgets.secret_input import SecretInput
from tests.ui.app_env import (
    KioskPilot,
    log_in,
    look_up,
    run_async,
    screen_text,
    settle,
    status_text,
    type_into,
)
from tests.ui.appointment_env import (
    ADMIN_LOGIN,
    ADMIN_PASSWORD,
    CHOSEN_ANSWERS,
    REF_NO_QUESTIONS,
    RIGHT_ANSWERS,
    WRONG_ANSWERS,
    AppointmentDesk,
    answer,
    appointment_app,
    identified,
)
from tests.ui.sample_data import AGENT_LOGIN, REF_CONVOKED

ENDED = "Rendez-vous terminé : Réponses aux questions de révocation incorrectes."


def _answers_status(pilot: KioskPilot) -> str:
    return status_text(pilot.app.screen, "#answers-status")


def _typed_secrets_shown(pilot: KioskPilot, secrets: tuple[str, ...]) -> list[str]:
    shown = screen_text(pilot.app)  # type: ignore[arg-type]
    return [secret for secret in secrets if secret in shown]


@run_async
async def test_the_answers_screen_faces_the_holder(tmp_path: Path) -> None:
    app, desk = appointment_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await identified(pilot, desk)

        assert isinstance(app.screen, AnswersScreen)
        assert app.screen.has_class("holder")
        shown = screen_text(app)
        assert "Bonjour Jeanne," in shown
        assert "1. Nom de votre premier animal ?" in shown
        assert "3. Modèle de ma première voiture ?" in shown
        for agent_or_dossier in ("Alice Martin", "Agent", REF_CONVOKED, "Le Goff", "LE GOFF"):
            assert agent_or_dossier not in shown
        assert all(field.password for field in app.screen.query(SecretInput))
        assert app.focused is app.screen.query_one("#answer-1")

        await type_into(pilot, "#answer-1", RIGHT_ANSWERS[0])
        await pilot.press("enter")  # the next empty answer, not a submission
        await pilot.pause()
        assert app.focused is app.screen.query_one("#answer-2")
        await pilot.press("enter")
        await pilot.pause()
        assert _answers_status(pilot) == "✗ Erreur : Répondez à la question 2."
        assert _typed_secrets_shown(pilot, RIGHT_ANSWERS) == []
    assert ("answers.check", "failure") not in desk.kinds()


@run_async
async def test_three_wrong_sets_end_the_appointment_without_telling_which(
    tmp_path: Path,
) -> None:
    app, desk = appointment_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await identified(pilot, desk)
        messages = []
        for _ in range(2):
            await answer(pilot, WRONG_ANSWERS)
            messages.append(_answers_status(pilot))
            assert all(field.value == "" for field in app.screen.query(SecretInput))
            assert _typed_secrets_shown(pilot, WRONG_ANSWERS) == []
        assert messages == [
            "✗ Erreur : Au moins une réponse est incorrecte. Essais restants : 2.",
            "✗ Erreur : Au moins une réponse est incorrecte. Essais restants : 1.",
        ]

        await answer(pilot, WRONG_ANSWERS)
        assert isinstance(app.screen, HolderCueScreen)
        shown = screen_text(app)
        assert "Rendez l'écran à l'agent" in shown
        assert app.screen.detail_text == (
            "Réponses incorrectes. Nombre d'essais atteint : le rendez-vous est terminé."
        )
        for hint in ("question 3", "Question 3", "voiture", "troisième"):
            assert hint not in shown
        await pilot.press("enter")
        await settle(pilot)

        assert isinstance(app.screen, LookupScreen)
        assert status_text(app.screen, "#lookup-status") == (
            f"✗ Erreur : {ENDED} Le dossier reste disponible pour un autre rendez-vous."
        )

    failures = [e for e in desk.events() if e.event_type == "answers.check"]
    assert [(e.outcome.value, e.details["appointment_failures"]) for e in failures] == [
        ("failure", 1),
        ("failure", 2),
        ("failure", 3),
    ]
    end = desk.last("appointment.end")
    assert (end.outcome.value, end.details, end.agent) == (
        "aborted",
        {"reason": "answers_failed"},
        AGENT_LOGIN,
    )
    dossier = desk.dossier()
    assert dossier.state is DossierState.REFUSED and not dossier.answers_locked
    assert dossier.failed_answer_attempts == 3


async def _answer_until_locked(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    desk.fail_answers_before(REF_CONVOKED, 9)  # nine wrong sets at earlier appointments
    await identified(pilot, desk)
    await answer(pilot, WRONG_ANSWERS)


@run_async
async def test_a_locked_dossier_is_refused_until_an_administrator_unlocks_it(
    tmp_path: Path,
) -> None:
    app, desk = appointment_app(tmp_path / "home")
    async with app.run_test(size=(120, 40)) as pilot:
        await _answer_until_locked(pilot, desk)
        assert isinstance(app.screen, HolderCueScreen)
        assert app.screen.detail_text == (  # what the holder reads
            "Réponses incorrectes. Le dossier est verrouillé : "
            "un administrateur doit le déverrouiller."
        )
        await pilot.press("enter")
        await settle(pilot)
        assert status_text(app.screen, "#lookup-status") == (
            f"✗ Erreur : {ENDED} Le dossier est verrouillé : "
            "un administrateur doit le déverrouiller."
        )

        await look_up(pilot, desk.code())
        assert "verrouillées (trop d'erreurs)" in screen_text(app)
        assert "Déverrouiller" not in screen_text(app)  # not for an agent
        await pilot.press("f8")
        await pilot.pause()
        assert isinstance(app.screen, DossierScreen)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, DossierScreen)
        assert "Ce dossier est verrouillé après trop de réponses erronées" in status_text(
            app.screen, "#dossier-status"
        )

        await pilot.press("f10")
        await settle(pilot)
        await log_in(pilot, ADMIN_LOGIN, ADMIN_PASSWORD)
        await look_up(pilot, desk.code())
        assert "F8 Déverrouiller les réponses" in screen_text(app)
        await pilot.press("f8")
        await pilot.pause()
        assert "Déverrouiller les réponses ?" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DossierScreen)
        assert "Réponses déverrouillées" in status_text(app.screen, "#dossier-status")
        assert "verrouillées (trop d'erreurs)" not in screen_text(app)
        assert "Déverrouiller" not in screen_text(app)

        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, IdentityScreen)

    kinds = desk.kinds()
    locked_at = kinds.index(("dossier.answers_locked", "success"))
    assert kinds[locked_at - 1] == ("answers.check", "failure")
    assert kinds[locked_at + 1] == ("appointment.end", "aborted")
    unlock = desk.last("dossier.answers_unlocked")
    assert (unlock.agent, unlock.details) == (ADMIN_LOGIN, {"previous_failures": 10})
    assert kinds[-1] == ("appointment.start", "success")
    assert desk.last("appointment.start").agent == ADMIN_LOGIN
    dossier = desk.dossier()
    assert not dossier.answers_locked and dossier.failed_answer_attempts == 0
    assert dossier.state is DossierState.CONVOKED


async def _choose(pilot: KioskPilot, selector: str, position: int) -> None:
    """Open the list with Entrée, go down ``position`` items, pick with Entrée."""
    pilot.app.screen.query_one(selector, Choice).focus()
    await pilot.pause()
    await pilot.press("enter", *["down"] * position, "enter")
    await pilot.pause()


@run_async
async def test_a_holder_without_questions_chooses_them_at_the_desk(tmp_path: Path) -> None:
    app, desk = appointment_app(tmp_path / "home")
    personal = "Quel était le nom de mon premier professeur de piano ?"
    first, second, third = CHOSEN_ANSWERS
    secrets = (*CHOSEN_ANSWERS, "Renaud")
    async with app.run_test(size=(80, 24)) as pilot:
        await identified(pilot, desk, REF_NO_QUESTIONS, name="RIOU<<GWENAEL", birth="920615")
        assert isinstance(app.screen, DefineQuestionsScreen)
        assert app.screen.has_class("holder")
        assert "Bonjour Gwenaël," in screen_text(app)

        await _choose(pilot, "#question-1", 1)
        await _choose(pilot, "#question-2", 1)
        assert app.screen.query_one("#question-1", Choice).chosen == FIRST_QUESTIONS[0]
        assert app.screen.query_one("#question-2", Choice).chosen == SECOND_QUESTIONS[0]
        await type_into(pilot, "#answer-1", first)
        await type_into(pilot, "#confirm-1", first.lower())
        await type_into(pilot, "#answer-2", second)
        await type_into(pilot, "#confirm-2", "Renaud")
        await type_into(pilot, "#question-3", personal)
        await type_into(pilot, "#answer-3", third)
        await type_into(pilot, "#confirm-3", third.lower())
        await pilot.press("enter")
        await settle(pilot)

        assert status_text(app.screen, "#define-status") == (
            "✗ Erreur : Question 2 : les deux saisies de la réponse ne correspondent pas."
        )
        assert app.screen.query_one("#confirm-2", SecretInput).value == ""
        assert app.focused is app.screen.query_one("#answer-2")
        assert _typed_secrets_shown(pilot, secrets) == []

        await type_into(pilot, "#answer-2", second)
        await type_into(pilot, "#confirm-2", second.upper())
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HolderCueScreen)
        assert app.screen.detail_text == "Vos questions sont enregistrées. Merci."
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TokenInsertScreen)

    assert desk.kinds(REF_NO_QUESTIONS)[-2:] == [
        ("identity.photo", "success"),
        ("answers.defined", "success"),
    ]
    assert desk.last("answers.defined", REF_NO_QUESTIONS).details == {"questions": 3}
    dossier = desk.dossier(REF_NO_QUESTIONS)
    assert [q.question for q in dossier.questions] == [
        FIRST_QUESTIONS[0],
        SECOND_QUESTIONS[0],
        personal,
    ]
    stored = " ".join(q.answer_hash for q in dossier.questions).lower()
    assert not any(secret.lower() in stored for secret in secrets)
    assert dossier.state is DossierState.CONVOKED
