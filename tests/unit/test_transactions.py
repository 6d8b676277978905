"""A unit of work the database undid for a passing reason runs again, a few times; one
whose commit was cut is never repeated."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kiosk.adapters.fakes.memory import FixedClock, MemoryUnitOfWork, MemoryUnitOfWorkFactory
from kiosk.domain.audit import AuditDraft, Outcome
from kiosk.domain.storage_errors import OutcomeUnknownError, TransientStorageError
from kiosk.services.transactions import ATTEMPTS, in_transaction

Work = Callable[[MemoryUnitOfWork], int]


def _append_failing(times: int, error: Exception, calls: list[int]) -> Work:
    def work(uow: MemoryUnitOfWork) -> int:
        calls.append(1)
        event = uow.audit.append(AuditDraft("test.event", Outcome.SUCCESS))
        if len(calls) <= times:
            raise error  # after a write: the whole unit is undone
        return event.seq

    return work


def test_a_transient_failure_runs_the_whole_unit_again_and_stores_it_once() -> None:
    db, calls, pauses = MemoryUnitOfWorkFactory(FixedClock()), list[int](), list[float]()
    work = _append_failing(2, TransientStorageError("conflit"), calls)

    seq = in_transaction(db, work, sleep=pauses.append)

    assert (seq, len(calls), len(db.audit_events())) == (1, 3, 1)
    assert len(pauses) == 2 and all(0 < p < 0.1 for p in pauses)


def test_it_gives_up_after_a_few_attempts_with_the_error_to_show() -> None:
    db, calls = MemoryUnitOfWorkFactory(FixedClock()), list[int]()
    work = _append_failing(99, TransientStorageError("conflit"), calls)

    with pytest.raises(TransientStorageError, match="conflit"):
        in_transaction(db, work, sleep=lambda _s: None)

    assert len(calls) == ATTEMPTS and db.audit_events() == []


def test_an_unknown_outcome_is_never_run_again() -> None:
    db, calls = MemoryUnitOfWorkFactory(FixedClock()), list[int]()
    work = _append_failing(1, OutcomeUnknownError("incertain"), calls)

    with pytest.raises(OutcomeUnknownError):
        in_transaction(db, work, sleep=lambda _s: None)

    assert len(calls) == 1
