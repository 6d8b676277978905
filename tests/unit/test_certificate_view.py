"""What the acceptance screen says of a certificate, read from the certificate itself."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from kiosk.adapters.ca.certificate_reader import X509CertificateReader
from kiosk.domain.certificates import SubjectSpec
from kiosk.domain.errors import ValidationError
from kiosk.domain.model import Company, Person
from kiosk.services.certificate_view import QUALIFIED_USAGE, SIGNATURE_USAGE, CertificateView
from tests.unit.certificate_samples import POLICY_OID, fixed_certificate

NOW = datetime(2026, 4, 14, 7, 0, tzinfo=UTC)
SUBJECT = SubjectSpec.for_holder(
    Person("Le Goff", "Jeanne Marie"),
    Company("123456782", "12345678200010", "Exemple Industries", "SAS"),
)
summarise = CertificateView(X509CertificateReader()).summarise


def test_the_summary_states_holder_company_identifier_issuer_and_dates() -> None:
    certificate = fixed_certificate(SUBJECT, NOW)

    summary = summarise(certificate)

    assert summary.holder == "Jeanne Marie Le Goff"
    assert summary.organisation == "Exemple Industries"
    assert summary.organisation_identifier == "NTRFR-123456782"
    assert summary.country == "FR"
    assert summary.issuer == "AC Signature qualifiée de test — CCI de test"
    assert (summary.not_before, summary.not_after) == (NOW, NOW.replace(year=2029))
    assert summary.serial_hex == certificate.serial_hex
    assert summary.policies == (POLICY_OID,)


def test_non_repudiation_with_qc_statements_reads_as_a_qualified_signature() -> None:
    assert summarise(fixed_certificate(SUBJECT, NOW)).usage == QUALIFIED_USAGE
    assert summarise(fixed_certificate(SUBJECT, NOW, qualified=False)).usage == SIGNATURE_USAGE


def test_a_certificate_that_does_not_parse_is_refused_in_french() -> None:
    broken = replace(fixed_certificate(SUBJECT, NOW), cert_der=b"\x30\x03\x02\x01\x00")

    with pytest.raises(ValidationError, match="Certificat illisible"):
        summarise(broken)


def test_the_sample_certificate_is_the_same_at_every_run() -> None:
    assert fixed_certificate(SUBJECT, NOW) == fixed_certificate(SUBJECT, NOW)
