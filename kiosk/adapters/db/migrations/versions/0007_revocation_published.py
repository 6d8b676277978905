"""When the CA was told: ``revocation_requests.published_at``, set once the certification
authority accepted the revocation (at the desk, at a renewal's supersession, or by
``kiosk revocations publish``). A confirmed request without it is the back office's
work: the CA has not revoked that certificate yet.

Requests confirmed before this revision are left unpublished: nothing in the older
records proves the CA accepted them, and asking it again is harmless (a certificate
already revoked counts as done).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("revocation_requests") as batch:
        batch.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("revocation_requests") as batch:
        batch.drop_column("published_at")
