"""The use cases a front end (TUI or CLI) may call, wired once by ``kiosk.bootstrap``."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.services.answers import AnswersService
from kiosk.services.appointment import AppointmentService
from kiosk.services.auth import AuthService
from kiosk.services.identity import IdentityService
from kiosk.services.lookup import LookupService


@dataclass(frozen=True)
class KioskInfo:
    """What the screens show about this kiosk."""

    site: str
    kiosk_id: str
    site_name: str
    idle_lock_seconds: int = 180


@dataclass(frozen=True)
class Services:
    info: KioskInfo
    auth: AuthService
    lookup: LookupService
    appointments: AppointmentService
    identity: IdentityService
    answers: AnswersService
