"""Renewal dossiers at the desk: imported through the real importer (``kind: renewal``,
``renews``), the kiosk with the renewal service on the in-memory token and CA (the back
office gives SO PINs back with the test escrow key), an authority that records what it
revokes (or refuses), and the Pilot steps of a renewal's appointment.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.adapters.crypto.so_pin_recovery import EscrowSoPinRecovery
from kiosk.adapters.fakes.memory import FixedClock
from kiosk.adapters.receipt.pdf_receipt import PdfReceiptRenderer
from kiosk.admin import admin_services
from kiosk.domain.certificate_revocation import RevocationReason, RevokedCertificate
from kiosk.domain.errors import DeviceError
from kiosk.services.delivery import DeliveryService
from kiosk.services.renewal import RenewalService
from kiosk.ui.app import KioskApp
from tests.ui.app_env import KioskPilot, log_in, look_up, settle
from tests.ui.appointment_env import (
    RIGHT_ANSWERS,
    AppointmentDesk,
    answer,
    confirm_photo,
    passport,
    scan,
)
from tests.ui.sample_data import KIOSK_ID, NOW, PRODUCT, REF_CONVOKED, REF_DELIVERED, SITE
from tests.ui.token_env import TERMS, FakeDevices, escrow_key, fake_token_app

REF_RENEWAL = "CS-2026-000140"
RENEWAL_CODE = "NCZCKM-GSKMB7-J2TP0M"
# The certificate of REF_DELIVERED, delivered before the kiosk: its serial is on file.
OLD_SERIAL = "1127de3cfe77ed9d14211879f34f7832"
# The holders' passports (see sample_data): Jeanne Marie Le Goff, Yann Morvan.
HOLDERS: dict[str, dict[str, str]] = {
    REF_CONVOKED: {},
    REF_DELIVERED: {"name": "MORVAN<<YANN", "birth": "791130"},
}
HOLDER_RECORDS: dict[str, dict[str, Any]] = {
    REF_CONVOKED: {
        "company": {
            "siren": "123456782",
            "siret": "12345678200010",
            "name": "Exemple Industries",
            "legal_form": "SAS",
        },
        "holder": {
            "surname": "Le Goff",
            "given_names": "Jeanne Marie",
            "birth_date": "1985-03-07",
            "email": "jeanne.legoff@exemple.fr",
        },
    },
    REF_DELIVERED: {
        "company": {
            "siren": "987654324",
            "siret": "98765432400019",
            "name": "Armor Conseil",
            "legal_form": "SARL",
        },
        "holder": {
            "surname": "Morvan",
            "given_names": "Yann",
            "birth_date": "1979-11-30",
            "email": "yann.morvan@armor.example",
        },
    },
}


def renewal_record(
    renews: str, *, serial: str | None = None, state: str = "convoked"
) -> dict[str, Any]:
    """The back office's renewal of ``renews``: same holder and company, no questions of
    its own (the renewed dossier's are taken)."""
    record: dict[str, Any] = {
        "reference": REF_RENEWAL,
        "kind": "renewal",
        "renews": renews,
        "state": state,
        "office": SITE,
        **HOLDER_RECORDS[renews],
        "product": PRODUCT.code,
        "legal_representative": {
            "surname": "Kermarrec",
            "given_names": "Paul",
            "title": "Président",
        },
        "withdrawal_code": RENEWAL_CODE,
        "questions": [],
        "convocation_at": "2026-04-14T11:00:00+02:00",
    }
    if serial is not None:
        record["renews_certificate_serial"] = serial
    return record


def import_renewal(desk: AppointmentDesk, record: dict[str, Any]) -> None:
    with admin_services(desk.desk.settings) as admin:
        admin.importer().import_records([record], source="tests")


def allow_token_reuse(desk: AppointmentDesk) -> None:
    with desk.uow() as tx:
        tx.product_options.set_token_reuse(PRODUCT.code, True)
        tx.commit()


@dataclass
class RecordingAuthority:
    """A CA that revokes (and remembers what), or refuses when told to."""

    refuse: bool = False
    revoked: list[tuple[str, RevocationReason]] = field(default_factory=list)

    def revoke(
        self,
        serial_hex: str,
        reason: RevocationReason,
        at: datetime,
        *,
        certificate_der: bytes | None = None,
    ) -> RevokedCertificate:
        if self.refuse:
            raise DeviceError("l'autorité de certification ne répond pas.")
        self.revoked.append((serial_hex, reason))
        return RevokedCertificate(serial_hex.lower().lstrip("0"), reason, at.astimezone(UTC))


def with_renewals(app: KioskApp, desk: AppointmentDesk, authority: RecordingAuthority) -> KioskApp:
    """The fake-token kiosk with the renewal service (the back office gives SO PINs back
    with the test escrow key), and a delivery that revokes what a renewal supersedes."""
    services = app.services
    personalisation = services.personalisation
    assert personalisation is not None
    clock = FixedClock(NOW)
    recovery = EscrowSoPinRecovery(escrow_key(), desk.uow)
    renewals = RenewalService(
        desk.uow, personalisation, clock, recovery=recovery, authority=authority
    )
    settings = desk.desk.settings
    delivery = DeliveryService(
        desk.uow, personalisation, PdfReceiptRenderer(), None, settings.receipts_dir, clock,
        KIOSK_ID, TERMS, renewals=renewals,
    )  # fmt: skip
    return KioskApp(replace(services, renewals=renewals, delivery=delivery))


def renewal_app(
    home: Path, authority: RecordingAuthority | None = None
) -> tuple[KioskApp, AppointmentDesk, FakeDevices]:
    """The fake-token kiosk (``token_env.fake_token_app``) able to renew."""
    app, desk, devices = fake_token_app(home)
    return with_renewals(app, desk, authority or RecordingAuthority()), desk, devices


async def renewal_identified(pilot: KioskPilot, renews: str, *, login: bool = True) -> None:
    """The renewal's appointment up to the Support step: lookup, identity, answers (the
    renewed dossier's, as imported)."""
    if login:
        await log_in(pilot)
    await look_up(pilot, RENEWAL_CODE)
    await pilot.press("f5")
    await settle(pilot)
    await scan(pilot, passport(**HOLDERS[renews]))
    await confirm_photo(pilot)
    await pilot.press("enter")  # « Tournez l'écran vers le titulaire »
    await settle(pilot)
    await answer(pilot, RIGHT_ANSWERS)
    await pilot.press("enter")  # « Rendez l'écran à l'agent »
    await settle(pilot)
