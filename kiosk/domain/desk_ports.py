"""Ports of the desk journeys that follow a delivery: renewal, PIN unblock and revocation
at the desk. Nothing here does I/O."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from kiosk.domain.personalisation_ports import DeliveryRegister, PersonalisationUnitOfWork
from kiosk.domain.ports import ImportUnitOfWork, UnitOfWork
from kiosk.domain.renewal import RenewalLink


class DossierLineage(Protocol):
    """Which dossier renews which (stored with the renewal dossier)."""

    def link(self, reference: str) -> RenewalLink | None:
        """The link of a renewal dossier; None for a first delivery."""
        ...

    def record(self, link: RenewalLink) -> None:
        """Mark ``link.reference`` (already stored) as renewing ``link.renews``."""
        ...

    def renewals_of(self, reference: str) -> Sequence[RenewalLink]:
        """The renewal dossiers of a dossier, by reference."""
        ...

    def unsuperseded(self) -> Sequence[RenewalLink]:
        """Renewals delivered while the dossier they renew is still delivered."""
        ...


class ProductOptions(Protocol):
    """What a product allows beyond the catalogue's label, validity and key."""

    def token_reuse(self, product_code: str) -> bool:
        """A renewal of this product may put its certificate on the holder's current token."""
        ...

    def set_token_reuse(self, product_code: str, allowed: bool) -> None: ...


class DeliveredCertificates(Protocol):
    def dossier_of(self, serial_hex: str) -> str | None:
        """The dossier delivered with the certificate ``serial_hex`` (normalised: lowercase,
        no separators or leading zeros), or None."""
        ...


class LookupUnitOfWork(UnitOfWork, Protocol):
    certificates: DeliveredCertificates


class LookupUnitOfWorkFactory(Protocol):
    def __call__(self) -> LookupUnitOfWork: ...


class DeskUnitOfWork(PersonalisationUnitOfWork, Protocol):
    """The personalisation's unit of work with the renewal links, the product options and
    the index of delivered certificates."""

    lineage: DossierLineage
    product_options: ProductOptions
    certificates: DeliveredCertificates


class DeskUnitOfWorkFactory(Protocol):
    def __call__(self) -> DeskUnitOfWork: ...


class LineageImportUnitOfWork(ImportUnitOfWork, Protocol):
    """What the dossier and product imports need to record renewals and product options."""

    lineage: DossierLineage
    product_options: ProductOptions
    deliveries: DeliveryRegister


class LineageImportUnitOfWorkFactory(Protocol):
    def __call__(self) -> LineageImportUnitOfWork: ...
