"""Ports of the personalisation use case: SO PIN escrow, certificate checks, the token
register, the step journal, revocation requests and deliveries, and the value object
that says how certificates are issued. Nothing here does I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from kiosk.domain.appointment_lease import AppointmentLeases
from kiosk.domain.certificates import IssueProfile
from kiosk.domain.model import Product
from kiosk.domain.personalisation_journal import (
    Attempt,
    Delivery,
    JournalEntry,
    RevocationRequest,
    RevocationStatus,
)
from kiosk.domain.ports import UnitOfWork
from kiosk.domain.token_register import TokenRecord


class SoPinEscrow(Protocol):
    """Encrypts a token's SO PIN for the back office's PIN-unblock service, whose private
    key is not on the kiosk: the kiosk can never read back what it escrowed."""

    @property
    def key_id(self) -> str:
        """SHA-256 (hex) of the escrow public key, so the back office knows which key."""
        ...

    def encrypt(self, so_pin: str, context: str) -> bytes:
        """The ciphertext, bound to ``context`` (it must be given again to decrypt)."""
        ...


class CertificateChecker(Protocol):
    """The cryptographic checks of a freshly written certificate. Each answers yes or no;
    the service turns a no into the French message."""

    def public_key_matches(self, cert_der: bytes, public_key_der: bytes) -> bool:
        """The certificate certifies exactly this SubjectPublicKeyInfo."""
        ...

    def signature_verifies(self, cert_der: bytes, data: bytes, signature: bytes) -> bool:
        """``signature`` over ``data`` (SHA-256; RSA PKCS#1 v1.5 or DER ECDSA) verifies
        with the certificate's public key."""
        ...

    def chain_verifies(self, cert_der: bytes, chain_der: Sequence[bytes], at: datetime) -> bool:
        """The certificate chains through ``chain_der`` to a trusted root, valid at ``at``."""
        ...


@dataclass(frozen=True)
class IssuancePolicy:
    """What settings say about every certificate the kiosk has issued: the certification
    policy and the publication addresses. The product gives the validity."""

    policy_oid: str
    crl_url: str
    ca_issuers_url: str
    ocsp_url: str | None = None
    qualified: bool = True

    def profile_for(self, product: Product) -> IssueProfile:
        return IssueProfile(
            validity_years=product.validity_years,
            policy_oid=self.policy_oid,
            crl_url=self.crl_url,
            ca_issuers_url=self.ca_issuers_url,
            ocsp_url=self.ocsp_url,
            qualified=self.qualified,
        )


class TokenRegister(Protocol):
    def get(self, serial: str) -> TokenRecord | None: ...

    def save(self, record: TokenRecord) -> None:
        """Insert or replace the record of ``record.serial``."""
        ...

    def list(self) -> Sequence[TokenRecord]: ...


class PersonalisationJournal(Protocol):
    def new_attempt(
        self, dossier_ref: str, token_serial: str, agent: str, label: str, wipe: bool, at: datetime
    ) -> Attempt: ...

    def save_attempt(self, attempt: Attempt, at: datetime) -> None:
        """Store what the attempt now knows (step, key, escrow, certificate, status)."""
        ...

    def attempt(self, attempt_id: int) -> Attempt | None: ...

    def attempts(self, dossier_ref: str) -> Sequence[Attempt]:
        """The dossier's attempts, oldest first."""
        ...

    def open_attempts_on_token(self, token_serial: str) -> Sequence[Attempt]: ...

    def record(self, entry: JournalEntry) -> None: ...

    def entries(self, attempt_id: int) -> Sequence[JournalEntry]:
        """The attempt's journal entries in the order written."""
        ...


class RevocationRequests(Protocol):
    def add(self, request: RevocationRequest) -> RevocationRequest:
        """Store a new request; returns it with its id."""
        ...

    def for_dossier(self, dossier_ref: str) -> Sequence[RevocationRequest]: ...

    def decide(self, request_id: int, status: RevocationStatus, at: datetime) -> None:
        """Confirm or withdraw a pending request."""
        ...

    def open_requests(self) -> Sequence[RevocationRequest]:
        """Every request still to act on, oldest first: pending, or confirmed and not yet
        accepted by the CA."""
        ...

    def mark_published(self, request_id: int, at: datetime) -> None:
        """The CA accepted the revocation of this confirmed request."""
        ...


class DeliveryRegister(Protocol):
    def add(self, delivery: Delivery) -> None:
        """Store the delivery of a dossier; a dossier is delivered once."""
        ...

    def get(self, dossier_ref: str) -> Delivery | None: ...


class PersonalisationUnitOfWork(UnitOfWork, Protocol):
    """The desk's unit of work with the personalisation records: a step, its journal
    entry, its register change and its audit event land together or not at all. The
    open appointments say whether another kiosk is receiving the dossier's holder."""

    appointments: AppointmentLeases
    token_register: TokenRegister
    journal: PersonalisationJournal
    revocations: RevocationRequests
    deliveries: DeliveryRegister


class PersonalisationUnitOfWorkFactory(Protocol):
    def __call__(self) -> PersonalisationUnitOfWork: ...
