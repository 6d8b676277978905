"""Checking a holder's three revocation answers (issue 4), Argon2id at production cost.

A migrated SQLite database (WAL, synchronous FULL) in a temporary folder gets the fixture
offices, products and one dossier with three questions, hashed with ``Argon2Params()``
(OWASP: 19 MiB, 2 passes, 1 lane). An appointment is opened and its identity passed
through the real services, then ``AnswersService.check`` is timed against the floor of
three bare ``argon2.PasswordHasher.verify`` calls on the same hashes.

The check verifies every answer whatever the outcome, so a set whose first answer is
wrong and one whose last answer is wrong must take the same time: both are timed, taken
in turn, and printed against each other. The wrong sets go to a service whose lifetime
limit is out of reach, so that the dossier never locks during the run (same code path).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher, Type

from bench.report import line, timed_interleaved
from kiosk.adapters.clock import SystemClock
from kiosk.adapters.crypto.argon2_hasher import Argon2Hasher
from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.migrate import upgrade
from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.config import Argon2Params
from kiosk.domain.answers import fold
from kiosk.domain.model import Role
from kiosk.services.answers import AnswersService
from kiosk.services.appointment import Appointment, AppointmentService
from kiosk.services.auth import AgentSession
from kiosk.services.identity import IdentityService
from kiosk.services.importer import DossierImporter

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SITE_SECRET = bytes.fromhex("5e" * 32)
AGENT = AgentSession("bench", "Bench", Role.AGENT, "BREST")
REFERENCE = "CS-2026-001047"  # Zoé Kerhervé, three questions on file
RIGHT = ["Les Tilleuls", "Citroën Visa", "galettes saucisse"]
WRONG_FIRST = ["Les Marronniers", *RIGHT[1:]]
WRONG_LAST = [*RIGHT[:2], "crêpes"]
# Her passport (check digits as tests/unit/mrz_samples.td3 computes them).
PASSPORT = (
    "P<FRAKERHERVE<<ZOE<<<<<<<<<<<<<<<<<<<<<<<<<<\n19FR846215FRA7305047F3102101<<<<<<<<<<<<<<08"
)
RUNS = 40


def _fixture_dossier(reference: str) -> dict[str, Any]:
    records: list[dict[str, Any]] = json.loads(
        (FIXTURES / "dossiers.json").read_text(encoding="utf-8")
    )
    return next(r for r in records if r["reference"] == reference)


def _production_hasher(params: Argon2Params) -> Argon2Hasher:
    return Argon2Hasher(params.time_cost, params.memory_kib, params.parallelism)


def _identified(uow: SqlUnitOfWorkFactory, clock: SystemClock) -> Appointment:
    with uow() as tx:
        dossier = tx.dossiers.get(REFERENCE)
    assert dossier is not None
    appointment = AppointmentService(uow, clock).open(AGENT, dossier)
    identity = IdentityService(uow, clock, SITE_SECRET)
    report = identity.check(appointment, identity.read_mrz(appointment, PASSPORT))
    assert report.passed, [c.explanation for c in report.failures]
    identity.confirm_photo(appointment, matches=True)
    return appointment


def run(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="answers-", dir=folder))
    try:
        _measure(work)
    finally:
        shutil.rmtree(work)


def _measure(work: Path) -> None:
    params = Argon2Params()
    hasher = _production_hasher(params)
    url = f"sqlite:///{work / 'kiosk.db'}"
    upgrade(url)
    engine = make_engine(url)
    clock = SystemClock()
    uow = SqlUnitOfWorkFactory(engine, site="BREST", kiosk_id="bench", clock=clock)
    importer = DossierImporter(uow, hasher, SITE_SECRET, clock=clock)
    importer.import_offices(FIXTURES / "offices.json")
    importer.import_products(FIXTURES / "products.json")
    importer.import_records([_fixture_dossier(REFERENCE)], source="bench")

    appointment = _identified(uow, clock)
    stored = [q.answer_hash for q in appointment.dossier.questions]
    assert len(stored) == 3 and all(f"m={params.memory_kib}," in h for h in stored)
    bare = PasswordHasher(
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=32,
        salt_len=16,
        type=Type.ID,
    )
    folded = [fold(a) for a in RIGHT]

    def floor_check() -> None:
        for answer_hash, answer in zip(stored, folded, strict=True):
            bare.verify(answer_hash, answer)

    service = AnswersService(uow, hasher)

    def right_set() -> None:
        assert service.check(appointment, RIGHT).ok

    never_locks = AnswersService(uow, hasher, per_appointment=10**9, per_dossier=10**9)

    def first_wrong() -> None:
        assert not never_locks.check(appointment, WRONG_FIRST).ok

    def last_wrong() -> None:
        assert not never_locks.check(appointment, WRONG_LAST).ok

    right_set()  # warm-up: SQL statements compiled, pages in cache
    first_wrong()
    # All four in turn, so that drift from other processes falls on each alike.
    service_sample, floor_sample, first_sample, last_sample = timed_interleaved(
        [right_set, floor_check, first_wrong, last_wrong], RUNS
    )

    cost = f"m={params.memory_kib} KiB, t={params.time_cost}, p={params.parallelism}"
    print(f"-- revocation answers: Argon2id ({cost}), SQLite on disk (WAL, synchronous FULL)")
    floor_name = "3 bare argon2 verify"
    line("answers check, right set (service)", service_sample, floor_name, floor_sample)
    line("answers check, first answer wrong", first_sample, floor_name, floor_sample)
    line("answers check, last answer wrong", last_sample, floor_name, floor_sample)
    line("last wrong vs first wrong (constant time)", last_sample, "first wrong", first_sample)
    engine.dispose()
