"""Revoking a certificate at its authority, and the published list of revoked certificates.

Reasons are RFC 5280 CRLReason codes (§5.3.1), named as the RFC names them. A desk or
back office picks among ``reasons_for``: certificate hold (suspension) is not offered for
qualified certificates, whose revocation is final; removeFromCRL and the CA/AA compromise
reasons are the authority's own business. Nothing here does I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

from kiosk.domain.certificates import CertificateAuthority
from kiosk.domain.errors import ValidationError

_SERIAL_HEX = re.compile(r"[0-9a-f]{1,40}")


class RevocationReason(StrEnum):
    UNSPECIFIED = "unspecified"
    KEY_COMPROMISE = "keyCompromise"
    AFFILIATION_CHANGED = "affiliationChanged"
    SUPERSEDED = "superseded"
    CESSATION_OF_OPERATION = "cessationOfOperation"
    CERTIFICATE_HOLD = "certificateHold"
    PRIVILEGE_WITHDRAWN = "privilegeWithdrawn"

    @property
    def code(self) -> int:
        """The CRLReason value (ENUMERATED) of RFC 5280."""
        return _CODES[self]

    @property
    def label(self) -> str:
        return _LABELS[self]


_CODES: dict[RevocationReason, int] = {
    RevocationReason.UNSPECIFIED: 0,
    RevocationReason.KEY_COMPROMISE: 1,
    RevocationReason.AFFILIATION_CHANGED: 3,
    RevocationReason.SUPERSEDED: 4,
    RevocationReason.CESSATION_OF_OPERATION: 5,
    RevocationReason.CERTIFICATE_HOLD: 6,
    RevocationReason.PRIVILEGE_WITHDRAWN: 9,
}

_LABELS: dict[RevocationReason, str] = {
    RevocationReason.UNSPECIFIED: "Motif non précisé",
    RevocationReason.KEY_COMPROMISE: "Clé compromise (support perdu, volé ou code divulgué)",
    RevocationReason.AFFILIATION_CHANGED: "Le titulaire a quitté l'entreprise ou changé de nom",
    RevocationReason.SUPERSEDED: "Certificat remplacé par un nouveau",
    RevocationReason.CESSATION_OF_OPERATION: "Cessation d'activité de l'entreprise",
    RevocationReason.CERTIFICATE_HOLD: "Suspension temporaire",
    RevocationReason.PRIVILEGE_WITHDRAWN: "Droits du titulaire retirés",
}

HOLD_REFUSED = (
    "La suspension n'est pas admise pour un certificat qualifié : sa révocation est "
    "définitive. Choisissez un autre motif."
)


def reasons_for(*, qualified: bool) -> list[RevocationReason]:
    """The reasons a person may choose, in the order to show them."""
    return [
        reason
        for reason in RevocationReason
        if not (qualified and reason is RevocationReason.CERTIFICATE_HOLD)
    ]


def check_reason(reason: RevocationReason, *, qualified: bool) -> None:
    if reason not in reasons_for(qualified=qualified):
        raise ValidationError(HOLD_REFUSED)


def normalised_serial(serial_hex: str) -> str:
    """The serial as lowercase hex without separators or leading zeros (RFC 5280: at most
    20 octets); refuses anything else."""
    compact = serial_hex.strip().lower().replace(":", "").removeprefix("0x").lstrip("0")
    if not _SERIAL_HEX.fullmatch(compact):
        raise ValidationError("Numéro de série de certificat invalide (hexadécimal attendu).")
    return compact


def same_serial(a: str, b: str) -> bool:
    """Whether two serials as recorded (any case, colons, leading zeros) are one; an
    empty one matches nothing."""

    def compact(serial: str) -> str:
        return serial.strip().lower().replace(":", "").removeprefix("0x").lstrip("0")

    return bool(a.strip() and b.strip()) and compact(a) == compact(b)


@dataclass(frozen=True)
class RevokedCertificate:
    serial_hex: str  # normalised: lowercase, no leading zeros
    reason: RevocationReason
    revoked_at: datetime  # aware, UTC


def revocation_asked(
    serial_hex: str, reason: RevocationReason, at: datetime, *, qualified: bool
) -> RevokedCertificate:
    """A revocation as a CA is asked for it, checked: a reason the certificate allows, a
    serial in hex, a date with its time zone (kept in UTC to the second)."""
    check_reason(reason, qualified=qualified)
    serial = normalised_serial(serial_hex)
    if at.tzinfo is None:
        raise ValidationError("La date de révocation doit porter son fuseau horaire.")
    return RevokedCertificate(serial, reason, at.astimezone(UTC).replace(microsecond=0))


class CertificateRevocation(Protocol):
    def revoke(
        self,
        serial_hex: str,
        reason: RevocationReason,
        at: datetime,
        *,
        certificate_der: bytes | None = None,
    ) -> RevokedCertificate:
        """Revoke the certificate ``serial_hex`` of this authority for ``reason``.

        ``at`` is when the revocation was decided (aware). ``certificate_der``, when the
        caller has it, is checked to be that certificate of this authority; an authority
        reached over the network may need it (CMP names the certificate by issuer and
        serial). Revoking again a certificate already revoked changes nothing and returns
        the revocation as first recorded. Raises ``ValidationError`` for a reason not
        admitted (suspension of a qualified certificate), ``DeviceError`` when the
        authority cannot be reached or refuses.
        """
        ...


class RevocationListPublisher(Protocol):
    def crl(self) -> bytes:
        """A fresh CRL (DER) signed by the issuing CA, also published where its
        distribution point serves it."""
        ...


class RevocableCertificateAuthority(CertificateAuthority, CertificateRevocation, Protocol):
    """An authority that issues and revokes."""
