"""Driving an appointment through the UI: the real kiosk (bootstrap, SQLite, Argon2id)
on a fresh home, with, beside the sample dossiers, an administrator of the Brest office
and a convoked dossier without revocation questions.

The appointment and identity services read the desk's date from a fixed clock (the
sample convocation day) so that the expiry checks and the snapshots do not depend on
the day the tests run. MRZs are built with the check-digit builders of the MRZ tests.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from textual import events
from textual.keys import _character_to_key

from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.adapters.fakes.memory import FixedClock
from kiosk.admin import admin_services
from kiosk.bootstrap import make_services
from kiosk.domain.audit import AuditEvent
from kiosk.domain.model import Dossier, Role
from kiosk.services.appointment import AppointmentService
from kiosk.services.identity import IdentityService
from kiosk.ui.app import KioskApp
from kiosk.ui.widgets.comparison_table import VERDICTS, ComparisonTable
from kiosk.ui.widgets.mrz_field import MrzField
from tests.ui.app_env import (
    KioskPilot,
    log_in,
    look_up,
    screen_text,
    settle,
    status_text,
    type_into,
)
from tests.ui.sample_data import KIOSK_ID, NOW, PRODUCT, REF_CONVOKED, SITE
from tests.ui.sql_env import QUESTION_ANSWERS, SqlDesk, sql_desk
from tests.unit.mrz_samples import td3

ADMIN_LOGIN = "gadmin"
ADMIN_PASSWORD = "Console-Brest-29!"
REF_NO_QUESTIONS = "CS-2026-000130"
NO_QUESTIONS_CODE = "P4Q7R2-T9V3X6-Z8M2KJ"
PASSPORT_NUMBER = "19FR84621"
MANUAL_NUMBER = "X4RTBPFW4"  # typed by hand in the manual entry form
RIGHT_ANSWERS = QUESTION_ANSWERS  # as imported for every sample dossier
WRONG_ANSWERS = ("Médor", "Morlaix", "Renault 4")  # only the last is wrong
CHOSEN_ANSWERS = ("Le Bihan", "Renault", "Madame Kerjean")  # chosen at the desk

NO_QUESTIONS_RECORD: dict[str, Any] = {
    "reference": REF_NO_QUESTIONS,
    "state": "convoked",
    "office": SITE,
    "company": {
        "siren": "123456782",
        "siret": "12345678200010",
        "name": "Exemple Industries",
        "legal_form": "SAS",
    },
    "product": PRODUCT.code,
    "holder": {"surname": "Riou", "given_names": "Gwenaël", "birth_date": "1992-06-15"},
    "legal_representative": {"surname": "Kermarrec", "given_names": "Paul", "title": "Président"},
    "withdrawal_code": NO_QUESTIONS_CODE,
    "questions": [],
    "convocation_at": "2026-04-14T09:30:00+02:00",
}


def passport(
    *,
    name: str = "LE<GOFF<<JEANNE<MARIE",
    number: str = PASSPORT_NUMBER,
    birth: str = "850307",
    expiry: str = "310210",
) -> tuple[str, str]:
    """A French passport of the holder of ``REF_CONVOKED`` (Jeanne Marie Le Goff, born
    07/03/1985), valid until 10/02/2031 unless told otherwise."""
    return td3(name=name, number=number, birth=birth, expiry=expiry, personal="", country="FRA")


def broken_expiry_digit(lines: tuple[str, str]) -> tuple[str, str]:
    """The passport with the check digit of its expiry date off by one."""
    line1, line2 = lines
    return line1, line2[:27] + str((int(line2[27]) + 1) % 10) + line2[28:]


@dataclass(frozen=True)
class AppointmentDesk:
    desk: SqlDesk
    uow: SqlUnitOfWorkFactory

    def code(self, reference: str = REF_CONVOKED) -> str:
        return NO_QUESTIONS_CODE if reference == REF_NO_QUESTIONS else self.desk.code(reference)

    def events(self, reference: str = REF_CONVOKED) -> list[AuditEvent]:
        return [e for e in self.desk.audit_events() if e.dossier_ref == reference]

    def kinds(self, reference: str = REF_CONVOKED) -> list[tuple[str, str]]:
        return [(e.event_type, e.outcome.value) for e in self.events(reference)]

    def last(self, event_type: str, reference: str = REF_CONVOKED) -> AuditEvent:
        return [e for e in self.events(reference) if e.event_type == event_type][-1]

    def dossier(self, reference: str = REF_CONVOKED) -> Dossier:
        with self.uow() as tx:
            found = tx.dossiers.get(reference)
        assert found is not None
        return found

    def fail_answers_before(self, reference: str, failures: int) -> None:
        """Wrong answer sets given at earlier appointments (the lifetime counter)."""
        with self.uow() as tx:
            tx.dossiers.set_answer_attempts(reference, failures, False)
            tx.commit()


def appointment_app(home: Path) -> tuple[KioskApp, AppointmentDesk]:
    desk = sql_desk(home)
    with admin_services(desk.settings) as admin:
        admin.agents().add(ADMIN_LOGIN, "Gaëlle Le Bris", Role.ADMIN, SITE, ADMIN_PASSWORD)
        admin.importer().import_records([NO_QUESTIONS_RECORD], source="tests")
    engine = make_engine(desk.settings.database_url)
    uow = SqlUnitOfWorkFactory(engine, site=SITE, kiosk_id=KIOSK_ID)
    clock = FixedClock(NOW)
    services = make_services(desk.settings)
    services = replace(
        services,
        appointments=AppointmentService(uow, clock),
        identity=IdentityService(uow, clock, desk.settings.site_secret()),
    )
    return KioskApp(services), AppointmentDesk(desk, uow)


async def start_appointment(
    pilot: KioskPilot,
    desk: AppointmentDesk,
    reference: str = REF_CONVOKED,
    *,
    login: str | None = None,
    password: str | None = None,
) -> None:
    """Log in, look the dossier up and press F5 « Commencer la remise »."""
    if login is not None and password is not None:
        await log_in(pilot, login, password)
    else:
        await log_in(pilot)
    await look_up(pilot, desk.code(reference))
    await pilot.press("f5")
    await settle(pilot)


def _key(character: str) -> events.Key:
    """The key event a terminal sends for ``character`` (Enter for a line break)."""
    if character == "\n":
        return events.Key("enter", "\r")
    key = character if character.isalnum() else _character_to_key(character)
    return events.Key(key, character)


async def scan(pilot: KioskPilot, lines: tuple[str, ...]) -> None:
    """Send an MRZ as a keyboard-wedge scanner does: every character of each line then
    Enter, all at once, faster than the app handles them; then wait for the reading."""
    pilot.app.screen.query_one("#mrz", MrzField).focus()
    await pilot.pause()
    driver = pilot.app._driver
    assert driver is not None
    for character in "".join(line + "\n" for line in lines):
        event = _key(character)
        event.set_sender(pilot.app)
        driver.send_message(event)
    await settle(pilot)


async def confirm_photo(pilot: KioskPilot) -> None:
    """F6 « Photo conforme », Entrée to confirm: the screen turns to the holder."""
    await pilot.press("f6")
    await pilot.pause()
    await pilot.press("enter")
    await settle(pilot)


async def identified(
    pilot: KioskPilot, desk: AppointmentDesk, reference: str = REF_CONVOKED, **mrz: str
) -> None:
    """An appointment whose identity check passed, screen turned to the holder."""
    await start_appointment(pilot, desk, reference)
    await scan(pilot, passport(**mrz))
    await confirm_photo(pilot)
    await pilot.press("enter")  # « Tournez l'écran vers le titulaire »
    await settle(pilot)


async def answer(pilot: KioskPilot, answers: tuple[str, ...]) -> None:
    """Type the answers in the holder's fields and press Entrée."""
    for number, text in enumerate(answers, start=1):
        await type_into(pilot, f"#answer-{number}", text)
    await pilot.press("enter")
    await settle(pilot)


def verdicts(pilot: KioskPilot) -> dict[str, str]:
    """Each check of the comparison shown, with the verdict its row reads on screen."""
    report = pilot.app.screen.query_one("#comparison", ComparisonTable).report
    assert report is not None
    lines = [line.strip() for line in screen_text(pilot.app).splitlines()]  # type: ignore[arg-type]
    shown = {}
    for check in report.checks:
        row = next(line for line in lines if line.startswith(f"{check.label} "))
        shown[check.label] = next(text for text, _ in VERDICTS.values() if text in row)
    return shown


def identity_status(pilot: KioskPilot) -> str:
    return status_text(pilot.app.screen, "#identity-status")
