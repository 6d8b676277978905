"""Where a call's time goes: proxies that charge the time spent inside a port to a category.

A call made inside another charged call (the SO PIN escrow inside a database transaction)
counts for the inner category only, so the categories add up to no more than the wall
time. The proxies stand in for the ports they wrap (``cast`` at the call site): they
forward every attribute and time every method call.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any


class Ledger:
    """Seconds per category since the last ``reset``."""

    def __init__(self) -> None:
        self.spent: defaultdict[str, float] = defaultdict(float)
        self._open: list[tuple[str, float]] = []  # category, time it was last resumed

    def reset(self) -> None:
        assert not self._open, self._open
        self.spent.clear()

    def enter(self, category: str) -> None:
        now = time.perf_counter()
        if self._open:
            outer, resumed = self._open[-1]
            self.spent[outer] += now - resumed
        self._open.append((category, now))

    def leave(self, category: str) -> None:
        now = time.perf_counter()
        left, resumed = self._open.pop()
        assert left == category, (left, category)
        self.spent[left] += now - resumed
        if self._open:
            self._open[-1] = (self._open[-1][0], now)


class Charged:
    """Forwards to ``inner``, charging each method call to ``category``."""

    def __init__(self, inner: object, ledger: Ledger, category: str) -> None:
        self._inner = inner
        self._ledger = ledger
        self._category = category

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if not callable(attribute):
            return attribute
        ledger, category = self._ledger, self._category

        def charged(*args: Any, **kwargs: Any) -> Any:
            ledger.enter(category)
            try:
                return attribute(*args, **kwargs)
            finally:
                ledger.leave(category)

        return charged


class ChargedTransactions:
    """A unit-of-work factory whose units charge the time they are open to ``database``,
    and their commits (fsync) to ``commit``."""

    def __init__(self, factory: Any, ledger: Ledger) -> None:
        self._factory = factory
        self._ledger = ledger

    def __call__(self) -> _ChargedUnit:
        return _ChargedUnit(self._factory(), self._ledger)


class _ChargedUnit:
    def __init__(self, inner: Any, ledger: Ledger) -> None:
        self._inner = inner
        self._ledger = ledger

    def __enter__(self) -> _ChargedUnit:
        self._ledger.enter("database")
        self._inner.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._inner.__exit__(exc_type, exc, tb)
        finally:
            self._ledger.leave("database")

    def commit(self) -> None:
        self._ledger.enter("commit")
        try:
            self._inner.commit()
        finally:
            self._ledger.leave("commit")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@contextmanager
def charging(owner: object, name: str, ledger: Ledger, category: str) -> Iterator[None]:
    """While open, calls to the function ``owner.name`` (looked up at each call, as
    ``module.function`` is) are charged to ``category``, whoever makes them."""
    original = getattr(owner, name)

    def charged(*args: Any, **kwargs: Any) -> Any:
        ledger.enter(category)
        try:
            return original(*args, **kwargs)
        finally:
            ledger.leave(category)

    setattr(owner, name, charged)
    try:
        yield
    finally:
        setattr(owner, name, original)
