"""Personalisation: token register, attempts and their step journal, revocation requests,
deliveries.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = sa.DateTime(timezone=True)


def _dossier_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["dossier_ref"], ["dossiers.reference"], name=f"fk_{table}_dossier_ref_dossiers"
    )


def _attempt_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["attempt_id"],
        ["personalisation_attempts.id"],
        name=f"fk_{table}_attempt_id_personalisation_attempts",
    )


def upgrade() -> None:
    op.create_table(
        "token_register",
        sa.Column("serial", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("dossier_ref", sa.String(40), nullable=True),
        sa.Column("label", sa.String(32), nullable=True),
        sa.Column("so_pin_escrow", sa.LargeBinary(), nullable=True),
        sa.Column("escrow_context", sa.String(200), nullable=True),
        sa.Column("escrow_key_id", sa.String(64), nullable=True),
        sa.Column("note", sa.String(300), nullable=True),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.Column("updated_by", sa.String(32), nullable=True),
        _dossier_fk("token_register"),
        sa.PrimaryKeyConstraint("serial", name="pk_token_register"),
    )
    op.create_table(
        "personalisation_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dossier_ref", sa.String(40), nullable=False),
        sa.Column("token_serial", sa.String(64), nullable=False),
        sa.Column("agent", sa.String(32), nullable=False),
        sa.Column("label", sa.String(32), nullable=False),
        sa.Column("wipe", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("step", sa.String(24), nullable=True),
        sa.Column("phase", sa.String(8), nullable=True),
        sa.Column("key_id", sa.String(128), nullable=True),
        sa.Column("public_key_der", sa.LargeBinary(), nullable=True),
        sa.Column("so_pin_escrow", sa.LargeBinary(), nullable=True),
        sa.Column("escrow_context", sa.String(200), nullable=True),
        sa.Column("escrow_key_id", sa.String(64), nullable=True),
        sa.Column("cert_serial", sa.String(64), nullable=True),
        sa.Column("cert_fingerprint", sa.String(64), nullable=True),
        sa.Column("cert_der", sa.LargeBinary(), nullable=True),
        sa.Column("chain_der", sa.Text(), nullable=True),
        sa.Column("not_before", UTC_TIME, nullable=True),
        sa.Column("not_after", UTC_TIME, nullable=True),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("started_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        _dossier_fk("personalisation_attempts"),
        sa.PrimaryKeyConstraint("id", name="pk_personalisation_attempts"),
    )
    op.create_index(
        "ix_personalisation_attempts_dossier_ref", "personalisation_attempts", ["dossier_ref"]
    )
    op.create_index(
        "ix_personalisation_attempts_token_serial", "personalisation_attempts", ["token_serial"]
    )
    op.create_table(
        "personalisation_journal",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("dossier_ref", sa.String(40), nullable=False),
        sa.Column("token_serial", sa.String(64), nullable=False),
        sa.Column("step", sa.String(24), nullable=False),
        sa.Column("phase", sa.String(8), nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("elapsed_ms", sa.Integer(), nullable=True),
        sa.Column("key_id", sa.String(128), nullable=True),
        sa.Column("cert_serial", sa.String(64), nullable=True),
        sa.Column("cert_fingerprint", sa.String(64), nullable=True),
        sa.Column("error", sa.String(500), nullable=True),
        _attempt_fk("personalisation_journal"),
        sa.PrimaryKeyConstraint("id", name="pk_personalisation_journal"),
    )
    op.create_index(
        "ix_personalisation_journal_attempt_id", "personalisation_journal", ["attempt_id"]
    )
    op.create_table(
        "revocation_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dossier_ref", sa.String(40), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("token_serial", sa.String(64), nullable=True),
        sa.Column("cert_serial", sa.String(64), nullable=True),
        sa.Column("cert_fingerprint", sa.String(64), nullable=True),
        sa.Column("cert_der", sa.LargeBinary(), nullable=True),
        sa.Column("public_key_sha256", sa.String(64), nullable=True),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("agent", sa.String(32), nullable=False),
        sa.Column("requested_at", UTC_TIME, nullable=False),
        sa.Column("decided_at", UTC_TIME, nullable=True),
        _dossier_fk("revocation_requests"),
        _attempt_fk("revocation_requests"),
        sa.PrimaryKeyConstraint("id", name="pk_revocation_requests"),
    )
    op.create_index("ix_revocation_requests_dossier_ref", "revocation_requests", ["dossier_ref"])
    op.create_index("ix_revocation_requests_status", "revocation_requests", ["status"])
    op.create_table(
        "deliveries",
        sa.Column("dossier_ref", sa.String(40), nullable=False),
        sa.Column("cert_serial", sa.String(64), nullable=False),
        sa.Column("cert_fingerprint", sa.String(64), nullable=False),
        sa.Column("not_before", UTC_TIME, nullable=False),
        sa.Column("not_after", UTC_TIME, nullable=False),
        sa.Column("token_serial", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(128), nullable=False),
        sa.Column("acceptance_digest", sa.String(64), nullable=False),
        sa.Column("acceptance_signature", sa.LargeBinary(), nullable=False),
        sa.Column("agent", sa.String(32), nullable=False),
        sa.Column("delivered_at", UTC_TIME, nullable=False),
        _dossier_fk("deliveries"),
        sa.PrimaryKeyConstraint("dossier_ref", name="pk_deliveries"),
        sa.UniqueConstraint("cert_serial", name="uq_deliveries_cert_serial"),
    )


def downgrade() -> None:
    op.drop_table("deliveries")
    op.drop_index("ix_revocation_requests_status", table_name="revocation_requests")
    op.drop_index("ix_revocation_requests_dossier_ref", table_name="revocation_requests")
    op.drop_table("revocation_requests")
    op.drop_index("ix_personalisation_journal_attempt_id", table_name="personalisation_journal")
    op.drop_table("personalisation_journal")
    op.drop_index("ix_personalisation_attempts_token_serial", table_name="personalisation_attempts")
    op.drop_index("ix_personalisation_attempts_dossier_ref", table_name="personalisation_attempts")
    op.drop_table("personalisation_attempts")
    op.drop_table("token_register")
