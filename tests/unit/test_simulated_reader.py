"""The demo machine's reader: a SoftHSM slot acting as the token in a reader."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from kiosk.adapters.reader.simulated_reader import SIMULATED_READER, SimulatedReader
from kiosk.domain.reader_ports import ReaderEvent, ReaderEventKind

WAIT = 5.0
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


class EventLog:
    def __init__(self) -> None:
        self.items: queue.Queue[tuple[threading.Thread, ReaderEvent]] = queue.Queue()

    def __call__(self, event: ReaderEvent) -> None:
        self.items.put((threading.current_thread(), event))

    def next_event(self) -> ReaderEvent:
        return self.items.get(timeout=WAIT)[1]


@pytest.fixture
def reader() -> Iterator[SimulatedReader]:
    simulated = SimulatedReader(now=lambda: NOON)
    yield simulated
    simulated.stop()


def test_one_reader_with_the_token_in_it_from_the_start(reader: SimulatedReader) -> None:
    assert reader.readers() == [SIMULATED_READER]
    assert reader.present() == [ReaderEvent(ReaderEventKind.INSERTED, SIMULATED_READER, None, NOON)]


def test_start_reports_the_token_already_in_from_another_thread(reader: SimulatedReader) -> None:
    events = EventLog()

    reader.start(events)
    thread, event = events.items.get(timeout=WAIT)

    assert event.kind is ReaderEventKind.INSERTED
    assert event.reader == SIMULATED_READER
    assert thread is not threading.current_thread()


def test_pulling_out_and_putting_back_raise_events_in_order(reader: SimulatedReader) -> None:
    events = EventLog()
    reader.start(events)
    events.next_event()

    reader.remove()
    reader.remove()  # nothing left to pull out: no second event
    reader.insert()

    assert events.next_event().kind is ReaderEventKind.REMOVED
    assert events.next_event().kind is ReaderEventKind.INSERTED
    assert len(reader.present()) == 1


def test_without_a_token_at_start_nothing_is_reported_until_insert() -> None:
    reader = SimulatedReader(card_present=False)
    events = EventLog()
    reader.start(events)
    try:
        assert reader.present() == []
        reader.insert()
        assert events.next_event().kind is ReaderEventKind.INSERTED
    finally:
        reader.stop()


def test_after_stop_changes_are_kept_but_not_reported(reader: SimulatedReader) -> None:
    events = EventLog()
    reader.start(events)
    events.next_event()
    reader.stop()

    reader.remove()

    assert reader.present() == []
    assert events.items.empty()
    assert not reader.is_monitoring


def test_a_failing_callback_does_not_stop_later_events(reader: SimulatedReader) -> None:
    delivered: queue.Queue[ReaderEvent] = queue.Queue()

    def fragile(event: ReaderEvent) -> None:
        delivered.put(event)
        if event.kind is ReaderEventKind.INSERTED:
            raise RuntimeError("UI went away")

    reader.start(fragile)
    reader.remove()

    assert delivered.get(timeout=WAIT).kind is ReaderEventKind.INSERTED
    assert delivered.get(timeout=WAIT).kind is ReaderEventKind.REMOVED
