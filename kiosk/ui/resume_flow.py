"""Offering this kiosk's interrupted appointments to the agent who logs in, and going on
with the one chosen: resumed at the identity check, or ended with a reason.

The offer is made after every login (and after another agent unlocked the desk); the
list is read off the event loop. See ``kiosk.services.resumption`` for the rule.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING

from kiosk.services.auth import AgentSession
from kiosk.services.resumption import InterruptedAppointment
from kiosk.ui.appointment_flow import AppointmentFlow
from kiosk.ui.screens.end_appointment import EndAppointmentScreen
from kiosk.ui.screens.identity import IdentityScreen
from kiosk.ui.screens.lookup import LookupScreen
from kiosk.ui.screens.resume_offer import Resumed, ResumeOfferScreen
from kiosk.ui.widgets.status_line import Kind

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp

log = logging.getLogger(__name__)


class ResumeOffers:
    def __init__(self, app: KioskApp) -> None:
        self._app = app

    def look(self, session: AgentSession) -> None:
        """Offer ``session`` this kiosk's interrupted appointments, if there are any."""
        if self._app.services.resumption is not None:
            find = partial(self._find, session)
            self._app.run_worker(
                find, thread=True, exclusive=True, group="resume-offer", description="resume-offer"
            )

    def _find(self, session: AgentSession) -> None:
        resumption = self._app.services.resumption
        try:
            offered = list(resumption.interrupted(session)) if resumption else []
        except Exception:
            log.exception("interrupted appointments could not be listed")
            return
        if offered:
            self._app.call_from_thread(self._offer, session, offered)

    def _offer(self, session: AgentSession, offered: list[InterruptedAppointment]) -> None:
        app, resumption = self._app, self._app.services.resumption
        if resumption is None or app.session != session:  # someone else logged in since
            return
        offer = ResumeOfferScreen(resumption, session, offered)
        with_token = offer.offered.token_attempt is not None
        app.push_screen(offer, lambda result: self._answered(session, result, with_token))

    def _answered(self, session: AgentSession, result: Resumed | None, with_token: bool) -> None:
        app = self._app
        if result is None or app.session != session:
            return
        flow = AppointmentFlow(app.services, session, app.services.info, result.appointment)
        app.track(flow)
        if not result.end:
            app.push_screen(IdentityScreen(flow))
            return
        dialog = EndAppointmentScreen(flow, None, abandon_run=with_token)
        app.push_screen(dialog, lambda notice: self._ended(session, flow, notice))

    def _ended(self, session: AgentSession, flow: AppointmentFlow, notice: str | None) -> None:
        app = self._app
        if notice is None:  # the agent went back on ending it: resume it after all
            app.push_screen(IdentityScreen(flow))
            return
        app.track(None)
        if isinstance(app.screen, LookupScreen):
            app.screen.status.show(notice, Kind.OK)
        self.look(session)  # the next one, if any
