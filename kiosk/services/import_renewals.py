"""The renewal records of a dossier import, checked against the dossier they renew and
recorded with it (see ``kiosk.domain.renewal`` and docs/import-format.md).

The renewed dossier is found in the same file or among the stored dossiers; it must be
delivered, with strictly the same holder, company and duration. The serial of the
certificate replaced comes from the file, or from the kiosk's own delivery of the renewed
dossier (both, if given, must agree). A renewal without questions takes the renewed
dossier's (their Argon2id hashes are copied). Only new records are checked: a renewal
imported before stays unchanged even once the dossier it renewed is revoked.
"""

from __future__ import annotations

from collections.abc import Sequence

from kiosk.domain.desk_ports import LineageImportUnitOfWork
from kiosk.domain.model import Dossier, Product
from kiosk.domain.renewal import DossierKind, RenewalLink, same_holder_problems
from kiosk.services.dossier_records import DossierRecord, placeholder_product, where


def check_renewals(
    uow: LineageImportUnitOfWork,
    new: Sequence[DossierRecord],
    valid: Sequence[DossierRecord],
    problems: list[str],
) -> None:
    """Add the problems of the new renewal records to ``problems``."""
    in_file = {record.reference: record for record in valid}
    renewed: dict[str, str] = {}
    for record in new:
        if record.kind is not DossierKind.RENEWAL or record.renews is None:
            continue
        label = where(record.index, {"reference": record.reference})
        previous = _previous(uow, record.renews, in_file)
        if previous is None:
            problems.append(
                f"{label}, champ « renews » : dossier renouvelé inconnu « {record.renews} »"
            )
            continue
        product = uow.products.get(record.product_code)
        validity = product.validity_years if product else previous.product.validity_years
        renewal = _as_dossier(record)
        for problem in same_holder_problems(previous, renewal, validity):
            problems.append(f"{label}, champ « renews » : {problem}")
        _check_serial(uow, record, label, problems)
        first = renewed.setdefault(record.renews, record.reference)
        others = [link.reference for link in uow.lineage.renewals_of(record.renews)]
        if first != record.reference or [ref for ref in others if ref != record.reference]:
            problems.append(
                f"{label}, champ « renews » : le dossier {record.renews} est déjà renouvelé "
                "par un autre dossier"
            )


def record_renewals(uow: LineageImportUnitOfWork, created: Sequence[DossierRecord]) -> None:
    """Store the links of the renewal records just added, and give a renewal without
    questions those of the dossier it renews."""
    for record in created:
        if record.kind is not DossierKind.RENEWAL or record.renews is None:
            continue
        uow.lineage.record(RenewalLink(record.reference, record.renews, record.renews_serial))
        if not record.questions:
            previous = uow.dossiers.get(record.renews)
            if previous is not None and previous.questions:
                uow.dossiers.replace_questions(record.reference, previous.questions)


def _previous(
    uow: LineageImportUnitOfWork, reference: str, in_file: dict[str, DossierRecord]
) -> Dossier | None:
    stored = uow.dossiers.get(reference)
    if stored is not None:
        return stored
    record = in_file.get(reference)
    if record is None:
        return None
    return _as_dossier(record, uow.products.get(record.product_code))


def _check_serial(
    uow: LineageImportUnitOfWork, record: DossierRecord, label: str, problems: list[str]
) -> None:
    assert record.renews is not None
    delivery = uow.deliveries.get(record.renews)
    if delivery is None:
        if record.renews_serial is None:
            problems.append(
                f"{label}, champ « renews_certificate_serial » : requis, le dossier "
                f"{record.renews} n'a pas été remis par ce kiosque"
            )
        return
    known = delivery.certificate_serial.lower().lstrip("0")
    if record.renews_serial is not None and record.renews_serial != known:
        problems.append(
            f"{label}, champ « renews_certificate_serial » : ce n'est pas le certificat remis "
            f"pour le dossier {record.renews}"
        )


def _as_dossier(record: DossierRecord, product: Product | None = None) -> Dossier:
    """A record as the dossier it will be (questions left out: not needed here)."""
    return Dossier(
        reference=record.reference,
        state=record.state,
        office_code=record.office_code,
        company=record.company,
        product=product or placeholder_product(record.product_code),
        holder=record.holder,
        legal_representative=record.legal_representative,
        delegate=record.delegate,
    )
