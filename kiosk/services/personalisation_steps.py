"""Running one personalisation step: journaled and audited before it starts (if that cannot
be stored, the step does not happen), journaled and audited when it ends, reported to the
front end with its elapsed time.

Each step is one transaction before and one after; what a step learns (key id, public
key, certificate) is stored with its "done" entry, so the journal never claims more than
the token holds, and never holds less than a resumed run needs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

from kiosk.domain.audit import AuditDraft, Details, Outcome
from kiosk.domain.errors import KioskError
from kiosk.domain.personalisation_journal import Attempt, JournalEntry, Phase, Step
from kiosk.domain.personalisation_ports import (
    PersonalisationUnitOfWork,
    PersonalisationUnitOfWorkFactory,
)
from kiosk.domain.ports import Clock

T = TypeVar("T")

INTERNAL_ERROR = "Erreur interne pendant l'étape « {step} » : prévenez l'administrateur."


@dataclass(frozen=True)
class StepProgress:
    """One report to the front end: a step started, ended, or failed (with its message)."""

    step: Step
    phase: Phase
    elapsed_seconds: float  # of this step; 0 when it starts
    total_seconds: float  # since the run began
    message: str | None = None

    @property
    def label(self) -> str:
        return self.step.label


ProgressCallback = Callable[[StepProgress], None]
JournalHook = Callable[[Step, Phase], None]
"""Called right after a journal entry is committed (tests use it to kill the process)."""

Prepare = Callable[[PersonalisationUnitOfWork, Attempt], Attempt]
Update = Callable[[PersonalisationUnitOfWork, Attempt, T], Attempt]
OnFailure = Callable[[PersonalisationUnitOfWork, Attempt, BaseException], Attempt]


def _no_progress(_: StepProgress) -> None:
    return None


def _no_hook(_step: Step, _phase: Phase) -> None:
    return None


class StepRunner:
    """The steps of one attempt, in order; ``attempt`` is always the stored one."""

    def __init__(
        self,
        uow: PersonalisationUnitOfWorkFactory,
        clock: Clock,
        timer: Callable[[], float],
        attempt: Attempt,
        *,
        progress: ProgressCallback | None = None,
        hook: JournalHook | None = None,
        on_failure: OnFailure | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._timer = timer
        self._progress = progress or _no_progress
        self._hook = hook or _no_hook
        self._on_failure = on_failure
        self._began = timer()
        self.attempt = attempt

    def run(
        self,
        step: Step,
        action: Callable[[], T],
        *,
        prepare: Prepare | None = None,
        update: Update[T] | None = None,
    ) -> T:
        started = self._timer()
        self._commit(step, Phase.STARTED, None, prepare)
        self._report(step, Phase.STARTED, started)
        try:
            result = action()
        except Exception as exc:
            message = exc.message if isinstance(exc, KioskError) else None
            shown = message or INTERNAL_ERROR.format(step=step.label)
            elapsed = self._elapsed_ms(started)
            failure, error = self._on_failure, exc

            def failed(uow: PersonalisationUnitOfWork, attempt: Attempt) -> Attempt:
                attempt = replace(attempt, error=shown)
                return failure(uow, attempt, error) if failure else attempt

            self._commit(step, Phase.FAILED, elapsed, failed, error=shown)
            self._report(step, Phase.FAILED, started, shown)
            raise

        def done(uow: PersonalisationUnitOfWork, attempt: Attempt) -> Attempt:
            attempt = replace(attempt, error=None)
            return update(uow, attempt, result) if update else attempt

        self._commit(step, Phase.DONE, self._elapsed_ms(started), done)
        self._report(step, Phase.DONE, started)
        return result

    def record_done(
        self, step: Step, elapsed_seconds: float = 0.0, *, change: Prepare | None = None
    ) -> None:
        """A step that changed nothing on the token (the check) or was done inside the
        previous one (the PIN, set by the initialisation): journaled started and done in
        one transaction, once its result is known."""
        self._commit(step, Phase.DONE, round(elapsed_seconds * 1000), change, also_started=True)
        now = self._timer()
        self._progress(StepProgress(step, Phase.DONE, elapsed_seconds, now - self._began))

    # Internals ---------------------------------------------------------------------------

    def _elapsed_ms(self, started: float) -> int:
        return round((self._timer() - started) * 1000)

    def _commit(
        self,
        step: Step,
        phase: Phase,
        elapsed_ms: int | None,
        change: Prepare | None,
        *,
        error: str | None = None,
        also_started: bool = False,
    ) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            attempt = self.attempt
            if change is not None:
                attempt = change(uow, attempt)
            attempt = replace(attempt, step=step, phase=phase)
            uow.journal.save_attempt(attempt, now)
            cert = attempt.certificate
            phases = (Phase.STARTED, phase) if also_started else (phase,)
            for written in phases:
                uow.journal.record(
                    JournalEntry(
                        attempt_id=attempt.id,
                        dossier_ref=attempt.dossier_ref,
                        token_serial=attempt.token_serial,
                        step=step,
                        phase=written,
                        at=now,
                        elapsed_ms=None if written is Phase.STARTED else elapsed_ms,
                        key_id=attempt.key_id,
                        certificate_serial=cert.serial_hex if cert else None,
                        certificate_fingerprint=cert.sha256_fingerprint if cert else None,
                        error=error,
                    )
                )
            uow.audit.append(_audit(attempt, step, phase, elapsed_ms, error))
            uow.commit()
        self.attempt = attempt
        self._hook(step, phase)

    def _report(self, step: Step, phase: Phase, started: float, message: str | None = None) -> None:
        now = self._timer()
        elapsed = 0.0 if phase is Phase.STARTED else now - started
        self._progress(StepProgress(step, phase, elapsed, now - self._began, message))


def _audit(
    attempt: Attempt, step: Step, phase: Phase, elapsed_ms: int | None, error: str | None
) -> AuditDraft:
    details: dict[str, str | int | bool | None] = {
        "step": step.value,
        "attempt": attempt.id,
        "token": attempt.token_serial,
    }
    if attempt.key_id is not None:
        details["key_id"] = attempt.key_id.hex()
    if attempt.certificate is not None:
        details["certificate_serial"] = attempt.certificate.serial_hex
    if elapsed_ms is not None:
        details["elapsed_ms"] = elapsed_ms
    if error is not None:
        details["error"] = error
    if phase is Phase.STARTED:
        event, outcome = "personalisation.step_started", Outcome.SUCCESS
    else:
        event = f"personalisation.{step.value}"
        outcome = Outcome.SUCCESS if phase is Phase.DONE else Outcome.FAILURE
    frozen: Details = details
    return AuditDraft(event, outcome, attempt.agent, attempt.dossier_ref, frozen)
