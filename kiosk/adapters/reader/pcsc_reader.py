"""ReaderPort over pcsc-lite (pcscd) with pyscard's low-level ``SCardGetStatusChange``.

One watch thread blocks in ``SCardGetStatusChange`` on its own context, listening to every
reader plus the PnP pseudo-reader (so readers plugged in later are picked up without
polling). ``stop()`` wakes it with ``SCardCancel``; the bounded wait is only a safety net for
a cancel that lands between two calls. Queries (``readers()``, ``present()`` before
``start()``) use short-lived contexts of their own, because pcsc-lite serialises calls on a
context and the watch thread keeps its context busy.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from smartcard import scard

from kiosk.adapters.reader.pcsc_errors import pcsc_error
from kiosk.domain.errors import DeviceError
from kiosk.domain.reader_ports import (
    ReaderCallback,
    ReaderErrorCallback,
    ReaderEvent,
    ReaderEventKind,
    atr_hex,
)

log = logging.getLogger(__name__)

PNP_NOTIFICATION = "\\\\?PnP?\\Notification"
_UNSIGNED = 0xFFFFFFFF
_TIMEOUT = scard.SCARD_E_TIMEOUT & _UNSIGNED
_CANCELLED = scard.SCARD_E_CANCELLED & _UNSIGNED
_READER_GONE = {
    scard.SCARD_E_UNKNOWN_READER & _UNSIGNED,
    scard.SCARD_E_READER_UNAVAILABLE & _UNSIGNED,
}


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _establish() -> Any:
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        raise pcsc_error(hresult, "ouvrir une session avec pcscd")
    return context


def _release(context: Any) -> None:
    scard.SCardReleaseContext(context)


@contextmanager
def _short_context() -> Iterator[Any]:
    context = _establish()
    try:
        yield context
    finally:
        _release(context)


def _list_readers(context: Any) -> list[str]:
    hresult, names = scard.SCardListReaders(context, [])
    if hresult & _UNSIGNED == scard.SCARD_E_NO_READERS_AVAILABLE & _UNSIGNED:
        return []
    if hresult != scard.SCARD_S_SUCCESS:
        raise pcsc_error(hresult, "lister les lecteurs")
    return list(names)


def _snapshot(context: Any, readers: list[str]) -> list[tuple[str, int, list[int]]]:
    if not readers:
        return []
    query = [(name, scard.SCARD_STATE_UNAWARE) for name in readers]
    hresult, states = scard.SCardGetStatusChange(context, 0, query)
    if hresult != scard.SCARD_S_SUCCESS:
        raise pcsc_error(hresult, "lire l'état des lecteurs")
    return list(states)


class _ServiceLostError(Exception):
    def __init__(self, hresult: int) -> None:
        super().__init__(hresult)
        self.hresult = hresult


class PcscReader:
    """The desk's PC/SC readers. ``now`` stamps events (a Clock's ``now``)."""

    def __init__(
        self,
        now: Callable[[], datetime] | None = None,
        *,
        wait_ms: int = 1000,
        reconnect_interval: float = 2.0,
        stop_timeout: float = 5.0,
    ) -> None:
        self._now = now or _utc_now
        self._wait_ms = wait_ms
        self._reconnect_interval = reconnect_interval
        self._stop_timeout = stop_timeout
        self._lock = threading.Lock()
        self._cards: dict[str, ReaderEvent] = {}
        self._context: Any = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._primed = threading.Event()  # the watch thread knows every reader's state

    @property
    def is_monitoring(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def readers(self) -> list[str]:
        with _short_context() as context:
            return _list_readers(context)

    def present(self) -> list[ReaderEvent]:
        if self.is_monitoring and self._primed.is_set():
            with self._lock:
                return list(self._cards.values())
        with _short_context() as context:
            states = _snapshot(context, _list_readers(context))
        return [
            ReaderEvent(ReaderEventKind.INSERTED, name, atr_hex(atr), self._now())
            for name, state, atr in states
            if state & scard.SCARD_STATE_PRESENT
        ]

    def start(self, callback: ReaderCallback, on_error: ReaderErrorCallback | None = None) -> None:
        if self._thread is not None:
            raise RuntimeError("PcscReader.start() called twice without stop()")
        context = _establish()
        self._stopping.clear()
        self._primed.clear()
        with self._lock:
            self._cards = {}
            self._context = context
        self._thread = threading.Thread(
            target=self._run, args=(context, callback, on_error), name="pcsc-watch", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        thread = self._thread
        if thread is None:
            return
        self._stopping.set()
        with self._lock:
            context = self._context
        if context is not None:
            scard.SCardCancel(context)
        if thread is not threading.current_thread():
            thread.join(self._stop_timeout)
            if thread.is_alive():
                log.warning("PC/SC watch thread still busy %.1f s after stop()", self._stop_timeout)
        self._thread = None

    # --- watch thread -------------------------------------------------------------------

    def _run(
        self, context: Any, callback: ReaderCallback, on_error: ReaderErrorCallback | None
    ) -> None:
        def deliver(event: ReaderEvent) -> None:
            if self._stopping.is_set():
                return
            try:
                callback(event)
            except Exception:
                log.exception("reader event callback failed for %s", event)

        try:
            while context is not None:
                try:
                    self._watch(context, deliver)
                    return
                except _ServiceLostError as lost:
                    self._primed.clear()
                    self._forget_all(deliver)
                    self._report(on_error, pcsc_error(lost.hresult, "surveiller les lecteurs"))
                    self._set_context(None)
                    context = self._reconnect()
        finally:
            self._set_context(None)

    def _set_context(self, context: Any) -> None:
        """Swap the watch context under the lock, so stop() never cancels a released one."""
        with self._lock:
            previous, self._context = self._context, context
        if previous is not None and previous is not context:
            _release(previous)

    def _watch(self, context: Any, deliver: ReaderCallback) -> None:
        states: dict[str, int] = {}
        pnp_state = scard.SCARD_STATE_UNAWARE
        readers_changed = True
        while not self._stopping.is_set():
            if readers_changed:
                self._refresh_readers(context, states, deliver)
            if scard.SCARD_STATE_UNAWARE not in states.values():
                self._primed.set()
            query = [(name, state) for name, state in states.items()]
            query.append((PNP_NOTIFICATION, pnp_state))
            hresult, results = scard.SCardGetStatusChange(context, self._wait_ms, query)
            code = hresult & _UNSIGNED
            readers_changed = code in _READER_GONE
            if code in (_TIMEOUT, _CANCELLED) or readers_changed:
                continue
            if hresult != scard.SCARD_S_SUCCESS:
                # Service loss or an unexpected failure: both end in a fresh context.
                raise _ServiceLostError(hresult)
            for name, event_state, atr in results:
                if name == PNP_NOTIFICATION:
                    readers_changed = bool(event_state & scard.SCARD_STATE_CHANGED)
                    pnp_state = event_state & ~scard.SCARD_STATE_CHANGED
                elif name in states:
                    self._apply(name, states[name], event_state, atr, deliver)
                    states[name] = event_state & ~scard.SCARD_STATE_CHANGED

    def _refresh_readers(
        self, context: Any, states: dict[str, int], deliver: ReaderCallback
    ) -> None:
        try:
            names = _list_readers(context)
        except DeviceError:
            hresult, _ = scard.SCardListReaders(context, [])
            raise _ServiceLostError(hresult) from None
        for gone in set(states) - set(names):
            del states[gone]
            self._forget(gone, deliver)
        for name in names:
            # UNAWARE makes the next call answer at once with the reader's real state.
            states.setdefault(name, scard.SCARD_STATE_UNAWARE)

    def _apply(
        self, reader: str, before: int, after: int, atr: list[int], deliver: ReaderCallback
    ) -> None:
        present = bool(after & scard.SCARD_STATE_PRESENT)
        with self._lock:
            known = reader in self._cards
        # pcsc-lite counts card events in the high word: a present card whose counter moved
        # was pulled out and put back (or swapped) between two of our calls.
        swapped = (
            known
            and present
            and before != scard.SCARD_STATE_UNAWARE
            and (before >> 16 != after >> 16)
        )
        if known and (not present or swapped):
            self._forget(reader, deliver)
        if present and (not known or swapped):
            event = ReaderEvent(ReaderEventKind.INSERTED, reader, atr_hex(atr), self._now())
            with self._lock:
                self._cards[reader] = event
            deliver(event)

    def _forget(self, reader: str, deliver: ReaderCallback) -> None:
        with self._lock:
            had_card = self._cards.pop(reader, None) is not None
        if had_card:
            deliver(ReaderEvent(ReaderEventKind.REMOVED, reader, None, self._now()))

    def _forget_all(self, deliver: ReaderCallback) -> None:
        with self._lock:
            readers = list(self._cards)
        for reader in readers:
            self._forget(reader, deliver)

    def _report(self, on_error: ReaderErrorCallback | None, error: DeviceError) -> None:
        log.warning("PC/SC: %s", error.message)
        if on_error is not None and not self._stopping.is_set():
            try:
                on_error(error)
            except Exception:
                log.exception("reader error callback failed")

    def _reconnect(self) -> Any:
        """Wait for pcscd to come back (it may be restarted by systemd), or for stop()."""
        while not self._stopping.wait(self._reconnect_interval):
            try:
                context = _establish()
            except DeviceError:
                continue
            self._set_context(context)
            log.info("PC/SC: pcscd is back")
            return context
        return None
