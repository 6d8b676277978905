"""The PIN unblock driven through the UI, on the in-memory token, which really blocks a PIN
after three wrong tries (SoftHSM cannot be made to): a first delivery from the keyboard
(``journey_env.deliver_first``), the PIN blocked by wrong signatures, then the holder
found again without a withdrawal code (F6 « Titulaire équipé » on the home screen).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.adapters.crypto.so_pin_recovery import EscrowSoPinRecovery
from kiosk.adapters.fakes.memory import FixedClock
from kiosk.adapters.receipt.pdf_desk_receipt import PdfDeskReceiptRenderer
from kiosk.domain.appointment_lease import Purpose
from kiosk.domain.personalisation_journal import Delivery
from kiosk.domain.token_ports import PinIncorrectError, PinLockedError
from kiosk.services.appointment import Appointment
from kiosk.services.pin_unblock import PinUnblockService
from kiosk.ui.app import KioskApp
from kiosk.ui.appointment_flow import AppointmentFlow
from kiosk.ui.screens.pin_unblock import PinUnblockScreen
from tests.ui.app_env import KioskPilot, settle, type_into
from tests.ui.appointment_env import (
    RIGHT_ANSWERS,
    AppointmentDesk,
    answer,
    confirm_photo,
    passport,
    scan,
)
from tests.ui.journey_env import UNBLOCK_KEY, deliver_first
from tests.ui.sample_data import KIOSK_ID, NOW, REF_CONVOKED, REF_DELIVERED
from tests.ui.token_env import HOLDER_PIN, FakeDevices, agent_session, escrow_key, fake_token_app

NEW_PIN = "Nv8-deblocage"  # the holder's new PIN in every unblock test
SIGNED = b"Contrat de bail commercial"


def fake_unblock_app(
    home: Path, *, service: type[PinUnblockService] = PinUnblockService
) -> tuple[KioskApp, AppointmentDesk, FakeDevices]:
    """``fake_token_app`` that also unblocks PINs: the SO PIN given back from the test's
    escrow key (the one the personalisation sealed it with), the attestation in PDF."""
    app, desk, devices = fake_token_app(home)
    unblock = service(
        desk.uow, devices.tokens, EscrowSoPinRecovery(escrow_key(), desk.uow),
        FixedClock(NOW), KIOSK_ID,
        renderer=PdfDeskReceiptRenderer(), receipts_dir=desk.desk.settings.receipts_dir,
    )  # fmt: skip
    app.services = replace(app.services, pin_unblock=unblock)
    return app, desk, devices


def delivery_of(desk: AppointmentDesk, reference: str = REF_CONVOKED) -> Delivery:
    with desk.uow() as tx:
        found = tx.deliveries.get(reference)
    assert found is not None
    return found


def lock_pin(devices: FakeDevices, found: Delivery) -> None:
    """The holder types a wrong PIN until the token blocks it."""
    tokens = devices.tokens
    for _ in range(tokens.max_pin_tries):
        with pytest.raises((PinIncorrectError, PinLockedError)):
            tokens.sign(found.token_serial, "pas-le-bon-code", found.key_id, SIGNED)
    with pytest.raises(PinLockedError):
        tokens.sign(found.token_serial, HOLDER_PIN, found.key_id, SIGNED)


async def deliver_then_block(
    pilot: KioskPilot, desk: AppointmentDesk, devices: FakeDevices
) -> Delivery:
    """The sample dossier delivered from the keyboard, then its token's PIN blocked by
    wrong tries: the holder's delivery, as the unblock finds it."""
    await deliver_first(pilot, desk)
    found = delivery_of(desk)
    lock_pin(devices, found)
    return found


async def find_delivered(pilot: KioskPilot, typed: str) -> None:
    """From the lookup screen: F6 « Titulaire équipé », the reference or serial, Entrée."""
    await pilot.press("f6")
    await settle(pilot)
    await type_into(pilot, "#find-typed", typed)
    await pilot.press("enter")
    await settle(pilot)


async def through_checks(pilot: KioskPilot) -> None:
    """The journey's key pressed on the dossier: the identity checked, the answers right,
    the screen back to the agent on the journey's own step."""
    await scan(pilot, passport())
    await confirm_photo(pilot)
    await pilot.press("enter")  # « Tournez l'écran vers le titulaire »
    await settle(pilot)
    await answer(pilot, RIGHT_ANSWERS)
    await pilot.press("enter")  # « Rendez l'écran à l'agent »
    await settle(pilot)


async def to_unblock_step(pilot: KioskPilot, typed: str = REF_CONVOKED) -> None:
    """From the lookup screen: the delivered dossier found by ``typed``, F6 « Débloquer
    le PIN », the identity and the answers: the agent's unblock step."""
    await find_delivered(pilot, typed)
    await pilot.press(UNBLOCK_KEY)
    await settle(pilot)
    await through_checks(pilot)


async def new_pin(pilot: KioskPilot, pin: str = NEW_PIN, confirm: str | None = None) -> None:
    """On the holder's new PIN screen: the PIN twice, then Entrée."""
    await type_into(pilot, "#pin", pin)
    await type_into(pilot, "#pin-confirm", pin if confirm is None else confirm)
    await pilot.press("enter")
    await settle(pilot)


async def open_unblock_step(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    """The agent's unblock step opened straight on the sample delivered dossier, its
    identity and answers already checked (an appointment taken up at login, say)."""
    app = pilot.app
    assert isinstance(app, KioskApp)
    appointment = Appointment(
        agent_session(desk),
        desk.dossier(REF_DELIVERED),
        NOW,
        True,
        True,
        True,
        purpose=Purpose.PIN_UNBLOCK,
    )  # fmt: skip
    flow = AppointmentFlow(app.services, agent_session(desk), app.services.info, appointment)
    await app.push_screen(PinUnblockScreen(flow))
    await settle(pilot)
