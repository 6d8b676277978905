"""Real databases for the persistence and CLI tests: SQLite files in temporary folders,
and fresh databases on the session's PostgreSQL server (``pg_env``).

Mostly plain helpers rather than fixtures, so each test module shows what it builds. The
``database_url`` fixture runs a test once per engine; a module using it imports it with
``postgres`` (pytest finds fixtures by the names a module holds):
``from tests.integration.db_env import database_url`` and
``from tests.integration.pg_env import postgres``.
Argon2 runs with the lowest cost here for speed; one test (test_cli) proves production
uses OWASP's.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from kiosk.adapters.crypto.argon2_hasher import Argon2Hasher
from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.migrate import upgrade
from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.adapters.fakes.memory import FixedClock
from kiosk.config import Argon2Params
from kiosk.services.importer import DossierImporter
from tests.integration.pg_env import empty_test_database

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
DATA = Path(__file__).resolve().parent / "data"
SITE_SECRET = bytes.fromhex("5e" * 32)
FAST_ARGON = Argon2Params(time_cost=1, memory_kib=8, parallelism=1)
FAST_ARGON_ENV = {
    "KIOSK_ARGON2_TIME_COST": "1",
    "KIOSK_ARGON2_MEMORY_KIB": "8",
    "KIOSK_ARGON2_PARALLELISM": "1",
}
TABLES = (
    "offices",
    "products",
    "dossiers",
    "withdrawal_codes",
    "revocation_questions",
    "agents",
    "audit_events",
)
# ``-m "not postgres"`` runs the SQLite half alone.
ENGINES = ("sqlite", pytest.param("postgresql", marks=pytest.mark.postgres))


def fast_hasher() -> Argon2Hasher:
    return Argon2Hasher(FAST_ARGON.time_cost, FAST_ARGON.memory_kib, FAST_ARGON.parallelism)


_template: Path | None = None


def _sqlite_template(request: pytest.FixtureRequest) -> Path:
    """A SQLite file migrated once per session, copied for each test."""
    global _template  # noqa: PLW0603 - one per session, kept in the session's folder
    if _template is None:
        factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
        _template = factory.mktemp("sqlite-template") / "kiosk.db"
        upgrade(f"sqlite:///{_template}")
    return _template


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database on each engine in turn."""
    if request.param == "sqlite":
        path = tmp_path / "kiosk.db"
        shutil.copyfile(_sqlite_template(request), path)
        yield f"sqlite:///{path}"
        return
    yield empty_test_database(request.getfixturevalue("postgres"))


@dataclass
class Db:
    path: Path  # the SQLite file; on PostgreSQL, a path that does not exist
    url: str
    engine: Engine
    clock: FixedClock
    uow: SqlUnitOfWorkFactory
    hasher: Argon2Hasher

    def importer(self) -> DossierImporter:
        return DossierImporter(self.uow, self.hasher, SITE_SECRET, clock=self.clock)

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}

    def sql(self, statement: str, **params: Any) -> list[Any]:
        """Raw SQL, as someone with a shell on the machine would run it."""
        with self.engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return list(result) if result.returns_rows else []

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def raw_bytes(self) -> bytes:
        """What a thief of the database would get: SQLite's files, or every row of every
        table on PostgreSQL (its files are the server's)."""
        if self.is_sqlite:
            return b"".join(p.read_bytes() for p in self.path.parent.glob(self.path.name + "*"))
        chunks: list[bytes] = []
        with self.engine.connect() as conn:
            tables = conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            ).scalars()
            for table in list(tables):
                for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                    chunks += [v if isinstance(v, bytes) else str(v).encode() for v in row]
        return b"\n".join(chunks)


@contextmanager
def migrated_db(
    folder: Path, site: str = "BREST", busy_timeout_ms: int = 5000, url: str | None = None
) -> Iterator[Db]:
    """A migrated database: SQLite in ``folder``, or the already migrated ``url``."""
    path = folder / "kiosk.db"
    if url is None:
        url = f"sqlite:///{path}"
        upgrade(url)
    engine = make_engine(url, busy_timeout_ms=busy_timeout_ms)
    clock = FixedClock(datetime(2026, 3, 16, 7, 0, tzinfo=UTC))
    uow = SqlUnitOfWorkFactory(engine, site=site, kiosk_id="test-kiosk", clock=clock)
    try:
        yield Db(path, url, engine, clock, uow, fast_hasher())
    finally:
        engine.dispose()


def seed_reference_data(db: Db) -> None:
    importer = db.importer()
    importer.import_offices(FIXTURES / "offices.json")
    importer.import_products(FIXTURES / "products.json")


def fixture_records() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads(
        (FIXTURES / "dossiers.json").read_text(encoding="utf-8")
    )
    return records


def record(reference: str) -> Mapping[str, Any]:
    return next(r for r in fixture_records() if r["reference"] == reference)


def first_record(**where: str) -> dict[str, Any]:
    """The first fixture dossier whose top-level fields match ``where`` and that has a new
    withdrawal code (unless asked for a legacy one)."""
    for candidate in fixture_records():
        if all(candidate.get(k) == v for k, v in where.items()) and (
            "withdrawal_code" in candidate or "legacy_withdrawal_number" in where
        ):
            return candidate
    raise LookupError(where)
