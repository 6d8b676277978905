"""Timing helpers and the one-line report format of ``scripts/bench``."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
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
        f"   | ratio {ratio:7.1f}x"
    )


def rate_line(name: str, per_second: float, floor_name: str, floor_per_second: float) -> None:
    ratio = floor_per_second / per_second if per_second else float("inf")
    print(
        f"{name:<44} {per_second:14,.0f} /s   | floor ({floor_name}): {floor_per_second:14,.0f} /s"
        f"   | ratio {ratio:7.1f}x"
    )
