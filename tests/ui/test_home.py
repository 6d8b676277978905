"""The agent's home: today's convocations of the office under the withdrawal code, the
state of each in words; a row opens nothing (the holder's code is still needed); the
list is read again when the agent comes back, audited once per session."""

from __future__ import annotations

from pathlib import Path

from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.ui.screens.dossier import DossierScreen
from kiosk.ui.screens.lookup import LookupScreen
from kiosk.ui.widgets.convocation_list import ConvocationList
from kiosk.ui.widgets.secret_input import SecretInput
from tests.ui.app_env import KioskPilot, log_in, look_up, run_async, screen_text, settle
from tests.ui.appointment_env import REF_NO_QUESTIONS
from tests.ui.desk_env import desk_app
from tests.ui.sample_data import NOW, REF_CONVOKED, REF_DELIVERED, SITE


def rows(pilot: KioskPilot) -> list[list[str]]:
    """The list as the agent reads it: each row's cells."""
    table = pilot.app.screen.query_one("#convocations", ConvocationList)
    return [[cell.plain for cell in table.get_row_at(i)] for i in range(table.row_count)]


@run_async
async def test_the_home_lists_todays_holders_with_slot_company_and_state(tmp_path: Path) -> None:
    app, desk, _ = desk_app(tmp_path / "home")
    async with app.run_test(size=(120, 40)) as pilot:
        await log_in(pilot)

        assert rows(pilot) == [
            ["09:30", "Jeanne Marie LE GOFF", "Exemple Industries", "Convoqué", REF_CONVOKED],
            ["09:30", "Yann MORVAN", "Armor Conseil", "Remis", REF_DELIVERED],
            ["09:30", "Gwenaël RIOU", "Exemple Industries", "Convoqué", REF_NO_QUESTIONS],
        ]
        shown = screen_text(app)
        assert "Convocations du mardi 14/04/2026 : 3" in shown
        assert "09:30  Jeanne Marie LE GOFF" in shown
        assert app.focused is app.screen.query_one("#code", SecretInput)

    [event] = [e for e in desk.desk.audit_events() if e.event_type == "convocations.viewed"]
    assert event.details == {"office": "BREST", "day": "2026-04-14", "count": 3}


@run_async
async def test_choosing_a_row_opens_nothing_the_code_is_still_needed(tmp_path: Path) -> None:
    app, desk, _ = desk_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.press("tab")  # from the code to the list
        assert isinstance(app.focused, ConvocationList)
        await pilot.press("enter")
        await settle(pilot)

        assert isinstance(app.screen, LookupScreen)
        assert app.screen.status.text == (
            f"09:30 Jeanne Marie LE GOFF ({REF_CONVOKED}) : pour ouvrir ce dossier, "
            "saisissez le code de retrait du titulaire."
        )
        assert app.screen.query_one("#code", SecretInput).has_focus
        assert "dossier.lookup" not in [e.event_type for e in desk.desk.audit_events()]

        await look_up(pilot, desk.code())
        assert isinstance(app.screen, DossierScreen)


@run_async
async def test_a_click_on_a_row_opens_nothing_either(tmp_path: Path) -> None:
    app, _, _ = desk_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.click("#convocations", offset=(10, 2), times=2)  # the second row
        await settle(pilot)

        assert isinstance(app.screen, LookupScreen)
        assert "Yann MORVAN" in app.screen.status.text


@run_async
async def test_the_list_is_read_again_on_coming_back_and_audited_once(tmp_path: Path) -> None:
    app, desk, _ = desk_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await look_up(pilot, desk.code())
        await pilot.press("f5")  # start the appointment...
        await settle(pilot)
        await pilot.press("f9", "enter")  # ... and end it: holder absent
        await settle(pilot)

        assert isinstance(app.screen, LookupScreen)
        assert rows(pilot)[0][3] == "Refusé"

    viewed = [e for e in desk.desk.audit_events() if e.event_type == "convocations.viewed"]
    assert len(viewed) == 1


@run_async
async def test_a_dossier_held_by_another_kiosk_says_so(tmp_path: Path) -> None:
    app, desk, _ = desk_app(tmp_path / "home")
    other_kiosk = SqlUnitOfWorkFactory(desk.uow.engine, site=SITE, kiosk_id="kiosque-brest-02")
    with other_kiosk() as tx:
        tx.appointments.claim(REF_CONVOKED, "bleroy", "Bruno Leroy", NOW)
        tx.commit()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)

        assert rows(pilot)[0][3] == "Autre kiosque"
