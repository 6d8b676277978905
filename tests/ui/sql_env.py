"""The kiosk as it really runs: ``kiosk.bootstrap.make_app(settings)`` on a fresh home with
a migrated SQLite database, the sample offices, products, dossiers and agents imported
through the real importer and agent admin (Argon2id at its lowest cost, for speed).

Each test gets its own home (about 60 ms to build).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.migrate import upgrade
from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.adapters.fakes.memory import FixedClock
from kiosk.admin import admin_services
from kiosk.bootstrap import make_app
from kiosk.config import Settings, load_settings
from kiosk.domain import withdrawal
from kiosk.domain.audit import AuditEvent
from kiosk.domain.model import Dossier, Person, Role
from kiosk.services.convocations import ConvocationsService
from kiosk.ui.app import KioskApp
from tests.ui.sample_data import (
    AGENT_LOGIN,
    AGENT_PASSWORD,
    FIXED_CODES,
    KIOSK_ID,
    NOW,
    OTHER_AGENT_LOGIN,
    OTHER_AGENT_PASSWORD,
    OTHER_SITE,
    PRODUCT,
    REF_CONVOKED,
    REF_HOSTILE,
    SITE,
    SITE_SECRET,
    sample_dossiers,
)

QUESTION_ANSWERS = ("Médor", "Morlaix", "Renault 5")


@dataclass(frozen=True)
class SqlDesk:
    """A kiosk home on disk and the handles a test needs to look behind the screens."""

    settings: Settings
    codes: Mapping[str, str]

    def code(self, reference: str = REF_CONVOKED) -> str:
        return self.codes[reference]

    def audit_events(self) -> list[AuditEvent]:
        engine = make_engine(self.settings.database_url)
        try:
            uow = SqlUnitOfWorkFactory(engine, site=SITE, kiosk_id=KIOSK_ID)
            with uow() as tx:
                return list(tx.audit.events())
        finally:
            engine.dispose()

    def app(self) -> KioskApp:
        app = make_app(self.settings)
        # The home lists the sample day's convocations, whatever day the tests run.
        engine = make_engine(self.settings.database_url)
        uow = SqlUnitOfWorkFactory(engine, site=SITE, kiosk_id=KIOSK_ID)
        convocations = ConvocationsService(uow, FixedClock(NOW))
        app.services = replace(app.services, convocations=convocations)
        return app


def _settings(home: Path) -> Settings:
    env = {
        "KIOSK_SITE": SITE,
        "KIOSK_KIOSK_ID": KIOSK_ID,
        "KIOSK_ARGON2_TIME_COST": "1",
        "KIOSK_ARGON2_MEMORY_KIB": "8",
    }
    return load_settings(env=env, home=home)


def _person(person: Person, *, with_title: bool = False) -> dict[str, Any]:
    record: dict[str, Any] = {"surname": person.surname, "given_names": person.given_names}
    if person.birth_date:
        record["birth_date"] = person.birth_date.isoformat()
    if person.email:
        record["email"] = person.email
    if with_title:
        record["title"] = person.role_title
    return record


def _record(dossier: Dossier, code: str) -> dict[str, Any]:
    record: dict[str, Any] = {
        "reference": dossier.reference,
        "state": dossier.state.value,
        "office": dossier.office_code,
        "company": {
            "siren": dossier.company.siren,
            "siret": dossier.company.siret,
            "name": dossier.company.name,
            "legal_form": dossier.company.legal_form,
        },
        "product": dossier.product.code,
        "holder": _person(dossier.holder),
        "legal_representative": _person(dossier.legal_representative, with_title=True),
        "withdrawal_code": code,
        "questions": [
            {"question": q.question, "answer": answer, "personal": q.personal}
            for q, answer in zip(dossier.questions, QUESTION_ANSWERS, strict=True)
        ],
    }
    if dossier.delegate is not None:
        record["delegate"] = _person(dossier.delegate, with_title=True)
    if dossier.convocation_at is not None:
        record["convocation_at"] = dossier.convocation_at.isoformat()
    return record


def _build(home: Path, codes: Mapping[str, str]) -> None:
    (home / "secrets").mkdir(parents=True, mode=0o700)
    (home / "secrets" / "site.key").write_text(SITE_SECRET.hex() + "\n", encoding="ascii")
    settings = _settings(home)
    upgrade(settings.database_url)
    offices = [
        {
            "code": SITE,
            "chamber": "CCI Bretagne Ouest",
            "name": "Bureau de Brest",
            "address": "1 place du 19e RI, 29200 Brest",
        },
        {
            "code": OTHER_SITE,
            "chamber": "CCI Bretagne Ouest",
            "name": "Bureau de Quimper",
            "address": "145 avenue de Keradennec, 29000 Quimper",
        },
    ]
    products = [
        {
            "code": PRODUCT.code,
            "label": PRODUCT.label,
            "validity_years": PRODUCT.validity_years,
            "key_algorithm": PRODUCT.key_algorithm.value,
        },
    ]
    # Imports refuse markup in names (as they should): the hostile dossier is only in the
    # in-memory world, which plays data that got past an import.
    records = [_record(d, codes[d.reference]) for d in sample_dossiers() if d.reference in codes]
    (home / "offices.json").write_text(json.dumps(offices), encoding="utf-8")
    (home / "products.json").write_text(json.dumps(products), encoding="utf-8")
    with admin_services(settings) as admin:
        importer = admin.importer()
        importer.import_offices(home / "offices.json")
        importer.import_products(home / "products.json")
        importer.import_records(records, source="tests")
        agents = admin.agents()
        agents.add(AGENT_LOGIN, "Alice Martin", Role.AGENT, SITE, AGENT_PASSWORD)
        agents.add(OTHER_AGENT_LOGIN, "Bruno Leroy", Role.AGENT, OTHER_SITE, OTHER_AGENT_PASSWORD)
    (home / "offices.json").unlink()
    (home / "products.json").unlink()


def sql_desk(home: Path, *, fixed_codes: bool = True) -> SqlDesk:
    """A ready kiosk home at ``home`` (which must not exist yet). ``fixed_codes=False``
    draws new withdrawal codes with ``withdrawal.generate()``."""
    references = [d.reference for d in sample_dossiers() if d.reference != REF_HOSTILE]
    codes = {ref: FIXED_CODES[ref] if fixed_codes else withdrawal.generate() for ref in references}
    _build(home, codes)
    return SqlDesk(_settings(home), codes)
