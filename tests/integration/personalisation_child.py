"""A personalisation run in a process of its own that kills itself (SIGKILL: no handler,
no cleanup) right after a chosen journal entry is committed. The kill -9 test starts it,
then takes the run up in its own process.

    python -m tests.integration.personalisation_child DB CA_FOLDER ESCROW_PEM REFERENCE STEP

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
from kiosk.services.personalisation import PersonalisationService
from tests.integration.personalisation_env import POLICY, SITE, USER_PIN, passed_appointment
from tests.integration.softhsm_env import MODULE

NOT_KILLED = 3  # exit status if the run went through without reaching the step


def main(argv: list[str]) -> int:
    db_path, ca_folder, escrow_pem, reference, step = argv[1:6]
    kill_at = (Step(step), Phase.DONE)

    def hook(reached: Step, phase: Phase) -> None:
        if (reached, phase) == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    clock = SystemClock()
    uow = SqlUnitOfWorkFactory(
        make_engine(f"sqlite:///{db_path}"), site=SITE, kiosk_id="child", clock=clock
    )
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
    service.personalise(passed_appointment(record), "", USER_PIN)
    return NOT_KILLED


if __name__ == "__main__":
    sys.exit(main(sys.argv))
