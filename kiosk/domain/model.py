"""The records the kiosk works on. Plain values: no I/O, no framework."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from kiosk.domain.dossier_state import DossierState


class KeyAlgorithm(StrEnum):
    RSA_2048 = "rsa2048"
    RSA_3072 = "rsa3072"
    EC_P256 = "p256"


class Role(StrEnum):
    AGENT = "agent"
    AUDITOR = "auditor"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {"agent": "Agent de retrait", "auditor": "Auditeur", "admin": "Administrateur"}[
            self.value
        ]


@dataclass(frozen=True)
class Office:
    """A bureau de retrait (CCI withdrawal office)."""

    code: str
    chamber: str
    name: str
    address: str


@dataclass(frozen=True)
class Company:
    siren: str
    siret: str
    name: str
    legal_form: str


@dataclass(frozen=True)
class Person:
    surname: str
    given_names: str
    birth_date: date | None = None
    email: str | None = None
    role_title: str | None = None  # e.g. "Gérant", "Président"


@dataclass(frozen=True)
class Product:
    code: str
    label: str
    validity_years: int
    key_algorithm: KeyAlgorithm


@dataclass(frozen=True)
class RevocationQuestion:
    """A revocation question and its answer as an Argon2id PHC string (never in clear)."""

    question: str
    answer_hash: str
    personal: bool = False


@dataclass(frozen=True)
class Dossier:
    """A validated certificate order, as the desk sees it."""

    reference: str  # non-secret reference, e.g. "CS-2026-000123"
    state: DossierState
    office_code: str
    company: Company
    product: Product
    holder: Person
    legal_representative: Person
    delegate: Person | None = None
    convocation_at: datetime | None = None
    refusal_reason: str | None = None
    questions: tuple[RevocationQuestion, ...] = field(default_factory=tuple)
    failed_answer_attempts: int = 0
    answers_locked: bool = False


@dataclass(frozen=True)
class Agent:
    login: str
    display_name: str
    role: Role
    office_code: str
    password_hash: str
    failed_logins: int = 0
    locked_until: datetime | None = None
    active: bool = True
