"""The auditor's desk on a realistic log: the real app (``make_app``) on a test home, an
auditor account, the demo's 60-day history (``kiosk.demo_history``, fixed seed, ending the
day before the sample day) and a checkpoint signed by a software audit key. The desk's
clock is fixed, so statistics and snapshots are the same every day.

The history takes a few seconds to append: it is built once per test session and each test
gets a copy of the home.
"""

from __future__ import annotations

import functools
import random
import shutil
import tempfile
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from unittest.mock import patch

from sqlalchemy import text

from kiosk.adapters.clock import SystemClock
from kiosk.adapters.crypto.checkpoint_keys import EcdsaP256CheckpointSigner
from kiosk.adapters.crypto.system_salts import SystemSalts
from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.adapters.fakes.memory import FixedClock
from kiosk.admin import admin_services
from kiosk.audit_settings import load_audit_settings
from kiosk.config import load_settings
from kiosk.demo_history import add_history
from kiosk.domain.checkpoint_schedule import CheckpointSchedule
from kiosk.domain.model import Role
from kiosk.services.audit_browser import AuditBrowser, whole_check
from kiosk.services.audit_checkpoints import AuditCheckpoints
from kiosk.services.audit_proofs import AuditProofs
from kiosk.ui.app import KioskApp
from tests.ui.sample_data import KIOSK_ID, NOW, SITE
from tests.ui.sql_env import SqlDesk, sql_desk

AUDITOR_LOGIN = "ines"
AUDITOR_PASSWORD = "Audit-Brest-2026"
HISTORY_EVENTS = 3100
BUILT_AT = NOW - timedelta(days=90)  # the imports, before the history


@functools.cache
def _signer(origin: str) -> EcdsaP256CheckpointSigner:
    """One key for the session: its signatures vary, but nothing on screen shows them."""
    return EcdsaP256CheckpointSigner.generate(origin)


def _build(home: Path) -> SqlDesk:
    """The home with its log made the same, hash for hash, every time: the imports' clock
    and the personal data's salts are fixed while it is built."""
    salts = random.Random(2026)  # reproducible test data, not a secret
    with (
        patch.object(SystemClock, "now", lambda _self: BUILT_AT),
        patch.object(SystemSalts, "token_bytes", lambda _self, n: salts.randbytes(n)),
    ):
        return _build_fixed(home)


def _build_fixed(home: Path) -> SqlDesk:
    desk = sql_desk(home)
    with admin_services(desk.settings) as admin:
        admin.agents().add(AUDITOR_LOGIN, "Inès Le Gall", Role.AUDITOR, SITE, AUDITOR_PASSWORD)
    engine = make_engine(desk.settings.database_url)
    try:
        add_history(engine, HISTORY_EVENTS, days=60, today=NOW.date())
        uow = SqlUnitOfWorkFactory(engine, site=SITE, kiosk_id=KIOSK_ID)
        origin = load_audit_settings(desk.settings).origin
        signer = _signer(origin)
        checkpoints = AuditCheckpoints(
            uow, lambda: signer, signer.verifier(), origin, FixedClock(NOW), CheckpointSchedule()
        )
        checkpoints.make()
    finally:
        engine.dispose()
    return desk


@dataclass(frozen=True)
class AuditorDesk:
    desk: SqlDesk

    def app(self) -> KioskApp:
        """The app as it runs, its auditor's desk on the fixed clock."""
        app = self.desk.app()
        engine = make_engine(self.desk.settings.database_url)
        uow = SqlUnitOfWorkFactory(engine, site=SITE, kiosk_id=KIOSK_ID)
        origin = load_audit_settings(self.desk.settings).origin
        verifier = _signer(origin).verifier()
        browser = AuditBrowser(
            uow,
            whole_check(uow, verifier, origin),
            proofs=AuditProofs(uow, verifier, origin),
            clock=FixedClock(NOW),
        )
        app.services = replace(app.services, audit_browser=browser)
        return app

    def tamper(self, seq: int) -> None:
        """What someone with write access to the database could do: rewrite the details
        of one event behind the log's back."""
        engine = make_engine(self.desk.settings.database_url)
        try:
            with engine.begin() as connection:
                connection.execute(
                    text("UPDATE audit_events SET details = :d WHERE seq = :s"),
                    {"d": '{"reason": "forged"}', "s": seq},
                )
        finally:
            engine.dispose()


@functools.cache
def _template() -> tuple[Path, SqlDesk]:
    source = Path(tempfile.mkdtemp(prefix="kiosk-auditor-")) / "home"
    return source, _build(source)


def auditor_desk(home: Path) -> AuditorDesk:
    """A copy of the session's auditor home at ``home`` (which must not exist yet)."""
    source, desk = _template()
    shutil.copytree(source, home)
    env = {
        "KIOSK_SITE": SITE,
        "KIOSK_KIOSK_ID": KIOSK_ID,
        "KIOSK_ARGON2_TIME_COST": "1",
        "KIOSK_ARGON2_MEMORY_KIB": "8",
    }
    return AuditorDesk(replace(desk, settings=load_settings(env=env, home=home)))
