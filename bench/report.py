"""Timing helpers and the one-line report format of ``scripts/bench``."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Sample:
    median: float  # seconds
    p99: float

    @classmethod
    def of(cls, durations: list[float]) -> Sample:
        ordered = sorted(durations)
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        return cls(statistics.median(ordered), p99)


def timed(action: Callable[[], object], repeat: int) -> Sample:
    durations = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        durations.append(time.perf_counter() - start)
    return Sample.of(durations)


def timed_each(action: Callable[[T], object], items: list[T]) -> Sample:
    durations = []
    for item in items:
        start = time.perf_counter()
        action(item)
        durations.append(time.perf_counter() - start)
    return Sample.of(durations)


def timed_interleaved(actions: Sequence[Callable[[], object]], repeat: int) -> list[Sample]:
    """Like ``timed`` for several actions, taken in turn so that drift (CPU frequency, page
    cache, other processes) falls on all of them alike; one ``Sample`` per action."""
    durations: list[list[float]] = [[] for _ in actions]
    for _ in range(repeat):
        for action, spent in zip(actions, durations, strict=True):
            start = time.perf_counter()
            action()
            spent.append(time.perf_counter() - start)
    return [Sample.of(spent) for spent in durations]


def _ratio(ratio: float) -> str:
    # A part of a whole (below 1) needs two decimals to say anything.
    return f"{ratio:7.1f}x" if ratio >= 1 else f"{ratio:7.2f}x"


def _fmt(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:8.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:8.2f} ms"
    return f"{seconds:8.2f} s "


def line(name: str, measured: Sample, floor_name: str, floor: Sample) -> None:
    """One figure: median and p99 beside the floor's, with the ratio of the medians."""
    ratio = measured.median / floor.median if floor.median else float("inf")
    print(
        f"{name:<44} median {_fmt(measured.median)}  p99 {_fmt(measured.p99)}"
        f"   | floor ({floor_name}): median {_fmt(floor.median)}  p99 {_fmt(floor.p99)}"
        f"   | ratio {_ratio(ratio)}"
    )


def rate_line(name: str, per_second: float, floor_name: str, floor_per_second: float) -> None:
    ratio = floor_per_second / per_second if per_second else float("inf")
    print(
        f"{name:<44} {per_second:14,.0f} /s   | floor ({floor_name}): {floor_per_second:14,.0f} /s"
        f"   | ratio {_ratio(ratio)}"
    )
