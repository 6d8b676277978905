"""Alembic environment of the kiosk: runs on the connection ``kiosk.adapters.db.migrate``
hands over (``config.attributes["connection"]``), else on ``sqlalchemy.url``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import kiosk.adapters.db.appointment_schema  # registers its table
import kiosk.adapters.db.audit_schema  # registers its tables
import kiosk.adapters.db.personalisation_schema  # noqa: F401 - registers its tables
from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.schema import metadata

config = context.config


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    if context.is_offline_mode():
        raise SystemExit("The kiosk's migrations run online only (kiosk db upgrade).")
    connection = config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("sqlalchemy.url is not set")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            run_on(conn)
    finally:
        engine.dispose()


run()
