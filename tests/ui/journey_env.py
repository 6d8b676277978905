"""The desk journeys after a delivery (PIN unblock, revocation) driven through the UI.

A journey needs a dossier truly delivered: a delivery record and a certificate issued for
it. The honest way there is the kiosk's own: ``deliver_first`` drives a first delivery
from the keyboard (on the in-memory token and CA of ``fake_token_app``, or on SoftHSM
with the embedded CA of ``softhsm_app``) and comes back to the lookup screen; then
``to_journey_step`` opens the delivered dossier again, starts the journey with its key
(F6 unblock, F7 revocation) and passes the identity check and the answers.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from kiosk.adapters.fakes.memory import FixedClock
from kiosk.domain.certificate_revocation import CertificateRevocation
from kiosk.domain.dossier_state import DossierState
from kiosk.services.desk_revocation import DeskRevocationService
from kiosk.ui.app import KioskApp
from kiosk.ui.screens.lookup import LookupScreen
from tests.ui.app_env import KioskPilot, look_up, settle
from tests.ui.appointment_env import (
    RIGHT_ANSWERS,
    AppointmentDesk,
    answer,
    confirm_photo,
    passport,
    scan,
)
from tests.ui.sample_data import KIOSK_ID, NOW, REF_CONVOKED
from tests.ui.token_env import (
    FakeDevices,
    fake_token_app,
    shows,
    to_personalised,
    to_receipt,
    to_token_step,
)

UNBLOCK_KEY = "f6"
REVOCATION_KEY = "f7"


def fake_revocation_app(
    home: Path, *, authority: CertificateRevocation | None = None
) -> tuple[KioskApp, AppointmentDesk, FakeDevices]:
    """``fake_token_app`` that also revokes at the desk; without ``authority`` (the
    in-memory CA does not revoke), the revocation is left to the back office to publish."""
    app, desk, devices = fake_token_app(home)
    service = DeskRevocationService(desk.uow, authority, FixedClock(NOW), KIOSK_ID)
    app.services = replace(app.services, desk_revocation=service)
    return app, desk, devices


async def deliver_first(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    """Log in and deliver ``REF_CONVOKED`` from the keyboard; back on the lookup screen."""
    await to_token_step(pilot, desk)
    await shows(pilot, "Support vierge : prêt pour la personnalisation.")
    await to_personalised(pilot)
    await to_receipt(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, LookupScreen)
    assert desk.dossier().state is DossierState.DELIVERED


async def open_journey(
    pilot: KioskPilot, desk: AppointmentDesk, key: str, reference: str = REF_CONVOKED
) -> None:
    """From the lookup screen: the delivered dossier, then its journey's key (F6, F7)."""
    await look_up(pilot, desk.code(reference))
    await pilot.press(key)
    await settle(pilot)


async def to_journey_step(
    pilot: KioskPilot, desk: AppointmentDesk, key: str, reference: str = REF_CONVOKED
) -> None:
    """The journey opened, identity checked, answers right, screen back to the agent:
    the journey's own step (``kiosk.ui.journeys.after_answers``)."""
    await open_journey(pilot, desk, key, reference)
    await scan(pilot, passport())
    await confirm_photo(pilot)
    await pilot.press("enter")  # « Tournez l'écran vers le titulaire »
    await settle(pilot)
    await answer(pilot, RIGHT_ANSWERS)
    await pilot.press("enter")  # « Rendez l'écran à l'agent »
    await settle(pilot)
