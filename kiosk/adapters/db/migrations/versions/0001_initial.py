"""Initial schema: offices, products, dossiers, withdrawal codes, revocation questions,
agents and the audit chain.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "offices",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("chamber", sa.String(120), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_offices"),
    )
    op.create_table(
        "products",
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("validity_years", sa.Integer(), nullable=False),
        sa.Column("key_algorithm", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_products"),
    )
    op.create_table(
        "dossiers",
        sa.Column("reference", sa.String(40), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("office_code", sa.String(32), nullable=False),
        sa.Column("company_siren", sa.String(9), nullable=False),
        sa.Column("company_siret", sa.String(14), nullable=False),
        sa.Column("company_name", sa.String(200), nullable=False),
        sa.Column("company_legal_form", sa.String(60), nullable=False),
        sa.Column("product_code", sa.String(40), nullable=False),
        sa.Column("holder_surname", sa.String(100), nullable=False),
        sa.Column("holder_given_names", sa.String(100), nullable=False),
        sa.Column("holder_birth_date", sa.Date(), nullable=True),
        sa.Column("holder_email", sa.String(254), nullable=True),
        sa.Column("legal_rep_surname", sa.String(100), nullable=False),
        sa.Column("legal_rep_given_names", sa.String(100), nullable=False),
        sa.Column("legal_rep_title", sa.String(100), nullable=True),
        sa.Column("delegate_surname", sa.String(100), nullable=True),
        sa.Column("delegate_given_names", sa.String(100), nullable=True),
        sa.Column("delegate_birth_date", sa.Date(), nullable=True),
        sa.Column("delegate_email", sa.String(254), nullable=True),
        sa.Column("delegate_title", sa.String(100), nullable=True),
        sa.Column("convocation_at", UTC_TIME, nullable=True),
        sa.Column("refusal_reason", sa.String(500), nullable=True),
        sa.Column("failed_answer_attempts", sa.Integer(), nullable=False),
        sa.Column("answers_locked", sa.Boolean(), nullable=False),
        sa.Column("content_digest", sa.String(64), nullable=True),
        sa.Column("imported_at", UTC_TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["office_code"], ["offices.code"], name="fk_dossiers_office_code_offices"
        ),
        sa.ForeignKeyConstraint(
            ["product_code"], ["products.code"], name="fk_dossiers_product_code_products"
        ),
        sa.PrimaryKeyConstraint("reference", name="pk_dossiers"),
    )
    op.create_index(
        "ix_dossiers_office_code_convocation_at", "dossiers", ["office_code", "convocation_at"]
    )
    op.create_table(
        "withdrawal_codes",
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("dossier_ref", sa.String(40), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_ref"], ["dossiers.reference"], name="fk_withdrawal_codes_dossier_ref_dossiers"
        ),
        sa.PrimaryKeyConstraint("code_hash", name="pk_withdrawal_codes"),
    )
    op.create_index("ix_withdrawal_codes_dossier_ref", "withdrawal_codes", ["dossier_ref"])
    op.create_table(
        "revocation_questions",
        sa.Column("dossier_ref", sa.String(40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(300), nullable=False),
        sa.Column("answer_hash", sa.String(200), nullable=False),
        sa.Column("personal", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_ref"],
            ["dossiers.reference"],
            name="fk_revocation_questions_dossier_ref_dossiers",
        ),
        sa.PrimaryKeyConstraint("dossier_ref", "position", name="pk_revocation_questions"),
    )
    op.create_table(
        "agents",
        sa.Column("login", sa.String(32), nullable=False),
        sa.Column("display_name", sa.String(120), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("office_code", sa.String(32), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTC_TIME, nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_code"], ["offices.code"], name="fk_agents_office_code_offices"
        ),
        sa.PrimaryKeyConstraint("login", name="pk_agents"),
    )
    op.create_table(
        "audit_events",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("site", sa.String(32), nullable=False),
        sa.Column("kiosk", sa.String(64), nullable=False),
        sa.Column("agent", sa.String(32), nullable=True),
        sa.Column("dossier_ref", sa.String(40), nullable=True),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_events"),
        sa.UniqueConstraint("prev_hash", name="uq_audit_events_prev_hash"),
        sa.UniqueConstraint("hash", name="uq_audit_events_hash"),
    )


def downgrade() -> None:
    op.drop_table("audit_events")
    op.drop_table("agents")
    op.drop_table("revocation_questions")
    op.drop_index("ix_withdrawal_codes_dossier_ref", table_name="withdrawal_codes")
    op.drop_table("withdrawal_codes")
    op.drop_index("ix_dossiers_office_code_convocation_at", table_name="dossiers")
    op.drop_table("dossiers")
    op.drop_table("products")
    op.drop_table("offices")
