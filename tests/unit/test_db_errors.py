"""Database failures told apart by what a caller may do next: nothing was stored and the
work may run again (transient), nobody knows (the commit was cut), or a lasting refusal;
each with the French sentence a person reads, never the driver's text."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from kiosk.adapters.db.errors import (
    BUSY,
    CONFLICT,
    CONNECTION_LOST,
    DISK_FULL,
    NOT_MIGRATED,
    OUTCOME_UNKNOWN,
    UNREACHABLE,
    is_transient,
    storage_error,
)
from kiosk.domain.errors import StorageError
from kiosk.domain.storage_errors import OutcomeUnknownError, TransientStorageError


class DriverError(Exception):
    def __init__(self, text: str, sqlstate: str | None = None) -> None:
        super().__init__(text)
        self.sqlstate = sqlstate


def failure(
    text: str, sqlstate: str | None = None, *, invalidated: bool = False
) -> OperationalError:
    return OperationalError(
        "SELECT 1", {"pin": "1234"}, DriverError(text, sqlstate), connection_invalidated=invalidated
    )


REFUSED = 'connection to server at "10.0.0.5", port 5432 failed: Connection refused'


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (failure("could not serialize access", "40001"), CONFLICT),
        (failure("deadlock detected", "40P01"), CONFLICT),
        (failure("canceling statement due to lock timeout", "55P03"), BUSY),
        (failure("terminating connection due to administrator command", "57P01"), CONNECTION_LOST),
        (failure("server closed the connection unexpectedly", invalidated=True), CONNECTION_LOST),
        (failure(REFUSED), UNREACHABLE),
        (failure("the database system is starting up", "57P03"), UNREACHABLE),
        (failure("database is locked"), BUSY),
    ],
    ids=["serialisation", "deadlock", "lock-timeout", "admin-shutdown", "dropped", "refused",
         "starting-up", "sqlite-busy"],
)  # fmt: skip
def test_a_passing_failure_may_run_again(error: OperationalError, message: str) -> None:
    translated = storage_error(error)
    assert isinstance(translated, TransientStorageError) and is_transient(error)
    assert translated.message == message


def test_a_connection_cut_during_the_commit_leaves_the_outcome_unknown() -> None:
    cut = failure("server closed the connection unexpectedly", invalidated=True)
    translated = storage_error(cut, during_commit=True)
    assert isinstance(translated, OutcomeUnknownError)
    assert not isinstance(translated, TransientStorageError)
    assert translated.message == OUTCOME_UNKNOWN


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (failure('could not extend file "base/1/2": No space left on device', "53100"), DISK_FULL),
        (failure("database or disk is full"), DISK_FULL),
        (failure('relation "audit_events" does not exist', "42P01"), NOT_MIGRATED),
    ],
    ids=["pg-disk-full", "sqlite-full", "not-migrated"],
)
def test_a_lasting_refusal_is_not_run_again(error: OperationalError, message: str) -> None:
    translated = storage_error(error)
    assert type(translated) is StorageError and not is_transient(error)
    assert translated.message == message


def test_the_driver_text_and_parameters_are_never_shown() -> None:
    refused = IntegrityError(
        "INSERT", {"pin": "1234"}, DriverError("duplicate key value (pin)=(1234)", "23505")
    )
    message = storage_error(refused).message
    assert "1234" not in message and "contrainte d'intégrité" in message
