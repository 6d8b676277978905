"""The desk journeys after a delivery (PIN unblock, revocation) driven through the UI.

A journey needs a dossier truly delivered: a delivery record and a certificate issued for
it. The honest way there is the kiosk's own: ``deliver_first`` drives a first delivery
from the keyboard (on the in-memory token and CA of ``fake_token_app``, or on SoftHSM
with the embedded CA of ``softhsm_app``) and comes back to the lookup screen; then
``to_journey_step`` opens the delivered dossier again, starts the journey with its key
(F6 unblock, F7 revocation) and passes the identity check and the answers.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from kiosk.adapters.fakes.memory import FixedClock
from kiosk.adapters.receipt.pdf_desk_receipt import PdfDeskReceiptRenderer
from kiosk.domain.certificate_revocation import CertificateRevocation, RevocationReason
from kiosk.domain.desk_receipt import DeskAct, DeskReceipt, DeskReceiptCore, desk_receipt_digest
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.personalisation_journal import Delivery
from kiosk.domain.receipt import Printer
from kiosk.services.appointment import Appointment
from kiosk.services.desk_acts import DeliveredCertificate, identity_rows
from kiosk.services.desk_revocation import DeskRevocation, DeskRevocationService
from kiosk.ui.app import KioskApp
from kiosk.ui.screens.lookup import LookupScreen
from tests.ui.app_env import KioskPilot, look_up, settle
from tests.ui.appointment_env import (
    RIGHT_ANSWERS,
    AppointmentDesk,
    answer,
    confirm_photo,
    passport,
    scan,
)
from tests.ui.sample_data import KIOSK_ID, NOW, REF_CONVOKED, REF_DELIVERED
from tests.ui.token_env import (
    FakeDevices,
    fake_token_app,
    shows,
    to_personalised,
    to_receipt,
    to_token_step,
)

UNBLOCK_KEY = "f6"
REVOCATION_KEY = "f7"
# The sample dossier already delivered (no delivery record: see ``ScriptedRevocation``),
# and its holder's passport (Yann Morvan, born 30/11/1979).
DELIVERED_PASSPORT = {"name": "MORVAN<<YANN", "birth": "791130"}
FIXED_SERIAL = "5e7d94c1b38a26f0d4c9e1a7b5f3c802"
FIXED_TOKEN = "FT-0042"
FIXED_PDF = Path("/var/lib/kiosque/attestations/CS-2026-000125-revocation.pdf")


def fake_revocation_app(
    home: Path,
    *,
    authority: CertificateRevocation | None = None,
    paper: bool = False,
    printer: Printer | None = None,
) -> tuple[KioskApp, AppointmentDesk, FakeDevices]:
    """``fake_token_app`` that also revokes at the desk; without ``authority`` (the
    in-memory CA does not revoke), the revocation is left to the back office to publish.
    ``paper``: the attestation is filed as a PDF in the receipts folder (and printed on
    ``printer``), as bootstrap does."""
    app, desk, devices = fake_token_app(home)
    service = DeskRevocationService(
        desk.uow,
        authority,
        FixedClock(NOW),
        KIOSK_ID,
        renderer=PdfDeskReceiptRenderer() if paper else None,
        printer=printer,
        receipts_dir=desk.desk.settings.receipts_dir if paper else None,
    )
    app.services = replace(app.services, desk_revocation=service)
    return app, desk, devices


async def deliver_first(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    """Log in and deliver ``REF_CONVOKED`` from the keyboard; back on the lookup screen."""
    await to_token_step(pilot, desk)
    await shows(pilot, "Support vierge : prêt pour la personnalisation.")
    await to_personalised(pilot)
    await to_receipt(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, LookupScreen)
    assert desk.dossier().state is DossierState.DELIVERED


async def open_journey(
    pilot: KioskPilot, desk: AppointmentDesk, key: str, reference: str = REF_CONVOKED
) -> None:
    """From the lookup screen: the delivered dossier, then its journey's key (F6, F7)."""
    await look_up(pilot, desk.code(reference))
    await pilot.press(key)
    await settle(pilot)


async def to_journey_step(
    pilot: KioskPilot, desk: AppointmentDesk, key: str, reference: str = REF_CONVOKED
) -> None:
    """The journey opened, identity checked, answers right, screen back to the agent:
    the journey's own step (``kiosk.ui.journeys.after_answers``)."""
    await open_journey(pilot, desk, key, reference)
    await scan(pilot, passport(**(DELIVERED_PASSPORT if reference == REF_DELIVERED else {})))
    await confirm_photo(pilot)
    await pilot.press("enter")  # « Tournez l'écran vers le titulaire »
    await settle(pilot)
    await answer(pilot, RIGHT_ANSWERS)
    await pilot.press("enter")  # « Rendez l'écran à l'agent »
    await settle(pilot)


def fixed_delivery(reference: str) -> Delivery:
    """A delivery record fixed byte for byte (what the snapshots show never moves)."""
    return Delivery(
        dossier_ref=reference,
        certificate_serial=FIXED_SERIAL,
        certificate_fingerprint=hashlib.sha256(b"certificat fixe").hexdigest(),
        not_before=NOW - timedelta(days=40),
        not_after=NOW - timedelta(days=40) + timedelta(days=3 * 365),
        token_serial=FIXED_TOKEN,
        key_id=b"\x01" * 16,
        acceptance_digest=b"\x02" * 32,
        acceptance_signature=b"\x03" * 64,
        delivered_at=NOW - timedelta(days=40),
    )


class ScriptedRevocation(DeskRevocationService):
    """For the snapshots: the real checks of the appointment, then a certificate and an
    attestation fixed byte for byte (the real service's audit hashes depend on the time
    of day). The sample delivered dossier has no delivery record: this one gives one."""

    def certificate(self, appointment: Appointment) -> DeliveredCertificate:
        appointment.require_open()
        return DeliveredCertificate(
            appointment.dossier, fixed_delivery(appointment.reference), None
        )

    def revoke(
        self,
        appointment: Appointment,
        reason: RevocationReason,
        confirm: bool = True,
        *,
        token_lost: bool = False,
    ) -> DeskRevocation:
        appointment.require_checks(appointment.purpose)
        dossier, session = appointment.dossier, appointment.session
        core = DeskReceiptCore(
            act=DeskAct.REVOCATION,
            reference=dossier.reference,
            holder_surname=dossier.holder.surname,
            holder_given_names=dossier.holder.given_names,
            company_name=dossier.company.name,
            company_siren=dossier.company.siren,
            office_name="Bureau de Brest",
            agent_display_name=session.display_name,
            agent_login=session.login,
            kiosk_id=KIOSK_ID,
            done_at=NOW,
            certificate_serial=FIXED_SERIAL,
            token_serial=FIXED_TOKEN,
            identity_checks=identity_rows(appointment),
            reason_code=reason.value,
            reason_label=reason.label,
            published=True,
        )
        receipt = DeskReceipt(
            core, desk_receipt_digest(core), 1043, hashlib.sha256(b"evenement 1043").hexdigest()
        )
        appointment.ended = True
        return DeskRevocation(
            FIXED_SERIAL, reason, True, None, receipt, pdf=FIXED_PDF, print_job="accueil-17"
        )


def scripted_revocation_app(home: Path) -> tuple[KioskApp, AppointmentDesk]:
    """The real kiosk whose revocation is ``ScriptedRevocation`` (for ``REF_DELIVERED``)."""
    app, desk, _ = fake_token_app(home)
    service = ScriptedRevocation(desk.uow, None, FixedClock(NOW), KIOSK_ID)
    app.services = replace(app.services, desk_revocation=service)
    return app, desk
