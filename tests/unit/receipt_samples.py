"""Receipts for the tests: French names with accents, Œ, apostrophes and hyphens."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from kiosk.domain.receipt import (
    DeliveryReceipt,
    ReceiptCore,
    RevocationAnswers,
    receipt_digest,
)

LONG_COMPANY = (
    "Société coopérative d'intérêt collectif des Œuvres maritimes et portuaires"
    " de Bretagne-Occidentale — Brest, Morlaix & Quimper"
)
# 14 July, summer time: 12:05:09 UTC is 14:05:09 in Paris.
DELIVERED_AT = datetime(2026, 7, 14, 12, 5, 9, tzinfo=UTC)
SIGNATURE = hashlib.sha512(b"holder").digest() * 4  # 256 bytes, like an RSA-2048 signature


def sample_core(**changes: Any) -> ReceiptCore:
    core = ReceiptCore(
        reference="CS-2026-000123",
        holder_surname="L'ŒILLET-BÉRANGER",
        holder_given_names="Zoé Anaïs",
        company_name=LONG_COMPANY,
        company_siren="732829320",
        product_label="Certificat de signature qualifié RGS** — 3 ans",
        office_name="CCI Bretagne Ouest — bureau de Brest",
        office_address="1 place du 19e Régiment d'Infanterie, 29200 Brest",
        agent_display_name="Maëlle Le Gœnnec",
        agent_login="mlegoennec",
        kiosk_id="brest-guichet-2",
        delivered_at=DELIVERED_AT,
        certificate_serial="4f2a9c0de1b7a3556e01c9d2b8f7a6e5d4c3b2a1",
        certificate_fingerprint=hashlib.sha256(b"certificate").hexdigest(),
        not_before=datetime(2026, 7, 14, 12, 0, 0, tzinfo=UTC),
        not_after=datetime(2029, 7, 13, 12, 0, 0, tzinfo=UTC),
        token_serial="0F1E2D3C4B5A",
        identity_checks=(
            ("Contrôle de la bande MRZ", "conforme"),
            ("Nom et prénom", "conformes au dossier"),
            ("Date de naissance", "conforme"),
            ("Validité de la pièce", "en cours de validité"),
        ),
        document_type="Carte nationale d'identité",
        document_country="FRA",
        document_expiry=date(2031, 2, 28),
        revocation_answers=RevocationAnswers.VERIFIED,
        terms_version="CGU-2026.1",
    )
    return replace(core, **changes) if changes else core


def sample_receipt(core: ReceiptCore | None = None, **changes: Any) -> DeliveryReceipt:
    core = core or sample_core()
    values: dict[str, Any] = {
        "core": core,
        "holder_signature": SIGNATURE,
        "signed_digest": receipt_digest(core),
        "audit_seq": 4812,
        "audit_hash": hashlib.sha256(b"audit event 4812").hexdigest(),
    }
    values.update(changes)
    return DeliveryReceipt(**values)
