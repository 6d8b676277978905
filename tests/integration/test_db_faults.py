"""The database failing under the desk: a PostgreSQL server restarted, stopped in the middle
of an appointment, or cutting a connection; the disk of the database full (SQLite and
PostgreSQL). Each time the person at the desk gets a clear French message, no token is
touched and no certificate issued unless its step was recorded, and once the database is
back the appointment ends in one delivery.

The PostgreSQL server here is the module's own, since the tests stop it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from kiosk.adapters.db.errors import CONNECTION_LOST, DISK_FULL, OUTCOME_UNKNOWN, UNREACHABLE
from kiosk.adapters.db.migrate import upgrade
from kiosk.adapters.db.retry import ReconnectPolicy
from kiosk.domain.audit import verify_chain
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.errors import StorageError
from kiosk.domain.personalisation_journal import Phase, Step
from kiosk.domain.storage_errors import OutcomeUnknownError
from tests.integration.fake_desk import DIGEST
from tests.integration.kiosks_env import CAMILLE, Kiosk, SharedDb, passed
from tests.integration.personalisation_env import USER_PIN
from tests.integration.pg_env import SERVER_USER, PostgresServer, start_or_skip

pytestmark = pytest.mark.integration
POSTGRES = pytest.mark.postgres

DATABASE = "faults"


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    own = start_or_skip()
    try:
        own.migrated_template()
        own.fresh_database_named(DATABASE)
        yield own
    finally:
        own.remove()


@pytest.fixture
def pg(server: PostgresServer) -> Iterator[SharedDb]:
    if not server.running:  # a failed test may have left it stopped
        server.start()
    server.empty(DATABASE)
    db = SharedDb(server.url(DATABASE))
    try:
        yield db
    finally:
        db.close()


def _quick(kiosk: Kiosk, window_s: float = 0.3) -> Kiosk:
    """A kiosk that gives up on an absent server quickly (the default waits 3 s)."""
    kiosk.uow.reconnect = ReconnectPolicy(window_s=window_s)
    return kiosk


def _deliver(kiosk: Kiosk, reference: str) -> None:
    appointment = passed(kiosk.open(CAMILLE, reference))
    service = kiosk.personalisation()
    result = service.personalise(appointment, kiosk.token().serial, USER_PIN)
    service.sign_acceptance(appointment, result.token_serial, USER_PIN, result.key_id, DIGEST)


def _kill_backends(server: PostgresServer) -> None:
    """What a server restart does to the kiosks' connections (``application_name``)."""
    server.admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'kiosk'"
    )


# A restarted or vanished server -----------------------------------------------------------


@POSTGRES
def test_a_restarted_server_goes_unnoticed_between_two_transactions(
    pg: SharedDb, server: PostgresServer
) -> None:
    [reference] = pg.add_dossiers(1)
    kiosk = pg.kiosk("brest-1")
    kiosk.open(CAMILLE, reference)  # the pool now holds connections
    server.restart()  # ...which are dead

    kiosk.appointments.leave(kiosk.open(CAMILLE, reference))

    assert verify_chain(pg.audit()).ok


@POSTGRES
def test_a_server_still_starting_is_waited_for(pg: SharedDb, server: PostgresServer) -> None:
    [reference] = pg.add_dossiers(1)
    kiosk = _quick(pg.kiosk("brest-1"), window_s=60)  # bounded; returns as soon as it is up
    server.stop()
    starting = threading.Thread(target=server.start)
    starting.start()
    try:
        kiosk.open(CAMILLE, reference)
    finally:
        starting.join(timeout=120)
    assert [e.event_type for e in pg.audit()] == ["appointment.start"]


@POSTGRES
def test_an_unreachable_server_mid_appointment_stops_the_token_step_with_a_clear_message(
    pg: SharedDb, server: PostgresServer
) -> None:
    [reference] = pg.add_dossiers(1)
    kiosk = _quick(pg.kiosk("brest-1"))
    appointment = passed(kiosk.open(CAMILLE, reference))
    server.stop()
    try:
        with pytest.raises(StorageError) as caught:
            kiosk.personalisation().personalise(appointment, kiosk.token().serial, USER_PIN)
    finally:
        server.start()

    assert caught.value.message == UNREACHABLE
    assert not kiosk.token().initialized and kiosk.ca.issued == []
    _deliver(kiosk, reference)  # the same kiosk resumes its appointment
    assert pg.state(reference) is DossierState.DELIVERED


@POSTGRES
def test_a_server_lost_between_two_steps_issues_nothing_and_the_run_resumes(
    pg: SharedDb, server: PostgresServer
) -> None:
    [reference] = pg.add_dossiers(1)
    kiosk = _quick(pg.kiosk("brest-1"))
    appointment = passed(kiosk.open(CAMILLE, reference))

    def server_dies(step: Step, phase: Phase) -> None:
        if (step, phase) == (Step.GENERATE_KEY, Phase.STARTED):
            server.stop("immediate")  # a crash: nothing more is recorded

    try:
        with pytest.raises(StorageError) as caught:
            kiosk.personalisation(server_dies).personalise(
                appointment, kiosk.token().serial, USER_PIN
            )
    finally:
        server.start()

    assert caught.value.message in (UNREACHABLE, CONNECTION_LOST)
    assert kiosk.ca.issued == []  # the key was made; nothing was issued for it
    _deliver(kiosk, reference)
    assert pg.state(reference) is DossierState.DELIVERED
    assert len(kiosk.ca.issued) == 1


# A connection cut under a transaction ------------------------------------------------------


