"""What one check of ``kiosk doctor`` found: « ✓ » or « ✗ », a plain French sentence, and
for a failure what to do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kiosk.config import Settings


@dataclass(frozen=True)
class Finding:
    topic: str
    ok: bool
    message: str
    remedy: str = ""

    def lines(self) -> list[str]:
        head = f"{'✓' if self.ok else '✗'} {self.topic} : {self.message}"
        return [head, f"    → {self.remedy}"] if self.remedy and not self.ok else [head]


def passed(topic: str, message: str) -> Finding:
    return Finding(topic, True, message)


def failed(topic: str, message: str, remedy: str) -> Finding:
    return Finding(topic, False, message, remedy)


Check = Callable[[Settings], Finding]
