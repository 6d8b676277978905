"""The audit log's Merkle tree in the database: written with each event in the same
transaction (a tree that cannot be written stops the step), served for proofs by primary
key, built by the migration for a log that predates it, and kept whole by several kiosks
appending at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.migrate import alembic_config, upgrade
from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.domain.audit import GENESIS_HASH, AuditDraft, Outcome, seal
from kiosk.domain.errors import IntegrityError, StorageError
from kiosk.domain.merkle import (
    compact_range_positions,
    root,
    verify_consistency,
    verify_inclusion,
)
from kiosk.domain.merkle_store import consistency_proof, inclusion_proof, tree_root
from kiosk.domain.model import Role
from kiosk.services.agents import AgentAdmin
from kiosk.services.audit_walk import CachedTree, consistency_positions, inclusion_positions
from tests.integration.audit_env import (
    append_events,
    append_from_kiosks,
    append_in_one_transaction,
    leaves_of,
    stored_events,
)
from tests.integration.db_env import Db, database_url, migrated_db, seed_reference_data
from tests.integration.pg_env import postgres

pytestmark = pytest.mark.integration
_FIXTURES = (database_url, postgres)


@pytest.fixture
def db(tmp_path: Path, database_url: str) -> Iterator[Db]:
    with migrated_db(tmp_path, url=database_url) as database:
        yield database


def node_rows(db: Db) -> int:
    return int(db.sql("SELECT count(*) FROM audit_tree_nodes")[0][0])


def test_every_event_brings_its_leaf_and_the_subtrees_it_completes(db: Db) -> None:
    append_events(db, 37)
    leaves = leaves_of(stored_events(db))
    with db.uow() as tx:
        assert tx.audit_tree.size() == 37
        assert tree_root(tx.audit_tree, 37) == root(leaves)
        assert tx.audit_tree.peaks(37) == [
            tree_root(leaves[start : start + (1 << level)], 1 << level)
            for level, index in compact_range_positions(37)
            for start in [index << level]
        ]
    # level 0: 37 leaves; level k: one node per complete run of 2**k leaves
    assert node_rows(db) == sum(37 >> level for level in range(6))


def test_proofs_served_from_the_database_verify(db: Db) -> None:
    append_in_one_transaction(db, 70)
    leaves = leaves_of(stored_events(db))
    with db.uow() as tx:
        for size in (1, 2, 3, 7, 8, 33, 64, 70):
            head = root(leaves[:size])
            for index in range(size):
                proof = inclusion_proof(tx.audit_tree, index, size)
                assert verify_inclusion(leaves[index], index, size, proof, head)
            for old in range(size + 1):
                proof = consistency_proof(tx.audit_tree, old, size)
                assert verify_consistency(old, size, root(leaves[:old]), head, proof)


def test_a_proofs_nodes_are_known_beforehand_and_read_at_once(db: Db) -> None:
    append_in_one_transaction(db, 45)
    with db.uow() as tx:
        for size in (1, 5, 16, 45):
            for index in range(size):
                positions = inclusion_positions(index, size)
                assert len(tx.audit_tree.nodes(positions)) == len(set(positions))
                tree = CachedTree(tx.audit_tree)
                tree.prefetch(positions)
                assert inclusion_proof(tree, index, size) == inclusion_proof(
                    tx.audit_tree, index, size
                )
            for old in range(size + 1):
                positions = consistency_positions(old, size)
                assert len(tx.audit_tree.nodes(positions)) == len(set(positions))


def test_a_step_not_committed_leaves_no_tree_node(db: Db) -> None:
    append_events(db, 3)
    with db.uow() as tx:
        tx.audit.append(AuditDraft("dossier.lookup", Outcome.SUCCESS, "camille"))
    assert node_rows(db) == node_rows_for(3)
    append_events(db, 1)
    leaves = leaves_of(stored_events(db))
    with db.uow() as tx:
        assert tree_root(tx.audit_tree, 4) == root(leaves)


def node_rows_for(size: int) -> int:
    return sum(size >> level for level in range(size.bit_length()))


def refuse_tree_inserts(db: Db) -> None:
    if db.is_sqlite:
        db.sql(
            "CREATE TRIGGER refuse_tree BEFORE INSERT ON audit_tree_nodes "
            "BEGIN SELECT RAISE(ABORT, 'tree refused'); END"
        )
        return
    db.sql(
        "CREATE FUNCTION refuse_tree() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'tree refused'; END $$ LANGUAGE plpgsql"
    )
    db.sql(
        "CREATE TRIGGER refuse_tree BEFORE INSERT ON audit_tree_nodes "
        "FOR EACH ROW EXECUTE FUNCTION refuse_tree()"
    )


def allow_tree_inserts(db: Db) -> None:
    db.sql("DROP TRIGGER refuse_tree" + ("" if db.is_sqlite else " ON audit_tree_nodes"))
    if not db.is_sqlite:
        db.sql("DROP FUNCTION refuse_tree()")


def test_an_event_whose_tree_cannot_be_written_stops_the_step_it_records(db: Db) -> None:
    seed_reference_data(db)
    events_before = db.counts()["audit_events"]
    refuse_tree_inserts(db)
    try:
        with pytest.raises(StorageError) as caught:
            AgentAdmin(db.uow, db.hasher).add(
                "gwen", "Gwenn Ar Gall", Role.AGENT, "BREST", "Kouign-Amann-2026!"
            )
    finally:
        allow_tree_inserts(db)
    assert "n'a pas eu lieu" in caught.value.message
    assert "tree refused" not in caught.value.message
    with db.uow() as tx:
        assert tx.agents.get("gwen") is None  # the state change went with its event
    assert db.counts()["audit_events"] == events_before
    # and the log goes on from where it was, tree included
    append_events(db, 2)
    leaves = leaves_of(stored_events(db))
    with db.uow() as tx:
        assert tree_root(tx.audit_tree, tx.audit_tree.size()) == root(leaves)


def test_a_tree_with_a_missing_node_refuses_the_next_event(db: Db) -> None:
    append_events(db, 4)
    db.sql("DELETE FROM audit_tree_nodes WHERE level = 2")
    with pytest.raises(IntegrityError, match="arbre de Merkle du journal d'audit est incomplet"):
        append_events(db, 1)
    assert db.counts()["audit_events"] == 4


def test_kiosks_appending_at_once_keep_one_tree_over_one_chain(db: Db) -> None:
    append_from_kiosks(db.url, kiosks=3, each=20)
    leaves = leaves_of(stored_events(db))
    assert len(leaves) == 60
    with db.uow() as tx:
        assert tx.audit_tree.size() == 60
        assert tree_root(tx.audit_tree, 60) == root(leaves)
    assert node_rows(db) == node_rows_for(60)


def test_the_migration_builds_the_tree_of_a_log_that_predates_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0002")
    engine = make_engine(url)
    at, prev = datetime(2026, 1, 5, 9, 0, tzinfo=UTC), GENESIS_HASH
    with engine.begin() as conn:
        for seq in range(1, 1001):
            draft = AuditDraft("agent.login", Outcome.SUCCESS, "camille", None, {"n": seq})
            event = seal(draft, seq, at + timedelta(minutes=seq), "BREST", "old-kiosk", prev)
            conn.execute(
                text(
                    "INSERT INTO audit_events VALUES (:seq, :at, 'BREST', 'old-kiosk', 'camille',"
                    " NULL, 'agent.login', 'success', :details, :prev, :hash)"
                ),
                {
                    "seq": seq,
                    "at": event.at.replace(tzinfo=None),
                    "details": f'{{"n": {seq}}}',
                    "prev": prev,
                    "hash": event.hash,
                },
            )
            prev = event.hash
    engine.dispose()

    upgrade(url)  # what « kiosk db upgrade » runs

    engine = make_engine(url)
    uow = SqlUnitOfWorkFactory(engine, site="BREST", kiosk_id="old-kiosk")
    with uow() as tx:
        leaves = leaves_of(list(tx.audit.events()))
        assert tx.audit_tree.size() == 1000
        assert tree_root(tx.audit_tree, 1000) == root(leaves)
        tx.audit.append(AuditDraft("agent.logout", Outcome.SUCCESS, "camille"))
        tx.commit()
    with uow() as tx:
        leaves = leaves_of(list(tx.audit.events()))
        assert tree_root(tx.audit_tree, 1001) == root(leaves)
    engine.dispose()
