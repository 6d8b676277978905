"""An appointment cut off (the kiosk stopped in the middle: crash, power cut) is offered
at the next login on that kiosk: resumed at the identity check, ended with a reason, or
left for later. Only to agents of its office. While it runs, an appointment keeps saying
that this kiosk holds its dossier."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from kiosk.domain.dossier_state import DossierState
from kiosk.services.appointment import Appointment, AppointmentService
from kiosk.services.resumption import BEFORE_MEDIUM
from kiosk.ui.screens.end_appointment import EndAppointmentScreen
from kiosk.ui.screens.holder_cue import HolderCueScreen
from kiosk.ui.screens.identity import IdentityScreen
from kiosk.ui.screens.lookup import LookupScreen
from kiosk.ui.screens.resume_offer import RESUME_RULE, ResumeOfferScreen
from tests.ui.app_env import log_in, look_up, run_async, screen_text, settle
from tests.ui.appointment_env import (
    AppointmentDesk,
    confirm_photo,
    identity_status,
    passport,
    scan,
    start_appointment,
)
from tests.ui.desk_env import desk_app, restarted
from tests.ui.sample_data import (
    AGENT_LOGIN,
    NOW,
    OTHER_AGENT_LOGIN,
    OTHER_AGENT_PASSWORD,
    REF_CONVOKED,
)


async def _cut_off_after_the_identity_check(home: Path) -> AppointmentDesk:
    """An appointment whose kiosk stopped once the holder's identity was checked."""
    app, desk, _ = desk_app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        await start_appointment(pilot, desk)
        await scan(pilot, passport())
        await confirm_photo(pilot)
        assert isinstance(app.screen, HolderCueScreen)
    return desk  # no logout, no ending: the kiosk just stopped


def _open_claims(desk: AppointmentDesk) -> int:
    with desk.uow() as tx:
        return len(tx.appointments.open_leases())


@run_async
async def test_it_is_offered_at_the_next_login_and_resumes_at_the_identity_check(
    tmp_path: Path,
) -> None:
    desk = await _cut_off_after_the_identity_check(tmp_path / "home")
    app, _, _ = restarted(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)

        assert isinstance(app.screen, ResumeOfferScreen)
        shown = " ".join(screen_text(app).split())
        assert (
            "Un rendez-vous a été interrompu sur ce kiosque : dossier CS-2026-000123, "
            "titulaire Jeanne Marie LE GOFF, commencé le mardi 14/04/2026 à 09:00 par "
            "Alice Martin."
        ) in shown.replace("│ ", "").replace(" │", "")
        assert app.screen.query_one("#resume-step").render().plain == (  # type: ignore[union-attr]
            f"Étape atteinte : {BEFORE_MEDIUM}."
        )
        assert app.screen.query_one("#resume-rule").render().plain == RESUME_RULE  # type: ignore[union-attr]

        await pilot.press("enter")  # « Reprendre »
        await settle(pilot)
        assert isinstance(app.screen, IdentityScreen)
        assert app.screen.flow.reference == REF_CONVOKED
        assert not app.screen.flow.appointment.identity_passed  # checked again

        await scan(pilot, passport())
        assert "Contrôles du document conformes" in identity_status(pilot)

    starts = [e for e in desk.events() if e.event_type == "appointment.start"]
    assert len(starts) == 2
    assert starts[1].details is not None
    assert starts[1].details["resumes"] == starts[0].details["appointment"]
    assert _open_claims(desk) == 1


@run_async
async def test_ending_it_asks_for_a_reason(tmp_path: Path) -> None:
    desk = await _cut_off_after_the_identity_check(tmp_path / "home")
    app, _, _ = restarted(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.press("f9")  # « Terminer »
        await settle(pilot)
        assert isinstance(app.screen, EndAppointmentScreen)
        await pilot.press("end", "enter")  # « Autre motif » needs a few words
        await pilot.press(*"Coupure de courant")
        await pilot.press("enter")
        await settle(pilot)

        assert isinstance(app.screen, LookupScreen)
        assert app.screen.status.text == (
            "✓ Rendez-vous terminé : Autre motif (Coupure de courant). "
            "Le dossier reste disponible pour un autre rendez-vous."
        )

    assert desk.dossier().state is DossierState.REFUSED
    assert desk.dossier().refusal_reason == "Autre motif : Coupure de courant"
    assert desk.last("appointment.end").details == {"reason": "other"}
    assert _open_claims(desk) == 0


@run_async
async def test_later_leaves_it_to_be_offered_at_the_next_login(tmp_path: Path) -> None:
    desk = await _cut_off_after_the_identity_check(tmp_path / "home")
    app, _, _ = restarted(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.press("escape")  # « Plus tard »
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        assert _open_claims(desk) == 1

        await pilot.press("f10")  # log out, log in again
        await settle(pilot)
        await log_in(pilot)
        assert isinstance(app.screen, ResumeOfferScreen)


@run_async
async def test_a_started_token_step_is_said_in_the_offer(tmp_path: Path) -> None:
    desk = await _cut_off_after_the_identity_check(tmp_path / "home")
    with desk.uow() as tx:  # what the token step journals before touching the token
        tx.journal.new_attempt(REF_CONVOKED, "SOFTHSM-0042", AGENT_LOGIN, "JLG", False, NOW)
        tx.commit()
    app, _, _ = restarted(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)

        assert isinstance(app.screen, ResumeOfferScreen)
        assert app.screen.query_one("#resume-step").render().plain == (  # type: ignore[union-attr]
            "Étape atteinte : Support (personnalisation commencée sur le support SOFTHSM-0042)."
        )
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IdentityScreen)  # the identity first, always


@run_async
async def test_an_agent_of_another_office_is_offered_nothing(tmp_path: Path) -> None:
    desk = await _cut_off_after_the_identity_check(tmp_path / "home")
    app, _, _ = restarted(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, OTHER_AGENT_LOGIN, OTHER_AGENT_PASSWORD)
        await settle(pilot)

        assert isinstance(app.screen, LookupScreen)
        assert _open_claims(desk) == 1


@run_async
async def test_nothing_is_offered_when_nothing_was_cut_off(tmp_path: Path) -> None:
    app, _, _ = desk_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)


class _CountedBeats(AppointmentService):
    def __init__(self, inner: AppointmentService) -> None:
        self.__dict__.update(inner.__dict__)
        self.beats: list[str] = []

    def heartbeat(self, appointment: Appointment) -> None:
        self.beats.append(appointment.reference)
        super().heartbeat(appointment)


@run_async
async def test_an_open_appointment_keeps_telling_it_holds_its_dossier(tmp_path: Path) -> None:
    app, desk, _ = desk_app(tmp_path / "home")
    counted = _CountedBeats(app.services.appointments)
    app.services = replace(app.services, appointments=counted)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        app.send_heartbeat()  # what the app's one-minute timer does
        await settle(pilot)
        assert counted.beats == []  # no appointment: nothing to hold

        await look_up(pilot, desk.code())
        await pilot.press("f5")
        await settle(pilot)
        app.send_heartbeat()
        await settle(pilot)
        assert counted.beats == [REF_CONVOKED]
