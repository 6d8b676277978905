"""The steps of a personalisation run, each with its state and elapsed time, and the run's
total: what the agent watches while a real token generates its key (seconds).

States are told in words and by a mark (✓ done, ✗ failed, a spinner and « en cours »
while running), never by colour alone. The running step's time counts live; the times
shown once a step ends are the service's own measures (``StepProgress``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from rich.text import Text
from textual.widgets import Static

from kiosk.domain.personalisation_journal import Phase, Step
from kiosk.services.personalisation_steps import StepProgress

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
TICK_SECONDS = 0.2
LABEL_WIDTH = max(len(step.label) for step in Step) + 2


def seconds(value: float) -> str:
    """``0,18 s``, ``12,4 s``: French decimals, fewer when the value grows."""
    text = f"{value:.2f}" if value < 10 else f"{value:.1f}"
    return f"{text.replace('.', ',')} s"


class RowState(StrEnum):
    PENDING = "à venir"
    RUNNING = "en cours"
    DONE = "fait"
    FAILED = "échec"
    EARLIER = "déjà fait"  # done by an earlier, interrupted run that this one takes up


@dataclass
class _Row:
    state: RowState = RowState.PENDING
    elapsed: float | None = None


class StepProgressView(Static):
    # Where "now" comes from, for the live counters (tests freeze it).
    clock: ClassVar[Callable[[], float]] = time.monotonic

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self._rows = {step: _Row() for step in Step}
        self._earlier = "reprise"
        self._current: tuple[Step, float] | None = None  # the running step, since when
        self._total: float | None = None  # the run's total at the last report
        self._reported_at = 0.0

    def on_mount(self) -> None:
        self.set_interval(TICK_SECONDS, self._tick)
        self.update(self.render_steps())

    def begin(self, earlier: str = "reprise") -> None:
        """A new run (or a retry): every step waits again, the total restarts. ``earlier``
        says why a step it skips was done before (taken up; the holder's own token)."""
        self._earlier = earlier
        self._rows = {step: _Row() for step in Step}
        self._current = None
        self._total = None
        self._refresh()

    def report(self, progress: StepProgress) -> None:
        row = self._rows[progress.step]
        if progress.phase is Phase.STARTED:
            for step in Step:
                if step is progress.step:
                    break
                if self._rows[step].state is RowState.PENDING:
                    self._rows[step].state = RowState.EARLIER
            row.state, row.elapsed = RowState.RUNNING, None
            self._current = (progress.step, type(self).clock())
        else:
            row.state = RowState.DONE if progress.phase is Phase.DONE else RowState.FAILED
            row.elapsed = progress.elapsed_seconds
            if self._current is not None and self._current[0] is progress.step:
                self._current = None
        self._total = progress.total_seconds
        self._reported_at = type(self).clock()
        self._refresh()

    def finish(self, total_seconds: float | None = None) -> None:
        """The run is over: steps it did not need were done earlier (taken up)."""
        if total_seconds is not None:
            for row in self._rows.values():
                if row.state is RowState.PENDING:
                    row.state = RowState.EARLIER
            self._total = total_seconds
        self._current = None
        self._refresh()

    def _tick(self) -> None:
        if self._current is not None:
            self._refresh()

    def _refresh(self) -> None:
        if self.is_mounted:
            self.update(self.render_steps())

    def row_state(self, step: Step) -> RowState:
        return self._rows[step].state

    def render_steps(self) -> Text:
        now = type(self).clock()
        text = Text()
        for step in Step:
            row = self._rows[step]
            text.append_text(self._line(step, row, now))
            text.append("\n")
        text.append_text(self._total_line(now))
        return text

    def _line(self, step: Step, row: _Row, now: float) -> Text:
        label = step.label.ljust(LABEL_WIDTH)
        if row.state is RowState.RUNNING and self._current is not None:
            elapsed = now - self._current[1]
            frame = SPINNER[int(elapsed / TICK_SECONDS) % len(SPINNER)]
            return Text.assemble(
                f" {frame} ", (label, "bold"), (f"en cours ({seconds(elapsed)})", "bold")
            )
        if row.state is RowState.DONE:
            return Text.assemble(" ✓ ", label, seconds(row.elapsed or 0.0))
        if row.state is RowState.FAILED:
            return Text.assemble(
                " ✗ ", (label, "bold"), (f"échec après {seconds(row.elapsed or 0.0)}", "bold")
            )
        if row.state is RowState.EARLIER:
            return Text.assemble(" ✓ ", label, (f"déjà fait ({self._earlier})", "dim"))
        return Text.assemble(" · ", (label, "dim"), ("à venir", "dim"))

    def _total_line(self, now: float) -> Text:
        if self._current is not None and self._total is not None:
            total = self._total + now - self._reported_at
            return Text(f"Durée : {seconds(total)} — en cours", style="bold")
        if self._total is not None:
            return Text(f"Durée totale : {seconds(self._total)}", style="bold")
        return Text("Durée : —", style="dim")
