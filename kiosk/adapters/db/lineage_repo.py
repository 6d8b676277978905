"""SQL repositories of the desk journeys' ports: renewal links (columns of the dossier's
row), product options (a column of the product's row) and delivered certificates by
serial (the deliveries table)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, func, select, update

from kiosk.adapters.db.personalisation_schema import deliveries
from kiosk.adapters.db.schema import dossiers, products
from kiosk.adapters.db.transaction import Transaction
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.errors import NotFoundError
from kiosk.domain.renewal import DossierKind, RenewalLink

_LINK = select(dossiers.c.reference, dossiers.c.renews_reference, dossiers.c.renews_serial).where(
    dossiers.c.kind == DossierKind.RENEWAL.value
)
# Serials are stored as the CA gave them (zero-padded hex): compared without leading zeros.
_DELIVERED_WITH = select(deliveries.c.dossier_ref).where(
    func.ltrim(func.lower(deliveries.c.cert_serial), "0") == bindparam("serial")
)


def _link(row: Any) -> RenewalLink:
    return RenewalLink(row.reference, row.renews_reference, row.renews_serial)


class SqlDossierLineage:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def link(self, reference: str) -> RenewalLink | None:
        row = self._tx.execute(_LINK.where(dossiers.c.reference == reference)).first()
        return _link(row) if row else None

    def record(self, link: RenewalLink) -> None:
        result = self._tx.execute(
            update(dossiers)
            .where(dossiers.c.reference == link.reference)
            .values(
                kind=DossierKind.RENEWAL.value,
                renews_reference=link.renews,
                renews_serial=link.certificate_serial,
            )
        )
        if result.rowcount == 0:
            raise NotFoundError(f"Dossier {link.reference} introuvable.")

    def unsuperseded(self) -> Sequence[RenewalLink]:
        renewed = dossiers.alias("renewed")
        delivered = DossierState.DELIVERED.value
        statement = (
            _LINK.join(renewed, renewed.c.reference == dossiers.c.renews_reference)
            .where(dossiers.c.state == delivered)
            .where(renewed.c.state == delivered)
            .order_by(dossiers.c.reference)
        )
        return [_link(row) for row in self._tx.execute(statement)]

    def renewals_of(self, reference: str) -> Sequence[RenewalLink]:
        statement = _LINK.where(dossiers.c.renews_reference == reference).order_by(
            dossiers.c.reference
        )
        return [_link(row) for row in self._tx.execute(statement)]


class SqlProductOptions:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def token_reuse(self, product_code: str) -> bool:
        statement = select(products.c.token_reuse).where(products.c.code == product_code)
        return bool(self._tx.execute(statement).scalar_one_or_none())

    def set_token_reuse(self, product_code: str, allowed: bool) -> None:
        result = self._tx.execute(
            update(products).where(products.c.code == product_code).values(token_reuse=allowed)
        )
        if result.rowcount == 0:
            raise NotFoundError(f"Produit {product_code} introuvable.")


class SqlDeliveredCertificates:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def dossier_of(self, serial_hex: str) -> str | None:
        reference: str | None = self._tx.execute(
            _DELIVERED_WITH, {"serial": serial_hex}
        ).scalar_one_or_none()
        return reference
