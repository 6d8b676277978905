"""What a failed personalisation step leaves behind, decided in the transaction that
journals the failure: a token whose PIN locked or whose certificate failed its check is
put out of service (unless it is the holder's own token, renewed beside their key), the
attempt abandoned and its certificate confirmed for revocation; a certificate issued
and not yet written stays on record as pending."""

from __future__ import annotations

from dataclasses import replace

from kiosk.domain.personalisation_journal import Attempt, AttemptStatus
from kiosk.domain.personalisation_ports import PersonalisationUnitOfWork
from kiosk.domain.token_ports import PinLockedError
from kiosk.domain.token_register import TokenState
from kiosk.services import revocations
from kiosk.services.personalisation_run import (
    VERIFICATION_NOTE,
    CertificateVerificationError,
    Devices,
)
from kiosk.services.personalisation_start import PIN_LOCKED_NOTE
from kiosk.services.personalisation_steps import OnFailure
from kiosk.services.token_register import change_state


def on_failure(devices: Devices, agent: str) -> OnFailure:
    """What a failed step leaves behind, in the transaction that journals the failure."""

    def failed(uow: PersonalisationUnitOfWork, attempt: Attempt, exc: BaseException) -> Attempt:
        now = devices.clock.now()
        if isinstance(exc, PinLockedError | CertificateVerificationError):
            note = PIN_LOCKED_NOTE if isinstance(exc, PinLockedError) else VERIFICATION_NOTE
            revocations.confirm(uow, attempt, note, agent, now)
            # The holder's own token (a renewal beside their key) still holds their
            # certificate in service: theirs to keep, or to wipe at the agent's choice.
            if attempt.token_serial and attempt.keeps_key_of is None:
                change_state(uow, attempt.token_serial, TokenState.DEFECTIVE, now, agent, note=note)
            return replace(attempt, status=AttemptStatus.ABANDONED)
        if attempt.certificate is not None and attempt.status is AttemptStatus.IN_PROGRESS:
            revocations.ensure_pending(uow, attempt, agent, now)
        return attempt

    return failed
