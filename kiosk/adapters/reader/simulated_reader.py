"""A ReaderPort for the demo machine, which has no reader: one virtual reader whose card
stands for the blank SoftHSM token in the free slot.

``insert()`` and ``remove()`` let the demo (a key binding in the TUI) act out the holder
putting the token in or pulling it out. Events are delivered from a worker thread, like the
real adapter's, so the UI code path is the same in demo and in production.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from kiosk.domain.reader_ports import (
    ReaderCallback,
    ReaderErrorCallback,
    ReaderEvent,
    ReaderEventKind,
)

log = logging.getLogger(__name__)

SIMULATED_READER = "Lecteur simulé (SoftHSM)"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SimulatedReader:
    """One reader named ``SIMULATED_READER``; its card is present at start unless told
    otherwise. Thread-safe: insert()/remove() may be called from any thread."""

    def __init__(
        self, now: Callable[[], datetime] | None = None, *, card_present: bool = True
    ) -> None:
        self._now = now or _utc_now
        self._lock = threading.Lock()
        self._card: ReaderEvent | None = self._inserted_event() if card_present else None
        self._outbox: queue.SimpleQueue[ReaderEvent | None] | None = None
        self._worker: threading.Thread | None = None

    @property
    def is_monitoring(self) -> bool:
        return self._worker is not None and self._worker.is_alive()

    def readers(self) -> list[str]:
        return [SIMULATED_READER]

    def present(self) -> list[ReaderEvent]:
        with self._lock:
            return [self._card] if self._card is not None else []

    def start(self, callback: ReaderCallback, on_error: ReaderErrorCallback | None = None) -> None:
        # on_error is part of the port; a simulated reader has no service to lose.
        if self._worker is not None:
            raise RuntimeError("SimulatedReader.start() called twice without stop()")
        outbox: queue.SimpleQueue[ReaderEvent | None] = queue.SimpleQueue()
        with self._lock:
            self._outbox = outbox
            if self._card is not None:
                outbox.put(self._card)
        self._worker = threading.Thread(
            target=self._deliver, args=(outbox, callback), name="simulated-reader", daemon=True
        )
        self._worker.start()

    def stop(self) -> None:
        worker = self._worker
        if worker is None:
            return
        with self._lock:
            outbox, self._outbox = self._outbox, None
        if outbox is not None:
            outbox.put(None)
        if worker is not threading.current_thread():
            worker.join(timeout=5.0)
        self._worker = None

    def insert(self) -> None:
        """Act out the token going in; no event if it is already in."""
        with self._lock:
            if self._card is not None:
                return
            self._card = self._inserted_event()
            self._publish(self._card)

    def remove(self) -> None:
        """Act out the token being pulled out; no event if there is none."""
        with self._lock:
            if self._card is None:
                return
            self._card = None
            self._publish(ReaderEvent(ReaderEventKind.REMOVED, SIMULATED_READER, None, self._now()))

    def _inserted_event(self) -> ReaderEvent:
        return ReaderEvent(ReaderEventKind.INSERTED, SIMULATED_READER, None, self._now())

    def _publish(self, event: ReaderEvent) -> None:
        # Called under the lock, so events leave in the order the state changed.
        if self._outbox is not None:
            self._outbox.put(event)

    @staticmethod
    def _deliver(outbox: queue.SimpleQueue[ReaderEvent | None], callback: ReaderCallback) -> None:
        while (event := outbox.get()) is not None:
            try:
                callback(event)
            except Exception:
                log.exception("reader event callback failed for %s", event)
