"""A real PostgreSQL server for the tests, started from Debian's binaries in a temporary
folder and stopped at the end of the session.

``initdb`` refuses to run as root: as root the server runs as the ``postgres`` system
user (it exists once Debian's package is installed) through ``runuser``. It listens on a
free loopback port and on a Unix socket in its own folder; ``pg_ctl start -w`` returns
once it accepts connections (bounded wait, no fixed sleep).

Each test gets an empty migrated database: the session migrates one database once, and
every test starts by emptying its tables (``TRUNCATE``, ~45 ms; ``CREATE DATABASE ...
TEMPLATE`` measured ~250 ms here). A test that needs a database of its own beside it
calls ``fresh_database()``.

Import the fixtures explicitly: ``from tests.integration.pg_env import postgres``.
A missing PostgreSQL skips the tests with the reason; ``KIOSK_REQUIRE_POSTGRES=1`` (CI)
makes that a failure instead. ``bench`` uses ``PostgresServer`` directly.
"""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import create_engine, text

from kiosk.adapters.db.migrate import upgrade

REQUIRE_ENV = "KIOSK_REQUIRE_POSTGRES"
SERVER_USER = "postgres"  # Debian's system user, used when the tests run as root
ROLE = "kiosk"
TEMPLATE = "kiosk_template"
START_TIMEOUT_S = 60

# Tests want speed, not durability: a crash of the test server loses nothing of value.
FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def find_bindir() -> Path | None:
    """Debian's newest PostgreSQL binaries, or ``None``."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return candidates[-1].parent if candidates else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class PostgresServer:
    """One throw-away cluster: ``start()``, ``url(database)``, ``stop()``."""

    bindir: Path
    folder: Path
    settings: dict[str, str] = field(default_factory=dict)
    port: int = 0

    @property
    def _as_root(self) -> bool:
        return os.geteuid() == 0

    @property
    def datadir(self) -> Path:
        return self.folder / "data"

    @property
    def logfile(self) -> Path:
        return self.folder / "server.log"

    def _run(self, *command: str, timeout: float = START_TIMEOUT_S) -> str:
        argv: Sequence[str] = command
        if self._as_root:
            argv = ["runuser", "-u", SERVER_USER, "--", *command]
        done = subprocess.run(
            argv, capture_output=True, timeout=timeout, check=False, cwd=self.folder
        )
        output = (done.stdout + done.stderr).decode("utf-8", "replace")
        if done.returncode != 0:
            log = self.logfile.read_text("utf-8", "replace") if self.logfile.exists() else ""
            raise RuntimeError(f"{Path(command[0]).name} exited {done.returncode}:\n{output}{log}")
        return output

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self._as_root:
            shutil.chown(self.folder, SERVER_USER, SERVER_USER)
        self.folder.chmod(0o700)
        self._run(
            str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", ROLE,
            "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        if not self.datadir.exists():
            self.init()
        self.port = self.port or _free_port()
        options = [
            f"-p {self.port}",
            f"-k {self.folder}",
            "-c listen_addresses=127.0.0.1",
            "-c max_connections=200",
            *(f"-c {key}={value}" for key, value in self.settings.items()),
        ]
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-l", str(self.logfile),
            "-w", "-t", str(START_TIMEOUT_S), "-o", " ".join(options), "start",
        )  # fmt: skip

    @property
    def running(self) -> bool:
        return (self.datadir / "postmaster.pid").exists()

    def stop(self, mode: str = "fast") -> None:
        if self.running:
            self._run(
                str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", mode, "-w", "stop"
            )

    def restart(self) -> None:
        """Stop (closing every connection) and start again on the same port."""
        self.stop()
        self.start()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{ROLE}@127.0.0.1:{self.port}/{database}"

    def admin(self, *statements: str) -> None:
        """Statements that cannot run in a transaction (CREATE/DROP DATABASE)."""
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                for statement in statements:
                    conn.execute(text(statement))
        finally:
            engine.dispose()

    def migrated_template(self) -> str:
        """The template database at the schema's head (made once)."""
        self.admin(f"DROP DATABASE IF EXISTS {TEMPLATE}", f"CREATE DATABASE {TEMPLATE}")
        upgrade(self.url(TEMPLATE))
        return TEMPLATE

    def fresh_database(self, template: str = TEMPLATE) -> str:
        return self.fresh_database_named(f"t_{secrets.token_hex(6)}", template)

    def fresh_database_named(self, name: str, template: str = TEMPLATE) -> str:
        self.admin(f"CREATE DATABASE {name} TEMPLATE {template}")
        return name

    def empty(self, database: str) -> None:
        """Every table emptied and every id sequence restarted, the schema kept; connections
        a previous test left open are closed first (they would hold locks)."""
        engine = create_engine(self.url(database))
        try:
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
                tables = conn.execute(
                    text(
                        "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public'"
                        " AND tablename <> 'alembic_version'"
                    )
                ).scalars()
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        finally:
            engine.dispose()

    def drop_database(self, name: str) -> None:
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


def new_server(settings: dict[str, str] | None = None) -> PostgresServer:
    """A server in a new folder of /tmp (pytest's folders are not readable by ``postgres``)."""
    return server_in(Path(tempfile.mkdtemp(prefix="kiosk-pg-")), settings)


def server_in(folder: Path, settings: dict[str, str] | None = None) -> PostgresServer:
    """A server whose cluster lives in ``folder``: made on the first ``start()``, kept after
    ``stop()`` (the benchmarks keep their million dossiers between runs)."""
    bindir = find_bindir()
    if bindir is None:
        raise FileNotFoundError("PostgreSQL binaries not found under /usr/lib/postgresql")
    return PostgresServer(bindir, folder, dict(FAST_SETTINGS if settings is None else settings))


def _give_up(reason: str) -> NoReturn:
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{reason} ({REQUIRE_ENV} is set)")
    pytest.skip(reason)


def start_or_skip(settings: dict[str, str] | None = None) -> PostgresServer:
    if find_bindir() is None:
        _give_up("PostgreSQL is not installed (apt: postgresql; scripts/setup installs it)")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        _give_up("running as root without runuser: initdb cannot run")
    server = new_server(settings)
    try:
        server.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        server.remove()
        _give_up(f"PostgreSQL could not start: {exc}")
    return server


TEST_DATABASE = "kiosk_test"


_shared: PostgresServer | None = None


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """The session's server, with its migrated template and the tests' database.

    Each module that imports this fixture holds a definition of its own, so the server is
    kept here and started once per process; the first teardown (at the session's end)
    stops it."""
    global _shared  # noqa: PLW0603 - one server per test process, see above
    if _shared is None:
        server = start_or_skip()
        atexit.register(server.remove)  # an interrupted session leaves no server behind
        try:
            server.migrated_template()
            server.fresh_database_named(TEST_DATABASE)
        except BaseException:
            server.remove()
            raise
        _shared = server
    yield _shared
    _shared.remove()


def empty_test_database(server: PostgresServer) -> str:
    """The URL of the session's test database, emptied for the test about to run."""
    server.empty(TEST_DATABASE)
    return server.url(TEST_DATABASE)


@pytest.fixture
def pg_url(postgres: PostgresServer) -> str:
    """The URL of an empty migrated database (see ``empty``)."""
    return empty_test_database(postgres)
