"""Personalisation time per key profile (issue 5), against the raw PKCS#11 + CA floor.

A private SoftHSM holds the embedded CA's token (RSA-3072 issuing key) and one blank
slot; a migrated SQLite file (WAL, synchronous FULL) holds one new convoked dossier per
run. Each run, ``PersonalisationService.personalise`` on an appointment whose identity
and answers have passed, and the floor (``personalisation_floor``) take turns, and the
tokens they made are dropped in between, so both always meet the same two slots.

RSA key generation varies by hundreds of milliseconds from one key to the next, more than
anything the kiosk adds: the same comparison is also printed without it (the time inside
``token_keys.generate_key_pair``, which both sides call, is taken off each run).

The service's ports are wrapped in ``ledger`` proxies, which tell the time spent inside
the token and CA calls (what the floor pays, plus the adapter's sessions, slot scans and
the verification reads) from the service's own time, itself split into open database
transactions, commits, the SO PIN escrow, the certificate checks and the rest.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import cast

from cryptography.hazmat.primitives.asymmetric import rsa

from bench.ledger import Charged, ChargedTransactions, Ledger, charging
from bench.personalisation_floor import raw_personalisation
from bench.report import Sample, line
from bench.softhsm import MODULE, TokenDrawer, private_softhsm
from kiosk.adapters.ca.checks import X509CertificateChecker
from kiosk.adapters.ca.embedded_ca import EmbeddedCA
from kiosk.adapters.clock import SystemClock
from kiosk.adapters.crypto.escrow import RsaOaepEscrow
from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.migrate import upgrade
from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.adapters.token import token_keys
from kiosk.adapters.token.library import Pkcs11Library
from kiosk.adapters.token.pkcs11_token import Pkcs11TokenAdapter
from kiosk.domain.certificates import CertificateAuthority, SubjectSpec
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.model import Company, Dossier, KeyAlgorithm, Office, Person, Product, Role
from kiosk.domain.personalisation_ports import (
    CertificateChecker,
    IssuancePolicy,
    PersonalisationUnitOfWorkFactory,
    SoPinEscrow,
)
from kiosk.domain.token_ports import TokenPort
from kiosk.services.appointment import Appointment
from kiosk.services.auth import AgentSession
from kiosk.services.personalisation import PersonalisationService

SITE = "BREST"
SESSION = AgentSession("bench", "Bench", Role.AGENT, SITE)
USER_PIN = "Kp7-tonnerre"
POLICY = IssuancePolicy(
    policy_oid="1.2.250.1.999.1.2.3",
    crl_url="http://crl.kiosque.example/ac-signature.crl",
    ca_issuers_url="http://ac.kiosque.example/ac-signature.crt",
)
RUNS = {KeyAlgorithm.EC_P256: 30, KeyAlgorithm.RSA_2048: 15, KeyAlgorithm.RSA_3072: 8}
FLOOR = "raw PKCS#11 + CA issue"
OWN_PARTS = (
    ("database", "SQL in open transactions"),
    ("commit", "commits (fsync)"),
    ("escrow", "SO PIN escrow (RSA-OAEP)"),
    ("checks", "certificate checks"),
)


class Desk:
    """The kiosk side: database, ports wrapped in the ledger, the service."""

    def __init__(self, work: Path) -> None:
        url = f"sqlite:///{work / 'kiosk.db'}"
        upgrade(url)
        self.engine = make_engine(url)
        self.clock = SystemClock()
        self.db = SqlUnitOfWorkFactory(self.engine, site=SITE, kiosk_id="bench", clock=self.clock)
        with self.db() as tx:
            tx.offices.upsert(Office(SITE, "CCI Bretagne Ouest", "Brest", "1 place"))
            tx.commit()
        self.ca = EmbeddedCA.create(work / "ca", module_path=MODULE, token_label="BENCH-CA")  # noqa: S106 - a label
        self.library = Pkcs11Library.shared(MODULE)
        self.ledger = Ledger()
        escrow_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
        escrow = RsaOaepEscrow(escrow_key.public_key())  # the back office's, 3072 as advised
        self.service = PersonalisationService(
            cast(PersonalisationUnitOfWorkFactory, ChargedTransactions(self.db, self.ledger)),
            cast(TokenPort, Charged(Pkcs11TokenAdapter(MODULE), self.ledger, "token")),
            cast(CertificateAuthority, Charged(self.ca, self.ledger, "ca")),
            cast(
                CertificateChecker,
                Charged(X509CertificateChecker([self.ca.chain()[-1]]), self.ledger, "checks"),
            ),
            cast(SoPinEscrow, Charged(escrow, self.ledger, "escrow")),
            POLICY,
            self.clock,
        )
        self._made = 0

    def new_dossier(self, algorithm: KeyAlgorithm) -> Dossier:
        self._made += 1
        record = Dossier(
            reference=f"CS-2026-{self._made:06d}",
            state=DossierState.CONVOKED,
            office_code=SITE,
            company=Company("732829320", "73282932000074", "Boulangerie Lefèvre", "SARL"),
            product=Product(f"SIGN-{algorithm.value}", "Signature qualifiée", 3, algorithm),
            holder=Person("Lefèvre", "Hélène Marie", birth_date=date(1984, 2, 29)),
            legal_representative=Person("Lefèvre", "Jean"),
            convocation_at=self.clock.now(),
        )
        with self.db() as tx:
            tx.products.upsert(record.product)
            tx.dossiers.add(record, [])
            tx.commit()
        return record

    def personalise(self, record: Dossier) -> float:
        """One run through the service; its wall time (the ledger has the parts)."""
        appointment = Appointment(
            SESSION,
            record,
            self.clock.now(),
            identity_passed=True,
            photo_confirmed=True,
            answers_passed=True,
        )
        self.ledger.reset()
        start = time.perf_counter()
        self.service.personalise(appointment, "", USER_PIN)
        return time.perf_counter() - start

    def raw(self, record: Dossier) -> float:
        """One run of the floor; its wall time (the ledger has the key generation)."""
        subject = SubjectSpec.for_holder(record.holder, record.company)
        profile = POLICY.profile_for(record.product)
        label = f"RAW {record.reference}"
        self.ledger.reset()
        start = time.perf_counter()
        raw_personalisation(
            self.library, self.ca, record.product.key_algorithm, label, subject, profile, USER_PIN
        )
        return time.perf_counter() - start


Durations = dict[str, list[float]]


def _measure(desk: Desk, drawer: TokenDrawer, algorithm: KeyAlgorithm, runs: int) -> Durations:
    """Runs of the service and of the floor, in turn; durations by name."""
    found: Durations = {}

    def keep(name: str, seconds: float) -> None:
        found.setdefault(name, []).append(seconds)

    def service_run() -> None:
        total = desk.personalise(desk.new_dossier(algorithm))
        spent = desk.ledger.spent
        devices = spent["token"] + spent["keygen"] + spent["ca"]
        keep("service", total)
        keep("service without keygen", total - spent["keygen"])
        keep("devices without keygen", devices - spent["keygen"])
        keep("own", total - devices)
        for key, _ in OWN_PARTS:
            keep(key, spent[key])
        keep("rest", total - devices - sum(spent[key] for key, _ in OWN_PARTS))

    def floor_run() -> None:
        total = desk.raw(desk.new_dossier(algorithm))
        keep("floor", total)
        keep("floor without keygen", total - desk.ledger.spent["keygen"])

    turns: tuple[Callable[[], None], Callable[[], None]] = (service_run, floor_run)
    for i in range(runs):
        for run in turns if i % 2 == 0 else turns[::-1]:  # neither always goes first
            run()
            drawer.drop_new()
    return found


def _print_profile(name: str, runs: int, found: Durations) -> None:
    floor = Sample.of(found["floor"])
    line(f"personalise {name} ({runs} runs, service)", Sample.of(found["service"]), FLOOR, floor)
    line(
        f"  {name}: both without key generation",
        Sample.of(found["service without keygen"]),
        FLOOR + " - keygen",
        Sample.of(found["floor without keygen"]),
    )
    line(
        f"  {name}: token + CA calls, without keygen",
        Sample.of(found["devices without keygen"]),
        FLOOR + " - keygen",
        Sample.of(found["floor without keygen"]),
    )
    line(f"  {name}: service's own time", Sample.of(found["own"]), FLOOR, floor)


def _print_own_parts(found: Durations) -> None:
    own = Sample.of(found["own"])
    runs = len(found["own"])
    print(f"-- where the service's own time goes ({runs} runs, all profiles), against that time")
    for key, label in [*OWN_PARTS, ("rest", "the rest (service code)")]:
        line(f"  own: {label}", Sample.of(found[key]), "service's own time", own)


def run(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="personalisation-", dir=folder))
    try:
        with private_softhsm(work) as tokens:
            desk = Desk(work)
            drawer = TokenDrawer(tokens)  # the CA's token stays
            try:
                with charging(token_keys, "generate_key_pair", desk.ledger, "keygen"):
                    _run_all(desk, drawer)
            finally:
                desk.engine.dispose()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run_all(desk: Desk, drawer: TokenDrawer) -> None:
    desk.personalise(desk.new_dossier(KeyAlgorithm.EC_P256))  # warm-up
    desk.raw(desk.new_dossier(KeyAlgorithm.EC_P256))
    drawer.drop_new()
    print(
        "-- personalisation: SoftHSM 2.6, embedded CA (RSA-3072 key on SoftHSM),"
        " SQLite on disk (WAL, synchronous FULL)"
    )
    pooled: Durations = {}
    for algorithm, runs in RUNS.items():
        found = _measure(desk, drawer, algorithm, runs)
        _print_profile(algorithm.value, runs, found)
        for key, values in found.items():
            pooled.setdefault(key, []).extend(values)
    _print_own_parts(pooled)
