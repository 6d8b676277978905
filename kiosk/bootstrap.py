"""Wiring: settings in, adapters built, services and the app out.

This is the only place that knows both the adapters and the services; the TUI and the CLI
receive ready services.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.adapters.clock import SystemClock
from kiosk.adapters.crypto.argon2_hasher import Argon2Hasher
from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.config import Settings
from kiosk.services.answers import AnswersService
from kiosk.services.appointment import AppointmentService
from kiosk.services.auth import AuthService
from kiosk.services.container import KioskInfo, Services
from kiosk.services.identity import IdentityService
from kiosk.services.lookup import LookupService

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp


def make_services(settings: Settings) -> Services:
    engine = make_engine(settings.database_url)
    uow = SqlUnitOfWorkFactory(engine, site=settings.site, kiosk_id=settings.kiosk_id)
    hasher = Argon2Hasher(
        time_cost=settings.argon2.time_cost,
        memory_kib=settings.argon2.memory_kib,
        parallelism=settings.argon2.parallelism,
    )
    clock = SystemClock()
    site_secret = settings.site_secret()
    with uow() as tx:
        office = tx.offices.get(settings.site)
    site_name = office.name if office else settings.site
    return Services(
        info=KioskInfo(settings.site, settings.kiosk_id, site_name, settings.idle_lock_seconds),
        auth=AuthService(
            uow, hasher, clock, settings.login_max_failures, settings.login_lock_minutes
        ),
        lookup=LookupService(uow, site_secret),
        appointments=AppointmentService(uow, clock),
        identity=IdentityService(uow, clock, site_secret),
        answers=AnswersService(uow, hasher),
    )


def make_app(settings: Settings) -> KioskApp:
    """The TUI, ready to run: the real entry point and the tests both come through here."""
    from kiosk.ui.app import KioskApp

    return KioskApp(make_services(settings))
