"""The PC/SC reader adapter against a real pcscd with the vsmartcard virtual reader."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.adapters.reader.pcsc_errors import SERVICE_UNAVAILABLE
from kiosk.adapters.reader.pcsc_reader import PcscReader
from kiosk.domain.reader_ports import ReaderEvent, ReaderEventKind
from tests.integration import pcsc_env
from tests.integration.pcsc_env import ISO7816_ATR, PcscDaemon, VirtualCard

# pytest looks fixtures up among the module's names: bring the harness's in.
pcscd = pcsc_env.pcscd
virtual_card = pcsc_env.virtual_card

pytestmark = [pytest.mark.integration, pytest.mark.pcsc]

EVENT_TIMEOUT = 10.0
REPO_ROOT = Path(__file__).resolve().parents[2]


class EventLog:
    """The callback under test: records each event with the thread that delivered it."""

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[threading.Thread, ReaderEvent]] = queue.Queue()

    def __call__(self, event: ReaderEvent) -> None:
        self._queue.put((threading.current_thread(), event))

    def next(self) -> tuple[threading.Thread, ReaderEvent]:
        try:
            return self._queue.get(timeout=EVENT_TIMEOUT)
        except queue.Empty:
            pytest.fail(f"no reader event within {EVENT_TIMEOUT} s")

    def next_event(self) -> ReaderEvent:
        return self.next()[1]

    def is_empty(self) -> bool:
        return self._queue.empty()


@pytest.fixture
def reader(pcscd: PcscDaemon) -> Iterator[PcscReader]:
    adapter = PcscReader()
    yield adapter
    adapter.stop()


def test_the_virtual_readers_are_listed(reader: PcscReader) -> None:
    assert {"Virtual PCD 00 00", "Virtual PCD 00 01"} <= set(reader.readers())


def test_inserting_the_card_reports_it_with_its_reader_and_atr(
    reader: PcscReader, virtual_card: VirtualCard
) -> None:
    events = EventLog()
    reader.start(events)

    virtual_card.insert()
    thread, event = events.next()

    assert event.kind is ReaderEventKind.INSERTED
    assert event.reader == "Virtual PCD 00 00"
    assert event.atr == ISO7816_ATR
    assert event.at.tzinfo is not None
    # The UI relies on this to use call_from_thread / post_message.
    assert thread is not threading.main_thread()
    assert reader.present() == [event]


def test_pulling_the_card_out_reports_its_removal(
    reader: PcscReader, virtual_card: VirtualCard
) -> None:
    events = EventLog()
    reader.start(events)
    virtual_card.insert()
    assert events.next_event().kind is ReaderEventKind.INSERTED

    virtual_card.remove()
    removed = events.next_event()

    assert removed.kind is ReaderEventKind.REMOVED
    assert removed.reader == "Virtual PCD 00 00"
    assert removed.atr is None
    assert reader.present() == []


def test_a_card_inserted_before_start_is_reported_at_start(
    reader: PcscReader, virtual_card: VirtualCard
) -> None:
    virtual_card.insert()
    assert [e.atr for e in reader.present()] == [ISO7816_ATR]

    events = EventLog()
    reader.start(events)
    event = events.next_event()

    assert (event.kind, event.reader, event.atr) == (
        ReaderEventKind.INSERTED,
        "Virtual PCD 00 00",
        ISO7816_ATR,
    )


def test_stop_ends_the_watch_and_no_event_follows(
    reader: PcscReader, virtual_card: VirtualCard
) -> None:
    events = EventLog()
    reader.start(events)
    stopped = threading.Event()

    def stop_and_tell() -> None:
        reader.stop()
        stopped.set()

    stopper = threading.Thread(target=stop_and_tell)

    stopper.start()
    assert stopped.wait(EVENT_TIMEOUT), "stop() hung"
    assert not reader.is_monitoring

    virtual_card.insert()  # returns once pcscd itself has seen the card
    assert events.is_empty()


def test_watching_can_start_again_after_stop(reader: PcscReader, virtual_card: VirtualCard) -> None:
    reader.start(EventLog())
    reader.stop()

    events = EventLog()
    reader.start(events)
    virtual_card.insert()

    assert events.next_event().kind is ReaderEventKind.INSERTED


_WITHOUT_DAEMON = """
from kiosk.adapters.reader.pcsc_reader import PcscReader
from kiosk.domain.errors import DeviceError

reader = PcscReader()
for attempt in (reader.readers, reader.present, lambda: reader.start(print)):
    try:
        attempt()
    except DeviceError as error:
        print(error.message)
    else:
        print("no error")
"""


def test_without_pcscd_every_call_says_so_in_french(tmp_path: Path) -> None:
    # libpcsclite reads the daemon's socket path from PCSCLITE_CSOCK_NAME once per
    # process: a child pointed at an empty path meets "no daemon" without stopping ours.
    env = dict(os.environ, PCSCLITE_CSOCK_NAME=str(tmp_path / "no-pcscd.comm"))
    result = subprocess.run(
        [sys.executable, "-c", _WITHOUT_DAEMON],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert result.stdout.splitlines() == [SERVICE_UNAVAILABLE] * 3
