"""The two kinds of database failure a caller must tell apart to know whether it may
simply try again: nothing was stored, or nobody knows."""

from __future__ import annotations

from kiosk.domain.errors import StorageError


class TransientStorageError(StorageError):
    """The database undid the whole transaction for a passing reason (a conflict with
    another kiosk, a deadlock, the connection lost before the commit, a database busy for
    too long): nothing of it was stored, and the same work may run again."""


class OutcomeUnknownError(StorageError):
    """The connection was lost while the commit was under way: the transaction may or may
    not have been stored. Never repeat it blindly; read what the database holds first."""
