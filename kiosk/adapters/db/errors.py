"""Database failures translated into the French StorageError a person sees.

The driver's own text is never shown: it may quote the statement's parameters.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import IntegrityError as SqlIntegrityError

from kiosk.domain.errors import StorageError

_NOT_DONE = "l'opération n'a pas eu lieu."

_CAUSES: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("database or disk is full", "no space left", "disk full", "diskfull"),
        f"Le disque de la base de données est plein : {_NOT_DONE}",
    ),
    (
        ("database is locked", "database is busy", "lock timeout", "could not obtain lock"),
        f"La base de données est occupée depuis trop longtemps : {_NOT_DONE} Réessayez.",
    ),
    (
        ("no such table", "undefinedtable", "does not exist"),
        "La base de données n'est pas initialisée : lancez « kiosk db upgrade ».",
    ),
    (
        (
            "unable to open database",
            "connection refused",
            "could not connect",
            "connection failed",
            "server closed the connection",
            "could not translate host name",
        ),
        f"La base de données est injoignable : {_NOT_DONE}",
    ),
    (
        ("readonly database", "read-only", "attempt to write a readonly"),
        f"La base de données est en lecture seule : {_NOT_DONE}",
    ),
)


def storage_error(exc: DBAPIError) -> StorageError:
    text = f"{type(exc.orig).__name__} {exc.orig}".lower()
    for needles, message in _CAUSES:
        if any(needle in text for needle in needles):
            return StorageError(message)
    if isinstance(exc, SqlIntegrityError):
        return StorageError(
            f"La base de données a refusé l'enregistrement (contrainte d'intégrité) : {_NOT_DONE}"
        )
    return StorageError(f"La base de données a refusé l'opération : {_NOT_DONE}")
