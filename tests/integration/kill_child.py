"""A desk in a process of its own that opens the dossier's appointment, starts the
personalisation on SoftHSM's blank token, and kills itself (SIGKILL: no handler, no
cleanup) at a chosen point:

- ``before STEP``: the step's start is committed, its token or CA operation not begun;
- ``after STEP``: the operation is done, its end not yet committed.

    python -m tests.integration.kill_child URL CA_FOLDER ESCROW_PEM REFERENCE WHEN STEP

SOFTHSM2_CONF comes from the environment, so both processes see the same tokens.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from kiosk.adapters.ca.checks import X509CertificateChecker
from kiosk.adapters.ca.embedded_ca import EmbeddedCA
from kiosk.adapters.clock import SystemClock
from kiosk.adapters.crypto.escrow import RsaOaepEscrow
from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.adapters.token.pkcs11_token import Pkcs11TokenAdapter
from kiosk.domain.personalisation_journal import Phase, Step
from kiosk.services.appointment import AppointmentService
from kiosk.services.personalisation import PersonalisationService
from kiosk.services.personalisation_steps import StepProgress
from tests.integration.personalisation_env import POLICY, SESSION, SITE, USER_PIN
from tests.integration.softhsm_env import MODULE

NOT_KILLED = 3  # exit status if the run went through without reaching the point
KIOSK_ID = "desk-1"


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main(argv: list[str]) -> int:
    url, ca_folder, escrow_pem, reference, when, step_name = argv[1:7]
    step = Step(step_name)

    def hook(reached: Step, phase: Phase) -> None:
        if when == "before" and (reached, phase) == (step, Phase.STARTED):
            _die()

    def progress(report: StepProgress) -> None:
        if when == "after" and (report.step, report.phase) == (step, Phase.DONE):
            _die()

    clock = SystemClock()
    uow = SqlUnitOfWorkFactory(make_engine(url), site=SITE, kiosk_id=KIOSK_ID, clock=clock)
    ca = EmbeddedCA.load(Path(ca_folder), module_path=MODULE)
    service = PersonalisationService(
        uow,
        Pkcs11TokenAdapter(MODULE),
        ca,
        X509CertificateChecker([ca.chain()[-1]]),
        RsaOaepEscrow.from_file(Path(escrow_pem)),
        POLICY,
        clock,
        journal_hook=hook,
    )
    with uow() as tx:
        record = tx.dossiers.get(reference)
    assert record is not None
    appointment = AppointmentService(uow, clock).open(SESSION, record)
    appointment.identity_passed = appointment.photo_confirmed = appointment.answers_passed = True
    service.personalise(appointment, "", USER_PIN, progress=progress)
    return NOT_KILLED


if __name__ == "__main__":
    sys.exit(main(sys.argv))