def _cut_once_before(kiosk: Kiosk, server: PostgresServer, statement_start: str) -> list[str]:
    """Cut the kiosk's connection (as a restart would) just before its first statement
    starting with ``statement_start``; returns the statements that were cut."""
    cut: list[str] = []

    @event.listens_for(kiosk.engine, "before_cursor_execute")
    def _cut(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not cut and statement.startswith(statement_start):
            cut.append(statement)
            _kill_backends(server)

    return cut


@POSTGRES
def test_a_connection_cut_in_an_idempotent_unit_is_run_again_once(
    pg: SharedDb, server: PostgresServer
) -> None:
    [reference] = pg.add_dossiers(1)
    kiosk = pg.kiosk("brest-1")
    cut = _cut_once_before(kiosk, server, "INSERT INTO appointments")

    appointment = kiosk.open(CAMILLE, reference)

    assert cut  # the claim was cut once, and the whole opening ran again
    assert [e.event_type for e in pg.audit()] == ["appointment.start"]
    assert pg.rows("SELECT id FROM appointments") == [(appointment.lease_id,)]


@POSTGRES
def test_a_connection_cut_during_a_token_step_is_told_and_the_run_resumes(
    pg: SharedDb, server: PostgresServer
) -> None:
    """Never run again blindly: the run stops, says why, and the next run reads the
    journal and the token to know where it stands."""
    [reference] = pg.add_dossiers(1)
    kiosk = pg.kiosk("brest-1")
    appointment = passed(kiosk.open(CAMILLE, reference))
    cut = _cut_once_before(kiosk, server, "INSERT INTO personalisation_journal")

    with pytest.raises(StorageError) as caught:
        kiosk.personalisation().personalise(appointment, kiosk.token().serial, USER_PIN)

    assert cut and caught.value.message in (CONNECTION_LOST, UNREACHABLE)
    _deliver(kiosk, reference)
    assert pg.state(reference) is DossierState.DELIVERED and len(kiosk.ca.issued) == 1


@POSTGRES
def test_a_commit_cut_short_is_reported_as_unknown_and_never_run_again(
    pg: SharedDb, server: PostgresServer
) -> None:
    [reference] = pg.add_dossiers(1)
    kiosk = pg.kiosk("brest-1")
    commits: list[int] = []

    @event.listens_for(kiosk.engine, "commit")
    def _cut_at_commit(_conn: Any) -> None:
        commits.append(1)
        if len(commits) == 1:
            _kill_backends(server)

    with pytest.raises(OutcomeUnknownError) as caught:
        kiosk.open(CAMILLE, reference)

    assert caught.value.message == OUTCOME_UNKNOWN
    assert len(commits) == 1  # not retried: the opening may have been stored
    # Here it was not: the appointment opens normally on the next try.
    kiosk.open(CAMILLE, reference)
    assert [e.event_type for e in pg.audit()] == ["appointment.start"]


# A full disk -----------------------------------------------------------------------------


@contextlib.contextmanager
def small_disk(megabytes: int, owner: str | None = None) -> Iterator[Path]:
    """A tmpfs of ``megabytes``: a real disk that fills up. Needs root (mount)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a small disk needs root to mount a tmpfs")
    folder = Path(tempfile.mkdtemp(prefix="kiosk-disk-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m,mode=0700", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        folder.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace')}")
    try:
        if owner:
            shutil.chown(folder, owner, owner)
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
        folder.rmdir()


def fill(disk: Path) -> Path:
    """Take every free byte of ``disk`` with a file; removing it frees the space."""
    filler = disk / "filler"
    chunk = b"\0" * (1 << 16)
    # Unbuffered: a chunk only partly written must not be written again when the file
    # closes (a buffered close would raise ENOSPC outside the suppress).
    with filler.open("wb", buffering=0) as out, contextlib.suppress(OSError):  # ENOSPC: full
        while out.write(chunk):
            pass
    return filler


@contextlib.contextmanager
def db_on_small_disk(engine: str, server: PostgresServer | None) -> Iterator[SharedDb]:
    if engine == "sqlite":
        with small_disk(8) as disk:
            url = f"sqlite:///{disk / 'kiosk.db'}"
            upgrade(url)
            db = SharedDb(url)
            try:
                yield db
            finally:
                db.close()
        return
    assert server is not None
    with small_disk(24, owner=SERVER_USER) as disk:
        server.admin(f"CREATE TABLESPACE small LOCATION '{disk}'")
        name = "on_small_disk"
        server.admin(f"CREATE DATABASE {name} TEMPLATE kiosk_template TABLESPACE small")
        db = SharedDb(server.url(name))
        try:
            yield db
        finally:
            db.close()
            server.drop_database(name)
            server.admin("DROP TABLESPACE small")


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgresql", marks=POSTGRES)])
def test_a_full_disk_fails_closed_and_the_desk_goes_on_once_space_is_freed(
    request: pytest.FixtureRequest, engine: str
) -> None:
    server = request.getfixturevalue("server") if engine == "postgresql" else None
    with db_on_small_disk(engine, server) as db:
        [reference] = db.add_dossiers(1)
        kiosk = db.kiosk("brest-1")
        appointment = passed(kiosk.open(CAMILLE, reference))
        before = db.audit()
        filler = fill(Path(db.url.removeprefix("sqlite:///")).parent if engine == "sqlite"
                      else _tablespace_folder(db))  # fmt: skip

        with pytest.raises(StorageError) as caught:
            kiosk.personalisation().personalise(appointment, kiosk.token().serial, USER_PIN)

        assert caught.value.message == DISK_FULL
        assert not kiosk.token().initialized and kiosk.ca.issued == []
        filler.unlink()
        assert db.audit() == before  # nothing half-written
        _deliver(kiosk, reference)
        assert db.state(reference) is DossierState.DELIVERED
        assert verify_chain(db.audit()).ok


def _tablespace_folder(db: SharedDb) -> Path:
    [(location,)] = db.rows(
        "SELECT pg_tablespace_location(oid) FROM pg_tablespace WHERE spcname = 'small'"
    )
    return Path(str(location))
