"""SVG snapshots of the appointment screens at 80x24 and 120x40: the identity check with
a passing and a failing comparison, the holder's answers and choice of questions, and the
end-of-appointment dialog. Update with ``pytest tests/ui --snapshot-update`` and look at
the result before committing.

The desk's date is fixed (``appointment_env``), so « Retrait le 14/04/2026 » never moves;
and no snapshot may show a document number, an answer, a code or a password (checked
below, over every snapshot of the UI suite).
"""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from tests.ui.app_env import KioskPilot, no_blink, type_into
from tests.ui.appointment_env import (
    ADMIN_PASSWORD,
    CHOSEN_ANSWERS,
    MANUAL_NUMBER,
    NO_QUESTIONS_CODE,
    PASSPORT_NUMBER,
    REF_NO_QUESTIONS,
    RIGHT_ANSWERS,
    WRONG_ANSWERS,
    AppointmentDesk,
    appointment_app,
    identified,
    passport,
    scan,
    start_appointment,
)
from tests.ui.sample_data import AGENT_PASSWORD, FIXED_CODES, OTHER_AGENT_PASSWORD

SnapCompare = Callable[..., bool]
Scenario = Callable[[KioskPilot, AppointmentDesk], Awaitable[None]]

SNAPSHOTS = Path(__file__).parent / "__snapshots__"
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
FAILING_MRZ = passport(name="LE<GALL<<JEANNE<MARIE", expiry="250101")


def _snap(snap_compare: SnapCompare, home: Path, scenario: Scenario, size: tuple[int, int]) -> bool:
    app, desk = appointment_app(home)

    async def run_before(pilot: KioskPilot) -> None:
        await scenario(pilot, desk)
        no_blink(pilot.app)

    return snap_compare(app, terminal_size=size, run_before=run_before)


async def _identity_passing(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await start_appointment(pilot, desk)
    await scan(pilot, passport())


async def _identity_failing(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await start_appointment(pilot, desk)
    await scan(pilot, FAILING_MRZ)


async def _end_dialog(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await _identity_failing(pilot, desk)
    await pilot.press("f9")
    await pilot.pause()


async def _answers(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await identified(pilot, desk)
    await type_into(pilot, "#answer-1", RIGHT_ANSWERS[0])  # shown masked


async def _define_questions(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await identified(pilot, desk, REF_NO_QUESTIONS, name="RIOU<<GWENAEL", birth="920615")
    await pilot.press("enter", "down", "enter")  # the first question of the first list
    await type_into(pilot, "#answer-1", CHOSEN_ANSWERS[0])
    await type_into(pilot, "#confirm-1", CHOSEN_ANSWERS[0])


@pytest.mark.parametrize("size", SIZES)
def test_identity_passing(snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert _snap(snap_compare, tmp_path / "home", _identity_passing, size)


@pytest.mark.parametrize("size", SIZES)
def test_identity_failing(snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert _snap(snap_compare, tmp_path / "home", _identity_failing, size)


@pytest.mark.parametrize("size", SIZES)
def test_end_of_appointment_dialog(
    snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]
) -> None:
    assert _snap(snap_compare, tmp_path / "home", _end_dialog, size)


@pytest.mark.parametrize("size", SIZES)
def test_answers_screen(snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert _snap(snap_compare, tmp_path / "home", _answers, size)


@pytest.mark.parametrize("size", SIZES)
def test_define_questions_screen(
    snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]
) -> None:
    assert _snap(snap_compare, tmp_path / "home", _define_questions, size)


def _svg_text(svg: str) -> str:
    """The characters an SVG screenshot shows, joined across its text runs."""
    runs = re.findall(r">([^<]*)<", svg)
    return html.unescape("".join(runs)).replace("\u00a0", " ")


def _secrets() -> list[str]:
    found = [PASSPORT_NUMBER, MANUAL_NUMBER, AGENT_PASSWORD, OTHER_AGENT_PASSWORD, ADMIN_PASSWORD]
    found += [*RIGHT_ANSWERS, *WRONG_ANSWERS, *CHOSEN_ANSWERS]
    found += [line for mrz in (passport(), FAILING_MRZ) for line in mrz]
    for code in [*FIXED_CODES.values(), NO_QUESTIONS_CODE]:
        found += [code, code.replace("-", ""), *code.split("-")]
    return found


def test_no_snapshot_shows_a_document_number_an_answer_or_a_code(
    request: pytest.FixtureRequest,
) -> None:
    if request.config.getoption("--snapshot-update"):
        pytest.skip("snapshots are written at the end of this run: checked on the next one")
    svgs = sorted(SNAPSHOTS.glob("test_snapshots_appointment/*.svg"))
    assert len(svgs) == 10, "run pytest tests/ui --snapshot-update"
    # Every folder: the desk's, the token steps' and the auditor's screens too.
    svgs = sorted(SNAPSHOTS.glob("*/*.svg"))
    for svg in svgs:
        raw = svg.read_text(encoding="utf-8")
        shown = _svg_text(raw)
        for secret in _secrets():
            for variant in {secret, secret.lower(), secret.upper()}:
                assert variant not in raw, f"{svg.name} contains a secret"
                assert variant not in shown, f"{svg.name} shows a secret"
