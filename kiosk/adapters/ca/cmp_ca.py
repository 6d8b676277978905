"""``CertificateAuthority`` and ``CertificateRevocation`` for a CA reached with CMP.

Issuance is a ``p10cr``: the token's own PKCS#10 request goes as it is, its signature
being the proof of possession, so the key never has to leave the token. The request is
checked here first (signature, subject, expected key) like the embedded CA checks it, and
the certificate that comes back is checked again by the kiosk itself, whatever the CA or
the OpenSSL client say: same public key as the request, same subject, signed by the
configured issuing CA. A certificate that fails is refused (nothing is written on the
token); if the CA had taken it as accepted, its revocation is asked at once.

The CA applies its own profile (validity, policy, CRL and AIA addresses are its
configuration, per CMP alias): the ``IssueProfile`` is not sent.

Revocation is an ``rr`` naming the certificate by issuer and serial; OpenSSL 3.0's client
builds it from the certificate itself, so the adapter needs it: given by the caller, or
found among the certificates it keeps in ``issued_folder`` when it has one. The CA dates
the revocation itself (an rr carries no time); ``at`` is the kiosk's own record of it.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import tempfile
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import Encoding

from kiosk.adapters.ca import ca_folder
from kiosk.adapters.ca.cmp_client import CmpEndpoint, OpensslCmpClient
from kiosk.adapters.ca.csr_checks import checked_request
from kiosk.adapters.ca.revocation_list import check_issued_by
from kiosk.adapters.token.token_keys import spki_der
from kiosk.adapters.token.x509_subject import same_name, subject_name
from kiosk.domain.ca_errors import (
    CaError,
    CaOperation,
    CaRejectedError,
    CaResponseMismatchError,
)
from kiosk.domain.certificate_revocation import (
    RevocationReason,
    RevokedCertificate,
    revocation_asked,
)
from kiosk.domain.certificates import IssuedCertificate, IssueProfile, SubjectSpec
from kiosk.domain.errors import ConfigError, NotFoundError, StorageError

_log = logging.getLogger(__name__)


def _load_chain(path: Path) -> list[x509.Certificate]:
    try:
        chain = x509.load_pem_x509_certificates(path.read_bytes())
    except (OSError, ValueError):
        raise ConfigError("cmp_ca_chain", f"certificats PEM illisibles : {path}") from None
    if not chain:
        raise ConfigError("cmp_ca_chain", f"aucun certificat d'AC dans {path}")
    # Issuing CA first, each signed by the next, down to a self-signed root: the OpenSSL
    # client needs the root to verify what it receives (-out_trusted).
    for child, parent in itertools.pairwise([*chain, *chain[-1:]]):
        try:
            child.verify_directly_issued_by(parent)
        except (ValueError, TypeError, InvalidSignature):
            raise ConfigError(
                "cmp_ca_chain", "chaîne attendue dans l'ordre : AC émettrice, puis racine"
            ) from None
    return chain


def _mismatch(
    cert: x509.Certificate,
    request: x509.CertificateSigningRequest,
    subject: SubjectSpec,
    issuing: x509.Certificate,
) -> str | None:
    """Why ``cert`` is not the certificate asked for, or None."""
    if spki_der(cert.public_key()) != spki_der(request.public_key()):
        return "public key differs from the request's"
    if not same_name(cert.subject, subject_name(subject)):
        return "subject differs from the request's"
    try:
        cert.verify_directly_issued_by(issuing)
    except (ValueError, TypeError, InvalidSignature):
        return "not signed by the configured issuing CA"
    return None


class CmpCertificateAuthority:
    """A remote CA over CMP. ``qualified``: its certificates are qualified (no suspension)."""

    def __init__(
        self,
        client: OpensslCmpClient,
        *,
        issued_folder: Path | None = None,
        qualified: bool = True,
    ) -> None:
        chain = _load_chain(client.endpoint.ca_chain)
        self._client = client
        self._issuing = chain[0]
        self._chain_der = [cert.public_bytes(Encoding.DER) for cert in chain]
        self._issued_folder = issued_folder
        self._qualified = qualified

    @classmethod
    def from_endpoint(
        cls, endpoint: CmpEndpoint, *, issued_folder: Path | None = None, qualified: bool = True
    ) -> CmpCertificateAuthority:
        return cls(OpensslCmpClient(endpoint), issued_folder=issued_folder, qualified=qualified)

    def __repr__(self) -> str:
        return f"CmpCertificateAuthority({self._client!r})"

    def chain(self) -> list[bytes]:
        return list(self._chain_der)

    # Issuance ------------------------------------------------------------------------------

    def issue(
        self,
        csr_der: bytes,
        subject: SubjectSpec,
        profile: IssueProfile,
        *,
        expected_public_key_der: bytes | None = None,
    ) -> IssuedCertificate:
        request = checked_request(csr_der, subject, expected_public_key_der)
        with tempfile.TemporaryDirectory(prefix="kiosk-cmp-") as work:
            request_file, cert_file = Path(work, "request.der"), Path(work, "certificate.pem")
            request_file.write_bytes(csr_der)
            self._client.run(
                [
                    "-cmd", "p10cr",
                    "-csr", str(request_file),
                    "-certout", str(cert_file),
                    # the client refuses in its certConf a certificate not chaining to the
                    # configured CA (and one for another key), so the CA knows at once
                    "-out_trusted", str(self._client.endpoint.ca_chain),
                ],
                CaOperation.ISSUE,
            )  # fmt: skip
            cert = self._returned_certificate(cert_file)
            problem = _mismatch(cert, request, subject, self._issuing)
            if problem is not None:
                raise CaResponseMismatchError(
                    problem,
                    revocation_requested=self._revoke_refused(cert, Path(work)),
                    certificate_der=cert.public_bytes(Encoding.DER),
                )
        cert_der = cert.public_bytes(Encoding.DER)
        self._keep(cert)
        return IssuedCertificate(
            cert_der=cert_der,
            chain_der=self.chain(),
            serial_hex=f"{cert.serial_number:032x}",
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            sha256_fingerprint=hashlib.sha256(cert_der).hexdigest(),
        )

    @staticmethod
    def _returned_certificate(cert_file: Path) -> x509.Certificate:
        try:
            return x509.load_pem_x509_certificate(cert_file.read_bytes())
        except (OSError, ValueError):
            raise CaResponseMismatchError("no readable certificate in the answer") from None

    def _revoke_refused(self, cert: x509.Certificate, work: Path) -> bool:
        """The client confirmed ``cert`` to the CA before the kiosk refused it: ask its
        revocation now, so that it does not stay live unseen."""
        try:
            self._rr(cert, RevocationReason.UNSPECIFIED, work)
        except CaError:
            _log.warning("refused certificate %x could not be revoked", cert.serial_number)
            return False
        return True

    def _keep(self, cert: x509.Certificate) -> None:
        if self._issued_folder is None:
            return
        path = self._issued_folder / f"{cert.serial_number:x}.pem"
        try:
            self._issued_folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            ca_folder.write_atomically(path, cert.public_bytes(Encoding.PEM), 0o644)
        except (OSError, StorageError):
            # the certificate is still returned: the journal keeps it too
            _log.warning("issued certificate %x not kept in %s", cert.serial_number, path)

    # Revocation ----------------------------------------------------------------------------

    def revoke(
        self,
        serial_hex: str,
        reason: RevocationReason,
        at: datetime,
        *,
        certificate_der: bytes | None = None,
    ) -> RevokedCertificate:
        asked = revocation_asked(serial_hex, reason, at, qualified=self._qualified)
        der = certificate_der if certificate_der is not None else self._kept(asked.serial_hex)
        check_issued_by(self._issuing, der, asked.serial_hex)
        with tempfile.TemporaryDirectory(prefix="kiosk-cmp-") as work:
            try:
                self._rr(x509.load_der_x509_certificate(der), reason, Path(work))
            except CaRejectedError as exc:
                if "certRevoked" not in exc.failure_info:  # revoked before: nothing to do
                    raise
        return asked

    def _rr(self, cert: x509.Certificate, reason: RevocationReason, work: Path) -> None:
        old = work / "revoked.pem"
        old.write_bytes(cert.public_bytes(Encoding.PEM))
        self._client.run(
            ["-cmd", "rr", "-oldcert", str(old), "-revreason", str(reason.code)],
            CaOperation.REVOKE,
        )

    def _kept(self, serial: str) -> bytes:
        path = None if self._issued_folder is None else self._issued_folder / f"{serial}.pem"
        try:
            if path is not None:
                return x509.load_pem_x509_certificate(path.read_bytes()).public_bytes(Encoding.DER)
        except (OSError, ValueError):
            pass
        raise NotFoundError(
            f"Certificat {serial} introuvable sur ce kiosque : "
            "donnez le certificat lui-même pour le révoquer auprès de l'autorité."
        )
