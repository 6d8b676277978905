"""SVG snapshots at 80x24 and 120x40 of the auditor's desk on the deterministic demo log
(fixed clock, seeds and salts: see ``tests.ui.auditor_env``): the home with the integrity
verdict, the event browser under filters, an event's detail with its inclusion proof, and
the statistics. Update with ``pytest tests/ui --snapshot-update`` and look at the result.

No snapshot may show a password or a withdrawal code (checked below).
"""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.widgets import DataTable

from tests.ui.app_env import KioskPilot, log_in, no_blink, settle, type_into
from tests.ui.appointment_env import ADMIN_PASSWORD
from tests.ui.auditor_env import AUDITOR_LOGIN, AUDITOR_PASSWORD, auditor_desk
from tests.ui.sample_data import AGENT_PASSWORD, FIXED_CODES, OTHER_AGENT_PASSWORD

SnapCompare = Callable[..., bool]
Scenario = Callable[[KioskPilot], Awaitable[None]]

SNAPSHOTS = Path(__file__).parent / "__snapshots__" / "test_snapshots_auditor"
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


async def _home(pilot: KioskPilot) -> None:
    await log_in(pilot, AUDITOR_LOGIN, AUDITOR_PASSWORD)
    await settle(pilot)


async def _browser(pilot: KioskPilot) -> None:
    await _home(pilot)
    await pilot.press("j")
    await settle(pilot)
    await type_into(pilot, "#filter-office", "QUIMPER")
    await type_into(pilot, "#filter-outcome", "abandon")
    await pilot.press("f5")
    await settle(pilot)
    pilot.app.screen.query_one(DataTable).focus()
    await settle(pilot)


async def _detail(pilot: KioskPilot) -> None:
    await _browser(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def _statistics(pilot: KioskPilot) -> None:
    await _home(pilot)
    await pilot.press("s")
    await settle(pilot)


def _snap(snap_compare: SnapCompare, home: Path, scenario: Scenario, size: tuple[int, int]) -> bool:
    app = auditor_desk(home).app()

    async def run_before(pilot: KioskPilot) -> None:
        await scenario(pilot)
        no_blink(pilot.app)

    return snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_auditor_home(snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert _snap(snap_compare, tmp_path / "home", _home, size)


@pytest.mark.parametrize("size", SIZES)
def test_event_browser(snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert _snap(snap_compare, tmp_path / "home", _browser, size)


@pytest.mark.parametrize("size", SIZES)
def test_event_detail(snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert _snap(snap_compare, tmp_path / "home", _detail, size)


@pytest.mark.parametrize("size", SIZES)
def test_statistics(snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert _snap(snap_compare, tmp_path / "home", _statistics, size)


def _svg_text(svg: str) -> str:
    runs = re.findall(r">([^<]*)<", svg)
    return html.unescape("".join(runs)).replace("\u00a0", " ")


def _secrets() -> list[str]:
    found = [AUDITOR_PASSWORD, AGENT_PASSWORD, OTHER_AGENT_PASSWORD, ADMIN_PASSWORD]
    for code in FIXED_CODES.values():
        canonical = code.replace("-", "")
        found += [code, canonical, *code.split("-")]
    return found


def test_no_auditor_snapshot_shows_a_password_or_a_code(request: pytest.FixtureRequest) -> None:
    if request.config.getoption("--snapshot-update"):
        pytest.skip("snapshots are written at the end of this run: checked on the next one")
    svgs = sorted(SNAPSHOTS.glob("*.svg"))
    assert svgs, f"no snapshots in {SNAPSHOTS}: run pytest tests/ui --snapshot-update"
    for svg in svgs:
        raw = svg.read_text(encoding="utf-8")
        shown = _svg_text(raw)
        for secret in _secrets():
            for variant in {secret, secret.lower(), secret.upper()}:
                assert variant not in raw, f"{svg.name} contains a secret"
                assert variant not in shown, f"{svg.name} shows a secret"
