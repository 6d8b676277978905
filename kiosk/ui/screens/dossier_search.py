"""What the agent's two ways to a dossier share: the home's withdrawal code (``lookup``)
and the delivered dossier found by reference or serial (``find_delivered``).

Either types something, the search runs on a worker (the lookup service reads the
database and audits the reading), and the dossier found opens read only above; a
refusal is said in the screen's status line and the field takes the keyboard again.
The panel is disabled while the search runs, so that nothing is typed into a search
already on its way.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from textual import on, work
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input

from kiosk.domain.errors import KioskError
from kiosk.domain.model import Dossier
from kiosk.services.auth import AgentSession
from kiosk.services.container import KioskInfo
from kiosk.services.lookup import LookupService
from kiosk.ui.screens.dossier import DossierScreen
from kiosk.ui.widgets.status_line import Kind, StatusLine

log = logging.getLogger(__name__)

UNEXPECTED = "Erreur inattendue : la recherche n'a pas abouti. Réessayez."


class DossierSearchScreen(Screen[None]):
    # The panel disabled while a search runs.
    PANEL: ClassVar[str]
    # What the log says of a search that failed unexpectedly (its input never logged).
    FAILURE_LOG: ClassVar[str] = "dossier lookup failed"

    class Found(Message):
        def __init__(self, dossier: Dossier) -> None:
            super().__init__()
            self.dossier = dossier

    class Refused(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, lookup: LookupService, session: AgentSession, info: KioskInfo) -> None:
        super().__init__()
        self._lookup = lookup
        self.session = session
        self._info = info
        self.busy = False

    # What each screen says and searches with

    @property
    def search_input(self) -> Input:
        """The field the agent types in: it has the keyboard whenever no search runs."""
        raise NotImplementedError

    @property
    def status(self) -> StatusLine:
        raise NotImplementedError

    def find(self, typed: str) -> Dossier:
        """The search itself, on the worker's thread."""
        raise NotImplementedError

    def dossier_found(self) -> None:
        """What the screen clears once a dossier is found, before it opens."""

    # The search

    def start_search(self, typed: str, searching: str) -> None:
        """``searching``: the words said while the search runs."""
        self.set_busy(True)
        self.status.show(searching, Kind.BUSY)
        self._search(typed)

    @work(thread=True, exclusive=True, group="dossier-search", description="dossier-search")
    def _search(self, typed: str) -> None:
        try:
            dossier = self.find(typed)
        except KioskError as exc:
            self.post_message(self.Refused(exc.message))
        except Exception:
            log.exception(self.FAILURE_LOG)
            self.post_message(self.Refused(UNEXPECTED))
        else:
            self.post_message(self.Found(dossier))

    @on(Found)
    def _found(self, message: Found) -> None:
        self.set_busy(False)
        self.dossier_found()
        self.status.show(f"Dossier {message.dossier.reference} consulté.", Kind.OK)
        self.app.push_screen(DossierScreen(message.dossier, self.session, self._info))

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self.set_busy(False)
        self.status.show(message.text, Kind.ERROR)
        self.search_input.focus()

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.query_one(self.PANEL).disabled = busy
        if not busy:
            self.search_input.focus()
