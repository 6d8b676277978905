"""Importing offices, products and dossiers from JSON files: all or nothing, idempotent.

Every record is checked before anything is written, and every problem is listed by record
and field (``ImportFileError``). The writes happen in one transaction with their audit
event. A dossier already imported from the same record is left as it is; the same
reference with another content is refused (an import never silently rewrites a dossier).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.domain.audit import AuditDraft, Outcome
from kiosk.domain.desk_ports import LineageImportUnitOfWorkFactory
from kiosk.domain.errors import ImportFileError
from kiosk.domain.model import Dossier, RevocationQuestion
from kiosk.domain.ports import Clock, ImportUnitOfWork, SecretHasher
from kiosk.services.dossier_records import (
    Context,
    DossierRecord,
    parse_record,
    placeholder_product,
    where,
)
from kiosk.services.import_fields import load_json_list
from kiosk.services.import_renewals import check_renewals, record_renewals
from kiosk.services.reference_records import parse_offices, parse_products, token_reuse_flags


@dataclass(frozen=True)
class ImportReport:
    created: int
    unchanged: int
    updated: int = 0

    @property
    def message(self) -> str:
        text = f"{self.created} créé(s), {self.unchanged} inchangé(s)"
        return text + (f", {self.updated} mis à jour" if self.updated else "") + "."


class DossierImporter:
    def __init__(
        self,
        uow_factory: LineageImportUnitOfWorkFactory,
        hasher: SecretHasher,
        site_secret: bytes,
        clock: Clock | None = None,
    ) -> None:
        self._uow = uow_factory
        self._hasher = hasher
        self._secret = site_secret
        self._clock = clock

    def _today(self) -> datetime:
        return self._clock.now() if self._clock else datetime.now(UTC)

    # --- dossiers -------------------------------------------------------------------

    def import_file(self, path: Path) -> ImportReport:
        return self.import_records(load_json_list(path, "dossiers"), source=path.name)

    def import_records(self, records: Sequence[Any], source: str) -> ImportReport:
        problems: list[str] = []
        with self._uow() as uow:
            ctx = Context(
                secret=self._secret,
                today=self._today().date(),
                offices=frozenset(office.code for office in uow.offices.list()),
                products=frozenset(product.code for product in uow.products.list()),
            )
        parsed = [parse_record(i, raw, ctx, problems) for i, raw in enumerate(records, start=1)]
        valid = [p for p in parsed if p is not None]
        _check_duplicates(valid, problems)
        with self._uow() as uow:
            new = _check_against_store(uow, valid, problems)
            check_renewals(uow, new, valid, problems)
        if problems:
            raise ImportFileError(problems)
        # Argon2 is slow: hash the answers before taking the write lock.
        dossiers = [(record, self._dossier(record)) for record in new]
        with self._uow() as uow:
            # Another import may have run meanwhile: the store's checks are done again.
            if _check_against_store(uow, valid, problems) != new or problems:
                raise ImportFileError(problems or ["un autre import a eu lieu entre-temps"])
            check_renewals(uow, new, valid, problems)
            if problems:
                raise ImportFileError(problems)
            for record, dossier in dossiers:
                product = uow.products.get(record.product_code)
                if product is None:  # removed since the check: the whole import stops
                    raise ImportFileError([f"produit inconnu « {record.product_code} »"])
                uow.dossiers.add(replace(dossier, product=product), record.code_hashes)
                uow.imports.record(record.reference, record.digest)
            record_renewals(uow, new)
            report = ImportReport(created=len(new), unchanged=len(valid) - len(new))
            uow.audit.append(
                AuditDraft(
                    "dossier.import",
                    Outcome.SUCCESS,
                    details={
                        "file": source,
                        "created": report.created,
                        "unchanged": report.unchanged,
                    },
                )
            )
            uow.commit()
        return report

    def _dossier(self, record: DossierRecord) -> Dossier:
        questions = tuple(
            RevocationQuestion(
                q.question,
                q.answer_hash or self._hasher.hash(q.normalised_answer or ""),
                q.personal,
            )
            for q in record.questions
        )
        return Dossier(
            reference=record.reference,
            state=record.state,
            office_code=record.office_code,
            company=record.company,
            product=placeholder_product(record.product_code),
            holder=record.holder,
            legal_representative=record.legal_representative,
            delegate=record.delegate,
            convocation_at=record.convocation_at.astimezone(UTC) if record.convocation_at else None,
            refusal_reason=record.refusal_reason,
            questions=questions,
        )

    # --- reference data -------------------------------------------------------------

    def import_offices(self, path: Path) -> ImportReport:
        offices = parse_offices(load_json_list(path, "bureaux"))
        with self._uow() as uow:
            created = updated = 0
            for office in offices:
                known = uow.offices.get(office.code)
                if known == office:
                    continue
                created += known is None
                updated += known is not None
                uow.offices.upsert(office)
            report = ImportReport(created, len(offices) - created - updated, updated)
            _audit_reference(uow, "office.import", path.name, report)
            uow.commit()
        return report

    def import_products(self, path: Path) -> ImportReport:
        records = load_json_list(path, "produits")
        products = parse_products(records)
        reuse = token_reuse_flags(records)
        with self._uow() as uow:
            created = updated = 0
            for product in products:
                known = uow.products.get(product.code)
                option_changed = known is not None and (
                    uow.product_options.token_reuse(product.code) != reuse.get(product.code, False)
                )
                if known == product and not option_changed:
                    continue
                created += known is None
                updated += known is not None
                uow.products.upsert(product)
                uow.product_options.set_token_reuse(product.code, reuse.get(product.code, False))
            report = ImportReport(created, len(products) - created - updated, updated)
            _audit_reference(uow, "product.import", path.name, report)
            uow.commit()
        return report


def _audit_reference(uow: ImportUnitOfWork, event: str, source: str, report: ImportReport) -> None:
    details: dict[str, str | int] = {
        "file": source,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
    }
    uow.audit.append(AuditDraft(event, Outcome.SUCCESS, details=details))


def _check_duplicates(records: list[DossierRecord], problems: list[str]) -> None:
    seen_refs: dict[str, int] = {}
    seen_codes: dict[str, int] = {}
    for record in records:
        label = where(record.index, {"reference": record.reference})
        first = seen_refs.setdefault(record.reference, record.index)
        if first != record.index:
            problems.append(
                f"{label}, champ « reference » : déjà utilisée par le dossier n° {first}"
            )
        for code_hash in record.code_hashes:
            first = seen_codes.setdefault(code_hash, record.index)
            if first != record.index:
                problems.append(
                    f"{label}, champ « withdrawal_code » : numéro de retrait déjà donné au "
                    f"dossier n° {first}"
                )


def _check_against_store(
    uow: ImportUnitOfWork, records: list[DossierRecord], problems: list[str]
) -> list[DossierRecord]:
    """The records to create; problems for those that clash with what is stored."""
    new: list[DossierRecord] = []
    offices = {office.code for office in uow.offices.list()}
    products = {product.code for product in uow.products.list()}
    for record in records:
        label = where(record.index, {"reference": record.reference})
        before = len(problems)
        if record.office_code not in offices:
            problems.append(
                f"{label}, champ « office » : bureau de retrait inconnu « {record.office_code} »"
            )
        if record.product_code not in products:
            problems.append(
                f"{label}, champ « product » : produit inconnu « {record.product_code} »"
            )
        stored_digest = uow.imports.digest(record.reference)
        exists = stored_digest is not None or uow.dossiers.get(record.reference) is not None
        if exists and stored_digest != record.digest:
            problems.append(
                f"{label}, champ « reference » : ce dossier existe déjà avec un contenu différent"
            )
        for code_hash in record.code_hashes:
            owner = uow.dossiers.find_by_code_hash(code_hash)
            if owner is not None and owner.reference != record.reference:
                problems.append(
                    f"{label}, champ « withdrawal_code » : numéro de retrait déjà attribué à un "
                    "autre dossier"
                )
        if len(problems) == before and not exists:
            new.append(record)
    return new
