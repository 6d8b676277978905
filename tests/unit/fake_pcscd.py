"""An in-memory pcscd behind pyscard's ``scard`` functions, for the watch loop's unit tests.

It answers the five calls the adapter makes the way pcsc-lite does: card event counter in
the high word of a reader's state, the PnP pseudo-reader changing when readers come and
go, SCardGetStatusChange blocking until something differs from what the caller knows,
SCardCancel waking it, NO_SERVICE while the daemon is down and INVALID_HANDLE for contexts
made before a restart.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from smartcard import scard

PNP = "\\\\?PnP?\\Notification"
E_CANCELLED: int = scard.SCARD_E_CANCELLED
E_INVALID_HANDLE: int = scard.SCARD_E_INVALID_HANDLE
E_NO_READERS_AVAILABLE: int = scard.SCARD_E_NO_READERS_AVAILABLE
E_NO_SERVICE: int = scard.SCARD_E_NO_SERVICE
E_TIMEOUT: int = scard.SCARD_E_TIMEOUT
STATE_CHANGED: int = scard.SCARD_STATE_CHANGED
STATE_EMPTY: int = scard.SCARD_STATE_EMPTY
STATE_PRESENT: int = scard.SCARD_STATE_PRESENT
STATE_UNAWARE: int = scard.SCARD_STATE_UNAWARE
STATE_UNKNOWN: int = scard.SCARD_STATE_UNKNOWN
S_SUCCESS: int = scard.SCARD_S_SUCCESS


class FakePcscd:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._readers: dict[str, tuple[int, list[int]]] = {}
        self._pnp_count = 0
        self._running = True
        self._generation = 0
        self._contexts: dict[int, int] = {}  # context -> generation it was made in
        self._cancelled: set[int] = set()

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(scard, "SCardEstablishContext", self.establish)
        monkeypatch.setattr(scard, "SCardReleaseContext", self.release)
        monkeypatch.setattr(scard, "SCardListReaders", self.list_readers)
        monkeypatch.setattr(scard, "SCardCancel", self.cancel)
        monkeypatch.setattr(scard, "SCardGetStatusChange", self.get_status_change)

    # --- what the test does to the world ---------------------------------------------------

    def plug(self, reader: str) -> None:
        with self._changed:
            self._readers[reader] = (STATE_EMPTY, [])
            self._pnp_count += 1
            self._changed.notify_all()

    def unplug(self, reader: str) -> None:
        with self._changed:
            del self._readers[reader]
            self._pnp_count += 1
            self._changed.notify_all()

    def insert(self, reader: str, atr: list[int]) -> None:
        self._set_card(reader, atr, events=1)

    def remove(self, reader: str) -> None:
        self._set_card(reader, None, events=1)

    def swap(self, reader: str, atr: list[int]) -> None:
        """Out and in again between two of the adapter's calls: two card events at once."""
        self._set_card(reader, atr, events=2)

    def crash(self) -> None:
        with self._changed:
            self._running = False
            self._changed.notify_all()

    def restart(self) -> None:
        with self._changed:
            self._running = True
            self._generation += 1
            self._changed.notify_all()

    def _set_card(self, reader: str, atr: list[int] | None, events: int) -> None:
        with self._changed:
            counter = (self._readers[reader][0] >> 16) + events
            flag = STATE_PRESENT if atr else STATE_EMPTY
            self._readers[reader] = ((counter << 16) | flag, atr or [])
            self._changed.notify_all()

    # --- the scard API ------------------------------------------------------------------------

    def establish(self, scope: int) -> tuple[int, int]:
        with self._changed:
            if not self._running:
                return E_NO_SERVICE, 0
            context = len(self._contexts) + 1
            self._contexts[context] = self._generation
            return S_SUCCESS, context

    def release(self, context: int) -> int:
        return S_SUCCESS

    def list_readers(self, context: int, groups: list[str]) -> tuple[int, list[str]]:
        with self._changed:
            failure = self._failure(context)
            if failure:
                return failure, []
            if not self._readers:
                return E_NO_READERS_AVAILABLE, []
            return S_SUCCESS, list(self._readers)

    def cancel(self, context: int) -> int:
        with self._changed:
            self._cancelled.add(context)
            self._changed.notify_all()
            return S_SUCCESS

    def get_status_change(
        self, context: int, timeout_ms: int, states: list[tuple[str, int]]
    ) -> tuple[int, list[Any]]:
        deadline = time.monotonic() + timeout_ms / 1000
        with self._changed:
            while True:
                failure = self._failure(context)
                if failure:
                    return failure, []
                if context in self._cancelled:
                    self._cancelled.discard(context)
                    return E_CANCELLED, []
                results, changed = self._compare(states)
                if changed:
                    return S_SUCCESS, results
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return E_TIMEOUT, []
                self._changed.wait(remaining)

    def _failure(self, context: int) -> int | None:
        if not self._running:
            return E_NO_SERVICE
        if self._contexts.get(context) != self._generation:
            return E_INVALID_HANDLE
        return None

    def _compare(self, states: list[tuple[str, int]]) -> tuple[list[Any], bool]:
        results: list[Any] = []
        any_change = False
        for name, known in states:
            atr: list[int] = []
            if name == PNP:
                state = self._pnp_count << 16
                changed = known >> 16 != self._pnp_count
            elif name in self._readers:
                state, atr = self._readers[name]
                changed = known == STATE_UNAWARE or known != state
            else:
                state, changed = STATE_UNKNOWN, True
            any_change = any_change or changed
            results.append((name, state | (STATE_CHANGED if changed else 0), atr))
        return results, any_change
