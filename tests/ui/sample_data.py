"""A small known world for service and UI tests: two offices, agents with known passwords,
dossiers with known withdrawal codes, all in memory behind the real services.

Nothing here imports Textual, so the service unit tests use it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from kiosk.adapters.ca.certificate_reader import X509CertificateReader
from kiosk.adapters.fakes.memory import FakeHasher, FixedClock, MemoryUnitOfWorkFactory
from kiosk.adapters.reader.simulated_reader import SimulatedReader
from kiosk.domain import withdrawal
from kiosk.domain.audit import AuditEvent
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.model import (
    Agent,
    Company,
    Dossier,
    KeyAlgorithm,
    Office,
    Person,
    Product,
    RevocationQuestion,
    Role,
)
from kiosk.services.answers import AnswersService
from kiosk.services.appointment import AppointmentService
from kiosk.services.auth import AuthService
from kiosk.services.certificate_view import CertificateView
from kiosk.services.container import KioskInfo, Services
from kiosk.services.convocations import ConvocationsService
from kiosk.services.identity import IdentityService
from kiosk.services.lookup import LookupService

SITE = "BREST"
OTHER_SITE = "QUIMPER"
KIOSK_ID = "kiosque-brest-01"
SITE_SECRET = bytes(range(32))
NOW = datetime(2026, 4, 14, 7, 0, tzinfo=UTC)  # 09:00 in Brest

AGENT_LOGIN = "amartin"
AGENT_PASSWORD = "Tr3s-Secret-Brest"
OTHER_AGENT_LOGIN = "bleroy"
OTHER_AGENT_PASSWORD = "Quimper-Secret-29"
INACTIVE_LOGIN = "zancien"

REF_CONVOKED = "CS-2026-000123"
REF_OTHER_OFFICE = "CS-2026-000124"
REF_DELIVERED = "CS-2026-000125"
REF_HOSTILE = "CS-2026-000666"

# Fixed codes (valid check symbols) so that screenshots never change between runs.
FIXED_CODES: Mapping[str, str] = {
    REF_CONVOKED: "7K2M9Q-4TX8HB-R3WZNH",
    REF_OTHER_OFFICE: "K9P2R4-T6V8X0-Z1M3N3",
    REF_DELIVERED: "M1N2P3-Q4R5S6-T7V8WR",
    REF_HOSTILE: "0A1B2C-3D4E5F-6G7H8V",
}

HOSTILE_SURNAME = "[bold red]Pirate[/]"
HOSTILE_GIVEN_NAMES = "\x1b[31mRouge\x1b[0m Éva"
HOSTILE_COMPANY = "[link=https://exemple.invalid]Clic[/link] SARL"

PRODUCT = Product("RGS2-SIGN-3Y", "Signature qualifiée RGS** / eIDAS", 3, KeyAlgorithm.RSA_2048)
QUESTIONS = (
    RevocationQuestion("Nom de votre premier animal ?", "fake$00$00"),
    RevocationQuestion("Ville de naissance de votre mère ?", "fake$00$00"),
    RevocationQuestion("Modèle de ma première voiture ?", "fake$00$00", personal=True),
)


@dataclass(frozen=True)
class World:
    """The services a front end gets, and the handles a test needs behind them."""

    services: Services
    db: MemoryUnitOfWorkFactory
    clock: FixedClock
    codes: Mapping[str, str]  # dossier reference -> withdrawal code as printed

    def code(self, reference: str = REF_CONVOKED) -> str:
        return self.codes[reference]

    def audit_events(self) -> list[AuditEvent]:
        return self.db.audit_events()


def _dossier(
    reference: str,
    office: str,
    state: DossierState,
    company: Company,
    holder: Person,
    delegate: Person | None = None,
) -> Dossier:
    return Dossier(
        reference=reference,
        state=state,
        office_code=office,
        company=company,
        product=PRODUCT,
        holder=holder,
        legal_representative=Person("Kermarrec", "Paul", role_title="Président"),
        delegate=delegate,
        convocation_at=datetime(2026, 4, 14, 7, 30, tzinfo=UTC),
        questions=QUESTIONS,
    )


def sample_dossiers() -> list[Dossier]:
    company = Company("123456782", "12345678200010", "Exemple Industries", "SAS")
    holder = Person("Le Goff", "Jeanne Marie", date(1985, 3, 7), "jeanne.legoff@exemple.fr")
    return [
        _dossier(REF_CONVOKED, SITE, DossierState.CONVOKED, company, holder),
        _dossier(REF_OTHER_OFFICE, OTHER_SITE, DossierState.CONVOKED, company, holder),
        _dossier(
            REF_DELIVERED,
            SITE,
            DossierState.DELIVERED,
            Company("987654324", "98765432400019", "Armor Conseil", "SARL"),
            Person("Morvan", "Yann", date(1979, 11, 30), "yann.morvan@armor.example"),
            delegate=Person("Tanguy", "Annaïg", role_title="Responsable administrative"),
        ),
        _dossier(
            REF_HOSTILE,
            SITE,
            DossierState.CONVOKED,
            Company("111222337", "11122233700011", HOSTILE_COMPANY, "SARL"),
            Person(HOSTILE_SURNAME, HOSTILE_GIVEN_NAMES, date(1990, 1, 2), "x\x07@exemple.fr"),
        ),
    ]


def build_world(*, fixed_codes: bool = True, site: str = SITE) -> World:
    """A fresh world. ``fixed_codes=False`` draws new codes with ``withdrawal.generate()``."""
    clock = FixedClock(NOW)
    db = MemoryUnitOfWorkFactory(clock, site=site, kiosk_id=KIOSK_ID)
    hasher = FakeHasher()
    dossiers = sample_dossiers()
    codes = {
        d.reference: FIXED_CODES[d.reference] if fixed_codes else withdrawal.generate()
        for d in dossiers
    }
    with db() as tx:
        tx.offices.upsert(Office(SITE, "CCI Bretagne Ouest", "Bureau de Brest", "Brest"))
        tx.offices.upsert(Office(OTHER_SITE, "CCI Bretagne Ouest", "Bureau de Quimper", "Quimper"))
        tx.agents.add(
            Agent(AGENT_LOGIN, "Alice Martin", Role.AGENT, SITE, hasher.hash(AGENT_PASSWORD))
        )
        tx.agents.add(
            Agent(
                OTHER_AGENT_LOGIN,
                "Bruno Leroy",
                Role.AGENT,
                OTHER_SITE,
                hasher.hash(OTHER_AGENT_PASSWORD),
            )
        )
        tx.agents.add(
            Agent(
                INACTIVE_LOGIN,
                "Ancien Agent",
                Role.AGENT,
                SITE,
                hasher.hash(AGENT_PASSWORD),
                active=False,
            )
        )
        for dossier in dossiers:
            code_hash = withdrawal.keyed_hash(SITE_SECRET, codes[dossier.reference])
            tx.dossiers.add(dossier, [code_hash])
        tx.commit()
        office = tx.offices.get(site)
    services = Services(
        info=KioskInfo(site, KIOSK_ID, office.name if office else site),
        auth=AuthService(db, hasher, clock),
        lookup=LookupService(db, SITE_SECRET),
        appointments=AppointmentService(db, clock),
        identity=IdentityService(db, clock, SITE_SECRET),
        answers=AnswersService(db, hasher),
        personalisation=None,
        delivery=None,
        pki_problem="Autorité de certification non configurée (données d'essai en mémoire).",
        token_register=None,
        reader=SimulatedReader(now=clock.now),
        terms_version="CGU-TEST",
        certificates=CertificateView(X509CertificateReader()),
        convocations=ConvocationsService(db, clock),
    )
    return World(services, db, clock, codes)
