"""SVG snapshots at 80x24 and 120x40 of the desk's own screens (the home with today's
convocations, the idle lock, the quit question during an appointment, the offer of an
interrupted appointment) and of the identity step's screens no other module shows (the
empty reading, the manual entry, the photo question, « turn the screen to the holder »);
and two screens in the high-contrast theme at 80x24. Update
with ``pytest tests/ui --snapshot-update`` and look at the result before committing.

No snapshot may show a code, a password or a document number (checked below).
"""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from kiosk.domain.model import Role
from kiosk.services.auth import AgentSession
from tests.ui.app_env import KioskPilot, log_in, no_blink, settle
from tests.ui.appointment_env import (
    ADMIN_PASSWORD,
    PASSPORT_NUMBER,
    AppointmentDesk,
    confirm_photo,
    passport,
    scan,
    start_appointment,
)
from tests.ui.desk_env import IdleClock, desk_app
from tests.ui.lock_env import idle_for
from tests.ui.sample_data import AGENT_LOGIN, AGENT_PASSWORD, FIXED_CODES, SITE

SnapCompare = Callable[..., bool]
Scenario = Callable[[KioskPilot, AppointmentDesk, IdleClock], Awaitable[None]]

SNAPSHOTS = Path(__file__).parent / "__snapshots__" / "test_snapshots_desk"
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def _snap(
    snap_compare: SnapCompare,
    home: Path,
    scenario: Scenario,
    size: tuple[int, int],
    *,
    theme: str | None = None,
    cut_off: bool = False,
) -> bool:
    app, desk, idle = desk_app(home, theme=theme)
    if cut_off:  # an appointment this kiosk left open when it stopped
        session = AgentSession(AGENT_LOGIN, "Alice Martin", Role.AGENT, SITE)
        app.services.appointments.open(session, desk.dossier())

    async def run_before(pilot: KioskPilot) -> None:
        await scenario(pilot, desk, idle)
        no_blink(pilot.app)

    return snap_compare(app, terminal_size=size, run_before=run_before)


async def _home(pilot: KioskPilot, desk: AppointmentDesk, idle: IdleClock) -> None:
    await log_in(pilot)


async def _lock(pilot: KioskPilot, desk: AppointmentDesk, idle: IdleClock) -> None:
    await start_appointment(pilot, desk)
    await scan(pilot, passport())
    await idle_for(pilot, idle, 180)


async def _quit(pilot: KioskPilot, desk: AppointmentDesk, idle: IdleClock) -> None:
    await start_appointment(pilot, desk)
    await pilot.press("ctrl+q")
    await settle(pilot)


async def _comparison(pilot: KioskPilot, desk: AppointmentDesk, idle: IdleClock) -> None:
    await start_appointment(pilot, desk)
    await scan(pilot, passport())


async def _reading(pilot: KioskPilot, desk: AppointmentDesk, idle: IdleClock) -> None:
    await start_appointment(pilot, desk)


async def _manual_entry(pilot: KioskPilot, desk: AppointmentDesk, idle: IdleClock) -> None:
    await start_appointment(pilot, desk)
    await pilot.press("f4")
    await settle(pilot)


async def _photo_question(pilot: KioskPilot, desk: AppointmentDesk, idle: IdleClock) -> None:
    await _comparison(pilot, desk, idle)
    await pilot.press("f6")
    await settle(pilot)


async def _turn_to_holder(pilot: KioskPilot, desk: AppointmentDesk, idle: IdleClock) -> None:
    await _comparison(pilot, desk, idle)
    await confirm_photo(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_home_with_todays_convocations(
    snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]
) -> None:
    assert _snap(snap_compare, tmp_path / "home", _home, size)


@pytest.mark.parametrize("size", SIZES)
def test_idle_lock(snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert _snap(snap_compare, tmp_path / "home", _lock, size)


@pytest.mark.parametrize("size", SIZES)
def test_quit_question_during_an_appointment(
    snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]
) -> None:
    assert _snap(snap_compare, tmp_path / "home", _quit, size)


@pytest.mark.parametrize("size", SIZES)
def test_offer_of_an_interrupted_appointment(
    snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]
) -> None:
    assert _snap(snap_compare, tmp_path / "home", _home, size, cut_off=True)


@pytest.mark.parametrize("size", SIZES)
def test_identity_reading(snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert _snap(snap_compare, tmp_path / "home", _reading, size)


@pytest.mark.parametrize("size", SIZES)
def test_manual_entry(snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert _snap(snap_compare, tmp_path / "home", _manual_entry, size)


@pytest.mark.parametrize("size", SIZES)
def test_photo_question(snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert _snap(snap_compare, tmp_path / "home", _photo_question, size)


@pytest.mark.parametrize("size", SIZES)
def test_turn_the_screen_to_the_holder(
    snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]
) -> None:
    assert _snap(snap_compare, tmp_path / "home", _turn_to_holder, size)


def test_home_in_high_contrast(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert _snap(snap_compare, tmp_path / "home", _home, (80, 24), theme="contrast")


def test_identity_check_in_high_contrast(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert _snap(snap_compare, tmp_path / "home", _comparison, (80, 24), theme="contrast")


def _svg_text(svg: str) -> str:
    """The characters an SVG screenshot shows, joined across its text runs."""
    runs = re.findall(r">([^<]*)<", svg)
    return html.unescape("".join(runs)).replace("\u00a0", " ")


def _secrets() -> list[str]:
    found = [AGENT_PASSWORD, ADMIN_PASSWORD, PASSPORT_NUMBER, *passport()]
    for code in FIXED_CODES.values():
        found += [code, code.replace("-", ""), *code.split("-")]
    return found


def test_no_desk_snapshot_shows_a_code_a_password_or_a_document_number(
    request: pytest.FixtureRequest,
) -> None:
    if request.config.getoption("--snapshot-update"):
        pytest.skip("snapshots are written at the end of this run: checked on the next one")
    svgs = sorted(SNAPSHOTS.glob("*.svg"))
    assert len(svgs) == 18, "run pytest tests/ui --snapshot-update"
    for svg in svgs:
        raw = svg.read_text(encoding="utf-8")
        shown = _svg_text(raw)
        for secret in _secrets():
            assert secret not in raw, f"{svg.name} contains a secret"
            assert secret not in shown, f"{svg.name} shows a secret"
