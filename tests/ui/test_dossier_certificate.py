"""The « Certificat » section of a delivered or revoked dossier: after a real delivery from
the keyboard, the agent reads the certificate's serial, validity, token and delivery before
offering an unblock (F6) or a revocation (F7); after a revocation at the desk, its date,
reason and publication; a certificate at its end says a renewal is what the holder needs.
No answer, document number or PIN is ever on screen."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from kiosk.adapters.fakes.memory import FixedClock
from kiosk.domain.personalisation_journal import Delivery
from kiosk.services.certificate_facts import CertificateFactsService
from kiosk.ui.app import KioskApp
from kiosk.ui.screens.confirm import ConfirmScreen
from kiosk.ui.screens.dossier import DossierScreen
from kiosk.ui.widgets.choice import Choice
from kiosk.ui.widgets.field_section import FieldSection
from tests.ui.app_env import KioskPilot, log_in, look_up, run_async, screen_text, settle
from tests.ui.appointment_env import (
    PASSPORT_NUMBER,
    RIGHT_ANSWERS,
    AppointmentDesk,
    passport,
    scan,
)
from tests.ui.journey_env import (
    REVOCATION_KEY,
    deliver_first,
    fake_revocation_app,
    open_journey,
    to_journey_step,
)
from tests.ui.sample_data import NOW, REF_CONVOKED, REF_DELIVERED
from tests.ui.token_env import HOLDER_PIN, fake_token_app


def read_at(app: KioskApp, desk: AppointmentDesk, clock: FixedClock) -> None:
    """The section's words depend on the day: the desk reads them at ``clock``."""
    app.services = replace(app.services, certificate_facts=CertificateFactsService(desk.uow, clock))


def certificate_section(pilot: KioskPilot) -> dict[str, str]:
    screen = pilot.app.screen
    assert isinstance(screen, DossierScreen)
    section = screen.query_one("#sec-certificate", FieldSection)
    return {label: value.plain for label, value in section.rows}


def delivery_of(desk: AppointmentDesk, reference: str = REF_CONVOKED) -> Delivery:
    with desk.uow() as tx:
        found = tx.deliveries.get(reference)
    assert found is not None
    return found


def no_secret_on_screen(pilot: KioskPilot) -> None:
    shown = screen_text(pilot.app)  # type: ignore[arg-type]
    for secret in (*RIGHT_ANSWERS, PASSPORT_NUMBER, HOLDER_PIN):
        assert secret not in shown


async def revoke_without_reason_given(pilot: KioskPilot) -> None:
    """On « Motif »: the first reason, the token declared lost, the holder's confirmation."""
    pilot.app.screen.query_one("#reason", Choice).focus()
    await pilot.press("enter", "down", "enter")  # the first reason, below the prompt
    await settle(pilot)
    pilot.app.screen.query_one("#token-lost").focus()
    await pilot.press("space")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ConfirmScreen)
    await pilot.press("enter")
    await settle(pilot)


