"""A desk in a process of its own that opens the dossier's appointment, starts the
personalisation on SoftHSM's blank token, and kills itself (SIGKILL: no handler, no
cleanup) at a chosen point:

- ``before STEP``: the step's start is committed, its token or CA operation not begun;
- ``after STEP``: the operation is done, its end not yet committed.

    python -m tests.integration.kill_child URL CA_FOLDER ESCROW_PEM REFERENCE WHEN STEP

SOFTHSM2_CONF comes from the environment, so both processes see the same tokens.
"""

from __future__ import annotations

import sys

from kiosk.adapters.clock import SystemClock
from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.domain.personalisation_journal import Phase, Step
from kiosk.services.appointment import AppointmentService
from kiosk.services.personalisation_steps import StepProgress
from tests.integration.kill_env import NOT_KILLED, die, softhsm_service, stored_dossier
from tests.integration.personalisation_env import SESSION, SITE, USER_PIN

KIOSK_ID = "desk-1"


def main(argv: list[str]) -> int:
    url, ca_folder, escrow_pem, reference, when, step_name = argv[1:7]
    step = Step(step_name)

    def hook(reached: Step, phase: Phase) -> None:
        if when == "before" and (reached, phase) == (step, Phase.STARTED):
            die()

    def progress(report: StepProgress) -> None:
        if when == "after" and (report.step, report.phase) == (step, Phase.DONE):
            die()

    clock = SystemClock()
    uow = SqlUnitOfWorkFactory(make_engine(url), site=SITE, kiosk_id=KIOSK_ID, clock=clock)
    service = softhsm_service(uow, clock, ca_folder, escrow_pem, hook)
    appointment = AppointmentService(uow, clock).open(SESSION, stored_dossier(uow, reference))
    appointment.identity_passed = appointment.photo_confirmed = appointment.answers_passed = True
    service.personalise(appointment, "", USER_PIN, progress=progress)
    return NOT_KILLED


if __name__ == "__main__":
    sys.exit(main(sys.argv))
