"""The token step driven through the UI: the real kiosk on a test home whose PKI is the
test session's SoftHSM (its CA copied into the home's ``ca`` folder: SoftHSM reads its
configuration once per process, so there is no second one), or the same kiosk with the
in-memory token and CA for what SoftHSM cannot do (a token pulled out mid-step).

The Pilot helpers wait on real conditions (workers finished, a line on screen), bounded.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from textual.app import App
from textual.widgets import Static

from kiosk.adapters.ca.checks import X509CertificateChecker
from kiosk.adapters.crypto.escrow import RsaOaepEscrow, create_key_pair
from kiosk.adapters.fakes.fake_ca import FakeCertificateAuthority
from kiosk.adapters.fakes.fake_token import FakeToken, FakeTokenPort, TokenStep
from kiosk.adapters.fakes.memory import FixedClock
from kiosk.adapters.reader.simulated_reader import SimulatedReader
from kiosk.adapters.receipt.pdf_receipt import PdfReceiptRenderer
from kiosk.domain.model import Role
from kiosk.domain.personalisation_journal import Step
from kiosk.domain.personalisation_ports import IssuancePolicy
from kiosk.domain.receipt import Printer, ReceiptRenderer
from kiosk.services.auth import AgentSession
from kiosk.services.delivery import DeliveryService
from kiosk.services.medium import MediumService
from kiosk.services.personalisation import PersonalisationService
from kiosk.ui.app import KioskApp
from kiosk.ui.screens.acceptance import AcceptanceScreen
from kiosk.ui.screens.end_appointment import EndAppointmentScreen
from kiosk.ui.screens.holder_cue import HolderCueScreen
from kiosk.ui.screens.lookup import LookupScreen
from kiosk.ui.screens.receipt_view import ReceiptViewScreen
from kiosk.ui.widgets.secret_input import SecretInput
from kiosk.ui.widgets.status_line import StatusLine
from kiosk.ui.widgets.step_progress import RowState, StepProgressView
from tests.ui.app_env import KioskPilot, log_in, screen_text, settle, type_into
from tests.ui.appointment_env import (
    RIGHT_ANSWERS,
    AppointmentDesk,
    answer,
    appointment_app,
    confirm_photo,
    identified,
    passport,
    scan,
)
from tests.ui.sample_data import AGENT_LOGIN, KIOSK_ID, NOW

HOLDER_PIN = "Kp7-tonnerre"  # the holder's PIN in every token test
TERMS = "CGU-TEST-2026"
POLICY = IssuancePolicy(
    policy_oid="1.2.250.1.999.1.2.3",
    crl_url="http://crl.kiosk.test/qualified.crl",
    ca_issuers_url="http://aia.kiosk.test/qualified.cer",
)
FAKE_SERIALS = ("FT-0001", "FT-0002")
WAIT_SECONDS = 20.0  # a bound, never a pace: the waits end as soon as the condition holds


def pki_home(home: Path, ca_folder: Path) -> None:
    """Give a future test home the session's CA and an escrow key (before it is built)."""
    shutil.copytree(ca_folder, home / "ca")
    create_key_pair(
        home / "escrow" / "so-pin-escrow.pub.pem",
        home.parent / f"{home.name}-back-office" / "so-pin-escrow.key.pem",
        bits=2048,
    )


def softhsm_app(home: Path, ca_folder: Path) -> tuple[KioskApp, AppointmentDesk]:
    """The real kiosk (bootstrap) with its PKI on the session's SoftHSM."""
    pki_home(home, ca_folder)
    return appointment_app(home)


@cache
def escrow_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(frozen=True)
class FakeDevices:
    tokens: FakeTokenPort
    ca: FakeCertificateAuthority
    reader: SimulatedReader


def fake_token_app(
    home: Path,
    *,
    personalisation: type[PersonalisationService] = PersonalisationService,
    renderer: ReceiptRenderer | None = None,
    printer: Printer | None = None,
) -> tuple[KioskApp, AppointmentDesk, FakeDevices]:
    """The real kiosk on SQLite, its token step on in-memory tokens and CA."""
    app, desk = appointment_app(home)
    clock = FixedClock(NOW)
    tokens = FakeTokenPort([FakeToken(serial) for serial in FAKE_SERIALS])
    ca = FakeCertificateAuthority(clock)
    service = personalisation(
        desk.uow,
        tokens,
        ca,
        X509CertificateChecker([ca.root_der]),
        RsaOaepEscrow(escrow_key().public_key()),
        POLICY,
        clock,
    )
    settings = desk.desk.settings
    delivery = DeliveryService(
        desk.uow,
        service,
        renderer or PdfReceiptRenderer(),
        printer,
        settings.receipts_dir,
        clock,
        KIOSK_ID,
        TERMS,
    )
    reader = SimulatedReader(now=clock.now)
    services = replace(
        app.services,
        personalisation=service,
        delivery=delivery,
        media=MediumService(tokens, desk.uow),
        pki_problem=None,
        reader=reader,
        terms_version=TERMS,
    )
    return KioskApp(services), desk, FakeDevices(tokens, ca, reader)


# Driving the screens -------------------------------------------------------------------


