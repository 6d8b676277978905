"""A personalisation run in a process of its own, killed with SIGKILL (no handler, no
cleanup): what the children (``kill_child``, ``personalisation_child``) and the tests that
start them (``test_personalisation_kill``, ``test_personalisation_softhsm``) share.

The child builds the real service on SoftHSM and the embedded CA from the folder and the
escrow public key the test hands it; SOFTHSM2_CONF comes from the environment, so both
processes see the same tokens.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kiosk.adapters.ca.checks import X509CertificateChecker
from kiosk.adapters.ca.embedded_ca import EmbeddedCA
from kiosk.adapters.crypto.escrow import RsaOaepEscrow
from kiosk.adapters.token.library import Pkcs11Library
from kiosk.adapters.token.pkcs11_token import Pkcs11TokenAdapter
from kiosk.domain.model import Dossier
from kiosk.domain.personalisation_ports import PersonalisationUnitOfWorkFactory
from kiosk.domain.ports import Clock
from kiosk.services.personalisation import PersonalisationService
from kiosk.services.personalisation_steps import JournalHook
from tests.integration.personalisation_env import POLICY, escrow_private_key
from tests.integration.softhsm_env import MODULE, SoftHsm

NOT_KILLED = 3  # a child's exit status if the run went through without reaching the point
REPOSITORY = Path(__file__).resolve().parents[2]


# In the test -------------------------------------------------------------------------------


def escrow_pem(folder: Path) -> Path:
    """The escrow public key, as a file for the child to load."""
    path = folder / "escrow.pub.pem"
    path.write_bytes(
        escrow_private_key()
        .public_key()
        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    return path


def run_killed_child(softhsm: SoftHsm, child: str, args: list[str], unreached: str) -> None:
    """Runs ``python -m tests.integration.<child> ARGS``, which must die of SIGKILL;
    ``unreached`` says what it failed to reach if it ends by itself."""
    command = [sys.executable, "-m", f"tests.integration.{child}", *args]
    done = subprocess.run(command, cwd=REPOSITORY, capture_output=True, timeout=120, check=False)
    output = (done.stdout + done.stderr).decode("utf-8", "replace")
    assert done.returncode != NOT_KILLED, unreached
    assert done.returncode == -signal.SIGKILL, output
    # SoftHSM keeps, per process, its view of the tokens it has loaded: reload the module
    # (no session is open now) to see what the killed process did. A real token is read
    # from the device by whichever process asks.
    Pkcs11Library.shared(softhsm.module).lib.reinitialize()


# In the child ------------------------------------------------------------------------------


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def softhsm_service(
    uow: PersonalisationUnitOfWorkFactory,
    clock: Clock,
    ca_folder: str,
    escrow_pem: str,
    hook: JournalHook,
) -> PersonalisationService:
    """The real service on SoftHSM, the CA in ``ca_folder`` and the escrow key the test wrote."""
    ca = EmbeddedCA.load(Path(ca_folder), module_path=MODULE)
    return PersonalisationService(
        uow,
        Pkcs11TokenAdapter(MODULE),
        ca,
        X509CertificateChecker([ca.chain()[-1]]),
        RsaOaepEscrow.from_file(Path(escrow_pem)),
        POLICY,
        clock,
        journal_hook=hook,
    )


def stored_dossier(uow: PersonalisationUnitOfWorkFactory, reference: str) -> Dossier:
    with uow() as tx:
        record = tx.dossiers.get(reference)
    assert record is not None
    return record
