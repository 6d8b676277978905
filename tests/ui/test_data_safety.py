"""Names and fields from imports are shown as text, never obeyed: Rich markup stays its
characters, terminal escapes, control characters and bidirectional overrides show as
visible stand-ins (␛, ␇, �), on the home list, the dossier and the identity comparison.

The importer refuses such values, so the dossier is written straight into the database,
as data that got past an import (or an older importer) would be.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from kiosk.domain import withdrawal
from kiosk.domain.model import Company, Person
from kiosk.ui.screens.dossier import DossierScreen
from kiosk.ui.screens.identity import IdentityScreen
from kiosk.ui.widgets.convocation_list import ConvocationList
from tests.ui.app_env import KioskPilot, log_in, look_up, run_async, screen_text, settle
from tests.ui.appointment_env import AppointmentDesk, passport, scan
from tests.ui.desk_env import desk_app
from tests.ui.sample_data import FIXED_CODES, REF_HOSTILE, SITE_SECRET, sample_dossiers

SURNAME = "[bold red]Pirate[/]"
GIVEN = "\x1b[31mRouge\x1b[0m \u202eavÉ"  # an escape, and a right-to-left override
COMPANY = "[link=https://exemple.invalid]Clic[/link] \x1b]8;;x\x07SARL\x08"
EMAIL = "x\x07@exemple.fr"

SHOWN_GIVEN = "␛[31mRouge␛[0m \ufffdavÉ"
SHOWN_COMPANY = "[link=https://exemple.invalid]Clic[/link] ␛]8;;x␇SARL␈"
RAW = ("\x1b", "\x07", "\x08", "\u202e")
WIDE = (160, 40)  # the whole of each value fits on a line


def _plant_hostile_dossier(desk: AppointmentDesk) -> str:
    template = next(d for d in sample_dossiers() if d.reference == REF_HOSTILE)
    dossier = replace(
        template,
        holder=Person(SURNAME, GIVEN, date(1990, 1, 2), EMAIL),
        company=Company("111222337", "11122233700011", COMPANY, "SARL"),
        convocation_at=datetime(2026, 4, 14, 8, 15, tzinfo=UTC),  # 10:15 in Brest
    )
    code = FIXED_CODES[REF_HOSTILE]
    with desk.uow() as tx:
        tx.dossiers.add(dossier, [withdrawal.keyed_hash(SITE_SECRET, code)])
        tx.commit()
    return code


def _nothing_raw(pilot: KioskPilot) -> None:
    shown = screen_text(pilot.app)  # type: ignore[arg-type]
    assert [ch for ch in RAW if ch in shown] == []
    svg = pilot.app.export_screenshot()
    assert [ch for ch in RAW if ch in svg] == []


@run_async
async def test_the_home_list_shows_imported_names_as_text(tmp_path: Path) -> None:
    app, desk, _ = desk_app(tmp_path / "home")
    _plant_hostile_dossier(desk)
    async with app.run_test(size=WIDE) as pilot:
        await log_in(pilot)
        table = app.screen.query_one("#convocations", ConvocationList)
        row = [cell.plain for cell in table.get_row(REF_HOSTILE)]

        holder = f"{SHOWN_GIVEN} [BOLD RED]PIRATE[/]"
        assert row == ["10:15", holder, SHOWN_COMPANY, "Convoqué", REF_HOSTILE]
        [line] = [line for line in screen_text(app).splitlines() if "10:15" in line]
        assert f"10:15  {SHOWN_GIVEN} [BOLD RED]" in line  # then cut at the column's width
        assert "[link=https://exemple." in line
        _nothing_raw(pilot)


@run_async
async def test_the_dossier_shows_imported_fields_as_text(tmp_path: Path) -> None:
    app, desk, _ = desk_app(tmp_path / "home")
    code = _plant_hostile_dossier(desk)
    async with app.run_test(size=WIDE) as pilot:
        await log_in(pilot)
        await look_up(pilot, code)

        assert isinstance(app.screen, DossierScreen)
        shown = screen_text(app)
        assert "[BOLD RED]PIRATE[/]" in shown
        assert SHOWN_GIVEN in shown
        assert SHOWN_COMPANY in shown
        assert "x␇@exemple.fr" in shown
        _nothing_raw(pilot)


@run_async
async def test_the_identity_comparison_shows_the_dossiers_names_as_text(tmp_path: Path) -> None:
    app, desk, _ = desk_app(tmp_path / "home")
    code = _plant_hostile_dossier(desk)
    async with app.run_test(size=WIDE) as pilot:
        await log_in(pilot)
        await look_up(pilot, code)
        await pilot.press("f5")
        await settle(pilot)
        await scan(pilot, passport())

        assert isinstance(app.screen, IdentityScreen)
        shown = screen_text(app)
        assert SURNAME in shown  # as stored: the comparison does not reformat
        assert SHOWN_GIVEN in shown
        assert "✗ non conforme" in shown  # and the check still compares, of course
        _nothing_raw(pilot)
