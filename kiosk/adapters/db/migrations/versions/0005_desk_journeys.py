"""Desk journeys after a delivery: renewal dossiers (kind, the dossier renewed, the serial
of the certificate replaced), products whose renewal may reuse the holder's token, the
purpose of an appointment (delivery, PIN unblock, revocation), and revocation requests
for certificates the kiosk did not issue itself (no personalisation attempt).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="first"))
        batch.add_column(sa.Column("renews_reference", sa.String(40), nullable=True))
        batch.add_column(sa.Column("renews_serial", sa.String(64), nullable=True))
        batch.create_index("ix_dossiers_renews_reference", ["renews_reference"])
    with op.batch_alter_table("products") as batch:
        batch.add_column(
            sa.Column("token_reuse", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("appointments") as batch:
        batch.add_column(
            sa.Column("purpose", sa.String(16), nullable=False, server_default="delivery")
        )
    with op.batch_alter_table("revocation_requests") as batch:
        batch.alter_column("attempt_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("revocation_requests") as batch:
        batch.alter_column("attempt_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("appointments") as batch:
        batch.drop_column("purpose")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("token_reuse")
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_index("ix_dossiers_renews_reference")
        batch.drop_column("renews_serial")
        batch.drop_column("renews_reference")
        batch.drop_column("kind")
