"""What a desk act's attestation puts on paper: its file name (no secret, Paris time), its
sections as the screen lists them, and its QR code, which an auditor reads back and checks
against the audit event that seals the act."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from kiosk.domain.audit import AuditEvent, Outcome
from kiosk.domain.desk_receipt import (
    DeskAct,
    check_desk_qr_against_event,
    desk_qr_payload,
    desk_receipt_file_stem,
    desk_receipt_lines,
    desk_receipt_sections,
    parse_desk_qr,
)
from kiosk.domain.errors import IntegrityError, ValidationError
from tests.unit.desk_receipt_samples import AUDIT_HASH, DONE_AT, desk_core, desk_receipt


def _sealing_event(**changes: Any) -> AuditEvent:
    receipt = desk_receipt()
    event = AuditEvent(
        seq=receipt.audit_seq,
        at=DONE_AT,
        site="BREST",
        kiosk="brest-guichet-2",
        agent="mlegoennec",
        dossier_ref=receipt.core.reference,
        event_type="dossier.revoked",
        outcome=Outcome.SUCCESS,
        details={
            "certificate_serial": "004f2a9c0de1b7a3556e01c9d2b8f7a6e5",  # as the delivery stored it
            "receipt_digest": receipt.digest.hex(),
        },
        prev_hash="0" * 64,
        hash=AUDIT_HASH,
    )
    return replace(event, **changes)


def test_the_file_is_named_by_dossier_act_and_paris_time() -> None:
    assert desk_receipt_file_stem(desk_receipt()) == "CS-2026-000125-revocation-20260714-140509"
    unblock = desk_receipt(desk_core(DeskAct.PIN_UNBLOCK))
    assert desk_receipt_file_stem(unblock) == "CS-2026-000125-deblocage-pin-20260714-140509"


def test_the_sections_hold_every_line_but_the_heading_and_compare_hex_in_mono() -> None:
    receipt = desk_receipt()
    sections = desk_receipt_sections(receipt)

    assert [s.title for s in sections] == [
        "Titulaire",
        "Acte",
        "Vérifications effectuées",
        "Journal d'audit",
    ]
    rows = [(row.label, row.value) for s in sections for row in s.rows]
    titles = {s.title for s in sections}
    assert rows == [line for line in desk_receipt_lines(receipt)[1:] if line[0] not in titles]
    mono = {row.label for s in sections for row in s.rows if row.mono}
    assert mono == {
        "Certificat (n° de série)",
        "Support (n° de série)",
        "Empreinte",
        "Condensat de l'attestation",
    }


def test_the_qr_code_names_the_act_its_event_and_its_certificate() -> None:
    receipt = desk_receipt()
    text = desk_qr_payload(receipt)

    assert text == (
        f"KIOSK-ACTE1|revocation|CS-2026-000125|4242|{AUDIT_HASH}|{receipt.digest.hex()}"
        "|4f2a9c0de1b7a3556e01c9d2b8f7a6e5"
    )
    qr = parse_desk_qr(f"  {text}\n")
    assert (qr.act, qr.reference, qr.audit_seq) == (DeskAct.REVOCATION, "CS-2026-000125", 4242)
    assert qr.text() == text
    check_desk_qr_against_event(qr, _sealing_event())


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"hash": "7" * 64}, "empreinte d'événement"),
        ({"event_type": "pin.unblocked"}, "acte"),
        ({"dossier_ref": "CS-2026-000126"}, "dossier"),
        ({"details": {"certificate_serial": "4f2a", "receipt_digest": "0" * 64}}, "condensat"),
    ],
)
def test_an_event_other_than_the_one_the_code_names_is_refused(
    changes: dict[str, Any], named: str
) -> None:
    qr = parse_desk_qr(desk_qr_payload(desk_receipt()))
    with pytest.raises(IntegrityError, match=named):
        check_desk_qr_against_event(qr, _sealing_event(**changes))


@pytest.mark.parametrize(
    "text",
    [
        "KIOSK-PV1|CS-2026-000125|1|" + "a" * 64 + "|" + "b" * 64 + "|" + "c" * 64,
        "KIOSK-ACTE1|renewal|CS-2026-000125|1|" + "a" * 64 + "|" + "b" * 64 + "|4f",
        "KIOSK-ACTE1|revocation|cs 2026|1|" + "a" * 64 + "|" + "b" * 64 + "|4f",
        "KIOSK-ACTE1|revocation|CS-2026-000125|0|" + "a" * 64 + "|" + "b" * 64 + "|4f",
        "KIOSK-ACTE1|revocation|CS-2026-000125|1|" + "a" * 63 + "|" + "b" * 64 + "|4f",
        "KIOSK-ACTE1|revocation|CS-2026-000125|1|" + "a" * 64 + "|" + "b" * 64 + "|4G",
    ],
)
def test_a_code_that_is_not_an_attestations_is_refused_in_french(text: str) -> None:
    with pytest.raises(ValidationError, match="attestation"):
        parse_desk_qr(text)
