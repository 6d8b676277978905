"""A personalisation whose run and acceptance give the same results at every run, for the
snapshots: the token check is the real one (in-memory tokens), the run reports fixed
steps and times and returns a certificate fixed byte for byte, the acceptance a fixed
signature and audit event. A run can be held at a step's start, as a real token holds
the screen while it generates its key; it then waits until the app stops its worker.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from textual.worker import get_current_worker

from kiosk.domain.audit import AuditEvent, DetailValue, Outcome
from kiosk.domain.certificates import SubjectSpec
from kiosk.domain.errors import DeviceError
from kiosk.domain.personalisation_journal import Phase, Step
from kiosk.domain.receipt import DeliveryReceipt
from kiosk.domain.receipt_text import receipt_file_stem
from kiosk.services.appointment import Appointment
from kiosk.services.personalisation import PersonalisationResult, PersonalisationService
from kiosk.services.personalisation_steps import ProgressCallback, StepProgress
from tests.ui.sample_data import KIOSK_ID, NOW, SITE
from tests.ui.token_env import FAKE_SERIALS
from tests.unit.certificate_samples import fixed_certificate

KEY_ID = bytes.fromhex("6b696f73717565206465206d6f6e7472")
SIGNATURE = hashlib.sha512(b"signature d'acceptation de test").digest()
RECEIPTS = Path("/var/lib/kiosque/recus")
HOLD_SECONDS = 60.0  # a bound: the app stops the worker as soon as the test is over
# (step, phase, the step's time, the run's total)
SCRIPT: tuple[tuple[Step, Phase, float, float], ...] = (
    (Step.CHECK, Phase.DONE, 0.004, 0.004),
    (Step.INITIALISE, Phase.STARTED, 0.0, 0.01),
    (Step.INITIALISE, Phase.DONE, 0.412, 0.42),
    (Step.SET_PIN, Phase.DONE, 0.0, 0.42),
    (Step.GENERATE_KEY, Phase.STARTED, 0.0, 0.43),
    (Step.GENERATE_KEY, Phase.DONE, 2.841, 3.27),
    (Step.BUILD_CSR, Phase.STARTED, 0.0, 3.28),
    (Step.BUILD_CSR, Phase.DONE, 0.036, 3.32),
    (Step.ISSUE, Phase.STARTED, 0.0, 3.33),
    (Step.ISSUE, Phase.DONE, 0.094, 3.42),
    (Step.WRITE, Phase.STARTED, 0.0, 3.43),
    (Step.WRITE, Phase.DONE, 0.128, 3.56),
    (Step.VERIFY, Phase.STARTED, 0.0, 3.57),
    (Step.VERIFY, Phase.DONE, 0.061, 3.63),
)


def _no_report(_: StepProgress) -> None:
    return None


class ScriptedPersonalisation(PersonalisationService):
    hold_at: Step | None = None  # set on the instance to hold the run there

    def personalise(
        self,
        appointment: Appointment,
        serial: str,
        user_pin: str,
        *,
        wipe: bool = False,
        so_pin: str | None = None,
        progress: ProgressCallback | None = None,
        **_options: Any,  # whatever else the real service takes: ignored
    ) -> PersonalisationResult:
        report = progress or _no_report
        for step, phase, elapsed, total in SCRIPT:
            report(StepProgress(step, phase, elapsed, total))
            if (step, phase) == (self.hold_at, Phase.STARTED):
                get_current_worker().cancelled_event.wait(HOLD_SECONDS)
                raise DeviceError("Exécution interrompue (fin du test).")
        dossier = appointment.dossier
        subject = SubjectSpec.for_holder(dossier.holder, dossier.company)
        certificate = fixed_certificate(subject, NOW)
        total = SCRIPT[-1][3]
        return PersonalisationResult(
            dossier.reference, FAKE_SERIALS[0], KEY_ID, certificate, False, total
        )

    def accept(
        self,
        appointment: Appointment,
        serial: str,
        user_pin: str,
        key_id: bytes,
        digest: bytes,
        receipt_details: Mapping[str, DetailValue] | None = None,
    ) -> tuple[bytes, AuditEvent]:
        appointment.ended = True
        event = AuditEvent(
            seq=1042,
            at=NOW,
            site=SITE,
            kiosk=KIOSK_ID,
            agent=appointment.session.login,
            dossier_ref=appointment.reference,
            event_type="dossier.delivered",
            outcome=Outcome.SUCCESS,
            details=dict(receipt_details or {}),
            prev_hash=hashlib.sha256(b"evenement 1041").hexdigest(),
            hash=hashlib.sha256(b"evenement 1042").hexdigest(),
        )
        return SIGNATURE, event


class FixedPathRenderer:
    """Says where the PDF would be, without writing it (the path shown stays the same)."""

    def render(self, receipt: DeliveryReceipt, folder: Path) -> Path:
        return RECEIPTS / f"{receipt_file_stem(receipt)}.pdf"
