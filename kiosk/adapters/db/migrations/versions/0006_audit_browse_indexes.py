"""Indexes for the auditor's desk: the event type, the agent, the outcome, the dossier
reference and the office of audit events, each followed by the seq so that a filtered
page comes out in log order (``kiosk.adapters.db.audit_reader``). The chain's table
itself is unchanged.

Building them on an existing log reads it once (about 10 s for a million events on
SQLite); each later append writes five index entries more.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_audit_events_event_type": ["event_type", "seq"],
    "ix_audit_events_agent": ["agent", "seq"],
    "ix_audit_events_outcome": ["outcome", "seq"],
    "ix_audit_events_dossier_ref": ["dossier_ref", "seq"],
    "ix_audit_events_site": ["site", "seq"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "audit_events", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="audit_events")
