"""pcscd and the vsmartcard virtual reader for integration tests.

``pcscd`` (session scope) uses the daemon already running if its socket answers and shows
the virtual readers; otherwise it starts pcscd as a daemon (root) and stops it by pid at the
end. pcscd's "daemon ready" log line comes *before* it opens its socket (pcscdaemon.c,
1.9.9), so a test that trusted it could meet "no service"; the forking parent, though, exits
only once the child listens and its readers are up (the signal systemd's Type=forking uses),
and its exit status says whether that worked. ``virtual_card`` gives a
``VirtualCard``: ``insert()`` starts vicc (the iso7816 card) against vpcd, ``remove()``
stops it; both return only once pcscd itself sees the change, so a vicc that "ran" without
reaching vpcd (it exits 0 then) fails loudly instead of passing silently.

Import the fixtures explicitly: ``from tests.integration.pcsc_env import pcscd, virtual_card``.
Missing tools skip the tests with the reason; set ``KIOSK_REQUIRE_PCSC=1`` (CI) to make
that a failure instead.
"""

from __future__ import annotations

import importlib.util
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import NoReturn, Self

import pytest

PCSCD_SOCKET = Path("/run/pcscd/pcscd.comm")
VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
# Debian ships vicc's library one directory too deep for /usr/bin/vicc to import it.
VICC_LIBRARY = Path("/usr/lib/python3/site-packages/virtualsmartcard")
VPCD_PORT = 35963  # "Virtual PCD 00 00"; 35964 is "Virtual PCD 00 01"
ISO7816_ATR = "3B 95 13 81 01 80 73 FF 01 00 0B"
STARTUP_TIMEOUT = 15.0
CARD_TIMEOUT = 10.0
REQUIRE_ENV = "KIOSK_REQUIRE_PCSC"


def reader_for_port(port: int) -> str:
    return f"Virtual PCD 00 {port - VPCD_PORT:02d}"


def _give_up(reason: str) -> NoReturn:
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{reason} ({REQUIRE_ENV} is set)")
    pytest.skip(reason)


def _tool(name: str) -> str | None:
    return shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name, Path("/usr/bin") / name) if p.exists()), None
    )


def unavailable_reason() -> str | None:
    """Why the PC/SC tests cannot run here, or None."""
    missing = [
        what
        for what, ok in (
            ("pcscd (apt: pcscd)", _tool("pcscd") is not None),
            ("vpcd (apt: vsmartcard-vpcd)", VPCD_DRIVER.exists()),
            ("vicc (apt: vsmartcard-vpicc)", _tool("vicc") is not None and VICC_LIBRARY.is_dir()),
            ("pyscard (pip)", importlib.util.find_spec("smartcard") is not None),
            ("pycryptodome, needed by vicc (pip)", importlib.util.find_spec("Crypto") is not None),
        )
        if not ok
    ]
    return f"missing: {', '.join(missing)}" if missing else None


class OutputWatcher:
    """Drains a child's output on a thread (so it never blocks on a full pipe), keeps the
    tail for error messages, and lets a test wait for a line without polling."""

    def __init__(self, process: subprocess.Popen[str], name: str) -> None:
        self._tail: deque[str] = deque(maxlen=200)
        self._seen: list[str] = []
        self._closed = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(
            target=self._read, args=(process,), name=f"{name}-output", daemon=True
        )
        self._thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            with self._changed:
                self._tail.append(line.rstrip())
                self._seen.append(line)
                self._changed.notify_all()
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def wait_for(self, text: str, timeout: float) -> bool:
        """True once a line containing ``text`` was printed; False if the output ended
        (the process exited) or ``timeout`` passed first."""

        def settled() -> bool:
            return any(text in line for line in self._seen) or self._closed

        with self._changed:
            self._changed.wait_for(settled, timeout)
            return any(text in line for line in self._seen)

    def tail(self) -> str:
        with self._changed:
            return "\n".join(self._tail)

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


def _stop(process: subprocess.Popen[str], timeout: float = 10.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)


def _visible_readers() -> list[str] | None:
    """The readers a running pcscd reports, or None if no daemon answers."""
    from smartcard import scard

    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        return None
    try:
        hresult, names = scard.SCardListReaders(context, [])
        return list(names) if hresult == scard.SCARD_S_SUCCESS else []
    finally:
        scard.SCardReleaseContext(context)


def wait_for_card(reader: str, present: bool, timeout: float = CARD_TIMEOUT) -> bool:
    """Block (in SCardGetStatusChange, no polling) until pcscd sees ``reader`` with or
    without a card; False on timeout."""
    from smartcard import scard

    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    assert hresult == scard.SCARD_S_SUCCESS, scard.SCardGetErrorMessage(hresult)
    try:
        deadline = time.monotonic() + timeout
        known = scard.SCARD_STATE_UNAWARE
        while True:
            wait_ms = 0 if known == scard.SCARD_STATE_UNAWARE else _ms_left(deadline)
            hresult, states = scard.SCardGetStatusChange(context, wait_ms, [(reader, known)])
            if hresult != scard.SCARD_S_SUCCESS:
                return False
            _, state, _ = states[0]
            if bool(state & scard.SCARD_STATE_PRESENT) == present:
                return True
            known = state & ~scard.SCARD_STATE_CHANGED
            if _ms_left(deadline) == 0:
                return False
    finally:
        scard.SCardReleaseContext(context)


