"""Wiring: settings in, adapters built, services and the app out.

This is the only place that knows both the adapters and the services; the TUI and the CLI
receive ready services.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.adapters.ca.certificate_reader import X509CertificateReader
from kiosk.adapters.clock import SystemClock
from kiosk.adapters.crypto.argon2_hasher import Argon2Hasher
from kiosk.adapters.db.audit_reader import SqlAuditReader
from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.adapters.reader.simulated_reader import SimulatedReader
from kiosk.adapters.token.environment import use_softhsm_conf
from kiosk.config import Settings
from kiosk.domain.errors import KioskError
from kiosk.domain.personalisation_ports import IssuancePolicy
from kiosk.domain.pin_policy import PinPolicy
from kiosk.domain.reader_ports import ReaderPort
from kiosk.services.answers import AnswersService
from kiosk.services.appointment import AppointmentService
from kiosk.services.audit_browser import AuditBrowser, whole_check
from kiosk.services.audit_proofs import AuditProofs
from kiosk.services.auth import AuthService
from kiosk.services.certificate_facts import CertificateFactsService
from kiosk.services.certificate_view import CertificateView
from kiosk.services.container import KioskInfo, Services
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

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp


def make_reader(settings: Settings, clock: SystemClock) -> ReaderPort:
    if settings.devices.reader == "pcsc":
        from kiosk.adapters.reader.pcsc_reader import PcscReader

        return PcscReader(now=clock.now)
    return SimulatedReader(now=clock.now)


def make_personalisation(
    settings: Settings, uow: SqlUnitOfWorkFactory, clock: SystemClock
) -> PersonalisationService:
    """Token, CA, escrow and checks; raises a KioskError saying what is missing."""
    from kiosk.adapters.ca.checks import X509CertificateChecker
    from kiosk.adapters.crypto.escrow import RsaOaepEscrow
    from kiosk.adapters.token.pkcs11_token import Pkcs11TokenAdapter
    from kiosk.bootstrap_ca import make_certificate_authority

    use_softhsm_conf(settings.softhsm_conf)
    pki = settings.pki_settings
    authority = make_certificate_authority(settings, clock)  # embedded or CMP, as configured
    tokens = Pkcs11TokenAdapter(settings.pkcs11_module)
    return PersonalisationService(
        uow,
        tokens,
        authority.issuing,
        X509CertificateChecker(authority.trust_anchors),
        RsaOaepEscrow.from_file(pki.escrow_public_key),
        IssuancePolicy(pki.policy_oid, pki.crl_url, pki.ca_issuers_url, pki.ocsp_url),
        clock,
    )


def make_delivery(
    settings: Settings,
    uow: SqlUnitOfWorkFactory,
    personalisation: PersonalisationService,
    clock: SystemClock,
    renewals: RenewalService | None = None,
) -> DeliveryService:
    from kiosk.adapters.receipt.cups_printer import CupsPrinter
    from kiosk.adapters.receipt.pdf_receipt import PdfReceiptRenderer

    printer = CupsPrinter(settings.devices.printer) if settings.devices.printer else None
    return DeliveryService(
        uow,
        personalisation,
        PdfReceiptRenderer(),
        printer,
        settings.receipts_dir,
        clock,
        settings.kiosk_id,
        settings.pki_settings.terms_version,
        renewals=renewals,
    )


def make_desk_journeys(
    settings: Settings,
    uow: SqlUnitOfWorkFactory,
    personalisation: PersonalisationService,
    clock: SystemClock,
    *,
    pin_policy: PinPolicy,
) -> tuple[RenewalService, PinUnblockService | None, DeskRevocationService, RevocationBacklog]:
    """Renewal, PIN unblock and revocation at the desk. The embedded CA revokes and
    publishes its CRL; the SO PIN comes from the back office's key when one is
    configured (demo: the key ``kiosk demo init`` put beside the home). The new PIN of
    an unblock follows ``pin_policy``, as a delivery's does."""
    from kiosk.adapters.crypto.so_pin_recovery import EscrowSoPinRecovery
    from kiosk.adapters.receipt.cups_printer import ATTESTATION, CupsPrinter
    from kiosk.adapters.receipt.pdf_desk_receipt import PdfDeskReceiptRenderer
    from kiosk.adapters.token.pkcs11_token import Pkcs11TokenAdapter
    from kiosk.bootstrap_ca import make_certificate_authority
    from kiosk.demo_pki import back_office_folder

    pki = settings.pki_settings
    wiring = make_certificate_authority(settings, clock)
    authority = wiring.revocation
    key = pki.back_office_key
    demo_key = back_office_folder(settings.home) / "so-pin-escrow.key.pem"
    if key is None and demo_key.exists():
        key = demo_key
    recovery = None
    if key is not None:
        try:
            recovery = EscrowSoPinRecovery.from_file(key, uow)
        except KioskError:
            recovery = None  # PIN unblock unavailable; deliveries and revocations go on
    renewals = RenewalService(
        uow, personalisation, clock,
        recovery=recovery, authority=authority, availability=wiring.availability,
    )  # fmt: skip
    # The attestations are filed and printed as the delivery receipts are.
    renderer, folder = PdfDeskReceiptRenderer(), settings.receipts_dir
    queue = settings.devices.printer
    printer = CupsPrinter(queue, document=ATTESTATION) if queue else None
    unblock = None
    if recovery is not None:
        tokens = Pkcs11TokenAdapter(settings.pkcs11_module)
        unblock = PinUnblockService(
            uow, tokens, recovery, clock, settings.kiosk_id, policy=pin_policy,
            renderer=renderer, printer=printer, receipts_dir=folder,
        )  # fmt: skip
    revocation = DeskRevocationService(
        uow, authority, clock, settings.kiosk_id,
        renderer=renderer, printer=printer, receipts_dir=folder,
    )  # fmt: skip
    return renewals, unblock, revocation, RevocationBacklog(uow, authority, clock)


