"""The PC/SC watch loop's harder cases, against an in-memory pcscd: readers plugged in and
out, a token swapped faster than a poll, and pcscd going away and coming back."""

from __future__ import annotations

import queue
from collections.abc import Iterator

import pytest

from kiosk.adapters.reader.pcsc_errors import SERVICE_UNAVAILABLE
from kiosk.adapters.reader.pcsc_reader import PcscReader
from kiosk.domain.errors import DeviceError
from kiosk.domain.reader_ports import ReaderEvent, ReaderEventKind
from tests.unit.fake_pcscd import FakePcscd

WAIT = 5.0
DESK = "Gemalto PC Twin Reader 00 00"
SPARE = "Identiv uTrust 2700 R 00 00"
ATR = [0x3B, 0x95, 0x13, 0x81]
OTHER_ATR = [0x3B, 0x7F, 0x96]

INSERTED, REMOVED = ReaderEventKind.INSERTED, ReaderEventKind.REMOVED


class Recorder:
    def __init__(self) -> None:
        self.events: queue.Queue[ReaderEvent] = queue.Queue()
        self.errors: queue.Queue[DeviceError] = queue.Queue()

    def next(self) -> tuple[ReaderEventKind, str, str | None]:
        event = self.events.get(timeout=WAIT)
        return event.kind, event.reader, event.atr


@pytest.fixture
def daemon(monkeypatch: pytest.MonkeyPatch) -> FakePcscd:
    fake = FakePcscd()
    fake.install(monkeypatch)
    return fake


@pytest.fixture
def watching(daemon: FakePcscd) -> Iterator[tuple[PcscReader, Recorder]]:
    reader = PcscReader(wait_ms=10_000, reconnect_interval=0.01)
    recorder = Recorder()
    daemon.plug(DESK)
    reader.start(recorder.events.put, recorder.errors.put)
    yield reader, recorder
    reader.stop()


def test_a_reader_plugged_in_later_is_watched(
    daemon: FakePcscd, watching: tuple[PcscReader, Recorder]
) -> None:
    _, recorder = watching

    daemon.plug(SPARE)
    daemon.insert(SPARE, ATR)

    assert recorder.next() == (INSERTED, SPARE, "3B 95 13 81")


def test_unplugging_a_reader_with_its_token_reports_the_removal(
    daemon: FakePcscd, watching: tuple[PcscReader, Recorder]
) -> None:
    reader, recorder = watching
    daemon.insert(DESK, ATR)
    assert recorder.next()[0] is INSERTED

    daemon.unplug(DESK)

    assert recorder.next() == (REMOVED, DESK, None)
    assert reader.present() == []


def test_a_token_swapped_between_two_polls_is_reported_out_then_in(
    daemon: FakePcscd, watching: tuple[PcscReader, Recorder]
) -> None:
    reader, recorder = watching
    daemon.insert(DESK, ATR)
    assert recorder.next()[0] is INSERTED

    daemon.swap(DESK, OTHER_ATR)

    assert recorder.next() == (REMOVED, DESK, None)
    assert recorder.next() == (INSERTED, DESK, "3B 7F 96")
    assert [e.atr for e in reader.present()] == ["3B 7F 96"]


def test_losing_pcscd_removes_the_tokens_and_says_so_then_recovers(
    daemon: FakePcscd, watching: tuple[PcscReader, Recorder]
) -> None:
    reader, recorder = watching
    daemon.insert(DESK, ATR)
    assert recorder.next()[0] is INSERTED

    daemon.crash()

    assert recorder.next() == (REMOVED, DESK, None)
    assert recorder.errors.get(timeout=WAIT).message == SERVICE_UNAVAILABLE
    assert reader.is_monitoring

    daemon.restart()

    assert recorder.next() == (INSERTED, DESK, "3B 95 13 81")


def test_start_without_pcscd_fails_at_once_in_french(daemon: FakePcscd) -> None:
    daemon.crash()

    with pytest.raises(DeviceError) as caught:
        PcscReader().start(print)

    assert caught.value.message == SERVICE_UNAVAILABLE


def test_stop_wakes_a_watch_blocked_without_deadline(
    daemon: FakePcscd, watching: tuple[PcscReader, Recorder]
) -> None:
    reader, recorder = watching

    reader.stop()  # the wait is 10 s: only SCardCancel can end it this soon

    assert not reader.is_monitoring
    daemon.insert(DESK, ATR)
    assert recorder.events.empty()
