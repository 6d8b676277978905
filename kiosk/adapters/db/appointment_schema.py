"""The open appointments (leases), declared on the kiosk's one ``metadata``; migration 0003
builds exactly this.

A dossier has at most one open appointment: a unique index over ``dossier_ref`` limited
to the rows not yet ended, so the database itself refuses a second claim. Closed rows are
kept (who received whom, how it ended); the audit log remains the record of authority.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, text

from kiosk.adapters.db.schema import UtcDateTime, metadata

OPEN_ONLY = text("ended_at IS NULL")

appointments = Table(
    "appointments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dossier_ref", String(40), ForeignKey("dossiers.reference"), nullable=False),
    Column("kiosk", String(64), nullable=False),
    Column("site", String(32), nullable=False),
    Column("agent", String(32), nullable=False),
    Column("agent_name", String(120), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("heartbeat_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime, nullable=True),
    Column("end_reason", String(16), nullable=True),
    # Why the holder came (``Purpose``): a delivery, or a PIN unblock or a revocation of a
    # delivered certificate (migration 0005).
    Column("purpose", String(16), nullable=False, default="delivery", server_default="delivery"),
    Index(
        "ux_appointments_open_dossier",
        "dossier_ref",
        unique=True,
        sqlite_where=OPEN_ONLY,
        postgresql_where=OPEN_ONLY,
    ),
    Index(
        "ix_appointments_kiosk_open", "kiosk", sqlite_where=OPEN_ONLY, postgresql_where=OPEN_ONLY
    ),
)
