"""The delivery receipt: what the holder signs, what its QR code says, what it shows."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.audit import GENESIS_HASH, AuditDraft, Outcome, seal
from kiosk.domain.errors import IntegrityError, KioskError, ValidationError
from kiosk.domain.receipt import (
    DeliveryReceipt,
    ReceiptCore,
    RevocationAnswers,
    canonical_receipt_bytes,
    check_qr_against_event,
    parse_qr_payload,
    qr_payload,
    receipt_audit_details,
    receipt_digest,
    receipt_lines,
    receipt_qr,
)
from tests.unit.receipt_samples import sample_core, sample_receipt

# Receipts signed today must verify in ten years: the canonical form may never drift.
SAMPLE_DIGEST = "1e825aea3ab71c20d4b38cf5803c2a88fd80d0c3fdc200d44d7cbd2aef46520a"

OTHER_VALUES: dict[str, Any] = {
    "reference": "CS-2026-000124",
    "holder_surname": "L'ŒILLET-BERANGER",
    "holder_given_names": "Zoé",
    "company_name": "Œuvres portuaires",
    "company_siren": "552100554",
    "product_label": "Certificat de cachet",
    "office_name": "Bureau de Quimper",
    "office_address": "2 rue du Port, 29000 Quimper",
    "agent_display_name": "Maëlle Le Goënnec",
    "agent_login": "mlg",
    "kiosk_id": "brest-guichet-1",
    "delivered_at": datetime(2026, 7, 14, 12, 5, 10, tzinfo=UTC),
    "certificate_serial": "4f2a9c0de1b7a3556e01c9d2b8f7a6e5d4c3b2a2",
    "certificate_fingerprint": hashlib.sha256(b"another certificate").hexdigest(),
    "not_before": datetime(2026, 7, 14, 11, 0, tzinfo=UTC),
    "not_after": datetime(2029, 7, 14, 12, 0, tzinfo=UTC),
    "token_serial": "0F1E2D3C4B5B",
    "identity_checks": (("Contrôle de la bande MRZ", "non conforme"),),
    "document_type": "Passeport",
    "document_country": "BEL",
    "document_expiry": date(2031, 3, 1),
    "revocation_answers": RevocationAnswers.SET_AT_DESK,
    "terms_version": "CGU-2026.2",
    "superseded_certificate_serial": "1127de3cfe77ed9d14211879f34f7832",
}


def test_the_digest_of_a_receipt_never_drifts() -> None:
    assert receipt_digest(sample_core()).hex() == SAMPLE_DIGEST
    assert (
        receipt_digest(sample_core())
        == hashlib.sha256(canonical_receipt_bytes(sample_core())).digest()
    )


def test_the_digest_does_not_depend_on_the_time_zone_the_service_used() -> None:
    core = sample_core()
    in_paris = core.delivered_at.astimezone(ZoneInfo("Europe/Paris"))
    assert receipt_digest(dataclasses.replace(core, delivered_at=in_paris)) == receipt_digest(core)


def test_every_field_of_the_receipt_is_covered_by_the_signed_digest() -> None:
    names = {field.name for field in dataclasses.fields(ReceiptCore)}
    assert names == set(OTHER_VALUES), "a new receipt field needs a value here"
    original = receipt_digest(sample_core())
    for name, value in OTHER_VALUES.items():
        changed = sample_core(**{name: value})
        assert receipt_digest(changed) != original, name


def test_the_reordering_of_identity_checks_changes_the_digest() -> None:
    core = sample_core()
    reordered = sample_core(identity_checks=tuple(reversed(core.identity_checks)))
    assert receipt_digest(reordered) != receipt_digest(core)


def test_a_signature_over_another_content_is_refused() -> None:
    with pytest.raises(IntegrityError, match="ne porte pas sur le contenu"):
        sample_receipt(signed_digest=receipt_digest(sample_core(holder_given_names="Zoé")))


def test_a_receipt_without_the_holders_signature_is_refused() -> None:
    with pytest.raises(ValidationError, match="signature d'acceptation"):
        sample_receipt(holder_signature=b"")


def test_no_receipt_field_can_hold_an_identity_document_number() -> None:
    for cls in (ReceiptCore, DeliveryReceipt):
        names = [field.name for field in dataclasses.fields(cls)]
        assert not [n for n in names if "number" in n or "numero" in n or "doc_no" in n]
    assert b"number" not in canonical_receipt_bytes(sample_core())
    with pytest.raises(ValidationError, match="chiffres"):
        sample_core(document_type="CNI 880692310285")


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"delivered_at": datetime(2026, 7, 14, 12, 5, 9)}, "fuseau horaire"),
        ({"not_after": datetime(2026, 7, 1, tzinfo=UTC)}, "précède"),
        ({"certificate_fingerprint": "AB" * 32}, "Empreinte du certificat"),
        ({"certificate_serial": "4F:2A"}, "Numéro de série"),
        ({"reference": "CS|2026"}, "Référence"),
        ({"company_siren": "73282932"}, "SIREN"),
        ({"identity_checks": ()}, "vérification d'identité"),
        ({"agent_login": "  "}, "identifiant de l'agent"),
        ({"document_country": "France"}, "code OACI"),
    ],
)
def test_an_incomplete_or_malformed_receipt_is_refused_in_french(
    changes: dict[str, Any], words: str
) -> None:
    with pytest.raises(ValidationError, match=words):
        sample_core(**changes)


def test_the_qr_payload_names_the_receipt_and_its_audit_event() -> None:
    receipt = sample_receipt()
    parts = qr_payload(receipt).split("|")
    assert parts == [
        "KIOSK-PV1",
        "CS-2026-000123",
        "4812",
        receipt.audit_hash,
        SAMPLE_DIGEST,
        receipt.core.certificate_fingerprint,
    ]


def test_the_qr_payload_reads_back() -> None:
    receipt = sample_receipt()
    assert parse_qr_payload(qr_payload(receipt)) == receipt_qr(receipt)
    # A scanner may add a line feed, or upper-case the hex.
    scanned = qr_payload(receipt).upper() + "\r\n"
    assert parse_qr_payload(scanned).receipt_digest == SAMPLE_DIGEST


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "n'est pas celui d'un PV"),
        ("https://example.org/", "n'est pas celui d'un PV"),
        ("KIOSK-PV2|CS-2026-000123|1|" + "a" * 64 + "|" + "b" * 64 + "|" + "c" * 64, "PV"),
        ("KIOSK-PV1|CS-2026-000123|1|" + "a" * 64 + "|" + "b" * 64, "n'est pas celui"),
        ("KIOSK-PV1|cs 2026|1|" + "a" * 64 + "|" + "b" * 64 + "|" + "c" * 64, "référence"),
        ("KIOSK-PV1|CS-2026-000123|0|" + "a" * 64 + "|" + "b" * 64 + "|" + "c" * 64, "audit"),
        ("KIOSK-PV1|CS-2026-000123|²|" + "a" * 64 + "|" + "b" * 64 + "|" + "c" * 64, "audit"),
        ("KIOSK-PV1|CS-2026-000123|7|" + "a" * 63 + "|" + "b" * 64 + "|" + "c" * 64, "événement"),
        ("KIOSK-PV1|CS-2026-000123|7|" + "a" * 64 + "|" + "g" * 64 + "|" + "c" * 64, "condensat"),
        ("KIOSK-PV1|CS-2026-000123|7|" + "a" * 64 + "|" + "b" * 64 + "|", "certificat"),
    ],
)
def test_a_foreign_or_damaged_qr_code_is_refused_in_french(text: str, words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        parse_qr_payload(text)


def _refusal(text: str) -> str | None:
    """The French refusal of a scanned text, None if it reads as a receipt code."""
    try:
        parse_qr_payload(text)
    except KioskError as error:  # anything else escapes and fails the test
        return error.message
    return None


@given(st.text())
def test_any_scanned_text_gives_a_receipt_code_or_a_kiosk_error(text: str) -> None:
    refusal = _refusal(text)
    assert refusal is None or refusal.startswith(("Ce code QR", "Code QR du PV"))


@given(st.integers(min_value=0, max_value=240), st.characters())
def test_a_damaged_receipt_code_is_refused_or_reads_as_another_code(
    position: int, replacement: str
) -> None:
    receipt = sample_receipt()
    text = qr_payload(receipt)
    damaged = text[:position] + replacement + text[position + 1 :]
    if _refusal(damaged) is None and parse_qr_payload(damaged) == receipt_qr(receipt):
        # Only a harmless change may read as the same code: hex case, surrounding blanks.
        assert damaged.strip().lower() == text.lower()


def _delivery_event(receipt: DeliveryReceipt, **details: str) -> Any:
    draft = AuditDraft(
        "token.delivered",
        Outcome.SUCCESS,
        "mlegoennec",
        receipt.reference,
        {**receipt_audit_details(receipt.core), **details},
    )
    return seal(draft, 1, datetime(2026, 7, 14, 12, 5, 9, tzinfo=UTC), "BREST", "k2", GENESIS_HASH)


def test_the_qr_code_checks_against_the_audit_event_that_recorded_the_delivery() -> None:
    event = _delivery_event(sample_receipt())
    receipt = sample_receipt(audit_seq=event.seq, audit_hash=event.hash)
    check_qr_against_event(parse_qr_payload(qr_payload(receipt)), event)


def test_a_qr_code_pointing_at_another_delivery_is_named() -> None:
    event = _delivery_event(sample_receipt(), receipt_digest="0" * 64)
    receipt = sample_receipt(audit_seq=event.seq, audit_hash=event.hash)
    with pytest.raises(IntegrityError, match=r"CS-2026-000123 .* : condensat du PV\.$"):
        check_qr_against_event(receipt_qr(receipt), event)


def _flat(lines: list[tuple[str, str]]) -> str:
    return "\n".join(f"{label} {value}" for label, value in lines)


def test_the_screen_shows_what_the_holder_expects_to_read() -> None:
    receipt = sample_receipt()
    lines = receipt_lines(receipt)
    text = _flat(lines)
    assert lines[0][0].startswith("Procès-verbal de remise en face-à-face")
    for expected in (
        "Dossier CS-2026-000123",
        "Nom L'ŒILLET-BÉRANGER",
        "Prénom(s) Zoé Anaïs",
        "Œuvres maritimes",
        "SIREN 732 829 320",
        "Certificat de signature qualifié",
        "Bureau de retrait CCI Bretagne Ouest — bureau de Brest",
        "29200 Brest",
        "Agent Maëlle Le Gœnnec (mlegoennec)",
        "Date et heure 14/07/2026 à 14:05:09 (heure de Paris)",
        "Valide jusqu'au 13/07/2029 à 14:00:00",
        receipt.core.certificate_serial,
        receipt.core.certificate_fingerprint,
        "Support (n° de série) 0F1E2D3C4B5A",
        "Contrôle de la bande MRZ conforme",
        "Carte nationale d'identité — pays FRA — valable jusqu'au 28/02/2031",
        "réponses du titulaire vérifiées",
        "version CGU-2026.1 acceptée",
        "reconnaît avoir reçu en main propre",
        f"Condensat signé {SAMPLE_DIGEST}",
        hashlib.sha256(receipt.holder_signature).hexdigest(),
        "Événement n° 4812",
    ):
        assert expected in text, expected
    # Section headings are lines without a value.
    assert ("Certificat et support", "") in lines


def test_the_screen_shows_winter_times_in_paris_time_too() -> None:
    winter = datetime(2026, 1, 5, 8, 30, tzinfo=UTC)
    core = sample_core(
        delivered_at=winter, not_before=winter, not_after=winter + timedelta(days=1095)
    )
    text = _flat(receipt_lines(sample_receipt(core)))
    assert "05/01/2026 à 09:30:00 (heure de Paris)" in text


def test_the_screen_shows_only_the_start_of_the_signature() -> None:
    receipt = sample_receipt()
    shown = dict(receipt_lines(receipt))["Signature"]
    assert shown.endswith("… (256 octets)") and len(shown) < 60
