"""The use cases a front end (TUI or CLI) may call, wired once by ``kiosk.bootstrap``."""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.domain.pin_policy import PinPolicy
from kiosk.domain.reader_ports import ReaderPort
from kiosk.services.answers import AnswersService
from kiosk.services.appointment import AppointmentService
from kiosk.services.audit_browser import AuditBrowser
from kiosk.services.auth import AuthService
from kiosk.services.certificate_facts import CertificateFactsService
from kiosk.services.certificate_view import CertificateView
from kiosk.services.convocations import ConvocationsService
from kiosk.services.delivery import DeliveryService
from kiosk.services.desk_revocation import DeskRevocationService
from kiosk.services.identity import IdentityService
from kiosk.services.lookup import LookupService
from kiosk.services.medium import MediumService
from kiosk.services.personalisation import PersonalisationService
from kiosk.services.pin_unblock import PinUnblockService
from kiosk.services.renewal import RenewalService
from kiosk.services.resumption import ResumptionService
from kiosk.services.revocation_backlog import RevocationBacklog
from kiosk.services.token_register import TokenRegisterService


@dataclass(frozen=True)
class KioskInfo:
    """What the screens show about this kiosk."""

    site: str
    kiosk_id: str
    site_name: str
    idle_lock_seconds: int = 180
    theme: str = "default"
    """``default`` or ``contrast`` (high contrast)."""


@dataclass(frozen=True)
class Services:
    info: KioskInfo
    auth: AuthService
    lookup: LookupService
    appointments: AppointmentService
    identity: IdentityService
    answers: AnswersService
    personalisation: PersonalisationService | None
    """None when the token step cannot run; ``pki_problem`` says why (French)."""
    delivery: DeliveryService | None
    """Receipt and acceptance; present exactly when ``personalisation`` is."""
    pki_problem: str | None
    token_register: TokenRegisterService | None
    reader: ReaderPort
    terms_version: str
    certificates: CertificateView
    """What a certificate says, for the holder to accept it; needs no configuration."""
    convocations: ConvocationsService | None = None
    """Today's convocations for the home screen; None: the home shows no list."""
    resumption: ResumptionService | None = None
    """Interrupted appointments offered at login; None: nothing is offered."""
    media: MediumService | None = None
    """Which token the card in the reader is; present when ``personalisation`` is."""
    renewals: RenewalService | None = None
    """Renewal dossiers (token step and the old certificate revoked); present when
    ``personalisation`` is. See docs/desk-journeys.md."""
    pin_unblock: PinUnblockService | None = None
    """PIN unblock at the desk; None when the back office's SO PIN service is not
    configured (``back_office_key``) or the token step cannot run."""
    desk_revocation: DeskRevocationService | None = None
    """Revocation at the desk; present when ``personalisation`` is."""
    revocations: RevocationBacklog | None = None
    """Publication to the CA of the revocations the desk decides (a certificate issued
    and not handed over); present when ``personalisation`` is."""
    audit_browser: AuditBrowser | None = None
    """The auditor's desk (read only); None: an auditor is told it is unavailable."""
    pin_policy: PinPolicy = field(default_factory=PinPolicy)
    """What the holder's PIN may be (``KIOSK_PIN_…``), matched to the token model in
    service; the PIN unblock's service applies the same one."""
    certificate_facts: CertificateFactsService | None = None
    """The certificate a delivered or revoked dossier's holder has (read only); None: the
    dossier screen shows no certificate section."""
