"""Tables of the tamper-evident audit log, declared on the kiosk's one ``metadata``: the
Merkle tree over the chain, the signed checkpoints, and the personal data kept apart from
what the chain commits to. Migration 0003 builds exactly these (and fills the tree of a log
that predates it).

``audit_tree_nodes`` holds the root of every perfect aligned subtree (level 0: the leaf
hashes), never updated once written (see ``kiosk.domain.merkle_store``). On SQLite it is a
WITHOUT ROWID table: the primary key is the table, which halves its size (about 130 bytes
per event in all).
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Table,
    Text,
)

from kiosk.adapters.db.schema import UtcDateTime, metadata

audit_tree_nodes = Table(
    "audit_tree_nodes",
    metadata,
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("idx", Integer, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
    sqlite_with_rowid=False,
)

audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("size", Integer, nullable=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("text", Text, nullable=False),  # the signed note, verbatim
    Index(None, "size"),
)

audit_personal_data = Table(
    "audit_personal_data",
    metadata,
    Column(
        "seq",
        Integer,
        ForeignKey("audit_events.seq"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("fields", Text, nullable=True),  # canonical JSON; NULL once erased
    Column("salt", LargeBinary(16), nullable=True),  # NULL once erased
    Column("erased_at", UtcDateTime, nullable=True),
)

# Exports and the retention job select events by time.
audit_events_at = Index("ix_audit_events_at", metadata.tables["audit_events"].c.at)

# The auditor's desk filters by these (migration 0006); the seq after each keeps a filtered
# page in log order without a sort.
_EVENTS = metadata.tables["audit_events"].c
audit_events_browse = (
    Index("ix_audit_events_event_type", _EVENTS.event_type, _EVENTS.seq),
    Index("ix_audit_events_agent", _EVENTS.agent, _EVENTS.seq),
    Index("ix_audit_events_outcome", _EVENTS.outcome, _EVENTS.seq),
    Index("ix_audit_events_dossier_ref", _EVENTS.dossier_ref, _EVENTS.seq),
    Index("ix_audit_events_site", _EVENTS.site, _EVENTS.seq),
)
