"""Tables of the personalisation use case, declared on the kiosk's one ``metadata``:
the token register, the attempts and their step journal, revocation requests and
deliveries. Migration 0002 builds exactly these.

No secret is stored: the SO PIN only as a ciphertext for the back office's escrow key
(which the kiosk cannot decrypt), never a PIN; certificates and signatures are public.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from kiosk.adapters.db.schema import UtcDateTime, metadata

token_register = Table(
    "token_register",
    metadata,
    Column("serial", String(64), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("dossier_ref", String(40), ForeignKey("dossiers.reference"), nullable=True),
    Column("label", String(32), nullable=True),
    Column("so_pin_escrow", LargeBinary, nullable=True),
    Column("escrow_context", String(200), nullable=True),
    Column("escrow_key_id", String(64), nullable=True),
    Column("note", String(300), nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", String(32), nullable=True),
)

personalisation_attempts = Table(
    "personalisation_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dossier_ref", String(40), ForeignKey("dossiers.reference"), nullable=False),
    Column("token_serial", String(64), nullable=False),
    Column("agent", String(32), nullable=False),
    Column("label", String(32), nullable=False),
    Column("wipe", Boolean, nullable=False),
    Column("keeps_key_of", String(40), nullable=True),  # a renewal beside the holder's key
    Column("status", String(16), nullable=False),
    Column("step", String(24), nullable=True),
    Column("phase", String(8), nullable=True),
    Column("key_id", String(128), nullable=True),
    Column("public_key_der", LargeBinary, nullable=True),
    Column("so_pin_escrow", LargeBinary, nullable=True),
    Column("escrow_context", String(200), nullable=True),
    Column("escrow_key_id", String(64), nullable=True),
    Column("cert_serial", String(64), nullable=True),
    Column("cert_fingerprint", String(64), nullable=True),
    Column("cert_der", LargeBinary, nullable=True),
    Column("chain_der", Text, nullable=True),  # JSON list of base64 DER, issuing CA first
    Column("not_before", UtcDateTime, nullable=True),
    Column("not_after", UtcDateTime, nullable=True),
    Column("error", String(500), nullable=True),
    Column("started_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "dossier_ref"),
    Index(None, "token_serial"),
)

personalisation_journal = Table(
    "personalisation_journal",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("attempt_id", Integer, ForeignKey("personalisation_attempts.id"), nullable=False),
    Column("dossier_ref", String(40), nullable=False),
    Column("token_serial", String(64), nullable=False),
    Column("step", String(24), nullable=False),
    Column("phase", String(8), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("elapsed_ms", Integer, nullable=True),
    Column("key_id", String(128), nullable=True),
    Column("cert_serial", String(64), nullable=True),
    Column("cert_fingerprint", String(64), nullable=True),
    Column("error", String(500), nullable=True),
    Index(None, "attempt_id"),
)

revocation_requests = Table(
    "revocation_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dossier_ref", String(40), ForeignKey("dossiers.reference"), nullable=False),
    # None for a certificate the kiosk did not issue itself: one superseded by a renewal, or
    # revoked at the desk, that was delivered before the kiosk knew it (migration 0005).
    Column("attempt_id", Integer, ForeignKey("personalisation_attempts.id"), nullable=True),
    Column("token_serial", String(64), nullable=True),
    Column("cert_serial", String(64), nullable=True),
    Column("cert_fingerprint", String(64), nullable=True),
    Column("cert_der", LargeBinary, nullable=True),
    Column("public_key_sha256", String(64), nullable=True),
    Column("reason", String(300), nullable=False),
    Column("status", String(16), nullable=False),
    Column("agent", String(32), nullable=False),
    Column("requested_at", UtcDateTime, nullable=False),
    Column("decided_at", UtcDateTime, nullable=True),
    # When the CA accepted the revocation (migration 0007); None: not yet told.
    Column("published_at", UtcDateTime, nullable=True),
    Index(None, "dossier_ref"),
    Index(None, "status"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("dossier_ref", String(40), ForeignKey("dossiers.reference"), primary_key=True),
    Column("cert_serial", String(64), nullable=False, unique=True),
    Column("cert_fingerprint", String(64), nullable=False),
    Column("not_before", UtcDateTime, nullable=False),
    Column("not_after", UtcDateTime, nullable=False),
    Column("token_serial", String(64), nullable=False),
    Column("key_id", String(128), nullable=False),
    Column("acceptance_digest", String(64), nullable=False),  # SHA-256 of the receipt, hex
    Column("acceptance_signature", LargeBinary, nullable=False),
    Column("agent", String(32), nullable=False),
    Column("delivered_at", UtcDateTime, nullable=False),
)
