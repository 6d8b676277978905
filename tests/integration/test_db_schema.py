"""The database the migrations build: the schema the code declares, SQLite's safety settings,
and times that come back as the instants that were stored."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.migrate import alembic_config, current_revision, head_revision, upgrade
from kiosk.adapters.db.schema import metadata
from kiosk.domain.model import Role
from kiosk.services.agents import AgentAdmin
from tests.integration.db_env import database_url, migrated_db, seed_reference_data
from tests.integration.pg_env import postgres

pytestmark = pytest.mark.integration
_FIXTURES = (database_url, postgres)


def schema_drift(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def test_the_migrations_build_exactly_the_declared_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'deep' / 'er' / 'kiosk.db'}"  # folders are created
    upgrade(url)
    assert schema_drift(url) == []
    engine = make_engine(url)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_the_schema_comparison_does_see_a_drift(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_withdrawal_codes_dossier_ref"))
    engine.dispose()
    drift = schema_drift(url)
    assert [d[0] for d in drift if isinstance(d, tuple)] == ["add_index"]


def test_the_migrations_build_exactly_the_declared_schema_on_each_engine(
    database_url: str,
) -> None:
    assert schema_drift(database_url) == []
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_upgrading_twice_changes_nothing(tmp_path: Path, database_url: str) -> None:
    with migrated_db(tmp_path, url=database_url) as db:
        seed_reference_data(db)
        before = db.counts()
        upgrade(db.url)
        assert db.counts() == before


def test_sqlite_runs_with_wal_full_sync_and_foreign_keys(tmp_path: Path) -> None:
    with migrated_db(tmp_path) as db, db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_a_dossier_cannot_point_to_an_unknown_office(tmp_path: Path, database_url: str) -> None:
    with migrated_db(tmp_path, url=database_url) as db:
        seed_reference_data(db)
        with pytest.raises(IntegrityError, match=r"(?i)foreign key"):
            db.sql("INSERT INTO withdrawal_codes (code_hash, dossier_ref) VALUES ('x', 'NOPE')")


def test_times_are_stored_in_utc_and_read_back_aware(tmp_path: Path, database_url: str) -> None:
    paris_winter = timezone(timedelta(hours=1))
    locked_until = datetime(2026, 3, 16, 9, 30, 0, 123456, tzinfo=paris_winter)
    with migrated_db(tmp_path, url=database_url) as db:
        seed_reference_data(db)
        agent = AgentAdmin(db.uow, db.hasher).add(
            "camille", "Camille", Role.AGENT, "BREST", "un mot de passe assez long"
        )
        with db.uow() as tx:
            tx.agents.save(replace(agent, locked_until=locked_until))
            tx.commit()
        with db.uow() as tx:
            stored = tx.agents.get("camille")
        in_utc = "" if db.is_sqlite else " AT TIME ZONE 'UTC'"
        raw = db.sql(f"SELECT locked_until{in_utc} FROM agents")[0][0]
    assert stored is not None
    assert stored.locked_until == locked_until
    assert stored.locked_until is not None
    assert stored.locked_until.tzinfo == UTC
    assert str(raw).startswith("2026-03-16 08:30:00.123456")  # UTC on disk


def test_the_migrations_go_down_to_nothing_and_up_again(database_url: str) -> None:
    command.downgrade(alembic_config(database_url), "base")
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) is None
        upgrade(database_url, engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
    assert schema_drift(database_url) == []
