"""The kiosk's Textual application: owns the agent's session and moves between screens.

Screens talk to the services only; every service call runs in a thread worker, so the
screen never freezes on a password hash or a database round trip.

The app also keeps the desk safe: the idle lock (``kiosk.ui.screens.lock``), the quit
question for Ctrl+C, Ctrl+Q and Ctrl+Z (``kiosk.ui.screens.quit``), the offer of an
interrupted appointment at login (``kiosk.ui.screens.resume_offer``), the heartbeat of
the open appointment's claim on its dossier, and the high-contrast theme (F12).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, ClassVar

from textual import events, on, work
from textual.app import App
from textual.await_complete import AwaitComplete
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen

from kiosk.domain.errors import KioskError
from kiosk.services.auth import AgentSession
from kiosk.services.container import Services
from kiosk.services.resumption import InterruptedAppointment
from kiosk.ui.appointment_flow import AppointmentFlow, ReturnToLookup
from kiosk.ui.desk_overlay import asked_by_overlay, beneath_overlays, overlays_on_top
from kiosk.ui.messages import LogoutRequested, SessionOpened
from kiosk.ui.safe_text import neutralise
from kiosk.ui.screens.appointment_screen import AppointmentScreen
from kiosk.ui.screens.end_appointment import EndAppointmentScreen
from kiosk.ui.screens.identity import IdentityScreen
from kiosk.ui.screens.lock import LockScreen
from kiosk.ui.screens.login import LoginScreen
from kiosk.ui.screens.lookup import LookupScreen
from kiosk.ui.screens.quit import QuitChoice, QuitScreen
from kiosk.ui.screens.resume_offer import Resumed, ResumeOfferScreen
from kiosk.ui.theme import CONTRAST, CONTRAST_THEME, DEFAULT, theme_name
from kiosk.ui.widgets.status_line import Kind

log = logging.getLogger(__name__)

_KEY_NAMES = {
    "enter": "Entrée",
    "escape": "Échap",
    "tab": "Tab",
    "space": "Espace",
    "backspace": "Retour arr.",
    "delete": "Suppr",
}
IDLE_CHECK_SECONDS = 1.0
HEARTBEAT_SECONDS = 60.0
LOCKED_QUIT = "Le kiosque verrouillé ne se quitte pas : connectez-vous d'abord."


class KioskApp(App[None]):
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

    class Interrupted(Message):
        def __init__(self, session: AgentSession, offered: list[InterruptedAppointment]) -> None:
            super().__init__()
            self.session = session
            self.offered = offered

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.session: AgentSession | None = None
        self.title = f"Kiosque de remise — {neutralise(services.info.site_name)}"
        self.sub_title = neutralise(services.info.kiosk_id)
        self.idle_clock: Callable[[], float] = time.monotonic  # tests move their own
        self._last_input = 0.0
        self._flow: AppointmentFlow | None = None  # the appointment the desk is running
        self._flow_screen: AppointmentScreen | None = None  # its latest step

    def on_mount(self) -> None:
        self.register_theme(CONTRAST_THEME)
        self.theme = theme_name(self.services.info.theme)
        self.screen_change_signal.subscribe(self, self._screen_changed)
        self._last_input = self.idle_clock()
        self.set_interval(IDLE_CHECK_SECONDS, self.check_idle_lock)
        self.set_interval(HEARTBEAT_SECONDS, self._heartbeat)
        self.push_screen(LoginScreen(self.services.auth))

    # Session

    async def on_session_opened(self, message: SessionOpened) -> None:
        self.session = message.session
        self._last_input = self.idle_clock()
        await self.switch_screen(self._home(message.session))
        self._look_for_interrupted(message.session)

    def _home(self, session: AgentSession) -> LookupScreen:
        services = self.services
        return LookupScreen(services.lookup, session, services.info, services.convocations)

    async def on_return_to_lookup(self, message: ReturnToLookup) -> None:
        """An appointment is over (or left): every screen above the lookup goes, and the
        lookup screen says how it ended. An appointment left open releases its dossier."""
        flow = self.open_flow
        if flow is not None:
            self._leave(flow)
        self._flow = self._flow_screen = None
        with beneath_overlays(self):
            while len(self._screen_stack) > 2 and not isinstance(self.screen, LookupScreen):
                super().pop_screen()
            home = self.screen
        if isinstance(home, LookupScreen):
            home.status.show(message.notice, message.kind)

    @work(thread=True, group="appointment-leave")
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
            await super().pop_screen()
        await super().switch_screen(LoginScreen(self.services.auth))
        # Recorded once the login screen is up, so that it can tell if the journal failed.
        if session is not None:
            self._record_logout(session, reason)

    @work(thread=True, group="logout")
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

    def _heartbeat(self) -> None:
        flow = self.open_flow
        if flow is not None:
            self._beat(flow)

    @work(thread=True, exclusive=True, group="appointment-heartbeat")
    def _beat(self, flow: AppointmentFlow) -> None:
        try:
            self.services.appointments.heartbeat(flow.appointment)
        except Exception:
            log.exception("appointment heartbeat failed")

    # Interrupted appointments, offered at login

    def _look_for_interrupted(self, session: AgentSession) -> None:
        if self.services.resumption is not None:
            self._find_interrupted(session)

    @work(thread=True, exclusive=True, group="resume-offer")
    def _find_interrupted(self, session: AgentSession) -> None:
        resumption = self.services.resumption
        try:
            offered = list(resumption.interrupted(session)) if resumption else []
        except Exception:
            log.exception("interrupted appointments could not be listed")
            return
        if offered:
            self.post_message(self.Interrupted(session, offered))

    @on(Interrupted)
    def _offer(self, message: Interrupted) -> None:
        resumption = self.services.resumption
        if resumption is None or self.session != message.session:
            return
        offer = ResumeOfferScreen(resumption, message.session, message.offered)
        with_token = offer.offered.token_attempt is not None
        self.push_screen(offer, lambda result: self._offer_answered(result, with_token))

    def _offer_answered(self, result: Resumed | None, with_token: bool) -> None:
        session = self.session
        if result is None or session is None:
            return
        flow = AppointmentFlow(self.services, session, self.services.info, result.appointment)
        self._flow, self._flow_screen = flow, None
        if not result.end:
            self.push_screen(IdentityScreen(flow))
            return
        dialog = EndAppointmentScreen(flow, None, abandon_run=with_token)
        self.push_screen(dialog, lambda notice: self._resumed_ended(notice, session))

    def _resumed_ended(self, notice: str | None, session: AgentSession) -> None:
        if notice is None:  # the agent went back on ending it: resume it after all
            if self._flow is not None:
                self.push_screen(IdentityScreen(self._flow))
            return
        self._flow = None
        if isinstance(self.screen, LookupScreen):
            self.screen.status.show(notice, Kind.OK)
        self._look_for_interrupted(session)  # the next one, if any

    # Idle lock

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown)):
            self._last_input = self.idle_clock()
        await super().on_event(event)

    @property
    def lock_screen(self) -> LockScreen | None:
        return next((s for s in self.screen_stack if isinstance(s, LockScreen)), None)

    def check_idle_lock(self) -> None:
        """Lock the desk if no key came for ``idle_lock_seconds`` (called every second)."""
        session = self.session
        if session is None or self.lock_screen is not None:
            return
        seconds = self.services.info.idle_lock_seconds
        if self.idle_clock() - self._last_input >= seconds:
            self.lock_desk(session, seconds)

    def lock_desk(self, session: AgentSession, seconds: int) -> None:
        self.clear_notifications()  # a toast may name a dossier
        appointment = self.open_flow is not None
        super().push_screen(
            LockScreen(self.services.auth, session, seconds, appointment=appointment)
        )
        self._record_lock(session, seconds)

    @work(thread=True, group="idle-lock")
    def _record_lock(self, session: AgentSession, seconds: int) -> None:
        try:
            self.services.auth.lock(session, seconds)
        except Exception:
            log.exception("idle lock could not be recorded")

    @on(LockScreen.Unlocked)
    def _unlocked(self, message: LockScreen.Unlocked) -> None:
        lock, session = self.lock_screen, message.session
        self._last_input = self.idle_clock()
        if lock is None:
            return
        same_agent = self.session is not None and session.login == self.session.login
        self.session = session
        if not same_agent:
            # The locked agent's appointment stays open (offered below); the new agent
            # starts at home, with nothing of it on screen.
            self._flow = self._flow_screen = None
            with beneath_overlays(self):
                while len(self._screen_stack) > 2:
                    super().pop_screen()
                super().switch_screen(self._home(session))
        if self.screen is lock:
            super().pop_screen()
        if not same_agent:
            self._look_for_interrupted(session)

    # Navigation stays beneath the lock and the quit question (kiosk.ui.desk_overlay)

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        if not overlays_on_top(self) or asked_by_overlay():
            return super().push_screen(screen, *args, **kwargs)
        with beneath_overlays(self):
            return super().push_screen(screen, *args, **kwargs)

    def switch_screen(self, screen: Screen[Any] | str) -> AwaitComplete:
        if not overlays_on_top(self) or asked_by_overlay():
            return super().switch_screen(screen)
        with beneath_overlays(self):
            return super().switch_screen(screen)

    def pop_screen(self) -> AwaitComplete:
        if not overlays_on_top(self) or asked_by_overlay():
            return super().pop_screen()
        with beneath_overlays(self):
            return super().pop_screen()

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
        super().push_screen(question, self._quit_answered)

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
        if binding.key_display:
            return binding.key_display
        key = binding.key.split(",")[0]
        if key in _KEY_NAMES:
            return _KEY_NAMES[key]
        if key.startswith("f") and key[1:].isdigit():
            return key.upper()
        if key.startswith("ctrl+"):
            return "Ctrl+" + key.removeprefix("ctrl+").upper()
        return super().get_key_display(binding)
