"""The raw floor of one personalisation: the same PKCS#11 and CA operations, called
directly on python-pkcs11 with the fewest sessions, no journal, no audit, no checks.

Find the blank slot, C_InitToken (ctypes, as python-pkcs11 lacks it), set the user PIN
in an SO session, then in one user session: the key pair (the kiosk's key templates),
the PKCS#10 request signed on the token, the CA's issuance (the embedded CA: its key on
its own SoftHSM token), the certificate and its chain written as objects, and a 32-byte
challenge signed.
"""

from __future__ import annotations

import secrets
from typing import Any

from cryptography import x509
from pkcs11 import Attribute, CertificateType, ObjectClass, TokenFlag

from kiosk.adapters.ca.embedded_ca import EmbeddedCA
from kiosk.adapters.token import der, token_keys
from kiosk.adapters.token.library import Pkcs11Library
from kiosk.adapters.token.x509_subject import build_csr
from kiosk.domain.certificates import IssueProfile, SubjectSpec
from kiosk.domain.model import KeyAlgorithm


def _certificate_object(cert_der: bytes, label: str, key_id: bytes | None) -> dict[Any, Any]:
    cert = x509.load_der_x509_certificate(cert_der)
    attributes: dict[Any, Any] = {
        Attribute.CLASS: ObjectClass.CERTIFICATE,
        Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
        Attribute.TOKEN: True,
        Attribute.PRIVATE: False,
        Attribute.LABEL: label,
        Attribute.VALUE: cert_der,
        Attribute.SUBJECT: cert.subject.public_bytes(),
        Attribute.ISSUER: cert.issuer.public_bytes(),
        Attribute.SERIAL_NUMBER: der.integer(cert.serial_number),
    }
    if key_id is not None:
        attributes[Attribute.ID] = key_id
    return attributes


def raw_personalisation(
    library: Pkcs11Library,
    ca: EmbeddedCA,
    algorithm: KeyAlgorithm,
    label: str,
    subject: SubjectSpec,
    profile: IssueProfile,
    user_pin: str,
) -> None:
    lib = library.lib
    blank = next(
        slot
        for slot in lib.get_slots(token_present=True)
        if not slot.get_token().flags & TokenFlag.TOKEN_INITIALIZED
    )
    so_pin = secrets.token_urlsafe(12)
    library.init_token(blank.slot_id, so_pin, label)
    token = lib.get_token(token_label=label)  # slot ids move on initialisation
    with token.open(rw=True, so_pin=so_pin) as so_session:
        so_session.init_pin(user_pin)
    key_id = secrets.token_bytes(16)
    with token.open(rw=True, user_pin=user_pin) as session:
        token_keys.generate_key_pair(session, algorithm, key_id, label)
        key = token_keys.load_private_key(session, key_id)
        issued = ca.issue(build_csr(key, subject), subject, profile)
        session.create_object(_certificate_object(issued.cert_der, label, key_id))
        for authority in issued.chain_der:
            session.create_object(_certificate_object(authority, label, None))
        token_keys.sign_sha256(key, secrets.token_bytes(32))
