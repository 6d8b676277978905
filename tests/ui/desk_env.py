"""The real kiosk (``appointment_env``) with the desk's services on its fixed clock:
today's convocations of the sample day, resumption of interrupted appointments, and an
idle clock the test moves by hand (no test waits for real time).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from kiosk.adapters.fakes.memory import FixedClock
from kiosk.bootstrap import make_services
from kiosk.services.appointment import AppointmentService
from kiosk.services.convocations import ConvocationsService
from kiosk.services.identity import IdentityService
from kiosk.services.resumption import ResumptionService
from kiosk.ui.app import KioskApp
from tests.ui.appointment_env import AppointmentDesk, appointment_app
from tests.ui.sample_data import NOW


class IdleClock:
    """A monotonic clock for the idle lock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


DeskApp = tuple[KioskApp, AppointmentDesk, IdleClock]


def _on_fixed_clock(app: KioskApp, desk: AppointmentDesk, theme: str | None) -> DeskApp:
    clock = FixedClock(NOW)
    appointments = AppointmentService(desk.uow, clock)
    services = replace(
        app.services,
        appointments=appointments,
        identity=IdentityService(desk.uow, clock, desk.desk.settings.site_secret()),
        convocations=ConvocationsService(desk.uow, clock),
        resumption=ResumptionService(desk.uow, appointments),
    )
    if theme is not None:
        services = replace(services, info=replace(services.info, theme=theme))
    app.services = services
    idle = IdleClock()
    app.idle_clock = idle
    return app, desk, idle


def desk_app(home: Path, *, theme: str | None = None) -> DeskApp:
    """A fresh home and the kiosk on it."""
    app, desk = appointment_app(home)
    return _on_fixed_clock(app, desk, theme)


def restarted(desk: AppointmentDesk) -> DeskApp:
    """The kiosk started again on the same home (after a crash, a power cut...)."""
    return _on_fixed_clock(KioskApp(make_services(desk.desk.settings)), desk, None)
