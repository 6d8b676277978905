"""Database failures translated into the French StorageError a person sees.

The driver's own text is never shown: it may quote the statement's parameters.

A failure is *transient* when the database has undone the whole transaction for a passing
reason (serialisation failure, deadlock, the connection lost before the commit, SQLite
busy): it becomes a ``TransientStorageError``, which a caller whose work is idempotent may
run again (``kiosk.services.transactions``). A connection lost *during* the commit leaves
the outcome unknown: ``OutcomeUnknownError``, never retried blindly.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import IntegrityError as SqlIntegrityError

from kiosk.domain.errors import StorageError
from kiosk.domain.storage_errors import OutcomeUnknownError, TransientStorageError

_NOT_DONE = "l'opération n'a pas eu lieu."

DISK_FULL = f"Le disque de la base de données est plein : {_NOT_DONE}"
BUSY = f"La base de données est occupée depuis trop longtemps : {_NOT_DONE} Réessayez."
NOT_MIGRATED = "La base de données n'est pas initialisée : lancez « kiosk db upgrade »."
UNREACHABLE = f"La base de données est injoignable : {_NOT_DONE}"
READ_ONLY = f"La base de données est en lecture seule : {_NOT_DONE}"
CONFLICT = (
    "La base de données a annulé l'opération, en conflit avec celle d'un autre kiosque : "
    f"{_NOT_DONE} Réessayez."
)
CONNECTION_LOST = f"La connexion à la base de données a été perdue : {_NOT_DONE} Réessayez."
OUTCOME_UNKNOWN = (
    "La connexion à la base de données a été perdue pendant l'enregistrement : l'opération "
    "a pu avoir lieu ou non. Rouvrez le dossier pour voir où il en est avant de recommencer."
)

# SQLSTATE classes and codes (PostgreSQL; psycopg exposes them as ``sqlstate``).
_SERIALISATION = {"40001", "40P01"}  # serialization_failure, deadlock_detected
_LOCK_NOT_AVAILABLE = {"55P03"}
_TERMINATED = {"57P01", "57P02"}  # admin_shutdown, crash_shutdown: cut under a transaction
_CONNECTION = {*_TERMINATED, "57P03", "08000", "08001", "08003", "08004", "08006"}
_DISK_FULL = {"53100"}
_UNDEFINED_TABLE = {"42P01"}
_READ_ONLY = {"25006"}

_CONNECTION_NEEDLES = (
    "connection refused",
    "could not connect",
    "connection failed",
    "server closed the connection",
    "could not translate host name",
    "terminating connection",
    "the database system is",
    "connection is closed",
    "consuming input failed",
)
_CAUSES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("database or disk is full", "no space left", "disk full", "diskfull"), DISK_FULL),
    (
        ("database is locked", "database is busy", "lock timeout", "could not obtain lock"),
        BUSY,
    ),
    (("no such table", "undefinedtable", "does not exist"), NOT_MIGRATED),
    (("unable to open database", *_CONNECTION_NEEDLES), UNREACHABLE),
    (("readonly database", "read-only", "attempt to write a readonly"), READ_ONLY),
)


def sqlstate(exc: DBAPIError) -> str | None:
    code = getattr(exc.orig, "sqlstate", None)
    return code if isinstance(code, str) else None


def _text(exc: DBAPIError) -> str:
    return f"{type(exc.orig).__name__} {exc.orig}".lower()


def is_connection_failure(exc: DBAPIError) -> bool:
    """The server could not be reached, or the connection died under the transaction."""
    state = sqlstate(exc)
    if exc.connection_invalidated or (state is not None and state in _CONNECTION):
        return True
    if state is not None:
        return False
    text = _text(exc)
    return any(needle in text for needle in _CONNECTION_NEEDLES)


def is_transient(exc: DBAPIError) -> bool:
    """The database undid the transaction for a passing reason (see the module's doc)."""
    return isinstance(storage_error(exc), TransientStorageError)


def storage_error(exc: DBAPIError, *, during_commit: bool = False) -> StorageError:
    """The French error for ``exc``; ``during_commit`` when it came from the COMMIT."""
    state = sqlstate(exc)
    if is_connection_failure(exc):
        if during_commit:
            return OutcomeUnknownError(OUTCOME_UNKNOWN)
        lost = exc.connection_invalidated or state in _TERMINATED
        return TransientStorageError(CONNECTION_LOST if lost else UNREACHABLE)
    if state in _SERIALISATION:
        return TransientStorageError(CONFLICT)
    message = _message(exc, state)
    if message == BUSY:
        return TransientStorageError(BUSY)
    if message is not None:
        return StorageError(message)
    if isinstance(exc, SqlIntegrityError):
        return StorageError(
            f"La base de données a refusé l'enregistrement (contrainte d'intégrité) : {_NOT_DONE}"
        )
    return StorageError(f"La base de données a refusé l'opération : {_NOT_DONE}")


def _message(exc: DBAPIError, state: str | None) -> str | None:
    by_state = (
        (_DISK_FULL, DISK_FULL),
        (_LOCK_NOT_AVAILABLE, BUSY),
        (_UNDEFINED_TABLE, NOT_MIGRATED),
        (_READ_ONLY, READ_ONLY),
    )
    for codes, message in by_state:
        if state in codes:
            return message
    text = _text(exc)
    for needles, message in _CAUSES:
        if any(needle in text for needle in needles):
            return message
    return None
