"""SVG snapshots of the three screens at the smallest supported terminal (80x24) and at a
comfortable one (120x40). Update with ``pytest tests/ui --snapshot-update`` and look at
the result before committing.

The app is the real one (bootstrap, SQLite) with fixed withdrawal codes and fixed
convocations, so snapshots only change when the screens do; and they must never show a
code or a password (checked below).
"""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from tests.ui.app_env import KioskPilot, log_in, look_up, no_blink, real_app, type_into
from tests.ui.sample_data import (
    AGENT_PASSWORD,
    FIXED_CODES,
    OTHER_AGENT_PASSWORD,
    REF_CONVOKED,
)

SnapCompare = Callable[..., bool]
Scenario = Callable[[KioskPilot], Awaitable[None]]

SNAPSHOT_DIR = Path(__file__).parent / "__snapshots__" / "test_snapshots"
WRONG_PASSWORD = "Mauvais-Mot-2-Passe"
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


async def _login_screen(pilot: KioskPilot) -> None:
    await type_into(pilot, "#login", "amartin")
    no_blink(pilot.app)


async def _login_refused(pilot: KioskPilot) -> None:
    await log_in(pilot, password=WRONG_PASSWORD)
    no_blink(pilot.app)


async def _lookup_screen(pilot: KioskPilot) -> None:
    await log_in(pilot)
    await type_into(pilot, "#code", FIXED_CODES[REF_CONVOKED])
    no_blink(pilot.app)


async def _dossier_screen(pilot: KioskPilot) -> None:
    await log_in(pilot)
    await look_up(pilot, FIXED_CODES[REF_CONVOKED])


def _snap(snap_compare: SnapCompare, home: Path, scenario: Scenario, size: tuple[int, int]) -> bool:
    app, _ = real_app(home, fixed_codes=True)
    return snap_compare(app, terminal_size=size, run_before=scenario)


@pytest.mark.parametrize("size", SIZES)
def test_login_screen(snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert _snap(snap_compare, tmp_path, _login_screen, size)


def test_login_refused(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert _snap(snap_compare, tmp_path, _login_refused, (80, 24))


@pytest.mark.parametrize("size", SIZES)
def test_lookup_screen_with_a_masked_code(
    snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]
) -> None:
    assert _snap(snap_compare, tmp_path, _lookup_screen, size)


@pytest.mark.parametrize("size", SIZES)
def test_dossier_screen(snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert _snap(snap_compare, tmp_path, _dossier_screen, size)


def _svg_text(svg: str) -> str:
    """The characters an SVG screenshot shows, joined across its text runs."""
    runs = re.findall(r">([^<]*)<", svg)
    return html.unescape("".join(runs)).replace("\u00a0", " ")


def _secrets() -> list[str]:
    found = [AGENT_PASSWORD, OTHER_AGENT_PASSWORD, WRONG_PASSWORD]
    for code in FIXED_CODES.values():
        canonical = code.replace("-", "")
        found += [code, canonical, code.lower(), canonical.lower(), *code.split("-")]
    return found


def test_no_snapshot_shows_a_withdrawal_code_or_a_password(request: pytest.FixtureRequest) -> None:
    if request.config.getoption("--snapshot-update"):
        pytest.skip("snapshots are written at the end of this run: checked on the next one")
    svgs = sorted(SNAPSHOT_DIR.glob("*.svg"))
    assert svgs, f"no snapshots in {SNAPSHOT_DIR}: run pytest tests/ui --snapshot-update"
    for svg in svgs:
        raw = svg.read_text(encoding="utf-8")
        shown = _svg_text(raw)
        for secret in _secrets():
            assert secret not in raw, f"{svg.name} contains a secret"
            assert secret not in shown, f"{svg.name} shows a secret"
