"""Revocation at the desk from the keyboard on the real kiosk: a first delivery, then the
delivered dossier opened again with F7, identity and answers, the certificate shown, the
holder's reason and express confirmation, the attestation. On SoftHSM the embedded CA
revokes and its CRL lists the certificate; on the in-memory CA (which does not revoke)
the revocation stands and its publication is left to the back office. Cancelling at the
confirmation revokes nothing. No answer, document number or PIN is ever on screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509

from kiosk.domain.dossier_state import DossierState
from kiosk.domain.errors import DeviceError
from kiosk.domain.token_register import TokenState
from kiosk.ui.screens.confirm import ConfirmScreen
from kiosk.ui.screens.desk_revocation import RevocationScreen
from kiosk.ui.screens.dossier import DossierScreen
from kiosk.ui.screens.end_appointment import EndAppointmentScreen
from kiosk.ui.screens.lookup import LookupScreen
from kiosk.ui.screens.receipt_view import DeskReceiptViewScreen
from kiosk.ui.widgets.choice import Choice
from tests.integration.softhsm_env import SoftHsm, ca_folder, softhsm
from tests.ui.app_env import (
    KioskPilot,
    log_in,
    look_up,
    run_async,
    screen_text,
    settle,
    status_text,
)
from tests.ui.appointment_env import PASSPORT_NUMBER, RIGHT_ANSWERS, AppointmentDesk
from tests.ui.journey_env import (
    REVOCATION_KEY,
    deliver_first,
    fake_revocation_app,
    open_journey,
    to_journey_step,
)
from tests.ui.sample_data import REF_DELIVERED
from tests.ui.token_env import HOLDER_PIN, fake_token_app, said, shows, softhsm_app

_FIXTURES = (softhsm, ca_folder)
REVOKED_EVENTS = ("revocation.confirmed", "ca.revoke", "dossier.revoked")


async def to_reason_step(pilot: KioskPilot, desk: AppointmentDesk) -> str:
    """Deliver, come back with F7, pass the checks: the certificate shown; its serial."""
    await deliver_first(pilot, desk)
    await to_journey_step(pilot, desk, REVOCATION_KEY)
    assert isinstance(pilot.app.screen, RevocationScreen)
    await shows(pilot, "Choisissez le motif donné par le titulaire")
    serial = desk.last("dossier.delivered").details["certificate_serial"]
    assert isinstance(serial, str)
    assert serial in said(pilot.app)
    return serial


async def choose_reason(pilot: KioskPilot, position: int) -> None:
    """Open the list of reasons and pick the one at ``position`` (0: the first)."""
    pilot.app.screen.query_one("#reason", Choice).focus()
    await pilot.press("enter")
    await pilot.press(*["down"] * (position + 1))  # below the prompt, first in the list
    await pilot.press("enter")
    await settle(pilot)


async def tick_token_lost(pilot: KioskPilot) -> None:
    pilot.app.screen.query_one("#token-lost").focus()
    await pilot.press("space")
    await settle(pilot)


async def confirm_revocation(pilot: KioskPilot) -> None:
    """Entrée asks the holder's confirmation, Entrée again confirms."""
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ConfirmScreen)
    assert "DÉFINITIVE et IMMÉDIATE" in said(pilot.app)
    await pilot.press("enter")
    await settle(pilot)


def no_secret_on_screen(pilot: KioskPilot) -> None:
    shown = screen_text(pilot.app)  # type: ignore[arg-type]
    for secret in (*RIGHT_ANSWERS, PASSPORT_NUMBER, HOLDER_PIN):
        assert secret not in shown