async def reopen(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await look_up(pilot, desk.code())
    await settle(pilot)
    assert isinstance(pilot.app.screen, DossierScreen)


@run_async
async def test_a_delivered_dossier_shows_the_certificate_and_the_token_handed_over(
    tmp_path: Path,
) -> None:
    app, desk, _ = fake_token_app(tmp_path / "home")
    read_at(app, desk, FixedClock(NOW))
    async with app.run_test(size=(120, 40)) as pilot:
        await deliver_first(pilot, desk)
        await reopen(pilot, desk)
        delivery = delivery_of(desk)
        rows = certificate_section(pilot)
        assert rows["N° de série"] == delivery.certificate_serial
        start, end = (f"{d:%d/%m/%Y}" for d in (delivery.not_before, delivery.not_after))
        assert rows["Validité"] == f"du {start} au {end}"
        assert rows["État"] == "en service"
        assert rows["Support"] == f"n° {delivery.token_serial} — remis au titulaire"
        assert rows["Remise"].endswith(", Bureau de Brest")
        assert "Motif" not in rows
        shown = " ".join(screen_text(app).split())
        assert "Certificat" in shown and delivery.certificate_serial in shown
        no_secret_on_screen(pilot)


@run_async
async def test_a_certificate_near_its_end_calls_for_a_renewal_not_an_unblock(
    tmp_path: Path,
) -> None:
    app, desk, _ = fake_token_app(tmp_path / "home")
    async with app.run_test(size=(120, 40)) as pilot:
        await deliver_first(pilot, desk)
        end = delivery_of(desk).not_after
        read_at(app, desk, FixedClock(end - timedelta(days=12, hours=2)))
        await reopen(pilot, desk)
        state = certificate_section(pilot)["État"]
        assert state.startswith("en service, expire dans 12 jours")
        assert state.endswith("un renouvellement, pas d'un déblocage du PIN")
        await pilot.press("escape")
        await settle(pilot)

        read_at(app, desk, FixedClock(end + timedelta(days=3)))
        await reopen(pilot, desk)
        state = certificate_section(pilot)["État"]
        assert state.startswith(f"expiré depuis le {end:%d/%m/%Y}")
        assert "renouvellement" in state


@run_async
async def test_a_revoked_dossier_says_when_why_and_that_the_back_office_publishes(
    tmp_path: Path,
) -> None:
    app, desk, _ = fake_revocation_app(tmp_path / "home")
    read_at(app, desk, FixedClock(NOW))
    async with app.run_test(size=(120, 40)) as pilot:
        await deliver_first(pilot, desk)
        await to_journey_step(pilot, desk, REVOCATION_KEY)
        await revoke_without_reason_given(pilot)
        await pilot.press("enter")  # the attestation read: back to the lookup
        await settle(pilot)
        await reopen(pilot, desk)

        rows = certificate_section(pilot)
        assert rows["N° de série"] == delivery_of(desk).certificate_serial
        assert rows["État"] == f"révoqué le {NOW:%d/%m/%Y}"
        assert rows["Support"].endswith("— perdu")
        assert rows["Motif"] == "Motif non précisé"
        assert rows["Publication"].startswith("à publier par le back-office")
        no_secret_on_screen(pilot)


@run_async
async def test_a_delivery_the_kiosk_has_no_trace_of_sends_the_holder_to_the_back_office(
    tmp_path: Path,
) -> None:
    app, desk, _ = fake_token_app(tmp_path / "home")
    async with app.run_test(size=(120, 40)) as pilot:
        await log_in(pilot)
        await look_up(pilot, desk.code(REF_DELIVERED))
        await settle(pilot)
        rows = certificate_section(pilot)
        assert list(rows) == ["Certificat"]
        assert rows["Certificat"].endswith("adressez le titulaire au back-office")


@run_async
async def test_a_dossier_not_yet_delivered_has_no_certificate_section(tmp_path: Path) -> None:
    app, desk, _ = fake_token_app(tmp_path / "home")
    async with app.run_test(size=(120, 40)) as pilot:
        await log_in(pilot)
        await look_up(pilot, desk.code())
        await settle(pilot)
        assert isinstance(app.screen, DossierScreen)
        assert not app.screen.query("#sec-certificate")


@run_async
async def test_the_identity_check_of_a_revocation_names_the_appointment_not_a_withdrawal(
    tmp_path: Path,
) -> None:
    app, desk, _ = fake_revocation_app(tmp_path / "home")
    async with app.run_test(size=(120, 40)) as pilot:
        await deliver_first(pilot, desk)
        await open_journey(pilot, desk, REVOCATION_KEY)
        await scan(pilot, passport())
        shown = " ".join(screen_text(app).split())
        assert f"Rendez-vous du {NOW:%d/%m/%Y}" in shown
        assert "Retrait le" not in shown
        no_secret_on_screen(pilot)
