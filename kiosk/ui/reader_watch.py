"""Card insert/remove events from the desk's reader, delivered to a screen.

The reader port calls back on its own thread: the watch only posts messages (thread
safe), and the screen handles them on the app's thread. A screen starts the watch when
it is mounted and stops it before it goes (the port refuses a second start).
"""

from __future__ import annotations

import logging

from textual.message import Message
from textual.message_pump import MessagePump

from kiosk.domain.errors import DeviceError
from kiosk.domain.reader_ports import CardSimulator, ReaderEvent, ReaderEventKind, ReaderPort

log = logging.getLogger(__name__)

INSERT = "Insérez le support dans le lecteur."
READER_LOST = "Lecteur injoignable : {problem}"


class CardChanged(Message):
    def __init__(self, event: ReaderEvent) -> None:
        super().__init__()
        self.event = event

    @property
    def inserted(self) -> bool:
        return self.event.kind is ReaderEventKind.INSERTED


class ReaderLost(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


def card_text(event: ReaderEvent) -> str:
    """« Support détecté — lecteur X (ATR 3B …) » or « Support retiré — lecteur X »."""
    if event.kind is ReaderEventKind.REMOVED:
        return f"Support retiré — lecteur « {event.reader} »."
    atr = f", ATR {event.atr}" if event.atr else ""
    return f"Support détecté — lecteur « {event.reader} »{atr}."


class ReaderWatch:
    def __init__(self, port: ReaderPort, target: MessagePump) -> None:
        self._port = port
        self._target = target
        self._running = False

    @property
    def simulator(self) -> CardSimulator | None:
        """The port itself when its card can be moved from the keyboard (demo)."""
        port = self._port
        return port if isinstance(port, CardSimulator) else None

    def start(self) -> str | None:
        """Start watching; returns why it could not (French), or None."""
        if self._running:
            return None
        try:
            self._port.start(self._on_event, self._on_error)
        except DeviceError as exc:
            return READER_LOST.format(problem=exc.message)
        except Exception:
            log.exception("reader could not start")
            return READER_LOST.format(problem="erreur inattendue")
        self._running = True
        return None

    def stop(self) -> None:
        if not self._running:
            return
        self._running = False
        try:
            self._port.stop()
        except Exception:
            log.exception("reader could not stop")

    def _on_event(self, event: ReaderEvent) -> None:
        self._target.post_message(CardChanged(event))

    def _on_error(self, error: DeviceError) -> None:
        self._target.post_message(ReaderLost(READER_LOST.format(problem=error.message)))
