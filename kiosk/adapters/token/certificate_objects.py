"""X.509 certificate objects on a token, laid out as middleware (OpenSC, Windows minidrivers)
expect them: the holder certificate shares its key pair's CKA_ID; CA certificates carry
no ID and the "authority" category."""

from __future__ import annotations

from typing import Any

import pkcs11
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pkcs11 import Attribute, CertificateType, ObjectClass
from pkcs11 import exceptions as p11
from pkcs11.types import Object

from kiosk.adapters.token import der

_CATEGORY_HOLDER = 1  # CK_CERTIFICATE_CATEGORY_TOKEN_USER
_CATEGORY_AUTHORITY = 2


def _attributes(cert: x509.Certificate, label: str, category: int) -> dict[Attribute, Any]:
    return {
        Attribute.CLASS: ObjectClass.CERTIFICATE,
        Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
        Attribute.TOKEN: True,
        Attribute.PRIVATE: False,
        Attribute.LABEL: label,
        Attribute.VALUE: cert.public_bytes(Encoding.DER),
        Attribute.SUBJECT: cert.subject.public_bytes(),
        Attribute.ISSUER: cert.issuer.public_bytes(),
        Attribute.SERIAL_NUMBER: der.integer(cert.serial_number),
        Attribute.CERTIFICATE_CATEGORY: category,
    }


def _create(session: pkcs11.Session, attributes: dict[Attribute, Any]) -> None:
    try:
        session.create_object(attributes)
    except p11.AttributeTypeInvalid:  # modules older than PKCS#11 2.20 lack the category
        del attributes[Attribute.CERTIFICATE_CATEGORY]
        session.create_object(attributes)


def certificates_with_id(session: pkcs11.Session, key_id: bytes) -> list[Object]:
    found = session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.ID: key_id})
    return [obj for obj in found if obj[Attribute.CERTIFICATE_TYPE] == CertificateType.X_509]


def write_holder_certificate(
    session: pkcs11.Session, key_id: bytes, cert: x509.Certificate, label: str
) -> None:
    """Replaces any certificate already stored under ``key_id`` (a rerun after a failure)."""
    for previous in certificates_with_id(session, key_id):
        previous.destroy()
    attributes = _attributes(cert, label, _CATEGORY_HOLDER)
    attributes[Attribute.ID] = key_id
    _create(session, attributes)


def write_authority_certificates(session: pkcs11.Session, chain: list[x509.Certificate]) -> None:
    """Stores each CA certificate the token does not hold yet."""
    stored = {
        bytes(obj[Attribute.VALUE])
        for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})
    }
    for cert in chain:
        if cert.public_bytes(Encoding.DER) in stored:
            continue
        names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        label = str(names[0].value) if names else "Autorité de certification"
        _create(session, _attributes(cert, label, _CATEGORY_AUTHORITY))


def label_key_pair(session: pkcs11.Session, key_id: bytes, label: str) -> None:
    """Gives the key pair the certificate's label, as middleware lists them together."""
    for object_class in (ObjectClass.PRIVATE_KEY, ObjectClass.PUBLIC_KEY):
        template = {Attribute.CLASS: object_class, Attribute.ID: key_id}
        for obj in list(session.get_objects(template)):
            obj[Attribute.LABEL] = label
