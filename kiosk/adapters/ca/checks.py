"""The checks made on a certificate once it is on the token, with ``cryptography``.

The chain is verified with cryptography's path builder against the roots given at
construction (the CA folder's root, not whatever root a chain brings along). Holder
certificates carry non-repudiation only, no extended key usage, no alternative name: the
end-entity extension policy accepts any, the CA policy is the Web PKI's (basic
constraints, key usage, key identifiers).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.verification import ExtensionPolicy, PolicyBuilder, Store, VerificationError

from kiosk.adapters.token.token_keys import spki_der
from kiosk.domain.errors import ConfigError


def _certificate(der: bytes) -> x509.Certificate | None:
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        return None


class X509CertificateChecker:
    """``CertificateChecker`` trusting ``trusted_roots_der`` only."""

    def __init__(self, trusted_roots_der: Sequence[bytes]) -> None:
        roots = [_certificate(der) for der in trusted_roots_der]
        if not roots or any(root is None for root in roots):
            raise ConfigError("racine de l'autorité de certification", "certificat illisible")
        self._store = Store([root for root in roots if root is not None])

    def public_key_matches(self, cert_der: bytes, public_key_der: bytes) -> bool:
        cert = _certificate(cert_der)
        return cert is not None and spki_der(cert.public_key()) == public_key_der

    def signature_verifies(self, cert_der: bytes, data: bytes, signature: bytes) -> bool:
        cert = _certificate(cert_der)
        if cert is None:
            return False
        key = cert.public_key()
        try:
            if isinstance(key, rsa.RSAPublicKey):
                key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
            elif isinstance(key, ec.EllipticCurvePublicKey):
                key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
            else:
                return False
        except (InvalidSignature, ValueError):
            return False
        return True

    def chain_verifies(self, cert_der: bytes, chain_der: Sequence[bytes], at: datetime) -> bool:
        cert = _certificate(cert_der)
        intermediates = [_certificate(der) for der in chain_der]
        if cert is None or any(c is None for c in intermediates):
            return False
        verifier = (
            PolicyBuilder()
            .store(self._store)
            .time(at)
            .extension_policies(
                ca_policy=ExtensionPolicy.webpki_defaults_ca(),
                ee_policy=ExtensionPolicy.permit_all(),
            )
            .build_client_verifier()
        )
        try:
            verifier.verify(cert, [c for c in intermediates if c is not None])
        except VerificationError:
            return False
        return True
