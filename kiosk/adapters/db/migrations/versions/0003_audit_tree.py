"""Tamper-evident audit log: Merkle tree nodes, signed checkpoints, personal data kept apart;
the tree of an existing log is built here, from its events' hashes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from kiosk.domain.merkle import MerkleAccumulator, leaf_hash

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = sa.DateTime(timezone=True)
_BATCH = 10_000


def upgrade() -> None:
    op.create_table(
        "audit_tree_nodes",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name="pk_audit_tree_nodes"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("root", sa.LargeBinary(32), nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_checkpoints"),
    )
    op.create_index("ix_audit_checkpoints_size", "audit_checkpoints", ["size"])
    op.create_table(
        "audit_personal_data",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("fields", sa.Text(), nullable=True),
        sa.Column("salt", sa.LargeBinary(16), nullable=True),
        sa.Column("erased_at", UTC_TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["seq"], ["audit_events.seq"], name="fk_audit_personal_data_seq_audit_events"
        ),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_personal_data"),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    backfill_tree(op.get_bind())


def backfill_tree(connection: sa.Connection) -> int:
    """Build the tree of the events already stored, in seq order; returns the leaf count.
    The chain is not judged here: ``kiosk audit verify`` does that, tree included."""
    events = sa.table("audit_events", sa.column("seq", sa.Integer), sa.column("hash", sa.String))
    nodes = sa.table(
        "audit_tree_nodes",
        sa.column("level", sa.Integer),
        sa.column("idx", sa.Integer),
        sa.column("hash", sa.LargeBinary),
    )
    page = (
        sa.select(events.c.seq, events.c.hash)
        .where(events.c.seq > sa.bindparam("after"))
        .order_by(events.c.seq)
        .limit(_BATCH)
    )
    acc = MerkleAccumulator()
    after = 0
    while True:
        batch = connection.execute(page, {"after": after}).all()
        if not batch:
            return acc.size
        rows: list[dict[str, Any]] = []
        for seq, chain_hash in batch:
            leaf = leaf_hash(bytes.fromhex(chain_hash))
            rows.append({"level": 0, "idx": acc.size, "hash": leaf})
            rows += [
                {"level": n.level, "idx": n.index, "hash": n.hash} for n in acc.append_nodes(leaf)
            ]
            after = seq
        connection.execute(sa.insert(nodes), rows)


def downgrade() -> None:
    op.drop_index("ix_audit_events_at", table_name="audit_events")
    op.drop_table("audit_personal_data")
    op.drop_index("ix_audit_checkpoints_size", table_name="audit_checkpoints")
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_tree_nodes")
