"""A renewal on the holder's own token keeps their key: ``personalisation_attempts.
keeps_key_of`` names the renewed dossier whose key pair and certificate stay on the token
beside the new ones until the renewal is accepted (then they are discarded). Such a run
never initialises the token; a failure in it never declares the holder's token defective.

Attempts before this revision all started from a blank or wiped token: NULL.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("personalisation_attempts") as batch:
        batch.add_column(sa.Column("keeps_key_of", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("personalisation_attempts") as batch:
        batch.drop_column("keeps_key_of")