async def until(pilot: KioskPilot, condition: Callable[[], bool], what: str) -> None:
    """Let the app run until ``condition`` holds (reader events arrive from a thread)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_SECONDS
    while not condition():
        if loop.time() > deadline:
            app = pilot.app
            assert isinstance(app, KioskApp)
            raise AssertionError(f"never happened: {what}\n{screen_text(app)}")
        await settle(pilot)
        await asyncio.sleep(0.01)


def said(app: App[Any]) -> str:
    """What the screen's status lines and texts say, each on one line (a long sentence
    wraps on screen; this is how it reads)."""
    parts = [line.text for line in app.screen.query(StatusLine)]
    parts += [str(widget.render()) for widget in app.screen.query(Static)]
    return "\n".join(parts)


async def shows(pilot: KioskPilot, text: str) -> None:
    await until(pilot, lambda: text in said(pilot.app), f"« {text} » said on screen")


async def to_token_step(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    """Identity checked, answers right, screen back to the agent: the Support step."""
    await identified(pilot, desk)
    await answer(pilot, RIGHT_ANSWERS)
    await pilot.press("enter")  # « Rendez l'écran à l'agent »
    await settle(pilot)


async def choose_pin(pilot: KioskPilot, pin: str = HOLDER_PIN, confirm: str | None = None) -> None:
    """On the PIN screen: the PIN twice, then Entrée."""
    await type_into(pilot, "#pin", pin)
    await type_into(pilot, "#pin-confirm", pin if confirm is None else confirm)
    await pilot.press("enter")
    await settle(pilot)


async def to_pin_screen(pilot: KioskPilot) -> None:
    """From a token that checked out: Entrée, then the cue « Tournez l'écran »."""
    await shows(pilot, "Entrée : passer au titulaire (code PIN).")
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def interrupt_at_key_generation(
    app: KioskApp, desk: AppointmentDesk, devices: FakeDevices
) -> None:
    """The holder's PIN chosen (``HOLDER_PIN``), the token pulled out while its key is
    generated: the kiosk stops there, the run unfinished; the token is put back after."""
    devices.tokens.pull_at(TokenStep.GENERATE_KEY_PAIR)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_token_step(pilot, desk)
        await start_run(pilot)
        await shows(pilot, "Support retiré : rebranchez-le, puis F5 pour reprendre.")
    devices.tokens.reinsert(FAKE_SERIALS[0])


async def take_up_interrupted(pilot: KioskPilot) -> None:
    """On the kiosk started again: the login, « Reprendre » the appointment interrupted,
    the identity and the answers checked again, the screen back to the agent."""
    await log_in(pilot)
    await shows(pilot, "Un rendez-vous a été interrompu sur ce kiosque")
    await pilot.press("enter")  # « Reprendre »: from the identity check
    await settle(pilot)
    await scan(pilot, passport())
    await confirm_photo(pilot)
    await pilot.press("enter")
    await settle(pilot)
    await answer(pilot, RIGHT_ANSWERS)
    await pilot.press("enter")
    await settle(pilot)


async def accept_certificate(pilot: KioskPilot, pin: str = HOLDER_PIN) -> None:
    """On the acceptance screen: tick the box (Espace), type the PIN, Entrée."""
    await pilot.press("space")
    await type_into(pilot, "#accept-pin", pin)
    await pilot.press("enter")
    await settle(pilot)


DELIVERED = "Remise effectuée : dossier CS-2026-000123 remis à Jeanne Marie Le Goff."


def step_rows(pilot: KioskPilot) -> dict[Step, RowState]:
    view = pilot.app.screen.query_one("#steps", StepProgressView)
    return {step: view.row_state(step) for step in Step}


async def start_run(pilot: KioskPilot, pin: str = HOLDER_PIN, *, current: bool = False) -> None:
    """From the Support step: the PIN chosen (or, ``current``, the PIN already on the
    holder's token typed once), the screen back to the agent, where the run goes on."""
    await to_pin_screen(pilot)
    if current:
        await type_current_pin(pilot, pin)
        return
    await choose_pin(pilot, pin)
    await pilot.press("enter")  # « Rendez l'écran à l'agent »
    await settle(pilot)


async def type_current_pin(pilot: KioskPilot, pin: str = HOLDER_PIN) -> None:
    """On the PIN screen asking for the PIN already on the token: typed once, Entrée, the
    screen back to the agent."""
    await type_into(pilot, "#pin", pin)
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("enter")  # « Rendez l'écran à l'agent »
    await settle(pilot)


async def end_with_proposed_reason(pilot: KioskPilot) -> None:
    """F9, then Entrée on the reason the dialog proposes: back on the lookup screen."""
    await pilot.press("f9")
    await settle(pilot)
    assert isinstance(pilot.app.screen, EndAppointmentScreen)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, LookupScreen)


async def to_personalised(
    pilot: KioskPilot, pin: str = HOLDER_PIN, *, current: bool = False
) -> None:
    """From the Support step to the end of a successful run."""
    await start_run(pilot, pin, current=current)
    await shows(pilot, "Support personnalisé et vérifié")


async def to_receipt(pilot: KioskPilot, *, acceptance_says: str | None = None) -> None:
    """From a personalised token to the receipt on screen (the acceptance screen saying
    ``acceptance_says``, when given)."""
    await pilot.press("enter")  # « Tournez l'écran vers le titulaire »
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, AcceptanceScreen)
    if acceptance_says is not None:
        assert acceptance_says in " ".join(said(pilot.app).split())
    await accept_certificate(pilot)
    assert isinstance(pilot.app.screen, HolderCueScreen)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ReceiptViewScreen)


def agent_session(desk: AppointmentDesk) -> AgentSession:
    return AgentSession(AGENT_LOGIN, "Alice Martin", Role.AGENT, desk.desk.settings.site)


def no_pin_anywhere(pilot: KioskPilot) -> None:
    app = pilot.app
    assert isinstance(app, KioskApp)
    assert HOLDER_PIN not in screen_text(app)
    for field in pilot.app.screen.query(SecretInput):
        assert field.value == ""