def make_media(settings: Settings, uow: SqlUnitOfWorkFactory) -> MediumService:
    """Which token the reader's card is: the same PKCS#11 module as the personalisation
    (one library per process: the adapters share it)."""
    from kiosk.adapters.token.pkcs11_token import Pkcs11TokenAdapter

    tokens = Pkcs11TokenAdapter(settings.pkcs11_module)
    return MediumService(tokens, uow, settings.devices.reader_pairings)


def make_audit_browser(settings: Settings, uow: SqlUnitOfWorkFactory) -> AuditBrowser:
    """The auditor's desk: the whole integrity check, with checkpoint signatures verified
    when the audit key's public half is exported."""
    from kiosk.adapters.db.audit_reader import SqlAuditReader
    from kiosk.adapters.token.audit_key import load_audit_verifier
    from kiosk.audit_settings import load_audit_settings

    reader = SqlAuditReader(uow.engine, uow.reconnect)  # pages and counts from the indexes
    try:
        audit = load_audit_settings(settings)
        exported = audit.public_key_file.exists()
        verifier = load_audit_verifier(audit.folder, audit.origin) if exported else None
    except KioskError:
        # A broken audit configuration must not keep the desk from starting: the auditor
        # then sees the hash chain checked alone.
        return AuditBrowser(uow, reader=reader)
    proofs = None if verifier is None else AuditProofs(uow, verifier, audit.origin)
    check = whole_check(uow, verifier, audit.origin)
    return AuditBrowser(uow, check, proofs=proofs, reader=reader)


def make_services(settings: Settings) -> Services:
    engine = make_engine(settings.database_url)
    uow = SqlUnitOfWorkFactory(engine, site=settings.site, kiosk_id=settings.kiosk_id)
    hasher = Argon2Hasher(
        time_cost=settings.argon2.time_cost,
        memory_kib=settings.argon2.memory_kib,
        parallelism=settings.argon2.parallelism,
    )
    clock = SystemClock()
    site_secret = settings.site_secret()
    with uow() as tx:
        office = tx.offices.get(settings.site)
    site_name = office.name if office else settings.site
    personalisation: PersonalisationService | None = None
    delivery: DeliveryService | None = None
    pki_problem: str | None = None
    media: MediumService | None = None
    renewals: RenewalService | None = None
    pin_unblock: PinUnblockService | None = None
    desk_revocation: DeskRevocationService | None = None
    revocations: RevocationBacklog | None = None
    pin_policy = settings.pin.policy()  # one policy: the delivery's PIN and the unblock's
    try:
        personalisation = make_personalisation(settings, uow, clock)
        renewals, pin_unblock, desk_revocation, revocations = make_desk_journeys(
            settings, uow, personalisation, clock, pin_policy=pin_policy
        )
        delivery = make_delivery(settings, uow, personalisation, clock, renewals)
        media = make_media(settings, uow)
    except KioskError as exc:
        # The desk can still look dossiers up and check identities: only the token step
        # is unavailable, and says why.
        pki_problem = exc.message
        personalisation, delivery, media = None, None, None
        renewals, pin_unblock, desk_revocation, revocations = None, None, None, None
    appointments = AppointmentService(uow, clock)
    return Services(
        info=KioskInfo(
            settings.site, settings.kiosk_id, site_name, settings.idle_lock_seconds, settings.theme
        ),
        auth=AuthService(
            uow, hasher, clock, settings.login_max_failures, settings.login_lock_minutes
        ),
        lookup=LookupService(uow, site_secret),
        appointments=appointments,
        identity=IdentityService(uow, clock, site_secret),
        answers=AnswersService(uow, hasher),
        personalisation=personalisation,
        delivery=delivery,
        pki_problem=pki_problem,
        token_register=TokenRegisterService(uow, clock),
        reader=make_reader(settings, clock),
        terms_version=settings.pki_settings.terms_version,
        certificates=CertificateView(X509CertificateReader()),
        convocations=ConvocationsService(uow, clock),
        resumption=ResumptionService(uow, appointments),
        media=media,
        renewals=renewals,
        pin_unblock=pin_unblock,
        desk_revocation=desk_revocation,
        revocations=revocations,
        audit_browser=make_audit_browser(settings, uow),
        pin_policy=pin_policy,
        certificate_facts=CertificateFactsService(
            uow, clock, SqlAuditReader(uow.engine, uow.reconnect)
        ),
    )


def make_app(settings: Settings) -> KioskApp:
    """The TUI, ready to run: the real entry point and the tests both come through here."""
    from kiosk.ui.app import KioskApp

    return KioskApp(make_services(settings))
