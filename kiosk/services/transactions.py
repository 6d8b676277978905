"""Running one unit of work again when the database undid it for a passing reason.

Only for work that touches nothing but the database, reads what it needs inside the
transaction and may therefore run twice (an audit event and the state change it records,
a claim on a dossier): when the database undid the whole transaction
(``TransientStorageError``: another kiosk's conflicting transaction, a deadlock, the
connection lost before the commit) it runs again, a few times. A token or CA side effect
must never sit inside ``work``; and a commit whose outcome is unknown
(``OutcomeUnknownError``) is never repeated: it is reported.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from kiosk.domain.ports import UnitOfWork
from kiosk.domain.storage_errors import TransientStorageError

U = TypeVar("U", bound=UnitOfWork)
T = TypeVar("T")

ATTEMPTS = 3


def _pause(attempt: int) -> float:
    """10-20 ms, then 20-40 ms...: enough for the other kiosk's transaction to finish."""
    return 0.01 * 2.0**attempt * (1 + random.random())  # noqa: S311 - jitter, not a secret


def in_transaction(
    uow_factory: Callable[[], U],
    work: Callable[[U], T],
    *,
    attempts: int = ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``work(uow)`` then commit, in a fresh unit of work each time it has to run again."""
    for attempt in range(attempts):
        try:
            with uow_factory() as uow:
                result = work(uow)
                uow.commit()
                return result
        except TransientStorageError:
            if attempt + 1 >= attempts:
                raise
        sleep(_pause(attempt))
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises
