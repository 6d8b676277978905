"""A personalisation run in a process of its own that kills itself (SIGKILL: no handler,
no cleanup) right after a chosen journal entry is committed. The kill -9 test starts it,
then takes the run up in its own process.

    python -m tests.integration.personalisation_child DB CA_FOLDER ESCROW_PEM REFERENCE STEP

SOFTHSM2_CONF comes from the environment, so both processes see the same tokens.
"""

from __future__ import annotations

import sys

from kiosk.adapters.clock import SystemClock
from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.domain.personalisation_journal import Phase, Step
from tests.integration.kill_env import NOT_KILLED, die, softhsm_service, stored_dossier
from tests.integration.personalisation_env import SITE, USER_PIN, passed_appointment


def main(argv: list[str]) -> int:
    db_path, ca_folder, escrow_pem, reference, step = argv[1:6]
    kill_at = (Step(step), Phase.DONE)

    def hook(reached: Step, phase: Phase) -> None:
        if (reached, phase) == kill_at:
            die()

    clock = SystemClock()
    uow = SqlUnitOfWorkFactory(
        make_engine(f"sqlite:///{db_path}"), site=SITE, kiosk_id="child", clock=clock
    )
    service = softhsm_service(uow, clock, ca_folder, escrow_pem, hook)
    service.personalise(passed_appointment(stored_dossier(uow, reference)), "", USER_PIN)
    return NOT_KILLED


if __name__ == "__main__":
    sys.exit(main(sys.argv))
