"""The identity check at the desk, driven with the keyboard on the real kiosk: from the
dossier to the holder's questions, a document read by a scanner, typed, or entered by
hand, and the comparison that explains each refusal. Each test reads back what an auditor
finds and what the dossier became (ending an appointment: ``test_appointment_end``)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from kiosk.domain.dossier_state import DossierState
from kiosk.ui.screens.answers import AnswersScreen
from kiosk.ui.screens.holder_cue import HolderCueScreen
from kiosk.ui.screens.identity import IdentityScreen
from kiosk.ui.screens.lookup import LookupScreen
from kiosk.ui.screens.token_insert import TokenInsertScreen
from kiosk.ui.widgets.comparison_table import ComparisonTable
from kiosk.ui.widgets.mrz_field import MrzField
from kiosk.ui.widgets.progress_header import ProgressHeader
from tests.ui.app_env import (
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
    identity_status,
    passport,
    scan,
    start_appointment,
    verdicts,
)
from tests.ui.sample_data import AGENT_LOGIN
from tests.unit.mrz_samples import fr_legacy


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

        assert verdicts(pilot) == dict.fromkeys(
            ["Type de pièce", "Nom", "Prénom", "Date de naissance", "Validité"], "✓ conforme"
        )
        shown = screen_text(app)
        assert "Pièce : Passeport — pays émetteur FRA — valable jusqu'au 10/02/2031" in shown
        assert "✓ Contrôles du document conformes" in identity_status(pilot)
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
        assert isinstance(app.screen, TokenInsertScreen)
        assert "Personnalisation du support" in screen_text(app)

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
        ("appointment.left", "success"),
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
        assert identity_status(pilot) == (
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

        assert identity_status(pilot) == (
            "✗ Erreur : Chiffre de contrôle de la date d'expiration invalide. "
            "Relisez la pièce, ou F4 : saisie manuelle."
        )
        assert app.screen.query_one("#mrz", MrzField).text == ""
        assert PASSPORT_NUMBER not in screen_text(app)
        assert not app.screen.query_one("#comparison").display

        await scan(pilot, passport())  # read again: this time it passes
        assert "✓ Contrôles du document conformes" in identity_status(pilot)

    mrz = desk.last("identity.mrz")
    assert mrz.outcome.value == "refused"
    assert mrz.details == {"manual_entry": False, "check_digit_field": "expiry_date"}
    assert desk.kinds()[-2:] == [("identity.mrz", "refused"), ("identity.check", "success")]
    assert desk.dossier().state is DossierState.CONVOKED


@run_async
async def test_a_name_that_differs_is_explained_beside_both_values(tmp_path: Path) -> None:
    app, desk = appointment_app(tmp_path / "home")
    async with app.run_test(size=(120, 40)) as pilot:
        await start_appointment(pilot, desk)
        await scan(pilot, passport(name="LE<GALL<<JEANNE<MARIE"))

        shown = verdicts(pilot)
        assert shown["Nom"] == "✗ non conforme" and shown["Prénom"] == "✓ conforme"
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

        assert set(verdicts(pilot).values()) == {"✓ conforme"}
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
        assert set(verdicts(pilot).values()) == {"✓ conforme"}
        shown = screen_text(app)
        assert "valable jusqu'au 11/02/2030 — saisie manuelle" in shown
        assert MANUAL_NUMBER not in shown

    check = desk.last("identity.check")
    assert check.outcome.value == "success"
    assert check.details["manual_entry"] is True
    assert MANUAL_NUMBER not in str(check.details)
