"""Appointments: which kiosk and agent are receiving a dossier's holder (one open claim
per dossier, enforced by a partial unique index).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = sa.DateTime(timezone=True)
OPEN_ONLY = sa.text("ended_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dossier_ref", sa.String(40), nullable=False),
        sa.Column("kiosk", sa.String(64), nullable=False),
        sa.Column("site", sa.String(32), nullable=False),
        sa.Column("agent", sa.String(32), nullable=False),
        sa.Column("agent_name", sa.String(120), nullable=False),
        sa.Column("started_at", UTC_TIME, nullable=False),
        sa.Column("heartbeat_at", UTC_TIME, nullable=False),
        sa.Column("ended_at", UTC_TIME, nullable=True),
        sa.Column("end_reason", sa.String(16), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_ref"], ["dossiers.reference"], name="fk_appointments_dossier_ref_dossiers"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_appointments"),
    )
    op.create_index(
        "ux_appointments_open_dossier",
        "appointments",
        ["dossier_ref"],
        unique=True,
        sqlite_where=OPEN_ONLY,
        postgresql_where=OPEN_ONLY,
    )
    op.create_index(
        "ix_appointments_kiosk_open",
        "appointments",
        ["kiosk"],
        sqlite_where=OPEN_ONLY,
        postgresql_where=OPEN_ONLY,
    )


def downgrade() -> None:
    op.drop_index("ix_appointments_kiosk_open", table_name="appointments")
    op.drop_index("ux_appointments_open_dossier", table_name="appointments")
    op.drop_table("appointments")
