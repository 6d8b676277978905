"""At login, finishing the renewals a kiosk stopped between the holder's acceptance and
the revocation of the certificate replaced (``RenewalService.unfinished`` / ``supersede``).

Run for an agent or an administrator (an auditor only reads), off the event loop; the
lookup screen's status says what was revoked, or why not. Nothing here ever keeps the
agent from working: a failure is told, an unexpected one logged, and the next login
tries again.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING

from kiosk.domain.errors import KioskError
from kiosk.domain.model import Role
from kiosk.services.auth import AgentSession
from kiosk.ui.renewal_words import CaughtUp, caught_up_text, not_published, not_revoked
from kiosk.ui.screens.lookup import LookupScreen
from kiosk.ui.widgets.status_line import Kind

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp

log = logging.getLogger(__name__)

UNEXPECTED = "erreur inattendue (détails dans le journal technique)."


class RenewalCatchUp:
    def __init__(self, app: KioskApp) -> None:
        self._app = app

    def run(self, session: AgentSession) -> None:
        """Revoke the certificates replaced by renewals already delivered, if any."""
        if session.role is Role.AUDITOR or self._app.services.renewals is None:
            return
        supersede = partial(self._supersede, session)
        self._app.run_worker(
            supersede,
            thread=True,
            exclusive=True,
            group="renewal-catch-up",
            description="renewal-catch-up",
        )

    def _supersede(self, session: AgentSession) -> None:
        renewals = self._app.services.renewals
        if renewals is None:
            return
        try:
            unfinished = list(renewals.unfinished())
        except Exception:
            log.exception("unfinished renewals could not be listed")
            return
        revoked: list[str] = []
        problems: list[str] = []
        for reference in unfinished:
            try:
                done = renewals.supersede(session, reference)
            except KioskError as exc:
                problems.append(not_revoked(reference, exc.message))
            except Exception:
                log.exception("the certificate replaced by a renewal could not be revoked")
                problems.append(not_revoked(reference, UNEXPECTED))
            else:
                if done is not None and done.problem is not None:
                    problems.append(not_published(reference, done.problem))
                elif done is not None:
                    revoked.append(reference)
        if revoked or problems:
            outcome = CaughtUp(tuple(revoked), tuple(problems))
            self._app.call_from_thread(self._tell, session, outcome)

    def _tell(self, session: AgentSession, done: CaughtUp) -> None:
        app = self._app
        if app.session != session:  # someone else logged in since
            return
        home = next((s for s in app.screen_stack if isinstance(s, LookupScreen)), None)
        if home is not None:
            kind = Kind.ERROR if done.problems else Kind.OK
            home.status.show(caught_up_text(done), kind)
