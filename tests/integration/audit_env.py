"""Helpers of the tamper-evident audit log tests: events appended through the real
``SqlAuditLog``, the tree recomputed from them, software checkpoint keys, and an audit
folder whose key lives on the session's SoftHSM.

Import what a module uses explicitly, e.g.
``from tests.integration.audit_env import append_events, leaves_of``.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from kiosk.adapters.crypto.checkpoint_keys import EcdsaP256CheckpointSigner
from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.adapters.token.audit_key import create_audit_key
from kiosk.cli import main
from kiosk.domain.audit import AuditDraft, AuditEvent, Outcome
from kiosk.domain.checkpoint import log_origin
from kiosk.domain.log_verification import event_leaf_hash
from tests.integration.db_env import Db, migrated_db
from tests.integration.softhsm_env import SoftHsm, unique_label

ORIGIN = log_origin("BREST", "test-kiosk")  # what db_env's unit of work stamps events with


def append_events(
    db: Db,
    count: int,
    *,
    event_type: str = "test.event",
    personal: Mapping[str, str] | None = None,
    step: timedelta = timedelta(minutes=1),
) -> list[AuditEvent]:
    """``count`` events, each in its own committed transaction, ``step`` apart."""
    events = []
    for n in range(count):
        with db.uow() as tx:
            draft = AuditDraft(event_type, Outcome.SUCCESS, "camille", None, {"n": n}, personal)
            events.append(tx.audit.append(draft))
            tx.commit()
        db.clock.advance(step)
    return events


def append_in_one_transaction(db: Db, count: int) -> None:
    with db.uow() as tx:
        for n in range(count):
            tx.audit.append(AuditDraft("test.fill", Outcome.SUCCESS, details={"n": n}))
        tx.commit()


def _append_as_kiosk(url: str, kiosk: str, count: int) -> None:
    engine = make_engine(url)
    uow = SqlUnitOfWorkFactory(engine, site="BREST", kiosk_id=kiosk)
    for n in range(count):
        with uow() as tx:
            tx.audit.append(AuditDraft("test.concurrent", Outcome.SUCCESS, details={"n": n}))
            tx.commit()
    engine.dispose()


def append_from_kiosks(url: str, kiosks: int, each: int) -> None:
    """Kiosk processes ``kiosk-0``, ``kiosk-1``… appending ``each`` events at once, one
    transaction an event; returns when all have exited, each with status 0."""
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_append_as_kiosk, args=(url, f"kiosk-{i}", each))
        for i in range(kiosks)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0


def stored_events(db: Db) -> list[AuditEvent]:
    with db.uow() as tx:
        return list(tx.audit.events())


def leaves_of(events: list[AuditEvent]) -> list[bytes]:
    return [event_leaf_hash(event) for event in events]


def software_signer() -> EcdsaP256CheckpointSigner:
    return EcdsaP256CheckpointSigner.generate(ORIGIN)


def audit_key_folder(softhsm: SoftHsm, parent: Path) -> Path:
    """An audit folder whose P-256 key is on a fresh token of the session's SoftHSM."""
    folder = parent / "audit"
    create_audit_key(folder, module_path=softhsm.module, token_label=unique_label("AUDIT"))
    return folder


@pytest.fixture
def audit_folder(softhsm: SoftHsm, tmp_path: Path) -> Path:
    return audit_key_folder(softhsm, tmp_path)


@dataclass
class Home:
    """A kiosk home for the CLI: kiosk.toml, a migrated SQLite database with events, and
    the audit key on the session's SoftHSM."""

    folder: Path
    db: Db

    @property
    def public_key(self) -> Path:
        return self.folder / "audit" / "audit-key.pub.pem"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, softhsm: SoftHsm) -> Iterator[Home]:
    for key in list(os.environ):
        if key.startswith("KIOSK_"):
            monkeypatch.delenv(key)
    folder = tmp_path / "home"
    folder.mkdir()
    (folder / "kiosk.toml").write_text('site = "BREST"\nkiosk_id = "test-kiosk"\n')
    monkeypatch.setenv("KIOSK_HOME", str(folder))
    audit_key_folder(softhsm, folder)
    with migrated_db(folder) as db:
        yield Home(folder, db)
