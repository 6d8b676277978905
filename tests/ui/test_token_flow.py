"""The token step and the delivery, from the keyboard on the real kiosk: a complete
delivery on SoftHSM with the embedded CA (checked from outside with pkcs11-tool), then, on
the in-memory token and CA, what SoftHSM cannot do: a token pulled out mid-run, a CA
that does not answer; and a PIN refused by the policy, a token that is not blank, the
kiosk without its PKI. No PIN is ever on screen, in the log or in the database."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from kiosk.adapters.fakes.fake_token import FakeToken, TokenStep
from kiosk.adapters.fakes.memory import FixedClock
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.model import Role
from kiosk.domain.personalisation_journal import Step
from kiosk.domain.token_register import TokenState
from kiosk.services.auth import AgentSession
from kiosk.services.token_register import TokenRegisterService
from kiosk.ui.app import KioskApp
from kiosk.ui.screens.acceptance import AcceptanceScreen
from kiosk.ui.screens.end_appointment import EndAppointmentScreen
from kiosk.ui.screens.holder_cue import HolderCueScreen
from kiosk.ui.screens.lookup import LookupScreen
from kiosk.ui.screens.personalise_progress import PersonaliseProgressScreen
from kiosk.ui.screens.pin_entry import PinEntryScreen
from kiosk.ui.screens.receipt_view import ReceiptViewScreen
from kiosk.ui.screens.token_insert import TokenInsertScreen
from kiosk.ui.widgets.secret_input import SecretInput
from kiosk.ui.widgets.step_progress import RowState, StepProgressView
from tests.integration.softhsm_env import SoftHsm, ca_folder, softhsm
from tests.ui.app_env import (
    KioskPilot,
    run_async,
    screen_text,
    settle,
    status_text,
    type_into,
)
from tests.ui.appointment_env import AppointmentDesk, appointment_app
from tests.ui.sample_data import AGENT_LOGIN, NOW
from tests.ui.token_env import (
    FAKE_SERIALS,
    HOLDER_PIN,
    accept_certificate,
    choose_pin,
    fake_token_app,
    said,
    shows,
    softhsm_app,
    to_pin_screen,
    to_token_step,
    until,
)

_FIXTURES = (softhsm, ca_folder)
DELIVERED = "Remise effectuée : dossier CS-2026-000123 remis à Jeanne Marie Le Goff."


def _rows(pilot: KioskPilot) -> dict[Step, RowState]:
    view = pilot.app.screen.query_one("#steps", StepProgressView)
    return {step: view.row_state(step) for step in Step}


async def _personalised(pilot: KioskPilot, pin: str = HOLDER_PIN) -> None:
    """From the Support step to the end of a successful run."""
    await to_pin_screen(pilot)
    await choose_pin(pilot, pin)
    await pilot.press("enter")  # « Rendez l'écran à l'agent »
    await settle(pilot)
    await shows(pilot, "Support personnalisé et vérifié")


async def _delivered(pilot: KioskPilot) -> None:
    """From a personalised token to the receipt on screen."""
    await pilot.press("enter")  # « Tournez l'écran vers le titulaire »
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, AcceptanceScreen)
    await accept_certificate(pilot)
    assert isinstance(pilot.app.screen, HolderCueScreen)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ReceiptViewScreen)


def _agent_session(desk: AppointmentDesk) -> AgentSession:
    return AgentSession(AGENT_LOGIN, "Alice Martin", Role.AGENT, desk.desk.settings.site)


def _no_pin_anywhere(pilot: KioskPilot) -> None:
    app = pilot.app
    assert isinstance(app, KioskApp)
    assert HOLDER_PIN not in screen_text(app)
    for field in pilot.app.screen.query(SecretInput):
        assert field.value == ""


def _token_objects(softhsm: SoftHsm, serial: str) -> list[tuple[str, str]]:
    """(object kind, ID) of every object on the token ``serial``, found by its slot."""
    slots = softhsm.run("pkcs11-tool", "--module", softhsm.module, "--list-token-slots")
    slot = None
    for line in slots.splitlines():
        found = re.match(r"Slot \d+ \((0x[0-9a-f]+)\)", line)
        if found:
            slot = found.group(1)
        elif line.strip().startswith("serial num") and line.split(":", 1)[1].strip() == serial:
            break
    else:
        raise AssertionError(f"token {serial} not listed:\n{slots}")
    assert slot is not None
    listing = softhsm.run(
        "pkcs11-tool", "--module", softhsm.module, "--slot", str(int(slot, 16)),
        "--login", "--pin", HOLDER_PIN, "--list-objects",
    )  # fmt: skip
    objects, kind = [], ""
    for line in listing.splitlines():
        if line and not line[0].isspace():
            kind = line.split(";")[0].strip()
        elif line.strip().startswith("ID:"):
            objects.append((kind, line.split(":", 1)[1].strip()))
    return objects


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
        _no_pin_anywhere(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PersonaliseProgressScreen)
        await shows(pilot, "Support personnalisé et vérifié")
        assert set(_rows(pilot).values()) == {RowState.DONE}
        assert "Durée totale" in said(app)

        await _delivered(pilot)
        shown = said(app)
        assert DELIVERED in shown and "Procès-verbal de remise" in shown
        _no_pin_anywhere(pilot)
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
    objects = _token_objects(softhsm, str(delivered["token_serial"]))
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
async def test_a_token_pulled_out_mid_run_is_taken_up_after_reinsertion(tmp_path: Path) -> None:
    app, desk, devices = fake_token_app(tmp_path / "home")
    devices.tokens.pull_at(TokenStep.GENERATE_KEY_PAIR)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_token_step(pilot, desk)
        await to_pin_screen(pilot)
        await choose_pin(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await shows(pilot, "Support retiré : rebranchez-le, puis F5 pour reprendre.")
        rows = _rows(pilot)
        assert rows[Step.INITIALISE] is RowState.DONE
        assert rows[Step.GENERATE_KEY] is RowState.FAILED
        assert rows[Step.ISSUE] is RowState.PENDING

        devices.reader.remove()
        await shows(pilot, "Support retiré — lecteur « Lecteur simulé (SoftHSM) ».")
        devices.tokens.reinsert(FAKE_SERIALS[0])
        devices.reader.insert()
        await shows(pilot, "F5 : reprendre la personnalisation.")
        await pilot.press("f5")
        await settle(pilot)
        await shows(pilot, "Support personnalisé et vérifié")
        assert "(personnalisation reprise)" in said(app)
        rows = _rows(pilot)
        assert rows[Step.INITIALISE] is RowState.EARLIER
        assert rows[Step.GENERATE_KEY] is RowState.DONE

        await _delivered(pilot)
        assert DELIVERED in said(app)

    assert ("personalisation.resumed", "success") in desk.kinds()
    assert desk.last("dossier.delivered").details["token_serial"] == FAKE_SERIALS[0]
    assert desk.dossier().state is DossierState.DELIVERED
    [token] = [t for t in devices.tokens.tokens if t.serial == FAKE_SERIALS[0]]
    assert len(token.keys) == 1 and list(token.certificates) == list(token.keys)


@run_async
async def test_ending_after_a_failed_run_abandons_it(tmp_path: Path) -> None:
    app, desk, devices = fake_token_app(tmp_path / "home")
    devices.ca.fail_next()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_token_step(pilot, desk)
        await to_pin_screen(pilot)
        await choose_pin(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await until(pilot, lambda: _rows(pilot)[Step.ISSUE] is RowState.FAILED, "CA failure")
        status = status_text(app.screen, "#progress-status")
        assert status.startswith("✗ Erreur : ") and "F5 : reprendre avec le même support" in status

        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, EndAppointmentScreen)
        assert "Motif choisi : Support défectueux" in said(app)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)

    assert [kind for kind, _ in desk.kinds()][-2:] == [
        "personalisation.abandoned",
        "appointment.end",
    ]
    assert desk.last("appointment.end").details == {"reason": "token_defective"}
    assert desk.dossier().state is DossierState.REFUSED


@run_async
async def test_a_token_that_is_not_blank_is_erased_only_on_request(tmp_path: Path) -> None:
    used = FakeToken("FT-0009", label="ANCIEN", initialized=True, so_pin="SO-9-back-office")
    app, desk, devices = fake_token_app(tmp_path / "home")
    devices.tokens.tokens[:] = [used]
    async with app.run_test(size=(80, 24)) as pilot:
        await to_token_step(pilot, desk)
        await shows(pilot, "Ce support n'est pas vierge.")
        assert "F4 : effacer ce support." in said(app)

        await pilot.press("f4")
        await pilot.press("enter")  # no SO PIN typed
        await settle(pilot)
        assert "Saisissez le code PIN administrateur (SO)" in said(app)
        await type_into(pilot, "#so-pin", "SO-9-back-office")
        await pilot.press("enter")
        await settle(pilot)
        await shows(pilot, "Le support sera effacé, puis personnalisé pour ce dossier.")
        assert "SO-9-back-office" not in screen_text(app)

        await _personalised(pilot)
    assert used.label.startswith("CCI LE GOFF") and used.so_pin == "SO-9-back-office"
    record = TokenRegisterService(desk.uow, FixedClock(NOW)).record("FT-0009")
    assert record is not None and record.state is TokenState.PERSONALISED


@run_async
async def test_a_defective_token_is_refused(tmp_path: Path) -> None:
    app, desk, devices = fake_token_app(tmp_path / "home")
    devices.tokens.tokens[1].present = False
    session = _agent_session(desk)
    TokenRegisterService(desk.uow, FixedClock(NOW)).declare_out_of_service(
        session, FAKE_SERIALS[0], TokenState.DEFECTIVE, "écran cassé"
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await to_token_step(pilot, desk)
        await shows(pilot, "a été déclaré défectueux")
        assert "Support refusé" in said(app)
        await pilot.press("enter")  # nothing to go on with
        await settle(pilot)
        assert isinstance(app.screen, TokenInsertScreen)
        await pilot.press("f9")
        await settle(pilot)
        assert "Motif choisi : Support défectueux" in said(app)


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
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, EndAppointmentScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
    assert desk.kinds()[-1] == ("appointment.end", "aborted")
