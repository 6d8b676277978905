"""Ending an appointment without a delivery, from the keyboard on the real kiosk: a
refused document or photo, another reason in a few words, a dossier that cannot start
one. The dossier is refused with the reason, audited, and comes back for a new
appointment."""

from __future__ import annotations

from pathlib import Path

from kiosk.domain.dossier_state import DossierState
from kiosk.ui.screens.dossier import DossierScreen
from kiosk.ui.screens.end_appointment import EndAppointmentScreen
from kiosk.ui.screens.identity import IdentityScreen
from kiosk.ui.screens.lookup import LookupScreen
from tests.ui.app_env import log_in, look_up, run_async, screen_text, settle, status_text
from tests.ui.appointment_env import (
    appointment_app,
    identity_status,
    passport,
    scan,
    start_appointment,
    verdicts,
)
from tests.ui.sample_data import REF_CONVOKED, REF_DELIVERED

STILL_AVAILABLE = "Le dossier reste disponible pour un autre rendez-vous."


@run_async
async def test_an_expired_document_is_refused_and_ends_the_appointment(tmp_path: Path) -> None:
    app, desk = appointment_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await start_appointment(pilot, desk)
        await scan(pilot, passport(expiry="250101"))

        assert verdicts(pilot)["Validité"] == "✗ non conforme"
        shown = screen_text(app)
        assert "✗ Validité : Pièce expirée (fin de validité le 01/01/2025)" in shown
        assert "Pièce refusée : 1 contrôle non conforme" in identity_status(pilot)
        await pilot.press("f6")  # the photo cannot be confirmed for a refused document
        await pilot.pause()
        assert isinstance(app.screen, IdentityScreen)
        assert "F6" not in shown.splitlines()[-1]

        await pilot.press("f9")
        await pilot.pause()
        assert isinstance(app.screen, EndAppointmentScreen)
        assert "Motif choisi : Pièce d'identité refusée" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)

        assert isinstance(app.screen, LookupScreen)
        assert status_text(app.screen, "#lookup-status") == (
            f"✓ Rendez-vous terminé : Pièce d'identité refusée. {STILL_AVAILABLE}"
        )

    check = desk.last("identity.check")
    assert check.outcome.value == "refused" and check.details["check_expiry"] == "failed"
    end = desk.last("appointment.end")
    assert (end.outcome.value, end.details) == ("aborted", {"reason": "document_refused"})
    dossier = desk.dossier()
    assert dossier.state is DossierState.REFUSED
    assert dossier.refusal_reason == "Pièce d'identité refusée"


@run_async
async def test_a_photo_that_does_not_match_refuses_the_document(tmp_path: Path) -> None:
    app, desk = appointment_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await start_appointment(pilot, desk)
        await scan(pilot, passport())
        await pilot.press("f7")
        await pilot.pause()
        assert "sera refusée" in screen_text(app)
        await pilot.press("escape")  # changed their mind: nothing recorded
        await pilot.pause()
        assert isinstance(app.screen, IdentityScreen)
        assert ("identity.photo", "refused") not in desk.kinds()

        await pilot.press("f7")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EndAppointmentScreen)  # proposed at once
        await pilot.press("escape")
        await pilot.pause()
        assert "Photo non conforme : la pièce est refusée" in identity_status(pilot)
        await pilot.press("f9")
        await pilot.pause()
        assert "Motif choisi : Pièce d'identité refusée" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)

    photo = desk.last("identity.photo")
    assert (photo.outcome.value, photo.details) == ("refused", {"photo_matches": False})
    assert desk.last("appointment.end").details == {"reason": "document_refused"}
    assert desk.dossier().state is DossierState.REFUSED


@run_async
async def test_another_reason_needs_a_few_words(tmp_path: Path) -> None:
    app, desk = appointment_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await start_appointment(pilot, desk)
        await pilot.press("f9")
        await pilot.pause()
        assert "Motif choisi : Titulaire absent" in screen_text(app)
        await pilot.press("end")  # « Autre motif », last of the list
        await pilot.press("enter")
        await pilot.pause()
        assert status_text(app.screen, "#end-status") == (
            "✗ Erreur : Précisez le motif (quelques mots) pour « Autre motif »."
        )
        assert app.focused is app.screen.query_one("#end-text")
        await pilot.press(*"Alarme incendie")
        await pilot.press("enter")
        await settle(pilot)

        assert isinstance(app.screen, LookupScreen)
        assert status_text(app.screen, "#lookup-status") == (
            f"✓ Rendez-vous terminé : Autre motif (Alarme incendie). {STILL_AVAILABLE}"
        )

    assert desk.last("appointment.end").details == {"reason": "other"}
    dossier = desk.dossier()
    assert dossier.state is DossierState.REFUSED
    assert dossier.refusal_reason == "Autre motif : Alarme incendie"


@run_async
async def test_a_refused_dossier_comes_back_for_a_new_appointment(tmp_path: Path) -> None:
    app, desk = appointment_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await start_appointment(pilot, desk)
        await pilot.press("f9", "enter")
        await settle(pilot)
        await look_up(pilot, desk.code())
        assert "État : Refusé" in screen_text(app)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, IdentityScreen)

    assert [k for k in desk.kinds() if k[0].startswith("appointment")] == [
        ("appointment.start", "success"),
        ("appointment.end", "aborted"),
        ("appointment.start", "success"),
    ]
    assert desk.dossier().state is DossierState.CONVOKED


@run_async
async def test_a_delivered_dossier_cannot_start_an_appointment(tmp_path: Path) -> None:
    app, desk = appointment_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await look_up(pilot, desk.code(REF_DELIVERED))
        await pilot.press("f5")
        await settle(pilot)

        assert isinstance(app.screen, DossierScreen)  # F5 is not offered: nothing opens
        shown = " ".join(screen_text(app).split())
        assert "État : Remis — déblocage du PIN ou révocation possibles" in shown
        assert "Commencer la remise" not in shown

    assert "appointment.start" not in [kind for kind, _ in desk.kinds(REF_DELIVERED)]
    assert desk.dossier(REF_DELIVERED).state is DossierState.DELIVERED
    assert desk.dossier(REF_CONVOKED).state is DossierState.CONVOKED
