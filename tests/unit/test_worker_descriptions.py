"""Textual describes a worker by repr()-ing its arguments unless told otherwise, and the
description travels into tracebacks and the devtools log. Screens pass codes, answers,
passwords and PINs to their workers: every worker must name itself instead."""

from __future__ import annotations

import re
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "kiosk" / "ui"
WORKER = re.compile(r"@work\(([^)]*)\)|run_worker\(([^)]*)\)")


def test_every_worker_of_the_ui_has_a_fixed_description() -> None:
    undescribed = [
        f"{path.relative_to(UI)}: {match.group(0)[:60]}"
        for path in sorted(UI.rglob("*.py"))
        for match in WORKER.finditer(path.read_text(encoding="utf-8"))
        if "description=" not in match.group(0)
    ]
    assert undescribed == []
