"""The tables of the kiosk (SQLAlchemy Core), kept portable between SQLite and PostgreSQL.

Nothing secret is stored in clear: withdrawal numbers only as keyed hashes (HMAC with the
site secret), passwords and revocation answers only as Argon2id PHC strings. The Alembic
migrations must produce exactly this schema (a test compares them).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
)
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime stored in UTC, read back aware in UTC on every database.

    SQLite keeps no offset: the value is stored as naive UTC and tagged UTC on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: the kiosk stores aware UTC times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"unexpected stored time {type(value).__name__}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


offices = Table(
    "offices",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("chamber", String(120), nullable=False),
    Column("name", String(120), nullable=False),
    Column("address", String(300), nullable=False),
)

products = Table(
    "products",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("label", String(200), nullable=False),
    Column("validity_years", Integer, nullable=False),
    Column("key_algorithm", String(16), nullable=False),
    # A renewal of this product may go on the holder's current token (migration 0005).
    Column("token_reuse", Boolean, nullable=False, default=False, server_default=false()),
)

dossiers = Table(
    "dossiers",
    metadata,
    Column("reference", String(40), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("office_code", String(32), ForeignKey("offices.code"), nullable=False),
    Column("company_siren", String(9), nullable=False),
    Column("company_siret", String(14), nullable=False),
    Column("company_name", String(200), nullable=False),
    Column("company_legal_form", String(60), nullable=False),
    Column("product_code", String(40), ForeignKey("products.code"), nullable=False),
    Column("holder_surname", String(100), nullable=False),
    Column("holder_given_names", String(100), nullable=False),
    Column("holder_birth_date", Date, nullable=True),
    Column("holder_email", String(254), nullable=True),
    Column("legal_rep_surname", String(100), nullable=False),
    Column("legal_rep_given_names", String(100), nullable=False),
    Column("legal_rep_title", String(100), nullable=True),
    Column("delegate_surname", String(100), nullable=True),
    Column("delegate_given_names", String(100), nullable=True),
    Column("delegate_birth_date", Date, nullable=True),
    Column("delegate_email", String(254), nullable=True),
    Column("delegate_title", String(100), nullable=True),
    Column("convocation_at", UtcDateTime, nullable=True),
    Column("refusal_reason", String(500), nullable=True),
    Column("failed_answer_attempts", Integer, nullable=False, default=0),
    Column("answers_locked", Boolean, nullable=False, default=False),
    Column("content_digest", String(64), nullable=True),
    Column("imported_at", UtcDateTime, nullable=True),
    # A renewal names the dossier it renews and, as the back office gave it, the serial of
    # the certificate it replaces (migration 0005; ``kiosk.domain.renewal``).
    Column("kind", String(16), nullable=False, default="first", server_default="first"),
    Column("renews_reference", String(40), nullable=True),
    Column("renews_serial", String(64), nullable=True),
    Index(None, "office_code", "convocation_at"),
    Index(None, "renews_reference"),
)

withdrawal_codes = Table(
    "withdrawal_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("dossier_ref", String(40), ForeignKey("dossiers.reference"), nullable=False),
    Index(None, "dossier_ref"),
)

revocation_questions = Table(
    "revocation_questions",
    metadata,
    Column("dossier_ref", String(40), ForeignKey("dossiers.reference"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("question", String(300), nullable=False),
    Column("answer_hash", String(200), nullable=False),
    Column("personal", Boolean, nullable=False, default=False),
)

agents = Table(
    "agents",
    metadata,
    Column("login", String(32), primary_key=True),
    Column("display_name", String(120), nullable=False),
    Column("role", String(16), nullable=False),
    Column("office_code", String(32), ForeignKey("offices.code"), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", UtcDateTime, nullable=True),
    Column("active", Boolean, nullable=False, default=True),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", UtcDateTime, nullable=False),
    Column("site", String(32), nullable=False),
    Column("kiosk", String(64), nullable=False),
    Column("agent", String(32), nullable=True),
    Column("dossier_ref", String(40), nullable=True),
    Column("event_type", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False, unique=True),
    Column("hash", String(64), nullable=False, unique=True),
)
