"""What the kiosk asks of a certification authority, as plain values and one Protocol.

The subject of a qualified signature certificate for a natural person tied to a company
(ETSI EN 319 412-1/-2): given name, surname, common name, organisation name and the
organisation identifier ``NTRFR-<SIREN>``. Nothing here does I/O or touches a crypto library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from kiosk.domain.errors import ValidationError
from kiosk.domain.model import Company, Person

_SIREN = re.compile(r"[0-9]{9}")
_ORGANISATION_ID = re.compile(r"NTRFR-[0-9]{9}")
_COUNTRY = re.compile(r"[A-Z]{2}")


def organisation_identifier(siren: str) -> str:
    """The ETSI EN 319 412-1 semantic identifier of a French company: ``NTRFR-<SIREN>``."""
    compact = siren.replace(" ", "")
    if not _SIREN.fullmatch(compact):
        raise ValidationError("Le SIREN doit comporter 9 chiffres.")
    return f"NTRFR-{compact}"


@dataclass(frozen=True)
class SubjectSpec:
    """The distinguished name a certificate request must carry, field by field."""

    given_name: str
    surname: str
    common_name: str
    organisation: str
    organisation_identifier: str
    country: str = "FR"
    serial_number: str | None = None

    def __post_init__(self) -> None:
        for label, value in (
            ("prénom", self.given_name),
            ("nom", self.surname),
            ("nom commun", self.common_name),
            ("raison sociale", self.organisation),
        ):
            if not value.strip():
                raise ValidationError(f"Le champ « {label} » du certificat est vide.")
            if len(value) > 64:
                raise ValidationError(f"Le champ « {label} » dépasse 64 caractères.")
        if not _ORGANISATION_ID.fullmatch(self.organisation_identifier):
            raise ValidationError("L'identifiant d'organisation doit être NTRFR- suivi du SIREN.")
        if not _COUNTRY.fullmatch(self.country):
            raise ValidationError("Le pays doit être un code ISO à deux lettres (FR).")
        if self.serial_number is not None and not self.serial_number.strip():
            raise ValidationError("Le numéro de série du sujet ne peut pas être vide.")

    @classmethod
    def for_holder(
        cls, holder: Person, company: Company, serial_number: str | None = None
    ) -> SubjectSpec:
        """The subject for ``holder`` acting for ``company``."""
        given = holder.given_names.strip()
        surname = holder.surname.strip()
        return cls(
            given_name=given,
            surname=surname,
            common_name=f"{given} {surname}",
            organisation=company.name.strip(),
            organisation_identifier=organisation_identifier(company.siren),
            serial_number=serial_number,
        )


@dataclass(frozen=True)
class IssueProfile:
    """How a product's certificates are issued (one per catalogue product)."""

    validity_years: int
    policy_oid: str
    crl_url: str
    ca_issuers_url: str
    ocsp_url: str | None = None
    qualified: bool = True  # adds the ETSI qcStatements (QcCompliance, QcSSCD, QcType esign)

    def __post_init__(self) -> None:
        if not 1 <= self.validity_years <= 5:
            raise ValidationError("La durée de validité doit être comprise entre 1 et 5 ans.")
        if not re.fullmatch(r"[0-2](\.[0-9]+)+", self.policy_oid):
            raise ValidationError("L'OID de politique de certification est mal formé.")
        for url in (self.crl_url, self.ca_issuers_url, self.ocsp_url):
            if url is not None and not url.startswith(("http://", "https://")):
                raise ValidationError("Les adresses de publication doivent être des URL http.")


@dataclass(frozen=True)
class IssuedCertificate:
    cert_der: bytes
    chain_der: list[bytes] = field(repr=False)  # issuing CA first, then the root
    serial_hex: str
    not_before: datetime  # aware, UTC
    not_after: datetime  # aware, UTC
    sha256_fingerprint: str  # lowercase hex, no separators


class CertificateAuthority(Protocol):
    def issue(
        self,
        csr_der: bytes,
        subject: SubjectSpec,
        profile: IssueProfile,
        *,
        expected_public_key_der: bytes | None = None,
    ) -> IssuedCertificate:
        """Issue a certificate for a PKCS#10 request.

        Refuses (``ValidationError``) a request whose signature does not verify, whose
        subject differs from ``subject`` or, when given, whose public key is not
        ``expected_public_key_der`` (the SubjectPublicKeyInfo the token generated).
        Raises ``DeviceError`` when the CA cannot sign.
        """
        ...

    def chain(self) -> list[bytes]:
        """The CA certificates, DER, issuing CA first, then the root."""
        ...


class CaAvailability(Protocol):
    def unavailable(self) -> str | None:
        """Why the CA would not answer a request now (French), or None when it answers.
        Asks it something that issues and revokes nothing, briefly: used before a step
        that cannot be undone (wiping the holder's token for a renewal)."""
        ...
