"""The real kiosk (``appointment_env``) with the desk's services on its fixed clock:
today's convocations of the sample day, resumption of interrupted appointments, and an
idle clock the test moves by hand (no test waits for real time).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from kiosk.adapters.fakes.memory import FixedClock
from kiosk.services.appointment import AppointmentService
from kiosk.services.convocations import ConvocationsService
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


def desk_app(home: Path, *, theme: str | None = None) -> DeskApp:
    app, desk = appointment_app(home)
    clock = FixedClock(NOW)
    appointments = AppointmentService(desk.uow, clock)
    services = replace(
        app.services,
        appointments=appointments,
        convocations=ConvocationsService(desk.uow, clock),
        resumption=ResumptionService(desk.uow, appointments),
    )
    if theme is not None:
        services = replace(services, info=replace(services.info, theme=theme))
    app.services = services
    idle = IdleClock()
    app.idle_clock = idle
    return app, desk, idle
