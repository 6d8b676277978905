"""A two-level certification authority inside the kiosk, for demonstrations and tests.

The root key is a software key kept in the CA folder (0600): it signs the issuing CA once,
at creation (``kiosk.adapters.ca.embedded_ca_creation``). The issuing CA key is generated on
its own PKCS#11 token (SoftHSM in tests) and never leaves it: every holder certificate, and
every CRL, is signed there, through the same ``cryptography`` key adapter the holder tokens
use for their requests.

Revocations are kept in the CA folder (``revocation_list``); each one publishes a new CRL
(``crl.pem``), so a certificate is never revoked without the list saying so for long.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

from kiosk.adapters.ca import ca_folder, revocation_list
from kiosk.adapters.ca.ca_folder import CaTokenRef
from kiosk.adapters.ca.csr_checks import checked_request
from kiosk.adapters.ca.embedded_ca_creation import create_ca_material
from kiosk.adapters.ca.qualified_profile import add_years, holder_certificate
from kiosk.adapters.token.pkcs11_token import Pkcs11TokenAdapter
from kiosk.adapters.token.token_keys import spki_der
from kiosk.adapters.token.x509_subject import subject_name
from kiosk.domain.certificate_revocation import (
    RevocationReason,
    RevokedCertificate,
    revocation_asked,
)
from kiosk.domain.certificates import IssuedCertificate, IssueProfile, SubjectSpec
from kiosk.domain.errors import ConfigError, DeviceError, KioskError, ValidationError
from kiosk.domain.model import KeyAlgorithm
from kiosk.domain.ports import Clock

_UNAVAILABLE = (
    "L'autorité de certification est indisponible : sa clé de signature ne répond pas. "
    "Le support du titulaire n'est pas en cause ; prévenez l'administrateur."
)
_NOT_PUBLISHED = (
    "La révocation est enregistrée, mais la liste de révocation n'a pas pu être signée : "
    "la clé de l'autorité ne répond pas. Prévenez l'administrateur ; la liste sera publiée "
    "dès que la clé répondra (révocation ou publication suivante)."
)
DEFAULT_CRL_VALIDITY = timedelta(days=7)
_CLOCK_SKEW = timedelta(minutes=5)


class _SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class EmbeddedCA:
    """``CertificateAuthority`` with its issuing key on a PKCS#11 token; also
    ``CertificateRevocation`` and ``RevocationListPublisher`` when it knows its folder.
    ``qualified``: its certificates are qualified, so suspension is refused."""

    def __init__(
        self,
        token: Pkcs11TokenAdapter,
        token_ref: CaTokenRef,
        pin: str,
        root: x509.Certificate,
        issuing: x509.Certificate,
        clock: Clock | None = None,
        *,
        folder: Path | None = None,
        crl_validity: timedelta = DEFAULT_CRL_VALIDITY,
        qualified: bool = True,
    ) -> None:
        if crl_validity <= timedelta(0):
            raise ConfigError("crl_next_update_days", "durée positive attendue")
        self._token = token
        self._token_ref = token_ref
        self._pin = pin
        self._root = root
        self._issuing = issuing
        self._clock = clock or _SystemClock()
        self._folder = folder
        self._crl_validity = crl_validity
        self._qualified = qualified

    def __repr__(self) -> str:  # the PIN stays out of logs
        return f"EmbeddedCA(token={self._token_ref.label!r}, serial={self._token_ref.serial!r})"

    @classmethod
    def create(
        cls,
        folder: Path,
        *,
        module_path: str,
        token_label: str = "KIOSK-CA",  # noqa: S107 - a token label
        organisation: str = "Kiosk - AC de démonstration",
        country: str = "FR",
        key_algorithm: KeyAlgorithm = KeyAlgorithm.RSA_3072,
        root_validity_years: int = 20,
        issuing_validity_years: int = 10,
        clock: Clock | None = None,
    ) -> EmbeddedCA:
        """Makes the root, initialises a blank token of ``module_path`` for the issuing key,
        and writes everything to ``folder`` (which must not hold a CA yet)."""
        material = create_ca_material(
            folder,
            module_path=module_path,
            token_label=token_label,
            organisation=organisation,
            country=country,
            key_algorithm=key_algorithm,
            root_validity_years=root_validity_years,
            issuing_validity_years=issuing_validity_years,
            clock=clock or _SystemClock(),
        )
        token, token_ref, pin = material.token, material.token_ref, material.pin
        ca = cls(token, token_ref, pin, material.root, material.issuing, clock, folder=folder)
        ca.crl()  # relying parties find a (still empty) CRL from the first day
        return ca

    @classmethod
    def load(
        cls,
        folder: Path,
        *,
        module_path: str,
        clock: Clock | None = None,
        crl_validity: timedelta = DEFAULT_CRL_VALIDITY,
        qualified: bool = True,
    ) -> EmbeddedCA:
        """The CA written by ``create``; checks its token is there and holds the issuing key.
        ``crl_validity``: from a CRL's thisUpdate to its nextUpdate."""
        token_ref = ca_folder.load_token_ref(folder)
        pin = ca_folder.load_pin(folder)
        root = ca_folder.load_certificate(folder, ca_folder.ROOT_CERT)
        issuing = ca_folder.load_certificate(folder, ca_folder.ISSUING_CERT)
        token = Pkcs11TokenAdapter(module_path)
        try:
            on_token = token.public_key(token_ref.serial, token_ref.key_id)
        except KioskError as exc:
            raise DeviceError(_UNAVAILABLE) from exc
        if on_token != spki_der(issuing.public_key()):
            raise ConfigError(
                "dossier de l'autorité de certification",
                f"le support {token_ref.label} ne porte pas la clé de l'AC émettrice",
            )
        return cls(
            token,
            token_ref,
            pin,
            root,
            issuing,
            clock,
            folder=folder,
            crl_validity=crl_validity,
            qualified=qualified,
        )

    def chain(self) -> list[bytes]:
        return [self._issuing.public_bytes(Encoding.DER), self._root.public_bytes(Encoding.DER)]

    def issue(
        self,
        csr_der: bytes,
        subject: SubjectSpec,
        profile: IssueProfile,
        *,
        expected_public_key_der: bytes | None = None,
    ) -> IssuedCertificate:
        request = checked_request(csr_der, subject, expected_public_key_der)
        not_before = self._clock.now().astimezone(UTC).replace(microsecond=0)
        not_after = add_years(not_before, profile.validity_years)
        if not_after > self._issuing.not_valid_after_utc:
            raise DeviceError(
                "L'autorité de certification expire avant la fin de validité demandée : "
                "prévenez l'administrateur."
            )
        builder = holder_certificate(
            subject_name(subject),
            request.public_key(),
            self._issuing,
            not_before,
            not_after,
            profile,
        )
        try:
            with self._token.private_key(
                self._token_ref.serial, self._pin, self._token_ref.key_id
            ) as issuing_key:
                cert = builder.sign(issuing_key, hashes.SHA256())
        except KioskError as exc:
            raise DeviceError(_UNAVAILABLE) from exc
        cert_der = cert.public_bytes(Encoding.DER)
        return IssuedCertificate(
            cert_der=cert_der,
            chain_der=self.chain(),
            serial_hex=f"{cert.serial_number:032x}",
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            sha256_fingerprint=hashlib.sha256(cert_der).hexdigest(),
        )

    # Revocation ------------------------------------------------------------------------------

    def revoke(
        self,
        serial_hex: str,
        reason: RevocationReason,
        at: datetime,
        *,
        certificate_der: bytes | None = None,
    ) -> RevokedCertificate:
        asked = revocation_asked(serial_hex, reason, at, qualified=self._qualified)
        if certificate_der is not None:
            revocation_list.check_issued_by(self._issuing, certificate_der, asked.serial_hex)
        if at > self._clock.now() + _CLOCK_SKEW:
            raise ValidationError("La date de révocation ne peut pas être dans le futur.")
        folder = self._revocation_folder()
        with revocation_list.locked(folder):
            entry = revocation_list.record_revocation(folder, asked)
            try:
                self._publish(folder)
            except DeviceError as exc:
                raise DeviceError(_NOT_PUBLISHED) from exc
        return entry

    def revocations(self) -> list[RevokedCertificate]:
        """Every revocation recorded, oldest first."""
        folder = self._revocation_folder()
        with revocation_list.locked(folder):
            return revocation_list.read_revocations(folder)

    def crl(self) -> bytes:
        folder = self._revocation_folder()
        with revocation_list.locked(folder):
            return self._publish(folder)

    def _publish(self, folder: Path) -> bytes:
        entries = revocation_list.read_revocations(folder)
        number = revocation_list.take_crl_number(folder)
        this_update = self._clock.now().astimezone(UTC).replace(microsecond=0)
        builder = revocation_list.crl_builder(
            self._issuing, entries, this_update, self._crl_validity, number
        )
        try:
            with self._token.private_key(
                self._token_ref.serial, self._pin, self._token_ref.key_id
            ) as issuing_key:
                crl = builder.sign(issuing_key, hashes.SHA256())
        except KioskError as exc:
            raise DeviceError(_UNAVAILABLE) from exc
        ca_folder.write_atomically(
            folder / revocation_list.CRL_PEM, crl.public_bytes(Encoding.PEM), 0o644
        )
        return crl.public_bytes(Encoding.DER)

    def _revocation_folder(self) -> Path:
        if self._folder is None:
            raise ConfigError(
                "dossier de l'autorité de certification", "inconnu : révocation impossible"
            )
        return self._folder
