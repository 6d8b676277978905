"""Opening a transaction, waiting a little for a database that is restarting.

Before the first statement nothing has been done, so reconnecting is always safe: a
server restarted between two transactions (its pooled connections are dead: the pool's
pre-ping replaces them) or still starting up (``the database system is starting up``) is
waited for during ``window_s``, with jittered exponential pauses. Anything else, or a
server still away after the window, is the French StorageError at once.

Retrying a whole transaction that failed *after* it started is the caller's decision,
since only the caller knows whether its work may run twice: see
``kiosk.services.transactions.in_transaction``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from kiosk.adapters.db.errors import is_connection_failure, storage_error


@dataclass(frozen=True)
class ReconnectPolicy:
    window_s: float = 3.0
    """How long to keep trying to reach a database that does not answer."""
    first_pause_s: float = 0.05
    max_pause_s: float = 0.5

    def pause(self, attempt: int) -> float:
        """Exponential, with jitter so that kiosks cut off together do not return together."""
        ceiling = min(self.max_pause_s, self.first_pause_s * 2.0**attempt)
        return ceiling * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not a secret


def begin(
    engine: Engine,
    policy: ReconnectPolicy,
    *,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> Connection:
    """A connection with its transaction begun (``BEGIN IMMEDIATE`` on SQLite)."""
    deadline = monotonic() + policy.window_s
    attempt = 0
    while True:
        connection: Connection | None = None
        try:
            connection = engine.connect()
            connection.begin()
            return connection
        except DBAPIError as exc:
            if connection is not None:
                _discard(connection)
            pause = policy.pause(attempt)
            if not is_connection_failure(exc) or monotonic() + pause > deadline:
                raise storage_error(exc) from exc
        sleep(pause)
        attempt += 1


def _discard(connection: Connection) -> None:
    with suppress(DBAPIError):  # already dead: the error being handled is what matters
        connection.close()
