"""SQL repositories of the token register and of the deliveries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from kiosk.adapters.db.personalisation_schema import deliveries, token_register
from kiosk.adapters.db.transaction import Transaction
from kiosk.domain.personalisation_journal import Delivery
from kiosk.domain.token_register import SoPinEscrowRecord, TokenRecord, TokenState

# Built once, values bound at execution (cheaper than ``.values(...)`` literals each call).
_INSERT_RECORD = insert(token_register)
_UPDATE_RECORD = update(token_register).where(token_register.c.serial == bindparam("serial_key"))


def _record(row: Any) -> TokenRecord:
    escrow = None
    if row.so_pin_escrow is not None:
        escrow = SoPinEscrowRecord(bytes(row.so_pin_escrow), row.escrow_context, row.escrow_key_id)
    return TokenRecord(
        serial=row.serial,
        state=TokenState(row.state),
        updated_at=row.updated_at,
        dossier_ref=row.dossier_ref,
        label=row.label,
        escrow=escrow,
        note=row.note,
        updated_by=row.updated_by,
    )


class SqlTokenRegister:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def get(self, serial: str) -> TokenRecord | None:
        row = self._tx.execute(
            select(token_register).where(token_register.c.serial == serial)
        ).first()
        return _record(row) if row else None

    def save(self, record: TokenRecord) -> None:
        escrow = record.escrow
        values = {
            "state": record.state.value,
            "dossier_ref": record.dossier_ref,
            "label": record.label,
            "so_pin_escrow": escrow.ciphertext if escrow else None,
            "escrow_context": escrow.context if escrow else None,
            "escrow_key_id": escrow.key_id if escrow else None,
            "note": record.note,
            "updated_at": record.updated_at,
            "updated_by": record.updated_by,
        }
        result = self._tx.execute(_UPDATE_RECORD, {"serial_key": record.serial, **values})
        if result.rowcount == 0:
            self._tx.execute(_INSERT_RECORD, {"serial": record.serial, **values})

    def list(self) -> Sequence[TokenRecord]:
        rows = self._tx.execute(select(token_register).order_by(token_register.c.serial))
        return [_record(row) for row in rows]


class SqlDeliveryRegister:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, delivery: Delivery) -> None:
        self._tx.execute(
            insert(deliveries).values(
                dossier_ref=delivery.dossier_ref,
                cert_serial=delivery.certificate_serial,
                cert_fingerprint=delivery.certificate_fingerprint,
                not_before=delivery.not_before,
                not_after=delivery.not_after,
                token_serial=delivery.token_serial,
                key_id=delivery.key_id.hex(),
                acceptance_digest=delivery.acceptance_digest.hex(),
                acceptance_signature=delivery.acceptance_signature,
                agent=delivery.agent,
                delivered_at=delivery.delivered_at,
            )
        )

    def get(self, dossier_ref: str) -> Delivery | None:
        row = self._tx.execute(
            select(deliveries).where(deliveries.c.dossier_ref == dossier_ref)
        ).first()
        if row is None:
            return None
        return Delivery(
            dossier_ref=row.dossier_ref,
            certificate_serial=row.cert_serial,
            certificate_fingerprint=row.cert_fingerprint,
            not_before=row.not_before,
            not_after=row.not_after,
            token_serial=row.token_serial,
            key_id=bytes.fromhex(row.key_id),
            acceptance_digest=bytes.fromhex(row.acceptance_digest),
            acceptance_signature=bytes(row.acceptance_signature),
            agent=row.agent,
            delivered_at=row.delivered_at,
        )
