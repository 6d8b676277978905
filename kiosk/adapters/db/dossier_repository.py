"""SQL repository of the dossiers, their withdrawal-number hashes and revocation questions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import Select, bindparam, delete, func, insert, select, update

from kiosk.adapters.db.schema import dossiers, products, revocation_questions, withdrawal_codes
from kiosk.adapters.db.transaction import Transaction
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.errors import NotFoundError
from kiosk.domain.model import (
    Company,
    Dossier,
    KeyAlgorithm,
    Person,
    Product,
    RevocationQuestion,
)
from kiosk.domain.ports import Clock


def _dossier(row: Any, questions: tuple[RevocationQuestion, ...]) -> Dossier:
    delegate = None
    if row.delegate_surname is not None:
        delegate = Person(
            surname=row.delegate_surname,
            given_names=row.delegate_given_names,
            birth_date=row.delegate_birth_date,
            email=row.delegate_email,
            role_title=row.delegate_title,
        )
    return Dossier(
        reference=row.reference,
        state=DossierState(row.state),
        office_code=row.office_code,
        company=Company(
            siren=row.company_siren,
            siret=row.company_siret,
            name=row.company_name,
            legal_form=row.company_legal_form,
        ),
        product=Product(
            code=row.product_code,
            label=row.product_label,
            validity_years=row.product_validity_years,
            key_algorithm=KeyAlgorithm(row.product_key_algorithm),
        ),
        holder=Person(
            surname=row.holder_surname,
            given_names=row.holder_given_names,
            birth_date=row.holder_birth_date,
            email=row.holder_email,
        ),
        legal_representative=Person(
            surname=row.legal_rep_surname,
            given_names=row.legal_rep_given_names,
            role_title=row.legal_rep_title,
        ),
        delegate=delegate,
        convocation_at=row.convocation_at,
        refusal_reason=row.refusal_reason,
        questions=questions,
        failed_answer_attempts=row.failed_answer_attempts,
        answers_locked=bool(row.answers_locked),
    )


def _row_values(dossier: Dossier) -> dict[str, Any]:
    delegate = dossier.delegate
    return {
        "reference": dossier.reference,
        "state": dossier.state.value,
        "office_code": dossier.office_code,
        "company_siren": dossier.company.siren,
        "company_siret": dossier.company.siret,
        "company_name": dossier.company.name,
        "company_legal_form": dossier.company.legal_form,
        "product_code": dossier.product.code,
        "holder_surname": dossier.holder.surname,
        "holder_given_names": dossier.holder.given_names,
        "holder_birth_date": dossier.holder.birth_date,
        "holder_email": dossier.holder.email,
        "legal_rep_surname": dossier.legal_representative.surname,
        "legal_rep_given_names": dossier.legal_representative.given_names,
        "legal_rep_title": dossier.legal_representative.role_title,
        "delegate_surname": delegate.surname if delegate else None,
        "delegate_given_names": delegate.given_names if delegate else None,
        "delegate_birth_date": delegate.birth_date if delegate else None,
        "delegate_email": delegate.email if delegate else None,
        "delegate_title": delegate.role_title if delegate else None,
        "convocation_at": dossier.convocation_at,
        "refusal_reason": dossier.refusal_reason,
        "failed_answer_attempts": dossier.failed_answer_attempts,
        "answers_locked": dossier.answers_locked,
    }


def _question_rows(
    reference: str, questions: Sequence[RevocationQuestion]
) -> list[Mapping[str, Any]]:
    return [
        {
            "dossier_ref": reference,
            "position": position,
            "question": q.question,
            "answer_hash": q.answer_hash,
            "personal": q.personal,
        }
        for position, q in enumerate(questions, start=1)
    ]


_DOSSIER_WITH_PRODUCT: Select[Any] = select(
    dossiers,
    products.c.label.label("product_label"),
    products.c.validity_years.label("product_validity_years"),
    products.c.key_algorithm.label("product_key_algorithm"),
).join(products, products.c.code == dossiers.c.product_code)
_BY_REFERENCE = _DOSSIER_WITH_PRODUCT.where(dossiers.c.reference == bindparam("reference"))
_BY_CODE_HASH = _DOSSIER_WITH_PRODUCT.join(
    withdrawal_codes, withdrawal_codes.c.dossier_ref == dossiers.c.reference
).where(withdrawal_codes.c.code_hash == bindparam("code_hash"))
_QUESTIONS_OF: Select[Any] = (
    select(revocation_questions)
    .where(revocation_questions.c.dossier_ref == bindparam("reference"))
    .order_by(revocation_questions.c.position)
)


class SqlDossierRepository:
    """``local_tz`` is the time zone of the offices: a convocation "day" is a local day."""

    def __init__(self, tx: Transaction, clock: Clock, local_tz: tzinfo) -> None:
        self._tx = tx
        self._clock = clock
        self._local_tz = local_tz

    def _select(self) -> Select[Any]:
        return _DOSSIER_WITH_PRODUCT

    def _load(self, statement: Select[Any]) -> list[Dossier]:
        rows = list(self._tx.execute(statement))
        if not rows:
            return []
        references = [row.reference for row in rows]
        by_dossier: dict[str, list[RevocationQuestion]] = defaultdict(list)
        question_rows = self._tx.execute(
            select(revocation_questions)
            .where(revocation_questions.c.dossier_ref.in_(references))
            .order_by(revocation_questions.c.dossier_ref, revocation_questions.c.position)
        )
        for q in question_rows:
            by_dossier[q.dossier_ref].append(
                RevocationQuestion(q.question, q.answer_hash, bool(q.personal))
            )
        return [_dossier(row, tuple(by_dossier[row.reference])) for row in rows]

    def get(self, reference: str) -> Dossier | None:
        return self._load_one(_BY_REFERENCE, {"reference": reference})

    def find_by_code_hash(self, code_hash: str) -> Dossier | None:
        return self._load_one(_BY_CODE_HASH, {"code_hash": code_hash})

    def _load_one(self, statement: Select[Any], params: Mapping[str, Any]) -> Dossier | None:
        # The desk's hot path: statements built once, so SQLAlchemy only binds and runs.
        row = self._tx.execute(statement, params).first()
        if row is None:
            return None
        questions = tuple(
            RevocationQuestion(q.question, q.answer_hash, bool(q.personal))
            for q in self._tx.execute(_QUESTIONS_OF, {"reference": row.reference})
        )
        return _dossier(row, questions)

    def add(self, dossier: Dossier, code_hashes: Sequence[str]) -> None:
        values = _row_values(dossier)
        values["imported_at"] = self._clock.now()
        self._tx.execute(insert(dossiers).values(**values))
        if code_hashes:
            self._tx.execute(
                insert(withdrawal_codes),
                [{"code_hash": h, "dossier_ref": dossier.reference} for h in code_hashes],
            )
        if dossier.questions:
            self._tx.execute(
                insert(revocation_questions), _question_rows(dossier.reference, dossier.questions)
            )

    def set_state(self, reference: str, state: DossierState, reason: str | None) -> None:
        result = self._tx.execute(
            update(dossiers)
            .where(dossiers.c.reference == reference)
            .values(state=state.value, refusal_reason=reason)
        )
        if result.rowcount == 0:
            raise NotFoundError(f"Dossier {reference} introuvable.")

    def convocations(self, office_code: str, day: date) -> Sequence[Dossier]:
        """Convocations of one office on one local calendar day, in time order."""
        start = datetime.combine(day, time.min, tzinfo=self._local_tz).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=self._local_tz)
        statement = (
            self._select()
            .where(dossiers.c.office_code == office_code)
            .where(dossiers.c.convocation_at >= start)
            .where(dossiers.c.convocation_at < end.astimezone(UTC))
            .order_by(dossiers.c.convocation_at, dossiers.c.reference)
        )
        return self._load(statement)

    def count(self) -> int:
        total: int = self._tx.execute(select(func.count()).select_from(dossiers)).scalar_one()
        return total

    def set_answer_attempts(self, reference: str, failed_attempts: int, locked: bool) -> None:
        result = self._tx.execute(
            update(dossiers)
            .where(dossiers.c.reference == reference)
            .values(failed_answer_attempts=failed_attempts, answers_locked=locked)
        )
        if result.rowcount == 0:
            raise NotFoundError(f"Dossier {reference} introuvable.")

    def replace_questions(self, reference: str, questions: Sequence[RevocationQuestion]) -> None:
        self._tx.execute(
            delete(revocation_questions).where(revocation_questions.c.dossier_ref == reference)
        )
        if questions:
            self._tx.execute(insert(revocation_questions), _question_rows(reference, questions))


class SqlImportLedger:
    """The keyed digest of each dossier's import record, kept on the dossier's row."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def digest(self, reference: str) -> str | None:
        statement = select(dossiers.c.content_digest).where(dossiers.c.reference == reference)
        digest: str | None = self._tx.execute(statement).scalar_one_or_none()
        return digest

    def record(self, reference: str, digest: str) -> None:
        result = self._tx.execute(
            update(dossiers).where(dossiers.c.reference == reference).values(content_digest=digest)
        )
        if result.rowcount == 0:
            raise NotFoundError(f"Dossier {reference} introuvable.")