def _ms_left(deadline: float) -> int:
    return max(0, int((deadline - time.monotonic()) * 1000))


PCSCD_PID_FILE = Path("/run/pcscd/pcscd.pid")


@dataclass
class PcscDaemon:
    """The daemon the tests talk to; ``pid`` is None when it was already running."""

    pid: int | None


def _start_daemon() -> int:
    """Start pcscd, return once its socket answers; its pid."""
    started = subprocess.run(
        [str(_tool("pcscd")), "--info"],
        capture_output=True,
        text=True,
        timeout=STARTUP_TIMEOUT,
        check=False,
    )
    if started.returncode != 0:
        pytest.fail(
            f"pcscd did not start (exit {started.returncode}); "
            f"run `pcscd --foreground --info` to see why.\n{started.stdout}{started.stderr}"
        )
    # pcscd overwrites the file's start without truncating it: read the first number only.
    pid = int(PCSCD_PID_FILE.read_text().split("\n", 1)[0].strip("\0 "))
    readers = _visible_readers()
    if readers is None or reader_for_port(VPCD_PORT) not in readers:
        _stop_daemon(pid)
        pytest.fail(f"pcscd started but shows no virtual reader (readers: {readers})")
    return pid


def _stop_daemon(pid: int, timeout: float = STARTUP_TIMEOUT) -> None:
    """SIGTERM, then wait for the exit on a pidfd (pcscd is not our child once it forked)."""
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        os.kill(pid, signal.SIGTERM)
        if not select.select([pidfd], [], [], timeout)[0]:
            os.kill(pid, signal.SIGKILL)
            select.select([pidfd], [], [], timeout)
    finally:
        os.close(pidfd)


@pytest.fixture(scope="session")
def pcscd() -> Iterator[PcscDaemon]:
    reason = unavailable_reason()
    if reason:
        _give_up(reason)
    if PCSCD_SOCKET.exists() and (readers := _visible_readers()) is not None:
        if reader_for_port(VPCD_PORT) not in readers:
            _give_up(f"a running pcscd shows no virtual reader (readers: {readers})")
        yield PcscDaemon(None)
        return
    if os.geteuid() != 0:
        _give_up("pcscd is not running and only root may start it")
    pid = _start_daemon()
    try:
        yield PcscDaemon(pid)
    finally:
        _stop_daemon(pid)


class VirtualCard:
    """vicc's iso7816 card in a vpcd reader: ``insert()`` and ``remove()`` return once
    pcscd has seen the change."""

    def __init__(self, port: int = VPCD_PORT) -> None:
        self.port = port
        self.reader = reader_for_port(port)
        self._process: subprocess.Popen[str] | None = None
        self._output: OutputWatcher | None = None

    @property
    def inserted(self) -> bool:
        return self._process is not None

    def insert(self, timeout: float = CARD_TIMEOUT) -> None:
        assert self._process is None, "the virtual card is already inserted"
        env = dict(os.environ, PYTHONPATH=str(VICC_LIBRARY))
        # -vvv: vicc logs "Connected to virtual PCD" only at INFO level.
        command = [
            sys.executable,
            str(_tool("vicc")),
            "-t",
            "iso7816",
            "-vvv",
            "-P",
            str(self.port),
        ]
        self._process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self._output = OutputWatcher(self._process, "vicc")
        if not self._output.wait_for("Connected to virtual PCD", timeout):
            self._fail("vicc could not reach vpcd")
        if not wait_for_card(self.reader, present=True, timeout=timeout):
            self._fail(f"vicc connected but pcscd never saw a card in {self.reader}")

    def remove(self, timeout: float = CARD_TIMEOUT) -> None:
        if self._process is None:
            return
        process, output = self._process, self._output
        self._process, self._output = None, None
        _stop(process)
        if output is not None:
            output.join(timeout)
        assert wait_for_card(self.reader, present=False, timeout=timeout), (
            f"pcscd still sees a card in {self.reader} after vicc stopped"
        )

    def _fail(self, what: str) -> NoReturn:
        process, output = self._process, self._output
        self._process, self._output = None, None
        assert process is not None and output is not None
        _stop(process)
        pytest.fail(f"{what} (port {self.port}):\n{output.tail()}")

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.remove()


@pytest.fixture
def virtual_card(pcscd: PcscDaemon) -> Iterator[VirtualCard]:
    card = VirtualCard()
    if not wait_for_card(card.reader, present=False, timeout=0):
        _give_up(f"{card.reader} already holds a card: another vicc is connected to vpcd")
    with card:
        yield card
