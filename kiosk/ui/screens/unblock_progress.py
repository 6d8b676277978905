"""The holder's new PIN set on the token delivered (agent-facing), then the attestation.

The PIN typed on the holder's screen (``NewPinScreen``) is held in a ``HeldSecret`` only
until ``PinUnblockService.unblock`` has it; the SO PIN comes from the back office inside
that call and never reaches the desk. A PIN the service refuses sends the holder back to
type another; a token pulled out keeps the PIN until it is put back (F5 tries again);
anything final (token out of service, SO PIN refused or blocked, escrow unreachable) is
said, the PIN forgotten, and F9 ends the appointment.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.message import Message
from textual.widgets import Footer, Static

from kiosk.domain.errors import KioskError
from kiosk.domain.token_ports import TokenInfo
from kiosk.services.desk_acts import DeliveredCertificate
from kiosk.services.pin_unblock import PinUnblocked
from kiosk.ui.appointment_flow import UNEXPECTED, AppointmentFlow
from kiosk.ui.screens.appointment_screen import END_APPOINTMENT, AppointmentScreen
from kiosk.ui.screens.holder_cue import TO_HOLDER, HolderCueScreen
from kiosk.ui.screens.holder_pin import NewPinScreen
from kiosk.ui.screens.receipt_view import DeskReceiptViewScreen
from kiosk.ui.token_run import HeldSecret
from kiosk.ui.unblock_words import Failure, Next, failure
from kiosk.ui.widgets.progress_header import Step
from kiosk.ui.widgets.session_bar import SessionBar
from kiosk.ui.widgets.status_line import Kind, StatusLine

log = logging.getLogger(__name__)

RUNNING = "Déblocage du code PIN sur le support…"


@dataclass(eq=False)
class UnblockRun:
    """What the unblock learned so far, carried from the agent's screen to the holder's
    and back: the token expected, the token read (only ever that one), the new PIN."""

    expected: DeliveredCertificate | None = None
    token: TokenInfo | None = None
    pin: HeldSecret = field(default_factory=HeldSecret, repr=False)

    @property
    def serial(self) -> str:
        if self.token is not None:
            return self.token.serial
        return self.expected.token_serial if self.expected is not None else ""


def done_notice(result: PinUnblocked, reference: str) -> str:
    return (
        "Code PIN débloqué : le titulaire a choisi un nouveau code PIN pour le support "
        f"n° {result.token_serial} (dossier {reference})."
    )


def to_holder(
    app: App[Any], flow: AppointmentFlow, run: UnblockRun, detail: str, *, again: bool = False
) -> None:
    """« Tournez l'écran vers le titulaire », then the new PIN; once it is taken, back to
    the agent, where the unblock runs. ``again``: ``detail`` says why the holder types
    another PIN, and the holder's screen says it too."""
    service = flow.services.pin_unblock
    assert service is not None
    run.pin.forget()
    back = lambda: app.switch_screen(UnblockProgressScreen(flow, run))  # noqa: E731
    notice = detail if again else None
    new_pin = lambda: app.switch_screen(  # noqa: E731
        NewPinScreen(flow, run.pin, back, service.policy, notice=notice)
    )
    app.switch_screen(HolderCueScreen(TO_HOLDER, detail, new_pin, holder_facing=False))


class UnblockProgressScreen(AppointmentScreen):
    STEP = Step.MEDIUM
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "again", "Réessayer"),
        END_APPOINTMENT,
    ]

    class Unblocked(Message):
        def __init__(self, result: PinUnblocked) -> None:
            super().__init__()
            self.result = result

    class NotUnblocked(Message):
        def __init__(self, failure: Failure) -> None:
            super().__init__()
            self.failure = failure

    def __init__(self, flow: AppointmentFlow, run: UnblockRun) -> None:
        super().__init__(flow)
        self.run = run
        self.final = False  # nothing more to try here: F9 ends the appointment

    def compose(self) -> ComposeResult:
        yield SessionBar(self.flow.session, self.flow.info)
        yield self.progress_header()
        with Center(), Vertical(id="unblock-panel", classes="panel") as panel:
            panel.border_title = f"Déblocage du code PIN — dossier {self.flow.reference}"
            yield from self.checks_passed()
            yield Static("✓ Nouveau code PIN choisi par le titulaire.", markup=False)
            yield Static(f"Support n° {self.run.serial}", id="unblock-title", markup=False)
            yield StatusLine(id="unblock-status")
        yield Footer()

    def on_mount(self) -> None:
        self._start()

    def on_unmount(self) -> None:
        if self.flow.appointment.ended:  # done, or ended with F9: the PIN goes with it
            self.run.pin.forget()

    @property
    def status(self) -> StatusLine:
        return self.query_one("#unblock-status", StatusLine)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "again":
            return bool(self.run.pin) and not self.busy and not self.final
        return super().check_action(action, parameters)

    def action_again(self) -> None:
        if self.check_action("again", ()) is True:
            self._start()

    def _start(self) -> None:
        self._set_busy(True)
        self.status.show(RUNNING, Kind.BUSY)
        self._unblock(self.run.serial)

    @work(thread=True, exclusive=True, group="unblock-run", description="unblock-run")
    def _unblock(self, serial: str) -> None:
        services, appointment, pin = self.flow.services, self.flow.appointment, self.run.pin
        try:
            assert services.pin_unblock is not None
            # Checked twice on the holder's screen; the service checks both again.
            new_pin = pin.reveal()
            result = services.pin_unblock.unblock(appointment, serial, new_pin, new_pin)
        except KioskError as exc:
            self.post_message(self.NotUnblocked(failure(exc)))
        except Exception:
            log.exception("PIN unblock failed")
            self.post_message(self.NotUnblocked(Failure(Next.RETRY, f"{UNEXPECTED} (F5)")))
        else:
            self.post_message(self.Unblocked(result))

    @on(Unblocked)
    def _unblocked(self, message: Unblocked) -> None:
        self.run.pin.forget()
        result, flow = message.result, self.flow
        screen = DeskReceiptViewScreen(
            flow,
            result.receipt,
            done_notice(result, flow.reference),
            pdf=result.pdf,
            print_job=result.print_job,
            problems=result.problems,
        )
        self.app.switch_screen(screen)

    @on(NotUnblocked)
    def _not_unblocked(self, message: NotUnblocked) -> None:
        found = message.failure
        self._set_busy(False)
        if found.next is Next.AGAIN:
            to_holder(self.app, self.flow, self.run, found.text, again=True)
            return
        if found.next is Next.END:
            self.final = True
            self.run.pin.forget()
            self.proposed_end = found.proposed
        self.status.show(found.text, Kind.ERROR)
        self.refresh_bindings()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.refresh_bindings()
