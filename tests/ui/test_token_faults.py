"""What SoftHSM cannot be made to do, on the in-memory token and CA behind the real kiosk:
a token pulled out in the middle of a step and plugged back, a CA that does not answer
(ending then abandons the run), a token that is not blank (erased only on request, with
its SO PIN), a token declared defective."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from kiosk.adapters.fakes.fake_token import FakeToken, TokenStep
from kiosk.adapters.fakes.memory import FixedClock
from kiosk.adapters.reader.simulated_reader import SimulatedReader
from kiosk.domain.certificate_revocation import RevocationReason
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.personalisation_journal import Step
from kiosk.domain.token_register import TokenState
from kiosk.services.revocation_backlog import RevocationBacklog
from kiosk.services.token_register import TokenRegisterService
from kiosk.ui.app import KioskApp
from kiosk.ui.screens.end_appointment import EndAppointmentScreen
from kiosk.ui.screens.holder_cue import HolderCueScreen
from kiosk.ui.screens.lookup import LookupScreen
from kiosk.ui.screens.token_insert import TYPE_PIN, TokenInsertScreen
from kiosk.ui.widgets.step_progress import RowState
from tests.ui.app_env import (
    KioskPilot,
    run_async,
    screen_text,
    settle,
    status_text,
    type_into,
)
from tests.ui.appointment_env import AppointmentDesk
from tests.ui.renewal_env import RecordingAuthority
from tests.ui.sample_data import NOW
from tests.ui.token_env import (
    DELIVERED,
    FAKE_SERIALS,
    HOLDER_PIN,
    agent_session,
    fake_token_app,
    interrupt_at_key_generation,
    said,
    shows,
    start_run,
    step_rows,
    take_up_interrupted,
    to_personalised,
    to_receipt,
    to_token_step,
    until,
)


@run_async
async def test_a_token_pulled_out_mid_run_is_taken_up_after_reinsertion(tmp_path: Path) -> None:
    app, desk, devices = fake_token_app(tmp_path / "home")
    devices.tokens.pull_at(TokenStep.GENERATE_KEY_PAIR)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_token_step(pilot, desk)
        await start_run(pilot)
        await shows(pilot, "Support retiré : rebranchez-le, puis F5 pour reprendre.")
        rows = step_rows(pilot)
        assert rows[Step.INITIALISE] is RowState.DONE
        assert rows[Step.GENERATE_KEY] is RowState.FAILED
        assert rows[Step.ISSUE] is RowState.PENDING

        devices.reader.remove()
        await shows(pilot, "Support retiré — lecteur « Lecteur simulé (SoftHSM) ».")
        devices.tokens.reinsert(FAKE_SERIALS[0])
        devices.reader.insert()
        await shows(pilot, "F5 : reprendre la personnalisation.")
        await pilot.press("f5")
        await settle(pilot)
        await shows(pilot, "Support personnalisé et vérifié")
        assert "(personnalisation reprise)" in said(app)
        rows = step_rows(pilot)
        assert rows[Step.INITIALISE] is RowState.EARLIER
        assert rows[Step.GENERATE_KEY] is RowState.DONE

        await to_receipt(pilot)
        assert DELIVERED in said(app)

    assert ("personalisation.resumed", "success") in desk.kinds()
    assert desk.last("dossier.delivered").details["token_serial"] == FAKE_SERIALS[0]
    assert desk.dossier().state is DossierState.DELIVERED
    [token] = [t for t in devices.tokens.tokens if t.serial == FAKE_SERIALS[0]]
    assert len(token.keys) == 1 and list(token.certificates) == list(token.keys)


@run_async
async def test_ending_after_a_failed_run_abandons_it(tmp_path: Path) -> None:
    app, desk, devices = fake_token_app(tmp_path / "home")
    devices.ca.fail_next()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_token_step(pilot, desk)
        await start_run(pilot)
        await until(pilot, lambda: step_rows(pilot)[Step.ISSUE] is RowState.FAILED, "CA failure")
        status = status_text(app.screen, "#progress-status")
        assert status.startswith("✗ Erreur : ") and "F5 : reprendre avec le même support" in status

        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, EndAppointmentScreen)
        assert "Motif choisi : Support défectueux" in said(app)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)

    assert [kind for kind, _ in desk.kinds()][-2:] == [
        "personalisation.abandoned",
        "appointment.end",
    ]
    assert desk.last("appointment.end").details == {"reason": "token_defective"}
    assert desk.dossier().state is DossierState.REFUSED


async def _declined_after_issuance(pilot: KioskPilot, desk: AppointmentDesk) -> str:
    """A run to its end, then F9 « Le titulaire renonce »: the home's notice."""
    await to_token_step(pilot, desk)
    await to_personalised(pilot)
    await pilot.press("f9")
    await settle(pilot)
    assert isinstance(pilot.app.screen, EndAppointmentScreen)
    await pilot.press("home", "down", "down", "down", "down", "enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, LookupScreen)
    return " ".join(status_text(pilot.app.screen, "#lookup-status").split())


@run_async
async def test_a_certificate_issued_and_declined_is_revoked_by_the_ca_at_once(
    tmp_path: Path,
) -> None:
    app, desk, devices = fake_token_app(tmp_path / "home")
    authority = RecordingAuthority()
    backlog = RevocationBacklog(desk.uow, authority, FixedClock(NOW))
    app.services = replace(app.services, revocations=backlog)
    async with app.run_test(size=(100, 30)) as pilot:
        notice = await _declined_after_issuance(pilot, desk)

    [issued] = devices.ca.issued
    assert f"Le certificat n° {issued.serial_hex}, émis mais non remis, est révoqué." in notice
    assert authority.revoked == [(issued.serial_hex, RevocationReason.CESSATION_OF_OPERATION)]
    assert desk.last("ca.revoke").outcome.value == "success"
    assert backlog.open_requests() == []


@run_async
async def test_ending_after_issuance_says_the_certificate_goes_for_revocation(
    tmp_path: Path,
) -> None:
    app, desk, devices = fake_token_app(tmp_path / "home")  # no CA to revoke with
    async with app.run_test(size=(100, 30)) as pilot:
        notice = await _declined_after_issuance(pilot, desk)

    [issued] = devices.ca.issued
    serial = issued.serial_hex
    assert "Rendez-vous terminé : Le titulaire renonce" in notice
    assert f"Le certificat n° {serial}, émis mais non remis, est transmis au back-office" in notice
    assert desk.last("appointment.end").details == {"reason": "holder_declines"}
    assert desk.last("revocation.confirmed").details["certificate_serial"] == serial


@run_async
async def test_a_token_that_is_not_blank_is_erased_only_on_request(tmp_path: Path) -> None:
    used = FakeToken("FT-0009", label="ANCIEN", initialized=True, so_pin="SO-9-back-office")
    app, desk, devices = fake_token_app(tmp_path / "home")
    devices.tokens.tokens[:] = [used]
    async with app.run_test(size=(80, 24)) as pilot:
        await to_token_step(pilot, desk)
        await shows(pilot, "Ce support n'est pas vierge.")
        assert "F4 : effacer ce support." in said(app)

        await pilot.press("f4")
        await pilot.press("enter")  # no SO PIN typed
        await settle(pilot)
        assert "Saisissez le code PIN administrateur (SO)" in said(app)
        await type_into(pilot, "#so-pin", "SO-9-back-office")
        await pilot.press("enter")
        await settle(pilot)
        await shows(pilot, "Le support sera effacé, puis personnalisé pour ce dossier.")
        assert "SO-9-back-office" not in screen_text(app)

        await to_personalised(pilot)
    assert used.label.startswith("CCI LE GOFF") and used.so_pin == "SO-9-back-office"
    record = TokenRegisterService(desk.uow, FixedClock(NOW)).record("FT-0009")
    assert record is not None and record.state is TokenState.PERSONALISED


@run_async
async def test_a_defective_token_is_refused(tmp_path: Path) -> None:
    app, desk, devices = fake_token_app(tmp_path / "home")
    devices.tokens.tokens[1].present = False
    session = agent_session(desk)
    TokenRegisterService(desk.uow, FixedClock(NOW)).declare_out_of_service(
        session, FAKE_SERIALS[0], TokenState.DEFECTIVE, "écran cassé"
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await to_token_step(pilot, desk)
        await shows(pilot, "a été déclaré défectueux")
        assert "Support refusé" in said(app)
        await pilot.press("enter")  # nothing to go on with
        await settle(pilot)
        assert isinstance(app.screen, TokenInsertScreen)
        await pilot.press("f9")
        await settle(pilot)
        assert "Motif choisi : Support défectueux" in said(app)


@run_async
async def test_a_run_left_unfinished_is_taken_up_at_the_next_login_with_the_chosen_pin(
    tmp_path: Path,
) -> None:
    app, desk, devices = fake_token_app(tmp_path / "home")
    await interrupt_at_key_generation(app, desk, devices)  # the kiosk stops there

    again = KioskApp(replace(app.services, reader=SimulatedReader(now=FixedClock(NOW).now)))
    async with again.run_test(size=(80, 24)) as pilot:
        await take_up_interrupted(pilot)
        await shows(
            pilot,
            "Reprise de la personnalisation interrompue de ce dossier, à partir de l'étape "
            "« Génération de la clé ».",
        )
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(again.screen, HolderCueScreen)
        assert again.screen.detail_text == TYPE_PIN
        await pilot.press("enter")
        await settle(pilot)
        assert "Saisissez le code PIN que vous avez choisi pour ce support." in said(again)
        assert not again.screen.query("#pin-confirm")

        await _type_current_pin(pilot, "Pas-le-bon-9")
        await shows(pilot, "Code PIN incorrect.")
        await pilot.press("enter")  # the holder types it again
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await _type_current_pin(pilot, HOLDER_PIN)
        await shows(pilot, "Support personnalisé et vérifié")
        assert "(personnalisation reprise)" in said(again)
        assert step_rows(pilot)[Step.INITIALISE] is RowState.EARLIER

    assert [kind for kind, _ in desk.kinds()].count("personalisation.resumed") == 2


async def _type_current_pin(pilot: KioskPilot, pin: str) -> None:
    """On the PIN screen of a run taken up: the PIN once, Entrée, then back to the agent."""
    await type_into(pilot, "#pin", pin)
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("enter")  # « Rendez l'écran à l'agent »
    await settle(pilot)


@run_async
async def test_a_wrong_so_pin_sends_the_agent_back_to_the_support_step(tmp_path: Path) -> None:
    used = FakeToken("FT-0009", label="ANCIEN", initialized=True, so_pin="SO-9-back-office")
    app, desk, devices = fake_token_app(tmp_path / "home")
    devices.tokens.tokens[:] = [used]
    async with app.run_test(size=(80, 24)) as pilot:
        await to_token_step(pilot, desk)
        await shows(pilot, "F4 : effacer ce support.")
        await pilot.press("f4")
        await type_into(pilot, "#so-pin", "SO-pas-le-bon")
        await pilot.press("enter")
        await settle(pilot)
        await to_personalised_failure(pilot)
        status = status_text(app.screen, "#progress-status")
        assert status.startswith("✗ Erreur : Code PIN administrateur (SO) incorrect.")
        assert "F3 : revenir au support" in status
        await pilot.press("enter")  # not the holder's PIN: nothing to type again
        await settle(pilot)
        assert step_rows(pilot)[Step.INITIALISE] is RowState.FAILED

        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, TokenInsertScreen)
        await shows(pilot, "F4 : effacer ce support.")
    assert used.label == "ANCIEN"


async def to_personalised_failure(pilot: KioskPilot) -> None:
    """From a token that checked out to a run that failed."""
    await start_run(pilot)
    await until(pilot, lambda: "✗ Erreur" in said(pilot.app), "the run's failure")
