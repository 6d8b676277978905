"""What a CA checks in a PKCS#10 request before it signs anything."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from kiosk.adapters.token.token_keys import spki_der
from kiosk.adapters.token.x509_subject import same_name, subject_name
from kiosk.domain.certificates import SubjectSpec
from kiosk.domain.errors import ValidationError


def checked_request(
    csr_der: bytes, subject: SubjectSpec, expected_public_key_der: bytes | None
) -> x509.CertificateSigningRequest:
    """The request, if its signature verifies and it asks for ``subject`` with an accepted
    key (RSA of 2048 bits or more, or P-256) — the expected one when given."""
    try:
        request = x509.load_der_x509_csr(csr_der)
        public_key = request.public_key()
        signature_valid = request.is_signature_valid
    except ValueError as exc:
        raise ValidationError("Demande de certificat illisible : refusée.") from exc
    if not signature_valid:
        raise ValidationError(
            "Demande de certificat refusée : sa signature ne correspond pas à sa clé."
        )
    if not same_name(request.subject, subject_name(subject)):
        raise ValidationError(
            "Demande de certificat refusée : son sujet ne correspond pas au titulaire du dossier."
        )
    accepted = (isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size >= 2048) or (
        isinstance(public_key, ec.EllipticCurvePublicKey)
        and isinstance(public_key.curve, ec.SECP256R1)
    )
    if not accepted:
        raise ValidationError("Demande de certificat refusée : type ou taille de clé non admis.")
    if expected_public_key_der is not None and spki_der(public_key) != expected_public_key_der:
        raise ValidationError(
            "Demande de certificat refusée : sa clé n'est pas celle générée sur le support."
        )
    return request
