"""The identity check at the desk, driven with the keyboard on the real kiosk: from the
dossier to the holder's questions, and every way a document is refused. Each test reads
back what an auditor finds and what the dossier became."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from kiosk.domain.dossier_state import DossierState
from kiosk.ui.screens.answers import AnswersScreen
from kiosk.ui.screens.dossier import DossierScreen
from kiosk.ui.screens.end_appointment import EndAppointmentScreen
from kiosk.ui.screens.holder_cue import HolderCueScreen
from kiosk.ui.screens.identity import IdentityScreen
from kiosk.ui.screens.lookup import LookupScreen
from kiosk.ui.screens.next_step import NextStepScreen
from kiosk.ui.widgets.comparison_table import ComparisonTable
from kiosk.ui.widgets.mrz_field import MrzField
from kiosk.ui.widgets.progress_header import ProgressHeader
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
    MANUAL_NUMBER,
    PASSPORT_NUMBER,
    RIGHT_ANSWERS,
    answer,
    appointment_app,
    broken_expiry_digit,
    confirm_photo,
    passport,
    scan,
    start_appointment,
)
from tests.ui.sample_data import AGENT_LOGIN, REF_CONVOKED, REF_DELIVERED
from tests.unit.mrz_samples import fr_legacy

STILL_AVAILABLE = "Le dossier reste disponible pour un autre rendez-vous."


def _verdicts(pilot: KioskPilot) -> dict[str, str]:
    report = pilot.app.screen.query_one("#comparison", ComparisonTable).report
    assert report is not None
    shown = screen_text(pilot.app)  # type: ignore[arg-type]
    verdicts = {}
    for check in report.checks:
        verdicts[check.label] = {
            "passed": "✓ conforme",
            "failed": "✗ non conforme",
            "not_checked": "— non vérifié",
        }[check.outcome.value]
        assert check.label in shown
    return verdicts


def _identity_status(pilot: KioskPilot) -> str:
    return status_text(pilot.app.screen, "#identity-status")


@run_async
async def test_a_scanned_passport_and_right_answers_lead_to_the_next_step(tmp_path: Path) -> None:
    app, desk = appointment_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await start_appointment(pilot, desk)
        assert isinstance(app.screen, IdentityScreen)
        progress = app.screen.query_one(ProgressHeader).plain
        assert "Étape 2 sur 5" in progress and "▶ [Identité]" in progress
        assert "✓ Dossier" in progress

        await scan(pilot, passport())  # key by key, Enter after each line, in a burst

        assert _verdicts(pilot) == dict.fromkeys(
            ["Type de pièce", "Nom", "Prénom", "Date de naissance", "Validité"], "✓ conforme"
        )
        shown = screen_text(app)
        assert "Pièce : Passeport — pays émetteur FRA — valable jusqu'au 10/02/2031" in shown
        assert "✓ Contrôles du document conformes" in _identity_status(pilot)
        assert app.screen.query_one("#mrz", MrzField).text == ""
        assert PASSPORT_NUMBER not in shown

        await confirm_photo(pilot)
        assert isinstance(app.screen, HolderCueScreen)
        assert "Tournez l'écran vers le titulaire" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AnswersScreen)

        await answer(pilot, RIGHT_ANSWERS)
        assert isinstance(app.screen, HolderCueScreen)
        assert "Rendez l'écran à l'agent" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, NextStepScreen)
        assert "Étape suivante : personnalisation du support" in screen_text(app)

        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        assert "identité et réponses vérifiées" in status_text(app.screen, "#lookup-status")

    assert desk.kinds() == [
        ("dossier.lookup", "success"),
        ("appointment.start", "success"),
        ("identity.check", "success"),
        ("identity.photo", "success"),
        ("answers.check", "success"),
    ]
    check = desk.last("identity.check").details
    assert check["manual_entry"] is False and check["document_type"] == "P"
    assert check["check_surname"] == "passed" and check["check_expiry"] == "passed"
    assert len(str(check["document_mac"])) == 32
    assert all(e.agent == AGENT_LOGIN for e in desk.events()[1:])
    assert desk.dossier().state is DossierState.CONVOKED


@run_async
async def test_f2_reads_what_the_agent_typed_and_says_what_is_missing(tmp_path: Path) -> None:
    app, desk = appointment_app(tmp_path / "home")
    line1, line2 = passport()
    async with app.run_test(size=(80, 24)) as pilot:
        await start_appointment(pilot, desk)
        field = app.screen.query_one("#mrz", MrzField)
        field.insert(f"{line1}\n{line2[:-1]}")  # one character short: not read by itself
        await settle(pilot)
        assert field.text != "" and "identity.mrz" not in dict(desk.kinds())

        await pilot.press("f2")
        await settle(pilot)
        assert _identity_status(pilot) == (
            "✗ Erreur : Ligne 2 : 43 caractères au lieu de 44. "
            "Relisez la pièce, ou F4 : saisie manuelle."
        )
        assert field.text == ""

    mrz = desk.last("identity.mrz")
    assert (mrz.outcome.value, mrz.details) == (
        "failure",
        {"manual_entry": False, "reason": "unreadable"},
    )


@run_async
async def test_a_bad_check_digit_names_the_field_and_the_mrz_is_cleared(tmp_path: Path) -> None:
    app, desk = appointment_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await start_appointment(pilot, desk)
        await scan(pilot, broken_expiry_digit(passport()))

        assert _identity_status(pilot) == (
            "✗ Erreur : Chiffre de contrôle de la date d'expiration invalide. "
            "Relisez la pièce, ou F4 : saisie manuelle."
        )
        assert app.screen.query_one("#mrz", MrzField).text == ""
        assert PASSPORT_NUMBER not in screen_text(app)
        assert not app.screen.query_one("#comparison").display

        await scan(pilot, passport())  # read again: this time it passes
        assert "✓ Contrôles du document conformes" in _identity_status(pilot)

    mrz = desk.last("identity.mrz")
    assert mrz.outcome.value == "refused"
    assert mrz.details == {"manual_entry": False, "check_digit_field": "expiry_date"}
    assert desk.kinds()[-2:] == [("identity.mrz", "refused"), ("identity.check", "success")]
    assert desk.dossier().state is DossierState.CONVOKED


@run_async
async def test_an_expired_document_is_refused_and_ends_the_appointment(tmp_path: Path) -> None:
    app, desk = appointment_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await start_appointment(pilot, desk)
        await scan(pilot, passport(expiry="250101"))

        assert _verdicts(pilot)["Validité"] == "✗ non conforme"
        shown = screen_text(app)
        assert "✗ Validité : Pièce expirée (fin de validité le 01/01/2025)" in shown
        assert "Pièce refusée : 1 contrôle non conforme" in _identity_status(pilot)
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
async def test_a_name_that_differs_is_explained_beside_both_values(tmp_path: Path) -> None:
    app, desk = appointment_app(tmp_path / "home")
    async with app.run_test(size=(120, 40)) as pilot:
        await start_appointment(pilot, desk)
        await scan(pilot, passport(name="LE<GALL<<JEANNE<MARIE"))

        verdicts = _verdicts(pilot)
        assert verdicts["Nom"] == "✗ non conforme" and verdicts["Prénom"] == "✓ conforme"
        row = next(line for line in screen_text(app).splitlines() if " Nom " in line)
        assert "Le Goff" in row and "LE GALL" in row and "✗ non conforme" in row
        assert (
            "✗ Nom : Le nom du dossier ne correspond pas à celui de la pièce. Seul le nom de "
            "naissance figure dans la MRZ" in screen_text(app)
        )
        await pilot.press("f3")  # another document: back to the MRZ field, empty
        await pilot.pause()
        assert app.screen.query_one("#mrz-panel").display
        assert app.focused is app.screen.query_one("#mrz", MrzField)

    assert desk.last("identity.check").details["check_surname"] == "failed"
    assert desk.dossier().state is DossierState.CONVOKED


@run_async
async def test_an_old_french_card_extended_by_five_years_is_accepted(tmp_path: Path) -> None:
    app, desk = appointment_app(tmp_path / "home")
    card = fr_legacy(issued="1310", birth="850307", surname="LE<GOFF", given="JEANNE<<MARIE")
    async with app.run_test(size=(120, 40)) as pilot:
        await start_appointment(pilot, desk)
        await scan(pilot, card)  # 2 lines of 36: read as soon as the second is whole

        assert set(_verdicts(pilot).values()) == {"✓ conforme"}
        shown = screen_text(app)
        report = app.screen.query_one("#comparison", ComparisonTable).report
        assert report is not None
        assert report.check("expiry").document_value == (
            "jusqu'au 30/09/2028 (imprimé : 30/09/2023, prolongée de 5 ans)"
        )
        assert (
            "Note : Prolongation de 5 ans appliquée (CNI délivrée entre 2004 et 2013 à un majeur)"
            in shown
        )
        assert "Pièce : Carte d'identité — pays émetteur FRA — valable jusqu'au 30/09/2028" in (
            shown
        )
        assert card[1][:12] not in shown  # the card number

    check = desk.last("identity.check").details
    assert check["document_format"] == "FR_ID_LEGACY" and check["extension_applied"] is True
    assert check["effective_expiry"] == "2028-09-30"


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
        assert "Photo non conforme : la pièce est refusée" in _identity_status(pilot)
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
async def test_a_damaged_document_entered_by_hand_is_recorded_as_manual(tmp_path: Path) -> None:
    app, desk = appointment_app(tmp_path / "home")
    async with app.run_test(size=(120, 40)) as pilot:
        await start_appointment(pilot, desk)
        await pilot.press("f4")
        await pilot.pause()
        await type_into(pilot, "#surname", "Le Goff")
        await type_into(pilot, "#given-names", "Jeanne Marie")
        await type_into(pilot, "#number", MANUAL_NUMBER)
        await type_into(pilot, "#birth", "07/03/1985")
        await type_into(pilot, "#expiry", "31/13/2031")
        await pilot.press("enter")
        await pilot.pause()
        assert status_text(app.screen, "#manual-status") == (
            "✗ Erreur : Fin de validité : cette date n'existe pas."
        )
        assert MANUAL_NUMBER not in screen_text(app)  # the number is masked

        app.screen.query_one("#expiry", Input).clear()
        await type_into(pilot, "#expiry", "11/02/2030")
        await pilot.press("enter")
        await settle(pilot)

        assert isinstance(app.screen, IdentityScreen)
        assert set(_verdicts(pilot).values()) == {"✓ conforme"}
        shown = screen_text(app)
        assert "valable jusqu'au 11/02/2030 — saisie manuelle" in shown
        assert MANUAL_NUMBER not in shown

    check = desk.last("identity.check")
    assert check.outcome.value == "success"
    assert check.details["manual_entry"] is True
    assert MANUAL_NUMBER not in str(check.details)


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

        assert isinstance(app.screen, DossierScreen)
        assert status_text(app.screen, "#dossier-status") == (
            "✗ Erreur : Ce dossier est à l'état « Remis » : aucune remise n'est possible."
        )
        assert "aucune remise n'est possible" in screen_text(app)

    assert "appointment.start" not in [kind for kind, _ in desk.kinds(REF_DELIVERED)]
    assert desk.dossier(REF_DELIVERED).state is DossierState.DELIVERED
    assert desk.dossier(REF_CONVOKED).state is DossierState.CONVOKED
