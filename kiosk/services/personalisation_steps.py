"""Running one personalisation step: journaled and audited before it starts (if that cannot
be stored, the step does not happen), journaled and audited when it ends, reported to the
front end with its elapsed time.

What a step learns (key id, public key, certificate) is stored with its "done" entry, so
the journal never claims more than the token holds. A step's end is committed together
with the next step's start, since nothing touches the token in between (half the
commits); if that transaction is refused, the end is committed on its own before the
error goes up, so a refused start never loses what the previous step did.

A failed step is journaled ``failed``, or ``unknown`` when it is an issuance whose
request reached the CA and whose answer was lost (``failure_phase``): its audit event is
then ``personalisation.issuance_uncertain``, naming the key (SHA-256 of the public key)
and the CMP transaction ID, and the reports to the front end say ``Phase.UNKNOWN``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Self, TypeVar

from kiosk.domain.audit import AuditDraft, Details, Outcome
from kiosk.domain.ca_errors import CaOutcomeUnknownError
from kiosk.domain.errors import KioskError
from kiosk.domain.personalisation_journal import (
    Attempt,
    JournalEntry,
    Phase,
    Step,
    failure_phase,
)
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


@dataclass(frozen=True)
class _Write:
    """One journal write: an entry (two for a step recorded at once), the attempt's new
    state, its audit event, and what ``change`` does in the same transaction."""

    step: Step
    phase: Phase
    elapsed_ms: int | None
    change: Prepare | None
    error: str | None = None
    also_started: bool = False
    transaction_id: str | None = None  # the CA's, for an issuance of unknown outcome


class StepRunner:
    """The steps of one attempt, in order; ``attempt`` is what the journal holds (or is
    about to hold). Use it as a context manager: leaving commits what is held."""

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
        # A step's end is held in an open transaction and committed with the next step's
        # start: nothing touches the token in between, and it halves the commits.
        self._held: PersonalisationUnitOfWork | None = None
        self._held_writes: list[tuple[Attempt, _Write]] = []

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.flush()
            return
        with suppress(Exception):  # the error under way is the one to tell
            self.flush()

    def run(
        self,
        step: Step,
        action: Callable[[], T],
        *,
        prepare: Prepare | None = None,
        update: Update[T] | None = None,
    ) -> T:
        started = self._timer()
        self._write(_Write(step, Phase.STARTED, None, prepare), commit=True)
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

            phase = failure_phase(step, exc)
            transaction = exc.transaction_id if isinstance(exc, CaOutcomeUnknownError) else None
            write = _Write(step, phase, elapsed, failed, shown, transaction_id=transaction)
            self._write(write, commit=True)
            self._report(step, phase, started, shown)
            raise

        def done(uow: PersonalisationUnitOfWork, attempt: Attempt) -> Attempt:
            attempt = replace(attempt, error=None)
            return update(uow, attempt, result) if update else attempt

        elapsed = self._elapsed_ms(started)
        self._report(step, Phase.DONE, started)  # before the write: no transaction held
        self._write(_Write(step, Phase.DONE, elapsed, done), commit=False)
        return result

    def record_done(
        self, step: Step, elapsed_seconds: float = 0.0, *, change: Prepare | None = None
    ) -> None:
        """A step that changed nothing on the token (the check) or was done inside the
        previous one (the PIN, set by the initialisation): journaled started and done at
        once, when its result is known."""
        now = self._timer()
        self._progress(StepProgress(step, Phase.DONE, elapsed_seconds, now - self._began))
        write = _Write(step, Phase.DONE, round(elapsed_seconds * 1000), change, also_started=True)
        self._write(write, commit=False)

    def flush(self) -> None:
        """Commit the held end of the last step."""
        if self._held is not None:
            self._write(None, commit=True)

    # Internals ---------------------------------------------------------------------------

    def _elapsed_ms(self, started: float) -> int:
        return round((self._timer() - started) * 1000)

    def _write(self, write: _Write | None, *, commit: bool) -> None:
        uow, self._held = self._held, None
        if uow is None:
            uow = self._uow()
            uow.__enter__()
        try:
            attempt = self.attempt if write is None else self._apply(uow, self.attempt, write)
            if not commit and write is not None:
                self._held_writes.append((self.attempt, write))
                self._held, self.attempt = uow, attempt
                return
            uow.commit()
        except BaseException:
            uow.__exit__(None, None, None)  # rolled back
            self._replay_held()
            raise
        uow.__exit__(None, None, None)
        written = [held for _, held in self._held_writes] + ([write] if write else [])
        self._held_writes, self.attempt = [], attempt
        for each in written:
            self._hook(each.step, each.phase)

    def _replay_held(self) -> None:
        """The transaction holding a step's end was rolled back (the next step's start was
        refused): commit that end on its own, so the journal says what the token holds."""
        held, self._held_writes = self._held_writes, []
        if not held:
            return
        attempt = self.attempt = held[0][0]
        try:
            with self._uow() as uow:
                for _, write in held:
                    attempt = self._apply(uow, attempt, write)
                uow.commit()
        except Exception:
            return  # left "started": a resumed run reads the token to know more
        self.attempt = attempt
        for _, write in held:
            self._hook(write.step, write.phase)

    def _apply(self, uow: PersonalisationUnitOfWork, attempt: Attempt, write: _Write) -> Attempt:
        now = self._clock.now()
        if write.change is not None:
            attempt = write.change(uow, attempt)
        attempt = replace(attempt, step=write.step, phase=write.phase)
        uow.journal.save_attempt(attempt, now)
        cert = attempt.certificate
        phases = (Phase.STARTED, write.phase) if write.also_started else (write.phase,)
        for phase in phases:
            uow.journal.record(
                JournalEntry(
                    attempt_id=attempt.id,
                    dossier_ref=attempt.dossier_ref,
                    token_serial=attempt.token_serial,
                    step=write.step,
                    phase=phase,
                    at=now,
                    elapsed_ms=None if phase is Phase.STARTED else write.elapsed_ms,
                    key_id=attempt.key_id,
                    certificate_serial=cert.serial_hex if cert else None,
                    certificate_fingerprint=cert.sha256_fingerprint if cert else None,
                    error=write.error,
                )
            )
        uow.audit.append(_audit(attempt, write))
        return attempt

    def _report(self, step: Step, phase: Phase, started: float, message: str | None = None) -> None:
        now = self._timer()
        elapsed = 0.0 if phase is Phase.STARTED else now - started
        self._progress(StepProgress(step, phase, elapsed, now - self._began, message))


def _audit(attempt: Attempt, write: _Write) -> AuditDraft:
    step, phase = write.step, write.phase
    details: dict[str, str | int | bool | None] = {
        "step": step.value,
        "attempt": attempt.id,
        "token": attempt.token_serial,
    }
    if attempt.key_id is not None:
        details["key_id"] = attempt.key_id.hex()
    if attempt.certificate is not None:
        details["certificate_serial"] = attempt.certificate.serial_hex
    if write.elapsed_ms is not None:
        details["elapsed_ms"] = write.elapsed_ms
    if write.error is not None:
        details["error"] = write.error
    if phase is Phase.STARTED:
        event, outcome = "personalisation.step_started", Outcome.SUCCESS
    elif phase is Phase.UNKNOWN:
        event, outcome = "personalisation.issuance_uncertain", Outcome.FAILURE
        der = attempt.public_key_der
        details["public_key_sha256"] = hashlib.sha256(der).hexdigest() if der else None
        details["transaction_id"] = write.transaction_id
    else:
        event = f"personalisation.{step.value}"
        outcome = Outcome.SUCCESS if phase is Phase.DONE else Outcome.FAILURE
    frozen: Details = details
    return AuditDraft(event, outcome, attempt.agent, attempt.dossier_ref, frozen)
