"""The kiosk's Textual application: owns the agent's session and moves between screens.
Screens talk to the services only, in thread workers: no freeze on a hash or a database.

The app also keeps the desk safe: the idle lock (``kiosk.ui.screens.lock``), the quit
question for Ctrl+C, Ctrl+Q and Ctrl+Z (``kiosk.ui.screens.quit``), the offer of an
interrupted appointment at login (``kiosk.ui.screens.resume_offer``), the heartbeat of
the open appointment's claim on its dossier, and the high-contrast theme (F12).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from typing import Any, ClassVar

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen

from kiosk.domain.errors import KioskError
from kiosk.domain.model import Role
from kiosk.services.auth import AgentSession
from kiosk.services.container import Services
from kiosk.ui.appointment_flow import AppointmentFlow, ReturnToLookup
from kiosk.ui.guarded_app import GuardedApp
from kiosk.ui.key_names import french_key
from kiosk.ui.messages import LogoutRequested, SessionOpened
from kiosk.ui.renewal_catch_up import RenewalCatchUp
from kiosk.ui.resume_flow import ResumeOffers
from kiosk.ui.safe_text import neutralise
from kiosk.ui.screens.appointment_screen import AppointmentScreen
from kiosk.ui.screens.auditor_home import AuditorHomeScreen
from kiosk.ui.screens.end_appointment import EndAppointmentScreen
from kiosk.ui.screens.lock import LockScreen
from kiosk.ui.screens.login import LoginScreen
from kiosk.ui.screens.lookup import LookupScreen
from kiosk.ui.screens.quit import QuitChoice, QuitScreen
from kiosk.ui.theme import CONTRAST, CONTRAST_THEME, DEFAULT, theme_name

log = logging.getLogger(__name__)

IDLE_CHECK_SECONDS = 1.0
HEARTBEAT_SECONDS = 60.0
LOCKED_QUIT = "Le kiosque verrouillé ne se quitte pas : connectez-vous d'abord."


class KioskApp(GuardedApp):
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = False
    # Textual annotates this as ``ClassVar[...] | None``, which mypy reads as an instance
    # variable: re-annotating as ClassVar is refused, so the ruff rule is silenced instead.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]  # noqa: RUF012
    # Ctrl+Q asks everywhere. Ctrl+C and Ctrl+Z ask too, except in a text field, where
    # they keep the field's meaning (copy a value shown on purpose, undo): none of the
    # three ever closes or suspends the kiosk at once.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "request_quit", "Quitter", show=False, priority=True),
        Binding("ctrl+c", "request_quit", show=False, system=True),
        Binding("ctrl+z", "request_quit", show=False, system=True),
        Binding("f12", "toggle_contrast", "Contraste élevé", show=False, priority=True),
    ]

    class LogoutNotRecorded(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.session: AgentSession | None = None
        self.title = f"Kiosque de remise — {neutralise(services.info.site_name)}"
        self.sub_title = neutralise(services.info.kiosk_id)
        self._flow: AppointmentFlow | None = None  # the appointment the desk is running
        self._flow_screen: AppointmentScreen | None = None  # its latest step
        self._offers = ResumeOffers(self)
        self._renewals = RenewalCatchUp(self)

    def on_mount(self) -> None:
        if not self.is_headless and threading.current_thread() is threading.main_thread():
            # Ctrl+Z arrives as a key (the quit question); a SIGTSTP sent from outside
            # must not stop the kiosk in the middle of an appointment either.
            signal.signal(signal.SIGTSTP, signal.SIG_IGN)
        self.register_theme(CONTRAST_THEME)
        self.theme = theme_name(self.services.info.theme)
        self.screen_change_signal.subscribe(self, self._screen_changed)
        self.note_input()
        self.set_interval(IDLE_CHECK_SECONDS, self.check_idle_lock)
        self.set_interval(HEARTBEAT_SECONDS, self.send_heartbeat)
        self.push_screen(LoginScreen(self.services.auth))

    # Session

    async def on_session_opened(self, message: SessionOpened) -> None:
        self.session = message.session
        self.note_input()
        await self.switch_screen(self._home(message.session))
        self._offers.look(message.session)
        self._renewals.run(message.session)  # a kiosk stopped before revoking what it replaced

    def _home(self, session: AgentSession) -> Screen[None]:
        services = self.services
        if session.role is Role.AUDITOR:  # read-only desk: no lookup, no appointment
            return AuditorHomeScreen(services.audit_browser, session, services.info)
        return LookupScreen(services.lookup, session, services.info, services.convocations)

    async def on_return_to_lookup(self, message: ReturnToLookup) -> None:
        """An appointment is over (or left): every screen above the lookup goes, and the
        lookup screen says how it ended. An appointment left open releases its dossier."""
        flow = self.open_flow
        if flow is not None:
            self._leave(flow)
        self._flow = self._flow_screen = None
        self.clear_beneath(2)
        home = next((s for s in self.screen_stack if isinstance(s, LookupScreen)), None)
        if home is not None:
            home.status.show(message.notice, message.kind)

    @work(thread=True, group="appointment-leave", description="appointment-leave")
    def _leave(self, flow: AppointmentFlow) -> None:
        try:
            self.services.appointments.leave(flow.appointment)
        except Exception:
            log.exception("leaving the appointment could not be recorded")

    async def on_logout_requested(self, _message: LogoutRequested) -> None:
        await self.end_session("manual")

    async def end_session(self, reason: str) -> None:
        """Forget the agent, record the logout, and show a fresh, empty login screen."""
        session, self.session = self.session, None
        self._flow = self._flow_screen = None
        while len(self.screen_stack) > 2:
            await App.pop_screen(self)
        await App.switch_screen(self, LoginScreen(self.services.auth))
        # Recorded once the login screen is up, so that it can tell if the journal failed.
        if session is not None:
            self._record_logout(session, reason)

    @work(thread=True, group="logout", description="logout")
    def _record_logout(self, session: AgentSession, reason: str) -> None:
        try:
            self.services.auth.logout(session, reason)
        except KioskError as exc:
            self.post_message(self.LogoutNotRecorded(exc.message))
        except Exception:
            log.exception("logout could not be recorded")
            self.post_message(self.LogoutNotRecorded("erreur inattendue"))

    @on(LogoutNotRecorded)
    def _logout_not_recorded(self, message: LogoutNotRecorded) -> None:
        text = f"Déconnexion non enregistrée au journal : {message.text}"
        if isinstance(self.screen, LoginScreen):
            self.screen.show_notice(text)
        else:
            self.notify(neutralise(text), title="Journal", severity="error", markup=False)

    # The appointment under way

    def _screen_changed(self, screen: Screen[Any]) -> None:
        if isinstance(screen, AppointmentScreen):
            self._flow, self._flow_screen = screen.flow, screen

    def track(self, flow: AppointmentFlow | None) -> None:
        """The appointment the desk now runs (``None``: none), before any of its screens."""
        self._flow, self._flow_screen = flow, None

    @property
    def open_flow(self) -> AppointmentFlow | None:
        """The appointment the desk is running, while it is open."""
        for screen in reversed(self.screen_stack):  # the latest step, even just pushed
            if isinstance(screen, AppointmentScreen):
                self._flow, self._flow_screen = screen.flow, screen
                break
        flow = self._flow
        return flow if flow is not None and not flow.appointment.ended else None

    def describe_appointment(self) -> str | None:
        """« dossier CS-2026-000123, étape Identité », or None without an open one."""
        flow, screen = self.open_flow, self._flow_screen
        if flow is None:
            return None
        step = f", étape {screen.STEP.label}" if screen is not None else ""
        return f"dossier {neutralise(flow.reference)}{step}"

    def send_heartbeat(self) -> None:
        """Tell the other kiosks this one still holds its appointment's dossier (every
        minute), so that a long appointment is not taken for a dead kiosk's."""
        flow = self.open_flow
        if flow is not None:
            self._beat(flow)

    @work(
        thread=True,
        exclusive=True,
        group="appointment-heartbeat",
        description="appointment-heartbeat",
    )
    def _beat(self, flow: AppointmentFlow) -> None:
        try:
            self.services.appointments.heartbeat(flow.appointment)
        except Exception:
            log.exception("appointment heartbeat failed")

    # Idle lock

    @property
    def lock_screen(self) -> LockScreen | None:
        return next((s for s in self.screen_stack if isinstance(s, LockScreen)), None)

    def check_idle_lock(self) -> None:
        """Lock the desk if no key came for ``idle_lock_seconds`` (called every second)."""
        session = self.session
        if session is None or self.lock_screen is not None:
            return
        seconds = self.services.info.idle_lock_seconds
        if self.idle_seconds() >= seconds:
            self.lock_desk(session, seconds)

    def lock_desk(self, session: AgentSession, seconds: int) -> None:
        self.clear_notifications()  # a toast may name a dossier
        appointment = self.open_flow is not None
        self.push_overlay(LockScreen(self.services.auth, session, seconds, appointment=appointment))
        self._record_lock(session, seconds)

    @work(thread=True, group="idle-lock", description="idle-lock")
    def _record_lock(self, session: AgentSession, seconds: int) -> None:
        try:
            self.services.auth.lock(session, seconds)
        except Exception:
            log.exception("idle lock could not be recorded")

    @on(LockScreen.Unlocked)
    def _unlocked(self, message: LockScreen.Unlocked) -> None:
        lock, session = self.lock_screen, message.session
        self.note_input()
        if lock is None:
            return
        same_agent = self.session is not None and session.login == self.session.login
        self.session = session
        if not same_agent:
            # The locked agent's appointment stays open (offered below); the new agent
            # starts at home, with nothing of it on screen.
            self._flow = self._flow_screen = None
            self.clear_beneath(2, then=self._home(session))
        if self.screen is lock:
            self.pop_top()
        if not same_agent:
            self._offers.look(session)
            self._renewals.run(session)  # as at a login: this agent may finish them

    # Quitting

    def action_request_quit(self) -> None:
        """Ctrl+C, Ctrl+Q, Ctrl+Z: the quit question, never a sudden exit or suspend."""
        lock = self.lock_screen
        if lock is not None:
            lock.show_notice(LOCKED_QUIT)
            return
        if any(isinstance(s, QuitScreen) for s in self.screen_stack):
            return
        running = [w for w in self.workers if w.is_running]
        question = QuitScreen(self.describe_appointment, running)
        self.push_overlay(question, self._quit_answered)

    def _quit_answered(self, choice: QuitChoice | None) -> None:
        flow = self.open_flow
        if choice is QuitChoice.QUIT or (choice is QuitChoice.END_THEN_QUIT and flow is None):
            self.call_later(self.action_quit)
        elif choice is QuitChoice.END_THEN_QUIT and flow is not None:
            abandon = bool(getattr(self._flow_screen, "ABANDONS_RUN", False))
            dialog = EndAppointmentScreen(flow, None, abandon_run=abandon)
            self.push_screen(dialog, self._ended_before_quit)

    def _ended_before_quit(self, notice: str | None) -> None:
        if notice is not None:
            self.call_later(self.action_quit)

    async def action_quit(self) -> None:
        """Quitting with an agent logged in records the logout first."""
        await self.workers.wait_for_complete()  # nothing is cut off half done
        session, self.session = self.session, None
        if session is not None:
            try:
                await asyncio.to_thread(self.services.auth.logout, session, "quit")
            except Exception:
                log.exception("logout on quit could not be recorded")
        self.exit()

    # Display

    def action_toggle_contrast(self) -> None:
        self.theme = DEFAULT if self.theme == CONTRAST else CONTRAST

    def get_key_display(self, binding: Binding) -> str:
        return french_key(binding) or super().get_key_display(binding)
