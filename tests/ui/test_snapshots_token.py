"""SVG snapshots of the token step and the delivery at 80x24 and 120x40: the token checked
and ready, the holder's PIN screen, the run held while the key is generated, the
acceptance, the receipt with a printer warning. Update with ``pytest tests/ui
--snapshot-update`` and look at the result before committing.

Everything shown is fixed: the desk's date, the token serial (in-memory tokens), the
run's times and the certificate (``scripted_token``), and the live counter's clock. No
snapshot of the UI suite may show a PIN (nor what the appointment snapshots check).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from kiosk.domain.errors import DeviceError
from kiosk.domain.personalisation_journal import Step
from kiosk.ui.widgets.step_progress import RowState, StepProgressView
from tests.ui.app_env import KioskPilot, no_blink, settle, type_into
from tests.ui.appointment_env import AppointmentDesk
from tests.ui.scripted_token import FixedPathRenderer, ScriptedPersonalisation
from tests.ui.test_snapshots_appointment import SIZES, SNAPSHOTS, _secrets, _svg_text
from tests.ui.token_env import (
    HOLDER_PIN,
    accept_certificate,
    choose_pin,
    fake_token_app,
    shows,
    start_run,
    to_pin_screen,
    to_token_step,
    until,
)

SnapCompare = Callable[..., bool]
Scenario = Callable[[KioskPilot, AppointmentDesk], Awaitable[None]]
SO_PIN = "SO-9-back-office"  # typed in the token fault tests
PRINTER_DOWN = "Imprimante « accueil » injoignable : le PV reste disponible en PDF."
COUNTER_START, COUNTER_NOW = 1000.0, 1002.5  # the live counter's clock: 2,50 s into key generation


class DownPrinter:
    def print_file(self, path: Path) -> str:
        raise DeviceError(PRINTER_DOWN)


@pytest.fixture(autouse=True)
def frozen_counter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(StepProgressView, "clock", lambda: COUNTER_START)


def _snap(
    snap_compare: SnapCompare,
    home: Path,
    scenario: Scenario,
    size: tuple[int, int],
    hold_at: Step | None = None,
) -> bool:
    app, desk, _ = fake_token_app(
        home,
        personalisation=ScriptedPersonalisation,
        renderer=FixedPathRenderer(),
        printer=DownPrinter(),
    )
    service = app.services.personalisation
    assert isinstance(service, ScriptedPersonalisation)
    service.hold_at = hold_at

    async def run_before(pilot: KioskPilot) -> None:
        await scenario(pilot, desk)
        no_blink(pilot.app)

    return snap_compare(app, terminal_size=size, run_before=run_before)


async def _token_ready(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await to_token_step(pilot, desk)
    await shows(pilot, "Entrée : passer au titulaire (code PIN).")


async def _pin_screen(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await _token_ready(pilot, desk)
    await to_pin_screen(pilot)
    await type_into(pilot, "#pin", HOLDER_PIN)  # shown masked, with the policy's verdict


async def _running(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await _token_ready(pilot, desk)
    await to_pin_screen(pilot)
    await choose_pin(pilot)
    await pilot.press("enter")
    await pilot.pause()
    view = pilot.app.screen.query_one("#steps", StepProgressView)
    held = Step.GENERATE_KEY
    await until(pilot, lambda: view.row_state(held) is RowState.RUNNING, "key generation")
    StepProgressView.clock = lambda: COUNTER_NOW  # monkeypatched back by the fixture
    view.update(view.render_steps())


async def _acceptance(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await _token_ready(pilot, desk)
    await start_run(pilot)
    await shows(pilot, "Support personnalisé et vérifié")
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def _receipt(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await _acceptance(pilot, desk)
    await accept_certificate(pilot)
    await pilot.press("enter")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_token_ready(snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert _snap(snap_compare, tmp_path / "home", _token_ready, size)


@pytest.mark.parametrize("size", SIZES)
def test_pin_screen(snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert _snap(snap_compare, tmp_path / "home", _pin_screen, size)


@pytest.mark.parametrize("size", SIZES)
def test_key_generation_in_progress(
    snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]
) -> None:
    assert _snap(snap_compare, tmp_path / "home", _running, size, hold_at=Step.GENERATE_KEY)


@pytest.mark.parametrize("size", SIZES)
def test_acceptance(snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert _snap(snap_compare, tmp_path / "home", _acceptance, size)


@pytest.mark.parametrize("size", SIZES)
def test_receipt(snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert _snap(snap_compare, tmp_path / "home", _receipt, size)


def test_no_snapshot_shows_a_pin(request: pytest.FixtureRequest) -> None:
    if request.config.getoption("--snapshot-update"):
        pytest.skip("snapshots are written at the end of this run: checked on the next one")
    mine = sorted(SNAPSHOTS.glob("test_snapshots_token/*.svg"))
    assert len(mine) == 10, "run pytest tests/ui --snapshot-update"
    secrets = [HOLDER_PIN, SO_PIN, *_secrets()]
    for svg in sorted(SNAPSHOTS.glob("*/*.svg")):
        raw = svg.read_text(encoding="utf-8")
        shown = _svg_text(raw)
        for secret in secrets:
            for variant in {secret, secret.lower(), secret.upper()}:
                assert variant not in raw, f"{svg.name} contains a secret"
                assert variant not in shown, f"{svg.name} shows a secret"
