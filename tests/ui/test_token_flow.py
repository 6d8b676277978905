"""The token step and the delivery, from the keyboard on the real kiosk: a complete
delivery on SoftHSM with the embedded CA (checked from outside with pkcs11-tool), then, on
the in-memory token and CA, what SoftHSM cannot do: a token pulled out mid-run, a CA
that does not answer; and a PIN refused by the policy, a token that is not blank, the
kiosk without its PKI. No PIN is ever on screen, in the log or in the database."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from kiosk.domain.dossier_state import DossierState
from kiosk.ui.screens.holder_cue import HolderCueScreen
from kiosk.ui.screens.holder_pin import PinEntryScreen
from kiosk.ui.screens.lookup import LookupScreen
from kiosk.ui.screens.personalise_progress import PersonaliseProgressScreen
from kiosk.ui.screens.token_insert import TokenInsertScreen
from kiosk.ui.widgets.secret_input import SecretInput
from kiosk.ui.widgets.step_progress import RowState
from tests.integration.softhsm_env import SoftHsm, ca_folder, softhsm, token_objects
from tests.ui.app_env import (
    run_async,
    screen_text,
    settle,
    status_text,
    type_into,
)
from tests.ui.appointment_env import appointment_app
from tests.ui.token_env import (
    DELIVERED,
    HOLDER_PIN,
    choose_pin,
    end_with_proposed_reason,
    fake_token_app,
    no_pin_anywhere,
    said,
    shows,
    softhsm_app,
    step_rows,
    to_pin_screen,
    to_receipt,
    to_token_step,
)

_FIXTURES = (softhsm, ca_folder)


@pytest.mark.integration
@run_async
async def test_a_complete_delivery_on_softhsm(
    tmp_path: Path, softhsm: SoftHsm, ca_folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app, desk = softhsm_app(tmp_path / "home", ca_folder)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_token_step(pilot, desk)
        assert isinstance(app.screen, TokenInsertScreen)
        await shows(pilot, "Support vierge : prêt pour la personnalisation.")
        assert "Support détecté — lecteur « Lecteur simulé (SoftHSM) »" in said(app)

        await to_pin_screen(pilot)
        assert isinstance(app.screen, PinEntryScreen)
        await choose_pin(pilot)
        assert isinstance(app.screen, HolderCueScreen)
        no_pin_anywhere(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PersonaliseProgressScreen)
        await shows(pilot, "Support personnalisé et vérifié")
        assert set(step_rows(pilot).values()) == {RowState.DONE}
        assert "Durée totale" in said(app)

        await to_receipt(pilot)
        shown = said(app)
        assert DELIVERED in shown and "Procès-verbal de remise" in shown
        no_pin_anywhere(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        assert status_text(app.screen, "#lookup-status") == f"✓ {DELIVERED}"

    assert desk.dossier().state is DossierState.DELIVERED
    kinds = [kind for kind, _ in desk.kinds()]
    for expected in (
        "personalisation.started",
        "personalisation.verified",
        "dossier.delivered",
        "receipt.issued",
    ):
        assert expected in kinds, kinds
    assert desk.last("receipt.issued").outcome.value == "success"
    delivered = desk.last("dossier.delivered").details
    receipts = list(desk.desk.settings.receipts_dir.glob("CS-2026-000123-*.pdf"))
    assert len(receipts) == 1 and receipts[0].read_bytes().startswith(b"%PDF-")
    objects = token_objects(softhsm, str(delivered["token_serial"]), HOLDER_PIN)
    certificates = {i for kind, i in objects if kind == "Certificate Object"}
    keys = {i for kind, i in objects if kind == "Private Key Object"}
    assert keys & certificates, objects
    database = Path(desk.desk.settings.database_url.removeprefix("sqlite:///"))
    for path in database.parent.glob(database.name + "*"):
        assert HOLDER_PIN.encode() not in path.read_bytes()
    assert HOLDER_PIN not in caplog.text


@run_async
async def test_a_pin_the_policy_refuses_is_said_without_being_shown(tmp_path: Path) -> None:
    app, desk, _ = fake_token_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_token_step(pilot, desk)
        await to_pin_screen(pilot)
        assert isinstance(app.screen, PinEntryScreen)
        assert "De 6 à 16 caractères, sans suite (123456)" in said(app)

        await type_into(pilot, "#pin", "234567")
        assert status_text(app.screen, "#pin-status") == (
            "Saisie : Le code PIN ne doit pas être une suite de caractères consécutifs."
        )
        await pilot.press("enter")  # to the confirmation field
        await type_into(pilot, "#pin-confirm", "234567")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PinEntryScreen)
        assert "✗ Erreur : Le code PIN ne doit pas être une suite" in status_text(
            app.screen, "#pin-status"
        )
        assert [field.value for field in app.screen.query(SecretInput)] == ["", ""]

        await choose_pin(pilot, "Lg07031985")  # Jeanne Le Goff was born on 07/03/1985
        assert "ne doit pas contenir la date de naissance" in status_text(app.screen, "#pin-status")
        await choose_pin(pilot, HOLDER_PIN, confirm=HOLDER_PIN + "x")
        assert status_text(app.screen, "#pin-status") == (
            "✗ Erreur : Les deux saisies du code PIN ne correspondent pas."
        )
        assert "234567" not in screen_text(app) and "07031985" not in screen_text(app)

        await choose_pin(pilot)
        assert isinstance(app.screen, HolderCueScreen)
        assert app.screen.detail_text == "Code PIN enregistré. Merci."


@run_async
async def test_the_demo_reader_acts_out_pulling_the_token_and_putting_it_back(
    tmp_path: Path,
) -> None:
    app, desk, _ = fake_token_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_token_step(pilot, desk)
        await shows(pilot, "Support vierge")
        await pilot.press("f6")
        await shows(pilot, "Insérez le support dans le lecteur.")
        assert "Support vierge" not in said(app)
        await pilot.press("enter")  # no token: nothing happens
        assert isinstance(app.screen, TokenInsertScreen)
        await pilot.press("f7")
        await shows(pilot, "Support vierge : prêt pour la personnalisation.")


@run_async
async def test_without_its_pki_the_kiosk_says_why_and_offers_to_end(tmp_path: Path) -> None:
    app, desk = appointment_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_token_step(pilot, desk)
        assert isinstance(app.screen, TokenInsertScreen)
        shown = said(app)
        assert "Personnalisation indisponible : " in shown
        assert "aucune autorité de certification" in status_text(app.screen, "#token-status")
        assert "F9 : terminer le rendez-vous" in shown
        await pilot.press("enter")
        assert isinstance(app.screen, TokenInsertScreen)
        await end_with_proposed_reason(pilot)
    assert desk.kinds()[-1] == ("appointment.end", "aborted")
