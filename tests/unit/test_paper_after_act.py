"""The paper after a sealed act (``desk_paper.PaperIssuer``) with the delivery receipt's
French words: whatever fails after the act is a problem the agent reads, recorded in
``receipt.issued``, never an exception that would hide the delivery."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.domain.appointment_lease import Purpose
from kiosk.domain.errors import DeviceError, StorageError
from kiosk.domain.ports import UnitOfWork
from kiosk.services.appointment import Appointment
from kiosk.services.auth import AgentSession
from kiosk.services.desk_paper import DELIVERY_WORDS, PaperIssuer
from tests.ui.sample_data import AGENT_LOGIN, REF_DELIVERED, World
from tests.unit.world_env import session, world

_FIXTURES = (session, world)
PRINTER_DOWN = "Impression impossible : imprimante éteinte — le PDF reste."
SUPERSEDE_LATE = "Certificat remplacé non révoqué (le back-office le fera) : CA injoignable."


class DownPrinter:
    def print_file(self, path: Path) -> str:
        raise DeviceError(PRINTER_DOWN)


@pytest.fixture
def appointment(world: World, session: AgentSession) -> Appointment:
    with world.db() as uow:
        dossier = uow.dossiers.get(REF_DELIVERED)
    assert dossier is not None
    return world.services.appointments.open(session, dossier, purpose=Purpose.REVOCATION)


def _issued(world: World) -> tuple[str, str | None, dict[str, object]]:
    [event] = [e for e in world.audit_events() if e.event_type == "receipt.issued"]
    return event.outcome.value, event.agent, dict(event.details)


def test_a_printer_that_fails_is_told_in_its_own_words_after_the_acts_late_problems(
    world: World, appointment: Appointment, tmp_path: Path
) -> None:
    pdf = tmp_path / "PV.pdf"
    issuer = PaperIssuer(world.db, DownPrinter(), DELIVERY_WORDS)

    paper = issuer.issue(lambda: pdf, appointment, earlier=[SUPERSEDE_LATE])

    assert paper.problems == (SUPERSEDE_LATE, PRINTER_DOWN)
    assert (paper.pdf, paper.print_job) == (pdf, None)
    assert _issued(world) == (
        "failure",
        AGENT_LOGIN,
        {"pdf": "PV.pdf", "print_job": None, "problems": 2},
    )


def test_a_renderer_that_breaks_unexpectedly_is_a_problem_not_a_crash(
    world: World, appointment: Appointment
) -> None:
    def broken() -> Path:
        raise RuntimeError("police introuvable")

    paper = PaperIssuer(world.db, DownPrinter(), DELIVERY_WORDS).issue(broken, appointment)

    assert paper.problems == (
        "PV non enregistré en PDF : erreur inattendue du générateur (RuntimeError).",
    )
    assert paper.pdf is None and paper.print_job is None
    assert _issued(world)[2] == {"pdf": None, "print_job": None, "problems": 1}


def test_an_audit_log_that_refuses_the_note_is_named_and_the_paper_stays(
    appointment: Appointment, tmp_path: Path
) -> None:
    def refused() -> UnitOfWork:
        raise StorageError("Base de données indisponible.")

    paper = PaperIssuer(refused, None, DELIVERY_WORDS).issue(lambda: tmp_path, appointment)

    assert paper.pdf == tmp_path
    assert paper.problems == ("Journal du PV non écrit : Base de données indisponible.",)
