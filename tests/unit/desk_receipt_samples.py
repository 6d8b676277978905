"""Desk act attestations for the tests: a PIN unblock and a revocation, sealed by made-up
audit events, with French names (accents, Œ, apostrophes)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from kiosk.domain.desk_receipt import DeskAct, DeskReceipt, DeskReceiptCore, desk_receipt_digest
from tests.unit.receipt_samples import LONG_COMPANY

# 14 July, summer time: 12:05:09 UTC is 14:05:09 in Paris.
DONE_AT = datetime(2026, 7, 14, 12, 5, 9, tzinfo=UTC)
AUDIT_HASH = "5e" * 32


def desk_core(act: DeskAct = DeskAct.REVOCATION, **changes: Any) -> DeskReceiptCore:
    revocation = act is DeskAct.REVOCATION
    core = DeskReceiptCore(
        act=act,
        reference="CS-2026-000125",
        holder_surname="L'ŒILLET-BÉRANGER",
        holder_given_names="Zoé Anaïs",
        company_name=LONG_COMPANY,
        company_siren="732829320",
        office_name="CCI Bretagne Ouest — bureau de Brest",
        agent_display_name="Maëlle Le Gœnnec",
        agent_login="mlegoennec",
        kiosk_id="brest-guichet-2",
        done_at=DONE_AT,
        certificate_serial="4f2a9c0de1b7a3556e01c9d2b8f7a6e5",
        token_serial="0F1E2D3C4B5A",
        identity_checks=(
            ("Contrôle de la bande MRZ", "conforme"),
            ("Photographie comparée par l'agent", "conforme"),
        ),
        reason_code="keyCompromise" if revocation else None,
        reason_label="Compromission de la clé" if revocation else None,
        published=True if revocation else None,
    )
    return replace(core, **changes)


def desk_receipt(core: DeskReceiptCore | None = None, seq: int = 4242) -> DeskReceipt:
    core = core or desk_core()
    return DeskReceipt(core, desk_receipt_digest(core), seq, AUDIT_HASH)