@pytest.mark.integration
@run_async
async def test_a_revocation_on_softhsm_is_published_in_the_crl(
    tmp_path: Path, softhsm: SoftHsm, ca_folder: Path
) -> None:
    home = tmp_path / "home"
    app, desk = softhsm_app(home, ca_folder)
    async with app.run_test(size=(80, 24)) as pilot:
        serial = await to_reason_step(pilot, desk)
        await choose_reason(pilot, 1)  # clé compromise
        await confirm_revocation(pilot)
        assert isinstance(app.screen, DeskReceiptViewScreen)
        notice = f"Révocation effectuée : certificat n° {serial} du dossier CS-2026-000123."
        shown = said(app)
        assert notice in shown
        assert "Attestation de révocation d'un certificat électronique au guichet" in shown
        assert "Révocation publiée par l'autorité de certification" in shown
        assert "⚠ Attention" not in shown
        pdf = app.screen.pdf  # filed in the receipts folder, as bootstrap configures it
        assert pdf is not None and pdf.read_bytes().startswith(b"%PDF-")
        assert f"Attestation enregistrée : {pdf}" in " ".join(shown.split())
        no_secret_on_screen(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        assert status_text(app.screen, "#lookup-status") == f"✓ {notice}"
        await look_up(pilot, desk.code())
        assert isinstance(app.screen, DossierScreen)
        shown = " ".join(screen_text(app).split())
        assert "État : Révoqué" in shown
        assert app.screen.check_action("start_appointment", ("revocation",)) is False

    assert desk.dossier().state is DossierState.REVOKED
    kinds = desk.kinds()
    for event in REVOKED_EVENTS:
        assert (event, "success") in kinds, kinds
    assert desk.last("ca.revoke").details["reason"] == "keyCompromise"
    crl = x509.load_pem_x509_crl((home / "ca" / "crl.pem").read_bytes())
    revoked = crl.get_revoked_certificate_by_serial_number(int(serial, 16))
    assert revoked is not None
    assert revoked.extensions.get_extension_for_class(x509.CRLReason).value.reason == (
        x509.ReasonFlags.key_compromise
    )


@run_async
async def test_without_a_ca_the_revocation_stands_and_the_back_office_publishes(
    tmp_path: Path,
) -> None:
    app, desk, _ = fake_revocation_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        serial = await to_reason_step(pilot, desk)
        token = str(desk.last("dossier.delivered").details["token_serial"])
        assert token in said(app)
        await pilot.press("tab", "enter")  # past the list, no reason chosen: asked for
        await settle(pilot)
        assert isinstance(app.screen, RevocationScreen)
        assert status_text(app.screen, "#revocation-status") == (
            "✗ Erreur : Choisissez d'abord le motif de la révocation."
        )
        await choose_reason(pilot, 0)
        await tick_token_lost(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "Le support sera déclaré perdu ou volé." in said(app)
        await pilot.press("enter")
        await settle(pilot)

        assert isinstance(app.screen, DeskReceiptViewScreen)
        shown = said(app)
        assert f"Révocation effectuée : certificat n° {serial}" in shown
        assert "⚠ Attention : Aucune autorité de certification n'est joignable" in shown
        assert "sa publication est laissée au back-office." in shown
        assert "Révocation transmise au back-office, publication à venir" in shown
        no_secret_on_screen(pilot)

    assert desk.dossier().state is DossierState.REVOKED
    kinds = desk.kinds()
    assert ("revocation.confirmed", "success") in kinds
    assert ("ca.revoke", "failure") in kinds
    assert ("dossier.revoked", "success") in kinds
    with desk.uow() as tx:
        record = tx.token_register.get(token)
    assert record is not None and record.state is TokenState.LOST


@run_async
async def test_cancelling_at_the_confirmation_revokes_nothing(tmp_path: Path) -> None:
    app, desk, _ = fake_revocation_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_reason_step(pilot, desk)
        await choose_reason(pilot, 0)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, RevocationScreen)
        assert "rien n'a été révoqué" in status_text(app.screen, "#revocation-status")

    assert desk.dossier().state is DossierState.DELIVERED
    kinds = [kind for kind, _ in desk.kinds()]
    for event in REVOKED_EVENTS:
        assert event not in kinds


@run_async
async def test_a_kiosk_that_cannot_revoke_does_not_offer_f7(tmp_path: Path) -> None:
    app, desk, _ = fake_token_app(tmp_path / "home")  # no CA in its home: no revocation
    async with app.run_test(size=(80, 24)) as pilot:
        await deliver_first(pilot, desk)
        await open_journey(pilot, desk, REVOCATION_KEY)
        assert isinstance(app.screen, DossierScreen)
        assert "Révoquer" not in screen_text(app)
    assert desk.dossier().state is DossierState.DELIVERED


@run_async
async def test_a_dossier_delivered_without_a_trace_here_is_sent_to_the_back_office(
    tmp_path: Path,
) -> None:
    app, desk, _ = fake_revocation_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await to_journey_step(pilot, desk, REVOCATION_KEY, REF_DELIVERED)  # imported delivered
        assert isinstance(app.screen, RevocationScreen)
        await shows(pilot, "adressez le titulaire au back-office")
        assert status_text(app.screen, "#revocation-status").startswith("✗ Erreur : Ce dossier")
        assert not app.screen.query_one("#reason").display
        await pilot.press("enter")  # nothing to revoke
        await settle(pilot)
        assert isinstance(app.screen, RevocationScreen)
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, EndAppointmentScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)

    assert desk.dossier(REF_DELIVERED).state is DossierState.DELIVERED
    kinds = [kind for kind, _ in desk.kinds(REF_DELIVERED)]
    assert "appointment.end" in kinds
    for event in REVOKED_EVENTS:
        assert event not in kinds


class DownPrinter:
    def print_file(self, path: Path) -> str:
        raise DeviceError("Imprimante « accueil » injoignable.")


@run_async
async def test_a_printer_that_fails_is_a_warning_the_revocation_stands(tmp_path: Path) -> None:
    app, desk, _ = fake_revocation_app(tmp_path / "home", paper=True, printer=DownPrinter())
    async with app.run_test(size=(80, 24)) as pilot:
        await to_reason_step(pilot, desk)
        await choose_reason(pilot, 2)
        await confirm_revocation(pilot)
        screen = app.screen
        assert isinstance(screen, DeskReceiptViewScreen)
        shown = " ".join(said(app).split())
        assert "⚠ Attention : Attestation non imprimée : Imprimante « accueil » injoignable." in (
            shown
        )
        assert screen.pdf is not None and screen.pdf.read_bytes().startswith(b"%PDF-")
        assert f"Attestation enregistrée : {screen.pdf}" in shown
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        assert "Révocation effectuée" in status_text(app.screen, "#lookup-status")

    assert desk.dossier().state is DossierState.REVOKED
